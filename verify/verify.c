// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The signature verdict (rules and states in verify.h).
 *
 * Why each step is safe in the privileged process:
 *  - the trailer: 40 fixed bytes at the end of the sealed bytes, read with
 *    our own bounds checks; the child's copy of it only has to agree;
 *  - the digests: the parent's own pass over the sealed, read-only memfd,
 *    over bounds taken from its own trailer reading;
 *  - the certificate lookup: byte comparison of the child's signer id with
 *    identifiers the trust store computed from root-owned files;
 *  - the signature: RSA_verify or ECDSA_do_verify with the certificate's
 *    key over our digest. RSA gets the raw value; ECDSA gets a signature
 *    object we build ourselves from the child's r and s. A lying child can make a good
 *    signature fail, never a bad one pass: without signed attributes the
 *    value signs the content's digest, which we computed.
 */
/* SHA-1/2, RSA and EC_KEY routines: see struct digest, check_signature(). */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include "common/macros.h"
#include "verify/verify.h"

/* The kernel's appended-signature trailer (scripts/sign-file.c, module_signature.h). */
static const char sig_magic[] = "~Module signature appended~\n";
#define MAGIC_LEN   (sizeof(sig_magic) - 1)
#define INFO_LEN    12
#define TRAILER_LEN (INFO_LEN + MAGIC_LEN)
#define ID_PKCS7    2
/* r and s of ECDSA on P-384 are 48 bytes; a little slack for leading zeros. */
#define ECDSA_MAX_INT 66

struct trailer {
	bool present;
	uint8_t info[INFO_LEN];
	uint64_t content_len;
};

static const struct {
	int nid;
	bool weak;
} digests[] = {
	{NID_sha256, false},   {NID_sha384, false},   {NID_sha512, false}, {NID_sha3_256, false},
	{NID_sha3_384, false}, {NID_sha3_512, false}, {NID_sha1, true},	   {NID_sha224, true},
};

const char *verify_state_name(enum verify_state s)
{
	static const char *const names[] = {
		[VERIFY_NONE] = "none",		  [VERIFY_VALID] = "valid",
		[VERIFY_UNTRUSTED] = "untrusted", [VERIFY_INVALID] = "invalid",
		[VERIFY_MALFORMED] = "malformed",
	};
	return (size_t)s < ARRAY_SIZE(names) ? names[s] : "?";
}

static int verdict(struct verify_result *out, enum verify_state s, const char *fmt, ...)
	_printf_(3, 4);
