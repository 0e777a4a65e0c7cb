// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The sign-file shape of a PKCS#7 blob, read as strict DER (modsig-der.h).
 * Each reader takes the bytes of exactly one element and fails on anything
 * it does not know to be accepted by OpenSSL with the same meaning; a
 * failure here only sends the blob to OpenSSL (modsig.c).
 *
 *   ContentInfo ::= SEQUENCE { contentType OID signedData, [0] EXPLICIT SignedData }
 *   SignedData  ::= SEQUENCE { version INTEGER, digestAlgorithms SET OF AlgId,
 *                              encapContentInfo SEQUENCE { eContentType OID },
 *                              signerInfos SET OF SignerInfo (one) }
 *   SignerInfo  ::= SEQUENCE { version INTEGER,
 *                              sid IssuerAndSerialNumber | [0] IMPLICIT OCTET STRING,
 *                              digestAlgorithm AlgId, signatureAlgorithm AlgId,
 *                              signature OCTET STRING }
 */
#include <string.h>

#include <openssl/obj_mac.h>

#include "common/macros.h"
#include "sandbox/modsig-der.h"

enum {
	TAG_INTEGER = 0x02,
	TAG_OCTETS = 0x04,
	TAG_NULL = 0x05,
	TAG_OID = 0x06,
	TAG_UTF8 = 0x0c,
	TAG_PRINTABLE = 0x13,
	TAG_T61 = 0x14,
	TAG_IA5 = 0x16,
	TAG_SEQUENCE = 0x30,
	TAG_SET = 0x31,
	TAG_CTX0_PRIM = 0x80,
	TAG_CTX0_CONS = 0xa0,
};

/* A cursor over the contents of one element. */
struct der {
	const uint8_t *p, *end;
};

/* The next element if it has tag `tag`: its contents in *body, the cursor
 * past it. Definite lengths in their shortest form only, at most 4 length
 * bytes, never past the enclosing element. */
static bool take(struct der *d, uint8_t tag, struct der *body)
{
	size_t left = (size_t)(d->end - d->p), len, hdr = 2;

	if (left < 2 || d->p[0] != tag)
		return false;
	len = d->p[1];
	if (len & 0x80) {
		size_t k = len & 0x7f;
		if (k == 0 || k > 4 || left < 2 + k || d->p[2] == 0)
			return false; /* indefinite, too long, or a leading zero */
		len = 0;
		for (size_t i = 0; i < k; i++)
			len = len << 8 | d->p[2 + i];
		if (len < 0x80)
			return false; /* fits the short form */
		hdr += k;
	}
	if (len > left - hdr)
		return false;
	body->p = d->p + hdr;
	body->end = body->p + len;
	d->p = body->end;
	return true;
}

static bool at_end(const struct der *d)
{
	return d->p == d->end;
}

static bool peek(const struct der *d, uint8_t tag)
{
	return d->p < d->end && d->p[0] == tag;
}

static struct der_span span(const struct der *d)
{
	return (struct der_span){d->p, (size_t)(d->end - d->p)};
}

static bool span_is(const struct der *d, const uint8_t *v, size_t n)
{
	return (size_t)(d->end - d->p) == n && memcmp(d->p, v, n) == 0;
}

/* An OID OpenSSL's c2i_ASN1_OBJECT takes: not empty, last byte ends a
 * subidentifier, no subidentifier starting with a 0x80 pad byte. */
static bool take_oid(struct der *d, struct der *oid)
{
	if (!take(d, TAG_OID, oid) || at_end(oid) || (oid->end[-1] & 0x80))
		return false;
	for (const uint8_t *q = oid->p; q < oid->end; q++)
		if (*q == 0x80 && (q == oid->p || !(q[-1] & 0x80)))
			return false;
	return true;
}

/* A non-negative INTEGER in minimal form: its magnitude with leading zeros
 * stripped (zero: empty), as BN_bn2bin would give it. */
static bool take_uint(struct der *d, struct der_span *mag)
{
	struct der v;

	if (!take(d, TAG_INTEGER, &v) || at_end(&v) || (v.p[0] & 0x80))
		return false;
	if (v.end - v.p > 1 && v.p[0] == 0 && !(v.p[1] & 0x80))
		return false; /* padded */
	while (v.p < v.end && v.p[0] == 0)
		v.p++;
	*mag = span(&v);
	return true;
}

