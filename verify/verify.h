/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The signature verdict, decided in the privileged parent from the sealed
 * module bytes and the facts a sandboxed child extracted from them.
 *
 * What the parent establishes itself: the 40-byte trailer (read from the
 * sealed bytes with its own bounds checks), hence the signed content's
 * length; the digests of the bytes; which trust store certificate the
 * signer id names (byte comparison); whether the raw signature value checks
 * out under that certificate's key. What it takes from the child, as claims
 * that can only make a signature fail, never pass: the signer id, the
 * algorithms, the raw signature value (RSA) or r and s (ECDSA, from which the
 * parent builds the signature object itself). No DER of the module is parsed
 * here (tests/unit/test-verify-symbols.sh proves the objects cannot).
 *
 * Verdicts, in the order they are decided:
 *   none       no "~Module signature appended~\n" marker
 *   malformed  the trailer, the child's report or the PKCS#7 blob breaks a
 *              rule: the kernel's (mod_check_sig, detached, id-data, no
 *              signed attributes, RSA or ECDSA) or ours, stricter than the
 *              kernel's: exactly one signer, no md5/sha1/sha224 unless
 *              VERIFY_ALLOW_WEAK_DIGESTS (then sha1 and sha224 pass)
 *   untrusted  well formed, but no trust store certificate has the signer id
 *   invalid    the certificate was found and the signature does not verify
 *   valid      it does
 * Certificate validity dates are not checked: the kernel does not either.
 */
#pragma once

#include <stdint.h>

#include "inspect/facts.h"
#include "inspect/inspect.h"
#include "verify/truststore.h"

enum verify_state {
	VERIFY_NONE = 0,
	VERIFY_VALID,
	VERIFY_UNTRUSTED,
	VERIFY_INVALID,
	VERIFY_MALFORMED,
};

#define VERIFY_ALLOW_WEAK_DIGESTS (1u << 0)

struct verify_result {
	enum verify_state state;
	char reason[192];	       /* why not valid; "" when valid or none */
	uint8_t sha256[32];	       /* parent: sha256 of all the sealed bytes */
	uint64_t content_len;	       /* parent: signed content length; 0 without a signature */
	const struct trust_cert *cert; /* the certificate the signer id names (valid, invalid) */
	int digest_nid; /* the digest used (claimed by the child); NID_undef if none */
};

/* "none", "valid", "untrusted", "invalid", "malformed". */
const char *verify_state_name(enum verify_state s);

/* Verdict over the size bytes of fd (a sealed, read-only memfd) and the
 * child's signature facts. 0 with *out filled, or -errno when the bytes
 * cannot be read (no verdict: deny). */
int verify_module(const struct trust_store *ts, int fd, uint64_t size, const struct sig_facts *sig,
		  unsigned int flags, struct verify_result *out);

static inline int verify_inspected(const struct trust_store *ts, const struct inspected *in,
				   unsigned int flags, struct verify_result *out)
{
	return verify_module(ts, in->memfd_ro, in->size, &in->facts.sig, flags, out);
}
