/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test-only helpers for the verify unit tests: keys and self-signed
 * certificates generated at test time with libcrypto, files in a temporary
 * directory. Header-only (static), included by each test-verify*.c and
 * test-truststore.c.
 */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static inline EVP_PKEY *tu_key_rsa(unsigned int bits)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
}

static inline EVP_PKEY *tu_key_ec(const char *curve)
{
	return EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);
}

/* Self-signed, CN=cn, serial, optionally with a subjectKeyIdentifier. */
static inline X509 *tu_cert(EVP_PKEY *k, const char *cn, long serial, int with_skid)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	X509V3_CTX ctx;

	if (!x || !name)
		abort();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, name);
	X509_NAME_free(name);
	X509_set_pubkey(x, k);
	if (with_skid) {
		X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
		X509_EXTENSION *e =
			X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_key_identifier, "hash");
		if (!e)
			abort();
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	if (X509_sign(x, k, EVP_sha256()) <= 0)
		abort();
	return x;
}

static inline void tu_write(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, data, len) != (ssize_t)len)
		abort();
	close(fd);
}

static inline void tu_write_pem(const char *path, X509 *const *xs, size_t n)
{
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	for (size_t i = 0; i < n; i++)
		PEM_write_X509(f, xs[i]);
	fclose(f);
	chmod(path, 0644);
}

static inline void tu_write_der(const char *path, X509 *x)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	if (n <= 0)
		abort();
	tu_write(path, der, (size_t)n);
	OPENSSL_free(der);
}

/* rm -rf of a test directory (one level of subdirectories is enough here). */
static inline void tu_rmtree(const char *dir)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}
