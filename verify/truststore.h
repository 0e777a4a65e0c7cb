/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The trust store: the certificates whose keys may vouch for a module.
 *
 * Read from keys.d/ in /etc/modgate and /usr/lib/modgate (under --root for
 * admin commands, never for a load). Files named *.pem, *.crt or *.der; a
 * name in /etc masks the same name in /usr/lib; an empty file or a symlink to
 * /dev/null masks without adding anything. A file may hold several PEM
 * certificates; each certificate is known by its file name (policy and audit
 * say `cert=kernel-6.1.0-56-amd64.pem`).
 *
 * These files are configuration: root-owned, written by the admin or by
 * `modgate keys`. They are the only DER parsed in the privileged process, and
 * only if they pass the ownership rules: owned by root, not writable by group
 * or others, in directories with the same properties. Any problem fails the
 * whole load (fail closed) with one sentence naming the file.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "common/strbuf.h"

#define TRUST_MAX_FILE_BYTES (1u << 20)

struct trust_cert {
	char *file;	  /* file name in keys.d: the certificate's name */
	char *path;	  /* where it was read from */
	unsigned int idx; /* position inside a multi-certificate file */
	uint8_t *der; /* the certificate as read */
	size_t der_len;
	RSA *rsa;      /* the key: one of rsa and ec */
	EC_KEY *ec;
	int key_type;  /* EVP_PKEY_RSA or EVP_PKEY_EC */
	int curve_nid; /* EC only */
	int bits;
	/* The identifiers a module's signer id is compared with, byte for byte. */
	uint8_t *issuer_der;
	size_t issuer_len;
	uint8_t *serial; /* big-endian magnitude without leading zeros */
	size_t serial_len;
	bool serial_negative; /* never matches: the child sends magnitudes only */
	uint8_t *skid;	      /* subject key identifier; NULL if the cert has none */
	size_t skid_len;
	uint8_t sha256[32]; /* fingerprint of the certificate's DER */
	X509_NAME *subject; /* for `keys list` (cu_name_oneline): not formatted on a load */
	char *subject_cn;   /* first commonName, printable; "" if none */
	ASN1_TIME *not_before, *not_after; /* shown, never checked (as by the kernel) */
};

struct trust_store {
	struct trust_cert *certs; /* ordered by file name, then position in the file */
	size_t n;
};

/* OpenSSL without its configuration file (nothing outside root-owned
 * configuration steers trust): call before anything else in the process
 * touches libcrypto. Idempotent. 0 or -EIO. */
int verify_crypto_init(void);

/* The production store: keys.d of SYSCONFDIR/modgate and LIBDIR_MODGATE,
 * under root when root is non-NULL (admin commands' --root). Files must be
 * owned by uid 0. 0, or -errno with err naming the file and the cause. */
int trust_store_load(struct trust_store *ts, const char *root, struct strbuf *err);

/* Same over explicit directories, highest priority first, files owned by
 * `owner` (tests use their own uid; everything else uses trust_store_load). */
int trust_store_load_dirs(struct trust_store *ts, const char *const *dirs, size_t n_dirs,
			  uid_t owner, struct strbuf *err);

void trust_store_release(struct trust_store *ts);

/* Would this file, owned by root, load? The same rules as the store, for a
 * file about to be installed into it. 0 or -errno with err set. */
int trust_store_check_file(const char *path, struct strbuf *err);

/* The first certificate, in store order, that a signer id names; NULL if none. */
const struct trust_cert *trust_store_find_issuer_serial(const struct trust_store *ts,
							const uint8_t *issuer, size_t issuer_len,
							const uint8_t *serial, size_t serial_len);
const struct trust_cert *trust_store_find_skid(const struct trust_store *ts, const uint8_t *skid,
					       size_t len);
