// SPDX-License-Identifier: LGPL-2.1-or-later
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA256_Init() */
#include <errno.h>
#include <string.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "audit/hash.h"

int crypto_init_noconf(void)
{
	/* Idempotent; the first call of the process decides whether the
	 * configuration file, the legacy name tables and the error strings are
	 * ever loaded. The same choice as verify_crypto_init() (see
	 * verify/README.md), whichever of the two a process calls first. */
	return OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ADD_ALL_CIPHERS |
					   OPENSSL_INIT_NO_ADD_ALL_DIGESTS |
					   OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS,
				   NULL)
		       ? 0
		       : -EIO;
}

int sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256_CTX ctx;

	/* The block functions, not EVP (nor the one-shot SHA256(), an EVP
	 * fetch in OpenSSL 3): no provider method store to build for the hash
	 * of a few configuration files (verify/verify.c, struct digest, says
	 * why that matters on every load). */
	if (crypto_init_noconf() < 0 || SHA256_Init(&ctx) != 1 ||
	    SHA256_Update(&ctx, data, len) != 1 || SHA256_Final(md, &ctx) != 1)
		return -EIO;
	for (unsigned i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[SHA256_HEX_LEN] = '\0';
	return 0;
}

bool is_sha256_hex(const char *s)
{
	if (!s || strlen(s) != SHA256_HEX_LEN)
		return false;
	return strspn(s, "0123456789abcdef") == SHA256_HEX_LEN;
}
