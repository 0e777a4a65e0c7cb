/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The appended module signature (kernel's scripts/sign-file format):
 *
 *   [ module ELF ][ PKCS#7 DER, sig_len bytes ][ struct module_signature, 12 ][ MODSIG_MAGIC, 28 ]
 *
 *   struct module_signature { u8 algo, hash, id_type, signer_len, key_id_len, pad[3]; be32 sig_len;
 * }
 *
 * Legacy id types (0 PGP, 1 X509) put [signer name][key id] before the
 * signature instead; the kernel refuses them, kmod 30 still shows them.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define MODSIG_MAGIC	   "~Module signature appended~\n"
#define MODSIG_MAGIC_LEN   (sizeof(MODSIG_MAGIC) - 1)
#define MODSIG_INFO_LEN	   12
#define MODSIG_TRAILER_LEN (MODSIG_INFO_LEN + MODSIG_MAGIC_LEN)
#define MODSIG_ID_PKCS7	   2

/* Length of the bytes before the signature blob when buf ends with a marker
 * and a trailer whose sig_len fits inside the file; len otherwise. This is
 * the part the kernel parses as ELF once it has stripped the signature. */
size_t modsig_content_len(const uint8_t *buf, size_t len);