/* CMSVersion, decoded by OpenSSL as an INT32: one small value. */
static bool take_version(struct der *d)
{
	struct der_span v;

	return take_uint(d, &v) && v.len <= 1;
}

/* AlgorithmIdentifier with NULL or absent parameters: the OID. */
static bool take_algid(struct der *d, struct der *oid)
{
	struct der a, null;

	if (!take(d, TAG_SEQUENCE, &a) || !take_oid(&a, oid))
		return false;
	if (peek(&a, TAG_NULL) && (!take(&a, TAG_NULL, &null) || !at_end(&null)))
		return false;
	return at_end(&a);
}

struct oid_nid {
	uint8_t len;
	uint8_t oid[9];
	int nid;
};

/* Digests by OID, as OBJ_obj2nid names them. */
static const struct oid_nid digests[] = {
	{5, {0x2b, 0x0e, 0x03, 0x02, 0x1a}, NID_sha1},
	{8, {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05}, NID_md5},
	{8, {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x04}, NID_md4},
	{9, {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01}, NID_sha256},
	{9, {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02}, NID_sha384},
	{9, {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03}, NID_sha512},
	{9, {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04}, NID_sha224},
	{9, {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x07}, NID_sha3_224},
	{9, {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x08}, NID_sha3_256},
	{9, {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x09}, NID_sha3_384},
	{9, {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x0a}, NID_sha3_512},
};

/* Signature algorithms by OID, as the key type they need (what
 * OBJ_find_sigid_algs gives for the combined ones): rsaEncryption, then
 * sha1, sha256, sha384, sha512 and sha224 WithRSAEncryption; id-ecPublicKey,
 * ecdsa-with-SHA1, then ecdsa-with-SHA224, 256, 384 and 512. */
static const struct oid_nid sigalgs[] = {
	{9, {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01}, NID_rsaEncryption},
	{9, {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05}, NID_rsaEncryption},
	{9, {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b}, NID_rsaEncryption},
	{9, {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0c}, NID_rsaEncryption},
	{9, {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0d}, NID_rsaEncryption},
	{9, {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0e}, NID_rsaEncryption},
	{7, {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01}, NID_X9_62_id_ecPublicKey},
	{7, {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01}, NID_X9_62_id_ecPublicKey},
	{8, {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x01}, NID_X9_62_id_ecPublicKey},
	{8, {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02}, NID_X9_62_id_ecPublicKey},
	{8, {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x03}, NID_X9_62_id_ecPublicKey},
	{8, {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x04}, NID_X9_62_id_ecPublicKey},
};

static int nid_of(const struct der *oid, const struct oid_nid *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (span_is(oid, t[i].oid, t[i].len))
			return t[i].nid;
	return NID_undef;
}

/* A name's value that OpenSSL's decoder takes (its DirectoryString set
 * has no VisibleString) and whose conversion to UTF-8 (OpenSSL canonicalises
 * every name it decodes) cannot fail: single-byte string types, and
 * UTF8String only when it is plain ASCII. Anything else goes to OpenSSL. */
static bool take_name_value(struct der *d, struct der *v)
{
	static const uint8_t latin1[] = {TAG_PRINTABLE, TAG_T61, TAG_IA5};

	if (peek(d, TAG_UTF8)) {
		if (!take(d, TAG_UTF8, v))
			return false;
		for (const uint8_t *q = v->p; q < v->end; q++)
			if (*q & 0x80)
				return false;
		return true;
	}
	for (size_t i = 0; i < ARRAY_SIZE(latin1); i++)
		if (peek(d, latin1[i]))
			return take(d, latin1[i], v);
	return false;
}

/* Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value }. kmod shows the
 * first commonName's value, or with none the last entry's, or nothing. */
