/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SHA-256 for the chain. libcrypto is initialised without reading its
 * configuration file (invariant 6: nothing outside root-owned configuration
 * steers trust, and openssl.cnf can load providers).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define SHA256_HEX_LEN 64

/* Initialise libcrypto without its configuration file; call before any
 * other libcrypto use. 0 or -EIO. */
int crypto_init_noconf(void);
/* Lower-case hex digest of `len` bytes into out (65 bytes with the NUL).
 * 0 or -EIO when libcrypto fails. */
int sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1]);
/* Exactly 64 lower-case hex digits? */
bool is_sha256_hex(const char *s);
