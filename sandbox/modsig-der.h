/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A strict DER reader for the one shape of PKCS#7 blob that the kernel's
 * sign-file writes: SignedData, detached id-data content, no certificates,
 * no CRLs, exactly one signer, no signed or unsigned attributes, algorithm
 * parameters NULL or absent, every length in its shortest form.
 *
 * It is a fast path, not a second opinion: whatever it does not accept in
 * full goes to OpenSSL's decoder as before (modsig.c). What it accepts,
 * OpenSSL's d2i_CMS_ContentInfo accepts too, with the same facts; it only
 * accepts what it can say that of (names whose strings cannot fail
 * OpenSSL's canonicalisation, algorithms it knows by OID, integers in
 * minimal form). tests/unit/test-modsig.c holds it to that against OpenSSL
 * on generated blobs and every one-byte mutation of them.
 *
 * Runs only in the sandboxed parse child, on untrusted bytes; no allocation,
 * every pointer in the result points into the blob.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct der_span {
	const uint8_t *p;
	size_t len;
};

struct pkcs7_simple {
	size_t used;		/* bytes of the blob the ContentInfo takes */
	bool data_type;		/* eContentType is id-data */
	bool by_skid;		/* signer named by subject key id, else issuer + serial */
	struct der_span skid;	/* by_skid */
	struct der_span issuer; /* the issuer Name, whole TLV */
	struct der_span cn;	/* as kmod shows it: first commonName, else the last entry */
	struct der_span serial; /* magnitude, leading zeros stripped (zero: empty) */
	int digest_nid, pkey_nid;
	struct der_span sig;  /* the signature OCTET STRING's contents */
	struct der_span r, s; /* ECDSA only; leading zeros stripped */
};

/* true: the blob is of that shape and *out describes it; false: it is not
 * (malformed, or merely unusual), and OpenSSL decides. */
bool pkcs7_simple_decode(const uint8_t *blob, size_t n, struct pkcs7_simple *out);
