// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Test-only LD_PRELOAD library: logs every DER decode the privileged process
 * asks libcrypto for, so tests/integration/test-verify-noparse.sh can show
 * that the parent decodes only trust store certificates, never module bytes.
 *
 * Each interposed decoder appends "<function> <sha256 of its input>\n" to
 * $MODGATE_TEST_PRELOAD_LOG, in the process that loaded the library only:
 * forked children (the sandboxed decoders) call straight through without a
 * syscall, since their seccomp filter would kill them for one.
 */
#define OPENSSL_SUPPRESS_DEPRECATED /* d2i_RSAPublicKey, o2i_ECPublicKey */
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/cms.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

static int log_fd = -1;
static int in_child;

static void mark_child(void)
{
	in_child = 1;
}

__attribute__((constructor)) static void init(void)
{
	const char *path = getenv("MODGATE_TEST_PRELOAD_LOG");
	if (path)
		log_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	pthread_atfork(NULL, NULL, mark_child);
}

static void record(const char *fn, const unsigned char *p, long len)
{
	unsigned char md[32];
	char line[128];
	unsigned int n = 0;
	int off;

	if (in_child || log_fd < 0 || !p || len < 0)
		return;
	EVP_Digest(p, (size_t)len, md, &n, EVP_sha256(), NULL);
	off = snprintf(line, sizeof(line), "%s ", fn);
	for (unsigned int i = 0; i < n && off < (int)sizeof(line) - 3; i++)
		off += snprintf(line + off, sizeof(line) - (size_t)off, "%02x", md[i]);
	line[off++] = '\n';
	if (write(log_fd, line, (size_t)off) < 0)
		abort();
}

/* The real function is resolved in a constructor: a sandboxed child must not
 * be the first to look it up. */
#define WRAP(type, name)                                                                           \
	static type *(*real_##name)(type **, const unsigned char **, long);                        \
	__attribute__((constructor)) static void resolve_##name(void)                              \
	{                                                                                          \
		*(void **)&real_##name = dlsym(RTLD_NEXT, #name);                                  \
	}                                                                                          \
	type *name(type **a, const unsigned char **pp, long len)                                   \
	{                                                                                          \
		record(#name, pp ? *pp : NULL, len);                                               \
		return real_##name(a, pp, len);                                                    \
	}

WRAP(X509, d2i_X509)
WRAP(X509, d2i_X509_AUX)
WRAP(X509_NAME, d2i_X509_NAME)
WRAP(CMS_ContentInfo, d2i_CMS_ContentInfo)
WRAP(PKCS7, d2i_PKCS7)
WRAP(ECDSA_SIG, d2i_ECDSA_SIG)
WRAP(EVP_PKEY, d2i_PUBKEY)
WRAP(ASN1_OCTET_STRING, d2i_ASN1_OCTET_STRING)
/* what the trust store decodes a certificate with (verify/certutil.c) */
WRAP(X509_ALGOR, d2i_X509_ALGOR)
WRAP(ASN1_INTEGER, d2i_ASN1_INTEGER)
WRAP(ASN1_TIME, d2i_ASN1_TIME)
WRAP(ASN1_BIT_STRING, d2i_ASN1_BIT_STRING)
WRAP(X509_EXTENSIONS, d2i_X509_EXTENSIONS)
WRAP(RSA, d2i_RSAPublicKey)
WRAP(EC_KEY, o2i_ECPublicKey)

/* The TLV reader: logged with everything it may look at. */
static int (*real_ASN1_get_object)(const unsigned char **, long *, int *, int *, long);
__attribute__((constructor)) static void resolve_ASN1_get_object(void)
{
	*(void **)&real_ASN1_get_object = dlsym(RTLD_NEXT, "ASN1_get_object");
}
int ASN1_get_object(const unsigned char **pp, long *plength, int *ptag, int *pclass, long omax)
{
	record("ASN1_get_object", pp ? *pp : NULL, omax);
	return real_ASN1_get_object(pp, plength, ptag, pclass, omax);
}
