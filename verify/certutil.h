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
 * no other block, or one DER certificate filling the whole file. *out is an
 * array of *n certificates the caller frees (X509_free each, then free).
 * 0 or -errno with *why set. */
int cu_parse_certs(const uint8_t *data, size_t len, X509 ***out, size_t *n, const char **why);

/* sha256 of the certificate's DER. 0 or -errno. */
int cu_x509_fingerprint(X509 *x, uint8_t out[32]);

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