static int verdict(struct verify_result *out, enum verify_state s, const char *fmt, ...)
{
	va_list ap;

	out->state = s;
	va_start(ap, fmt);
	vsnprintf(out->reason, sizeof(out->reason), fmt, ap);
	va_end(ap);
	/* the child's words may be among them: printable ASCII only */
	for (char *p = out->reason; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	return 0;
}

/* The kernel's module_sig_check + mod_check_sig, on our own reading: tail
 * holds the last MIN(size, TRAILER_LEN) bytes. NULL if the trailer is
 * acceptable or absent (t->present says which). */
static const char *trailer_read(const uint8_t *tail, uint64_t size, struct trailer *t)
{
	size_t tail_len = size < TRAILER_LEN ? (size_t)size : TRAILER_LEN;
	uint32_t sig_len;
	uint64_t avail;

	*t = (struct trailer){0};
	if (size < MAGIC_LEN || memcmp(tail + tail_len - MAGIC_LEN, sig_magic, MAGIC_LEN) != 0)
		return NULL;
	t->present = true;
	if (size <= TRAILER_LEN)
		return "signature trailer truncated";
	memcpy(t->info, tail, INFO_LEN);
	sig_len = (uint32_t)t->info[8] << 24 | (uint32_t)t->info[9] << 16 |
		  (uint32_t)t->info[10] << 8 | t->info[11];
	avail = size - TRAILER_LEN;
	if (sig_len >= avail)
		return "signature length in the trailer exceeds the file";
	if (t->info[2] != ID_PKCS7)
		return "not a PKCS#7 signature (the kernel refuses other id types)";
	for (size_t i = 0; i < INFO_LEN - 4; i++)
		if (i != 2 && t->info[i] != 0)
			return "PKCS#7 signature trailer has unexpected non-zero fields";
	if (sig_len == 0)
		return "empty PKCS#7 signature";
	t->content_len = avail - sig_len;
	return NULL;
}

/* The child saw the same bytes: its trailer and bounds must be ours. */
static const char *child_agrees(const struct trailer *t, const struct sig_facts *sig)
{
	if (sig->state == WIRE_SIG_MALFORMED)
		return NULL; /* reported with the child's reason by the caller */
	if (sig->state != WIRE_SIG_PKCS7 || !sig->has_trailer ||
	    memcmp(sig->trailer, t->info, INFO_LEN) != 0 || sig->content_len != t->content_len ||
	    sig->problem)
		return "the sandboxed parser's report disagrees with the signature trailer";
	return NULL;
}

static const char *digest_rule(uint32_t nid, unsigned int flags)
{
	for (size_t i = 0; i < ARRAY_SIZE(digests); i++)
		if ((uint32_t)digests[i].nid == nid)
			return !digests[i].weak || (flags & VERIFY_ALLOW_WEAK_DIGESTS)
				       ? NULL
				       : "weak digest algorithm refused (sha1, sha224)";
	return "digest algorithm not accepted (only SHA-2 256/384/512 and SHA-3)";
}

static const char *signer_rules(const struct sig_facts *sig)
{
	if (sig->nsigners != 1)
		return "not exactly one signer (stricter than the kernel)";
	if (!sig->detached)
		return "PKCS#7 content is not detached";
	if (!sig->data_type)
		return "PKCS#7 content type is not id-data";
	if (sig->signed_attrs)
		return "PKCS#7 signer has signed attributes (the kernel refuses them)";
	if (sig->id_kind == WIRE_SIGNER_ISSUER_SERIAL) {
		if (!sig->issuer_der.len)
			return "signer id without an issuer";
	} else if (sig->id_kind == WIRE_SIGNER_SKID) {
		if (!sig->skid.len)
			return "signer id with an empty subject key identifier";
	} else {
		return "no signer id";
	}
	return NULL;
}

/* Kernel rules, then ours, over the child's claims. NULL if acceptable. */
static const char *facts_rules(const struct sig_facts *sig, unsigned int flags)
{
	const char *why = signer_rules(sig);

	if (why)
		return why;
	if ((why = digest_rule(sig->digest_nid, flags)))
		return why;
	if (sig->pkey_nid == NID_rsaEncryption) {
		if (!sig->value.len)
			return "empty RSA signature value";
	} else if (sig->pkey_nid == NID_X9_62_id_ecPublicKey) {
		if (!sig->ecdsa_r.len || !sig->ecdsa_s.len || sig->ecdsa_r.len > ECDSA_MAX_INT ||
		    sig->ecdsa_s.len > ECDSA_MAX_INT)
			return "ECDSA r or s missing or too long";
	} else {
		return "signature algorithm is neither RSA nor ECDSA";
	}
	return NULL;
}

/* len bytes of the sealed memfd at off. 0, or -errno (-EIO: it ended
 * early, which a sealed memfd of the size we were given cannot). */
static int read_at(int fd, uint64_t off, uint8_t *dst, size_t len)
{
	while (len > 0) {
		ssize_t n = pread(fd, dst, len, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		dst += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/* SHA-3, the one family without a low-level API: fetched once per process. */
static const EVP_MD *md_by_nid(int nid)
{
	static struct {
		int nid;
		EVP_MD *md;
	} cache[ARRAY_SIZE(digests)];

	for (size_t i = 0; i < ARRAY_SIZE(cache); i++) {
		if (cache[i].md && cache[i].nid == nid)
			return cache[i].md;
		if (!cache[i].md) {
			cache[i].md = EVP_MD_fetch(NULL, OBJ_nid2sn(nid), NULL);
			cache[i].nid = nid;
			return cache[i].md;
		}
	}
	return NULL;
}

/* One running digest. SHA-1 and SHA-2 go to libcrypto's own block
 * functions, the code its default provider wraps: the provider's first
 * fetch in a process builds its method store, 0.6 M instructions, more
 * than digesting a 20 KiB module. SHA-3 goes through EVP. */
struct digest {
	int nid;
	union {
		SHA_CTX sha1;
		SHA256_CTX sha256;
		SHA512_CTX sha512;
	} u;
	EVP_MD_CTX *evp;
};

static bool digest_available(int nid)
{
	switch (nid) {
	case NID_sha1:
	case NID_sha224:
	case NID_sha256:
	case NID_sha384:
	case NID_sha512:
		return true;
	default:
		return md_by_nid(nid) != NULL;
	}
}

static bool digest_init(struct digest *d, int nid)
{
	*d = (struct digest){.nid = nid};
	switch (nid) {
	case NID_sha1:
		return SHA1_Init(&d->u.sha1) == 1;
	case NID_sha224:
		return SHA224_Init(&d->u.sha256) == 1;
	case NID_sha256:
		return SHA256_Init(&d->u.sha256) == 1;
	case NID_sha384:
		return SHA384_Init(&d->u.sha512) == 1;
	case NID_sha512:
		return SHA512_Init(&d->u.sha512) == 1;
	default: {
		const EVP_MD *md = md_by_nid(nid);
		d->evp = md ? EVP_MD_CTX_new() : NULL;
		return d->evp && EVP_DigestInit_ex(d->evp, md, NULL) == 1;
	}
	}
}

static bool digest_update(struct digest *d, const uint8_t *p, size_t n)
{
	switch (d->nid) {
	case NID_sha1:
		return SHA1_Update(&d->u.sha1, p, n) == 1;
	case NID_sha224:
	case NID_sha256:
		return SHA256_Update(&d->u.sha256, p, n) == 1;
	case NID_sha384:
	case NID_sha512:
		return SHA512_Update(&d->u.sha512, p, n) == 1;
	default:
		return EVP_DigestUpdate(d->evp, p, n) == 1;
	}
}

/* out has EVP_MAX_MD_SIZE bytes. */
static bool digest_final(struct digest *d, uint8_t *out, unsigned int *len)
{
	switch (d->nid) {
	case NID_sha1:
		*len = SHA_DIGEST_LENGTH;
		return SHA1_Final(out, &d->u.sha1) == 1;
	case NID_sha224:
		*len = SHA224_DIGEST_LENGTH;
		return SHA224_Final(out, &d->u.sha256) == 1;
	case NID_sha256:
		*len = SHA256_DIGEST_LENGTH;
		return SHA256_Final(out, &d->u.sha256) == 1;
	case NID_sha384:
		*len = SHA384_DIGEST_LENGTH;
		return SHA384_Final(out, &d->u.sha512) == 1;
	case NID_sha512:
		*len = SHA512_DIGEST_LENGTH;
		return SHA512_Final(out, &d->u.sha512) == 1;
	default:
		return EVP_DigestFinal_ex(d->evp, out, len) == 1;
	}
}

static void digest_release(struct digest *d)
{
	EVP_MD_CTX_free(d->evp);
	d->evp = NULL;
}

/* The sealed bytes are read in blocks this size into one buffer, where both
 * digests find them in the cache. Cheaper than mapping the memfd (populated)
 * and unmapping it: the 6.1 tree's hash phase 67.5 -> 55 us a file in one
 * process, verify-all 794-797 -> 781-782 ms (interleaved runs). */
#define DIGEST_BLOCK (64u * 1024)

/* sha256 of all size bytes of fd and, if md_nid, that digest of [0,
 * content_len), in one pass over the bytes. When md_nid is sha256 the
 * prefix is hashed once and the context copied at its end before the rest
 * goes on; otherwise each block of the prefix feeds both contexts. */
static int digest_fd(int fd, uint64_t size, uint64_t content_len, int md_nid, uint8_t sha256[32],
		     uint8_t *dig, unsigned int *dig_len)
{
	struct digest all = {0}, part = {0};
	uint8_t *buf = malloc(DIGEST_BLOCK);
	unsigned int n = 0;
	int r = 0;
	bool ok = buf && digest_init(&all, NID_sha256);

	if (ok && md_nid && md_nid != NID_sha256)
		ok = digest_init(&part, md_nid);
	for (uint64_t off = 0; ok && r == 0 && off < size;) {
		size_t len = (size_t)MIN((uint64_t)DIGEST_BLOCK, size - off);
		/* the prefix's bytes in this block */
		size_t pre = md_nid && off < content_len
				     ? (size_t)MIN((uint64_t)len, content_len - off)
				     : 0;
		r = read_at(fd, off, buf, len);
		if (r < 0)
			break;
		ok = digest_update(&all, buf, pre);
		if (ok && pre && md_nid != NID_sha256)
			ok = digest_update(&part, buf, pre);
		if (ok && pre && off + pre == content_len) {
			if (md_nid == NID_sha256)
				part = all;
			ok = digest_final(&part, dig, dig_len);
		}
		ok = ok && digest_update(&all, buf + pre, len - pre);
		off += len;
	}
	ok = ok && r == 0 && digest_final(&all, sha256, &n) && n == 32;
	digest_release(&part);
	digest_release(&all);
	free(buf);
	if (r < 0)
		return r;
	return ok ? 0 : -EIO;
}

static const struct trust_cert *find_cert(const struct trust_store *ts, const struct sig_facts *s)
{
	if (s->id_kind == WIRE_SIGNER_SKID)
		return trust_store_find_skid(ts, s->skid.data, s->skid.len);
	return trust_store_find_issuer_serial(ts, s->issuer_der.data, s->issuer_der.len,
					      s->serial.data, s->serial.len);
}

/* 1 valid, 0 not, -errno. The key's own routines, as for the digests: RSA
 * PKCS#1 v1.5 (RSA_verify builds the DigestInfo for md_nid and compares it
 * whole), ECDSA over the signature object we build from the child's r and
 * s. They are what EVP_PKEY_verify reaches through the default provider. */
static int check_signature(const struct trust_cert *c, const struct sig_facts *s, int md_nid,
			   const uint8_t *dig, unsigned int dig_len)
{
	if (c->key_type == EVP_PKEY_RSA) {
		if (s->value.len > UINT_MAX)
			return 0;
		return RSA_verify(md_nid, dig, dig_len, s->value.data, (unsigned int)s->value.len,
				  c->rsa) == 1;
	}
	ECDSA_SIG *es = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(s->ecdsa_r.data, (int)s->ecdsa_r.len, NULL);
	BIGNUM *sv = BN_bin2bn(s->ecdsa_s.data, (int)s->ecdsa_s.len, NULL);
	if (!es || !r || !sv || ECDSA_SIG_set0(es, r, sv) != 1) {
		BN_free(r);
		BN_free(sv);
		ECDSA_SIG_free(es);
		return -ENOMEM;
	}
	int ok = ECDSA_do_verify(dig, (int)dig_len, es, c->ec);
	ECDSA_SIG_free(es);
	return ok == 1;
}

static bool key_matches(const struct trust_cert *c, uint32_t pkey_nid)
{
	return (c->key_type == EVP_PKEY_RSA && pkey_nid == NID_rsaEncryption) ||
	       (c->key_type == EVP_PKEY_EC && pkey_nid == NID_X9_62_id_ecPublicKey);
}

/* Everything after the format checks: digest, lookup, signature. */
static int decide(const struct trust_store *ts, int fd, uint64_t size, const struct sig_facts *sig,
		  struct verify_result *out)
{
	int md_nid = (int)sig->digest_nid;
	uint8_t dig[EVP_MAX_MD_SIZE];
	unsigned int dig_len = 0;
	int r;

	if (!digest_available(md_nid))
		return verdict(out, VERIFY_MALFORMED, "digest algorithm not available");
	out->digest_nid = md_nid;
	r = digest_fd(fd, size, out->content_len, md_nid, out->sha256, dig, &dig_len);
	if (r < 0)
		return r;
	out->cert = find_cert(ts, sig);
	if (!out->cert)
		return verdict(out, VERIFY_UNTRUSTED, "no trusted certificate has the signer's id");
	if (!key_matches(out->cert, sig->pkey_nid))
		return verdict(out, VERIFY_INVALID,
			       "signature algorithm does not match the key of %s", out->cert->file);
	r = check_signature(out->cert, sig, md_nid, dig, dig_len);
	if (r < 0)
		return r;
	if (r == 0)
		return verdict(out, VERIFY_INVALID, "signature does not verify with %s",
			       out->cert->file);
	return verdict(out, VERIFY_VALID, "%s", "");
}

int verify_module(const struct trust_store *ts, int fd, uint64_t size, const struct sig_facts *sig,
		  unsigned int flags, struct verify_result *out)
{
	uint8_t tail[TRAILER_LEN];
	struct trailer t;
	const char *why;
	int r;

	*out = (struct verify_result){.state = VERIFY_MALFORMED};
	r = read_at(fd, size - MIN(size, (uint64_t)TRAILER_LEN), tail,
		    (size_t)MIN(size, (uint64_t)TRAILER_LEN));
	if (r < 0)
		return r;
	why = trailer_read(tail, size, &t);
	if (!why && t.present)
		why = child_agrees(&t, sig);
	if (!why && t.present && sig->state == WIRE_SIG_MALFORMED)
		r = verdict(out, VERIFY_MALFORMED, "%s",
			    sig->problem ? sig->problem : "broken PKCS#7 signature");
	else if (why || (!t.present && sig->state != WIRE_SIG_NONE))
		r = verdict(out, VERIFY_MALFORMED, "%s",
			    why ? why : "the sandboxed parser reports a signature the bytes lack");
	else if (!t.present)
		r = verdict(out, VERIFY_NONE, "%s", "no signature");
	else if ((why = facts_rules(sig, flags)))
		r = verdict(out, VERIFY_MALFORMED, "%s", why);
	else {
		out->content_len = t.content_len;
		r = decide(ts, fd, size, sig, out);
	}
	if (r == 0 && out->state != VERIFY_VALID && out->state != VERIFY_INVALID &&
	    out->state != VERIFY_UNTRUSTED)
		r = digest_fd(fd, size, 0, 0, out->sha256, NULL, NULL);
	ERR_clear_error();
	return r;
}
