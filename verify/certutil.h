/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small certificate helpers of the privileged side: parsing the trust store's
 * own files (configuration, never module bytes), printable names, hex, PEM
 * encoding of DER that a sandboxed child has already validated (base64, no
 * parsing), and writing a trust store file atomically.
 */
#pragma once

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "common/strbuf.h"

static inline void cu_bn_freep(BIGNUM **p)
{
	BN_free(*p);
}

static inline void cu_x509_freep(X509 **p)
{
	X509_free(*p);
}

/* One certificate file's bytes: PEM with one or more CERTIFICATE blocks and
 * no other block, or one DER certificate filling the whole file.
 * cu_split_certs() gives each certificate's DER (copies, freed with
 * cu_ders_free), checking only the PEM framing; cu_parse_certs() decodes
 * each into an X509 as well: *out is an array of *n certificates the caller
 * frees (X509_free each, then free). 0 or -errno with *why set. */
struct cu_der {
	uint8_t *der;
	size_t len;
};
int cu_split_certs(const uint8_t *data, size_t len, struct cu_der **out, size_t *n,
		   const char **why);
void cu_ders_free(struct cu_der *v, size_t n);
int cu_parse_certs(const uint8_t *data, size_t len, X509 ***out, size_t *n, const char **why);

/* One DER certificate of the trust store, read without OpenSSL's X509
 * decoder: in OpenSSL 3 that decoder also decodes the public key through the
 * provider decoder machinery, some five million instructions a certificate
 * (50 ms a load in the emulated VM). Every field is still checked: the
 * structure of RFC 5280 4.1 in DER with definite lengths, and each field
 * decoded as its ASN.1 type with nothing left over. Out come the key (RSA,
 * or ECDSA on P-256/P-384: their own routines, not the generic
 * SubjectPublicKeyInfo decoder), the serial, the subject, the validity, the
 * subject key identifier (none is fine; two, or one that does not decode,
 * is not); issuer is a span of der. Release with cu_cert_info_release(),
 * also after a failure. 0 or -errno with *why set. */
struct cu_cert_info {
	RSA *rsa;
	EC_KEY *ec;
	int key_type;  /* EVP_PKEY_RSA or EVP_PKEY_EC */
	int curve_nid; /* EC only */
	int bits;
	BIGNUM *serial;
	const uint8_t *issuer;
	size_t issuer_len;
	uint8_t *skid;
	size_t skid_len;
	X509_NAME *subject;
	ASN1_TIME *not_before, *not_after;
};
int cu_cert_decode(const uint8_t *der, size_t len, struct cu_cert_info *out, const char **why);
void cu_cert_info_release(struct cu_cert_info *c);

/* RFC 2253 one-line form / the first commonName, as printable ASCII (other
 * bytes become '?'). 0 or -ENOMEM. */
int cu_name_oneline(const X509_NAME *name, char **out);
int cu_name_cn(const X509_NAME *name, char **out);

/* "AB:CD:.." (sep ':') or "abcd.." (sep 0). Never NULL on success. 0 or -ENOMEM. */
int cu_hex(const uint8_t *p, size_t len, char sep, char **out);

/* Append the PEM form of DER bytes (a CERTIFICATE block, 64-column base64). */
int cu_pem_append(struct strbuf *sb, const uint8_t *der, size_t len);

/* A file name for keys.d: [A-Za-z0-9._+@~-], not starting with '.' or '-',
 * 1..128 bytes, ending in .pem, .crt or .der. */
bool cu_valid_key_name(const char *name);

/* Write data to dir/name through a temporary file in dir (a dot file, which
 * the trust store ignores), fsync, check(tmp path, ctx) if given, rename (or
 * link, when an existing file must not be replaced), fsync the directory;
 * mode 0644, owned by the caller. 0, -EEXIST, check's error, or -errno. */
typedef int (*cu_check_fn)(const char *path, void *ctx);
int cu_write_file_atomic(const char *dir, const char *name, const void *data, size_t len,
			 bool replace, cu_check_fn check, void *ctx);

/* mkdir -p with mode for the directories it creates. 0 or -errno. */
int cu_mkdir_p(const char *path, mode_t mode);