static bool take_name(struct der *d, struct der_span *whole, struct der_span *cn)
{
	static const uint8_t oid_cn[] = {0x55, 0x04, 0x03};
	const uint8_t *start = d->p;
	struct der name, rdn, atv, type, value;
	bool found = false;

	if (!take(d, TAG_SEQUENCE, &name))
		return false;
	*whole = (struct der_span){start, (size_t)(d->p - start)};
	*cn = (struct der_span){start, 0};
	while (!at_end(&name)) {
		if (!take(&name, TAG_SET, &rdn) || at_end(&rdn))
			return false;
		while (!at_end(&rdn)) {
			if (!take(&rdn, TAG_SEQUENCE, &atv) || !take_oid(&atv, &type) ||
			    !take_name_value(&atv, &value) || !at_end(&atv))
				return false;
			if (!found)
				*cn = span(&value);
			found = found || span_is(&type, oid_cn, sizeof(oid_cn));
		}
	}
	/* modinfo prints it with %s: up to the first NUL */
	const uint8_t *nul = memchr(cn->p, 0, cn->len);
	if (nul)
		cn->len = (size_t)(nul - cn->p);
	return true;
}

/* ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }, filling the whole
 * signature value, both numbers positive. */
static bool ecdsa_split(struct der_span sig, struct der_span *r, struct der_span *s)
{
	struct der d = {sig.p, sig.p + sig.len}, seq;

	/* far more than any curve needs; OpenSSL's reader of this one is
	 * its own, and this keeps its lengths in forms both read alike */
	if (sig.len > 1024)
		return false;
	if (!take(&d, TAG_SEQUENCE, &seq) || !at_end(&d) || !take_uint(&seq, r) ||
	    !take_uint(&seq, s) || !at_end(&seq))
		return false;
	return r->len > 0 && s->len > 0;
}

static bool take_signer(struct der *d, struct pkcs7_simple *out)
{
	struct der si, sid, oid, sig;

	if (!take(d, TAG_SEQUENCE, &si) || !take_version(&si))
		return false;
	if (peek(&si, TAG_CTX0_PRIM)) {
		if (!take(&si, TAG_CTX0_PRIM, &sid) || at_end(&sid))
			return false;
		out->by_skid = true;
		out->skid = span(&sid);
	} else {
		if (!take(&si, TAG_SEQUENCE, &sid) || !take_name(&sid, &out->issuer, &out->cn) ||
		    !take_uint(&sid, &out->serial) || !at_end(&sid))
			return false;
	}
	if (!take_algid(&si, &oid) ||
	    (out->digest_nid = nid_of(&oid, digests, ARRAY_SIZE(digests))) == NID_undef)
		return false;
	/* signed attributes would come here: not this shape */
	if (!take_algid(&si, &oid) ||
	    (out->pkey_nid = nid_of(&oid, sigalgs, ARRAY_SIZE(sigalgs))) == NID_undef)
		return false;
	if (!take(&si, TAG_OCTETS, &sig) || at_end(&sig) || !at_end(&si))
		return false; /* unsigned attributes: not this shape either */
	out->sig = span(&sig);
	return out->pkey_nid != NID_X9_62_id_ecPublicKey || ecdsa_split(out->sig, &out->r, &out->s);
}

bool pkcs7_simple_decode(const uint8_t *blob, size_t n, struct pkcs7_simple *out)
{
	static const uint8_t oid_signed[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02};
	static const uint8_t oid_data[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01};
	struct der d = {blob, blob + n}, ci, oid, expl, sd, set, encap;

	*out = (struct pkcs7_simple){0};
	if (!take(&d, TAG_SEQUENCE, &ci) || !take_oid(&ci, &oid) ||
	    !span_is(&oid, oid_signed, sizeof(oid_signed)) || !take(&ci, TAG_CTX0_CONS, &expl) ||
	    !at_end(&ci) || !take(&expl, TAG_SEQUENCE, &sd) || !at_end(&expl))
		return false;
	out->used = (size_t)(d.p - blob);
	if (!take_version(&sd) || !take(&sd, TAG_SET, &set))
		return false;
	while (!at_end(&set))
		if (!take_algid(&set, &oid))
			return false;
	/* detached: the encapsulated content is the type alone */
	if (!take(&sd, TAG_SEQUENCE, &encap) || !take_oid(&encap, &oid) || !at_end(&encap))
		return false;
	out->data_type = span_is(&oid, oid_data, sizeof(oid_data));
	/* certificates [0] or CRLs [1] would come here: not this shape */
	if (!take(&sd, TAG_SET, &set) || !at_end(&sd) || !take_signer(&set, out) || !at_end(&set))
		return false;
	return true;
}
