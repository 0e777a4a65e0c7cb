// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * modsig_decode() on signatures made here with keys generated at run time
 * (RSA-2048, ECDSA P-256 and P-384), in the kernel's sign-file layout. The
 * values it sends must be enough to verify the signature without any DER
 * parsing: the test verifies them that way.
 *
 * Also: decode_crypto_init() must leave nothing for OpenSSL to initialise
 * lazily. A fresh process (this binary re-executed) initialises, installs a
 * seccomp filter that kills on any file or network syscall, then decodes.
 */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/cms.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/macros.h"
#include "sandbox/decode.h"
#include "sandbox/modsig-der.h"
#include "sandbox/modsig.h"
#include "tests/crafted/wire-fields.h"

static const char content[] = "\x7f"
			      "ELF pretend module bytes, signed as they are";

struct signer {
	EVP_PKEY *key;
	X509 *cert;
};

enum { F_KEYID = 1, F_ATTRS = 2, F_EMBED = 4 };

static X509_NAME *make_name(const char *cn)
{
	X509_NAME *n = X509_NAME_new();

	assert_non_null(n);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"modgate", -1, -1,
				   0);
	if (cn)
		X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
					   0);
	X509_NAME_add_entry_by_txt(n, "OU", MBSTRING_ASC, (const unsigned char *)"last", -1, -1, 0);
	return n;
}

static struct signer make_signer(const char *alg, const char *param, const char *cn, long serial)
{
	struct signer s;
	X509_NAME *name = make_name(cn);
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	if (strcmp(alg, "RSA") == 0)
		s.key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	else
		s.key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", param);
	assert_non_null(s.key);
	s.cert = X509_new();
	X509_set_version(s.cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(s.cert), serial);
	X509_set_subject_name(s.cert, name);
	X509_set_issuer_name(s.cert, name);
	X509_gmtime_adj(X509_getm_notBefore(s.cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(s.cert), 3600);
	X509_set_pubkey(s.cert, s.key);
	X509V3_set_ctx(&ctx, s.cert, s.cert, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_key_identifier, "hash");
	assert_non_null(ext);
	X509_add_ext(s.cert, ext, -1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(s.cert, s.key, EVP_sha256()) > 0);
	X509_NAME_free(name);
	return s;
}

static void signer_free(struct signer *s)
{
	EVP_PKEY_free(s->key);
	X509_free(s->cert);
}

/* content + PKCS#7 + trailer, as scripts/sign-file lays it out */
static uint8_t *sign_file(const struct signer *s, size_t n, const EVP_MD *md, int flags,
			  size_t *len)
{
	unsigned int cf =
		CMS_BINARY | CMS_NOCERTS | CMS_PARTIAL | (flags & F_EMBED ? 0 : CMS_DETACHED);
	unsigned int sf = CMS_BINARY | CMS_NOCERTS | (flags & F_ATTRS ? 0 : CMS_NOATTR) |
			  (flags & F_KEYID ? CMS_USE_KEYID : 0);
	CMS_ContentInfo *cms = CMS_sign(NULL, NULL, NULL, NULL, cf);
	BIO *in = BIO_new_mem_buf(content, sizeof(content) - 1);
	unsigned char *der = NULL;
	uint8_t *out;
	int dlen;

	for (size_t i = 0; i < n; i++)
		assert_non_null(CMS_add1_signer(cms, s[i].cert, s[i].key, md, sf));
	assert_int_equal(CMS_final(cms, in, NULL, cf), 1);
	dlen = i2d_CMS_ContentInfo(cms, &der);
	assert_true(dlen > 0);
	*len = sizeof(content) - 1 + (size_t)dlen + MODSIG_TRAILER_LEN;
	out = malloc(*len);
	memcpy(out, content, sizeof(content) - 1);
	memcpy(out + sizeof(content) - 1, der, (size_t)dlen);
	memcpy(out + *len - MODSIG_TRAILER_LEN,
	       (uint8_t[MODSIG_INFO_LEN]){0, 0, MODSIG_ID_PKCS7, 0, 0, 0, 0, 0,
					  (uint8_t)(dlen >> 24), (uint8_t)(dlen >> 16),
					  (uint8_t)(dlen >> 8), (uint8_t)dlen},
	       MODSIG_INFO_LEN);
	memcpy(out + *len - MODSIG_MAGIC_LEN, MODSIG_MAGIC, MODSIG_MAGIC_LEN);
	OPENSSL_free(der);
	BIO_free(in);
	CMS_ContentInfo_free(cms);
	return out;
}

struct decoded {
	struct wire_writer w;
	struct wf_list l;
};

static void decode(const uint8_t *buf, size_t len, struct decoded *d)
{
	wire_writer_init(&d->w, WIRE_MSG_FACTS);
	modsig_decode(buf, len, &d->w);
	assert_int_equal(d->w.error, 0);
	d->l = wf_collect(&d->w);
}

static void decoded_free(struct decoded *d)
{
	wf_free(&d->l);
	wire_writer_release(&d->w);
}

static uint64_t num(const struct decoded *d, uint16_t tag)
{
	return wf_uint(wf_get(&d->l, tag, 0));
}

static void assert_bytes(const struct decoded *d, uint16_t tag, const void *want, size_t n)
{
	const struct wf *f = wf_get(&d->l, tag, 0);

	assert_non_null(f);
	assert_int_equal(f->len, n);
	assert_memory_equal(f->data, want, n);
}

static void assert_text(const struct decoded *d, uint16_t tag, const char *want)
{
	char *s = wf_str(wf_get(&d->l, tag, 0));

	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
}

/* Verify with the certificate's key from the raw facts alone, as the parent will. */
static void assert_verifies(const struct decoded *d, const struct signer *s, const EVP_MD *md)
{
	const struct wf *v = wf_get(&d->l, WT_SIG_VALUE, 0);
	unsigned char *sig = NULL;
	size_t siglen;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	assert_non_null(v);
	if (EVP_PKEY_is_a(s->key, "EC")) {
		const struct wf *r = wf_get(&d->l, WT_SIG_ECDSA_R, 0),
				*sv = wf_get(&d->l, WT_SIG_ECDSA_S, 0);
		ECDSA_SIG *es = ECDSA_SIG_new();
		int n;

		assert_non_null(r);
		assert_non_null(sv);
		ECDSA_SIG_set0(es, BN_bin2bn(r->data, (int)r->len, NULL),
			       BN_bin2bn(sv->data, (int)sv->len, NULL));
		n = i2d_ECDSA_SIG(es, &sig);
		assert_true(n > 0);
		siglen = (size_t)n;
		ECDSA_SIG_free(es);
	} else {
		assert_null(wf_get(&d->l, WT_SIG_ECDSA_R, 0));
		sig = OPENSSL_memdup(v->data, v->len);
		siglen = v->len;
	}
	assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, md, NULL, s->key), 1);
	assert_int_equal(EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)content,
					  sizeof(content) - 1),
			 1);
	EVP_MD_CTX_free(ctx);
	OPENSSL_free(sig);
}

static void check_signer(const char *alg, const char *param, const EVP_MD *md, const char *hash,
			 int pkey_nid)
{
	struct signer s = make_signer(alg, param, "modgate signer", 0x1234abcd);
	size_t len;
	uint8_t *file = sign_file(&s, 1, md, 0, &len);
	unsigned char *issuer = NULL;
	int ilen = i2d_X509_NAME(X509_get_issuer_name(s.cert), &issuer);
	struct decoded d;

	decode(file, len, &d);
	assert_int_equal(num(&d, WT_SIG_STATE), WIRE_SIG_PKCS7);
	assert_null(wf_get(&d.l, WT_SIG_PROBLEM, 0));
	assert_int_equal(num(&d, WT_SIG_CONTENT_LEN), sizeof(content) - 1);
	assert_int_equal(num(&d, WT_SIG_NSIGNERS), 1);
	assert_int_equal(num(&d, WT_SIG_ID_KIND), WIRE_SIGNER_ISSUER_SERIAL);
	assert_bytes(&d, WT_SIG_ISSUER_DER, issuer, (size_t)ilen);
	assert_bytes(&d, WT_SIG_SERIAL, "\x12\x34\xab\xcd", 4);
	assert_text(&d, WT_SIG_ISSUER_CN, "modgate signer");
	assert_int_equal(num(&d, WT_SIG_DIGEST_NID), EVP_MD_get_type(md));
	assert_text(&d, WT_SIG_HASH_NAME, hash);
	assert_int_equal(num(&d, WT_SIG_PKEY_NID), pkey_nid);
	assert_int_equal(num(&d, WT_SIG_SIGNED_ATTRS), 0);
	assert_int_equal(num(&d, WT_SIG_DETACHED), 1);
	assert_int_equal(num(&d, WT_SIG_DATA_TYPE), 1);
	assert_bytes(&d, WT_SIG_TRAILER, file + len - MODSIG_TRAILER_LEN, MODSIG_INFO_LEN);
	assert_verifies(&d, &s, md);
	decoded_free(&d);
	OPENSSL_free(issuer);
	free(file);
	signer_free(&s);
}

static void test_rsa(void **state)
{
	(void)state;
	check_signer("RSA", NULL, EVP_sha256(), "sha256", NID_rsaEncryption);
}

static void test_p256(void **state)
{
	(void)state;
	check_signer("EC", "P-256", EVP_sha256(), "sha256", NID_X9_62_id_ecPublicKey);
}

static void test_p384(void **state)
{
	(void)state;
	check_signer("EC", "P-384", EVP_sha384(), "sha384", NID_X9_62_id_ecPublicKey);
}

static void test_skid(void **state)
{
	struct signer s = make_signer("EC", "P-384", "k", 7);
	const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(s.cert);
	size_t len;
	uint8_t *file = sign_file(&s, 1, EVP_sha512(), F_KEYID, &len);
	struct decoded d;

	(void)state;
	decode(file, len, &d);
	assert_int_equal(num(&d, WT_SIG_STATE), WIRE_SIG_PKCS7);
	assert_int_equal(num(&d, WT_SIG_ID_KIND), WIRE_SIGNER_SKID);
	assert_bytes(&d, WT_SIG_SKID, ASN1_STRING_get0_data(skid),
		     (size_t)ASN1_STRING_length(skid));
	assert_null(wf_get(&d.l, WT_SIG_SERIAL, 0));
	assert_null(wf_get(&d.l, WT_SIG_ISSUER_DER, 0));
	assert_text(&d, WT_SIG_HASH_NAME, "sha512");
	assert_verifies(&d, &s, EVP_sha512());
	decoded_free(&d);
	free(file);
	signer_free(&s);
}

/* What the kernel refuses is still described, flagged for the parent to refuse. */
static void test_attrs_embedded_two_signers_no_cn(void **state)
{
	struct signer s[2] = {make_signer("RSA", NULL, NULL, 1),
			      make_signer("EC", "P-256", "b", 2)};
	size_t len;
	uint8_t *file;
	struct decoded d;

	(void)state;
	file = sign_file(s, 1, EVP_sha256(), F_ATTRS | F_EMBED, &len);
	decode(file, len, &d);
	assert_int_equal(num(&d, WT_SIG_SIGNED_ATTRS), 1);
	assert_int_equal(num(&d, WT_SIG_DETACHED), 0);
	/* no commonName: kmod 30 shows the last entry's value */
	assert_text(&d, WT_SIG_ISSUER_CN, "last");
	decoded_free(&d);
	free(file);
	file = sign_file(s, 2, EVP_sha256(), 0, &len);
	decode(file, len, &d);
	assert_int_equal(num(&d, WT_SIG_NSIGNERS), 2);
	assert_int_equal(num(&d, WT_SIG_STATE), WIRE_SIG_PKCS7);
	decoded_free(&d);
	free(file);
	signer_free(&s[0]);
	signer_free(&s[1]);
}

static void expect_state(const uint8_t *buf, size_t len, enum wire_sig_state st,
			 const char *problem)
{
	struct decoded d;

	decode(buf, len, &d);
	assert_int_equal(num(&d, WT_SIG_STATE), st);
	if (problem)
		assert_text(&d, WT_SIG_PROBLEM, problem);
	else
		assert_null(wf_get(&d.l, WT_SIG_PROBLEM, 0));
	decoded_free(&d);
}

static void set_trailer(uint8_t *file, size_t len, unsigned int at, uint8_t v)
{
	file[len - MODSIG_TRAILER_LEN + at] = v;
}

static void test_trailer_checks(void **state)
{
	struct signer s = make_signer("RSA", NULL, "t", 3);
	size_t len;
	uint8_t *file = sign_file(&s, 1, EVP_sha256(), 0, &len);
	uint8_t *copy = malloc(len);
	struct decoded d;

	(void)state;
	expect_state((const uint8_t *)content, sizeof(content) - 1, WIRE_SIG_NONE, NULL);
	expect_state((const uint8_t *)MODSIG_MAGIC, MODSIG_MAGIC_LEN, WIRE_SIG_MALFORMED,
		     "signature trailer truncated");
	memcpy(copy, file, len);
	set_trailer(copy, len, 8, 0x7f); /* sig_len far past the file */
	expect_state(copy, len, WIRE_SIG_MALFORMED, "signature length exceeds the file");
	memcpy(copy, file, len);
	memset(copy + len - MODSIG_TRAILER_LEN + 8, 0, 4);
	expect_state(copy, len, WIRE_SIG_MALFORMED, "signature length exceeds the file");
	memcpy(copy, file, len);
	set_trailer(copy, len, 5, 1); /* pad */
	expect_state(copy, len, WIRE_SIG_MALFORMED,
		     "PKCS#7 signature trailer has unexpected non-zero fields");
	/* ...with the blob's facts still there for modinfo */
	decode(copy, len, &d);
	assert_bytes(&d, WT_SIG_SERIAL, "\x03", 1);
	decoded_free(&d);
	memcpy(copy, file, len);
	copy[sizeof(content) - 1 + 1] ^= 0x01; /* outer DER length */
	expect_state(copy, len, WIRE_SIG_MALFORMED, "PKCS#7 blob is not valid DER");
	free(copy);
	free(file);
	signer_free(&s);
}

/* id_type 1 (X509): [signer][key id][signature] — the kernel refuses it, kmod shows it. */
static void test_legacy(void **state)
{
	uint8_t buf[] = "ELFbodySIGNERKEYIDsignature-bytes"
			"\x01\x04\x01\x06\x05\0\0\0\0\0\0\x0f" MODSIG_MAGIC;
	size_t len = sizeof(buf) - 1;
	struct decoded d;

	(void)state;
	decode(buf, len, &d);
	assert_int_equal(num(&d, WT_SIG_STATE), WIRE_SIG_OTHER);
	assert_text(&d, WT_SIG_ISSUER_CN, "SIGNER");
	assert_bytes(&d, WT_SIG_LEGACY_KEY_ID, "KEYID", 5);
	assert_bytes(&d, WT_SIG_VALUE, "signature-bytes", 15);
	assert_text(&d, WT_SIG_HASH_NAME, "sha256");
	decoded_free(&d);
	buf[len - MODSIG_TRAILER_LEN + 1] = 9; /* hash outside kmod's table: nothing shown */
	decode(buf, len, &d);
	assert_int_equal(num(&d, WT_SIG_STATE), WIRE_SIG_OTHER);
	assert_null(wf_get(&d.l, WT_SIG_VALUE, 0));
	decoded_free(&d);
}

/* ---- the strict reader against OpenSSL ---- */

static void assert_span(struct der_span got, const void *want, size_t n)
{
	assert_int_equal(got.len, n);
	if (n)
		assert_memory_equal(got.p, want, n);
}

static void assert_span_bn(struct der_span got, const BIGNUM *bn)
{
	unsigned char buf[1024];
	int n = BN_num_bytes(bn);

	assert_true(n >= 0 && (size_t)n <= sizeof(buf));
	BN_bn2bin(bn, buf);
	assert_span(got, buf, (size_t)n);
}

/* Whatever pkcs7_simple_decode() accepted, OpenSSL must accept with the same
 * facts (the ones modsig.c sends from OpenSSL's objects otherwise). */
static void assert_openssl_agrees(const uint8_t *b, size_t n, const struct pkcs7_simple *ps)
{
	const unsigned char *p = b;
	CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)n);
	ASN1_OCTET_STRING *keyid = NULL, *sig;
	X509_NAME *issuer = NULL;
	ASN1_INTEGER *serial = NULL;
	X509_ALGOR *dig, *sigalg;
	const ASN1_OBJECT *obj;
	CMS_SignerInfo *si;
	int nid, d, pk;

	assert_non_null(cms);
	assert_int_equal((size_t)(p - b), ps->used);
	assert_int_equal(OBJ_obj2nid(CMS_get0_type(cms)), NID_pkcs7_signed);
	assert_int_equal(sk_CMS_SignerInfo_num(CMS_get0_SignerInfos(cms)), 1);
	assert_int_equal(CMS_is_detached(cms), 1);
	assert_int_equal(OBJ_obj2nid(CMS_get0_eContentType(cms)) == NID_pkcs7_data, ps->data_type);
	si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
	assert_true(CMS_signed_get_attr_count(si) <= 0);
	assert_int_equal(CMS_SignerInfo_get0_signer_id(si, &keyid, &issuer, &serial), 1);
	assert_int_equal(keyid != NULL, ps->by_skid);
	if (keyid) {
		assert_span(ps->skid, ASN1_STRING_get0_data(keyid),
			    (size_t)ASN1_STRING_length(keyid));
	} else {
		unsigned char *der = NULL;
		int len = i2d_X509_NAME(issuer, &der);
		BIGNUM *bn = ASN1_INTEGER_to_BN(serial, NULL);
		const X509_NAME_ENTRY *e = NULL;
		const char *cn = "";

		assert_true(len > 0);
		assert_span(ps->issuer, der, (size_t)len);
		assert_non_null(bn);
		assert_span_bn(ps->serial, bn);
		for (int i = 0; i < X509_NAME_entry_count(issuer); i++) {
			e = X509_NAME_get_entry(issuer, i);
			if (OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) == NID_commonName)
				break;
		}
		if (e)
			cn = (const char *)ASN1_STRING_get0_data(X509_NAME_ENTRY_get_data(e));
		assert_span(ps->cn, cn, strlen(cn));
		BN_free(bn);
		OPENSSL_free(der);
	}
	CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, &sigalg);
	X509_ALGOR_get0(&obj, NULL, NULL, dig);
	assert_int_equal(OBJ_obj2nid(obj), ps->digest_nid);
	X509_ALGOR_get0(&obj, NULL, NULL, sigalg);
	nid = OBJ_obj2nid(obj);
	if (OBJ_find_sigid_algs(nid, &d, &pk) && pk != NID_undef)
		nid = pk;
	assert_int_equal(nid, ps->pkey_nid);
	sig = CMS_SignerInfo_get0_signature(si);
	assert_span(ps->sig, ASN1_STRING_get0_data(sig), (size_t)ASN1_STRING_length(sig));
	if (nid == NID_X9_62_id_ecPublicKey) {
		const unsigned char *q = ASN1_STRING_get0_data(sig);
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &q, ASN1_STRING_length(sig));
		const BIGNUM *r, *s;

		assert_non_null(es);
		assert_ptr_equal(q, ASN1_STRING_get0_data(sig) + ASN1_STRING_length(sig));
		ECDSA_SIG_get0(es, &r, &s);
		assert_span_bn(ps->r, r);
		assert_span_bn(ps->s, s);
		ECDSA_SIG_free(es);
	}
	CMS_ContentInfo_free(cms);
}

/* The blob of a signed file, and whether the strict reader takes it. */
static bool simple_takes(const uint8_t *file, size_t len, struct pkcs7_simple *ps)
{
	size_t off = sizeof(content) - 1;

	return pkcs7_simple_decode(file + off, len - off - MODSIG_TRAILER_LEN, ps);
}

/* Every value of every byte outside the signature value, a few changes of
 * each byte inside it (any value there is still the same shape), and every
 * truncation: accepted means OpenSSL agrees. Returns how many were. */
static size_t mutate_and_compare(const uint8_t *blob, size_t n, const struct pkcs7_simple *orig)
{
	static const uint8_t flips[] = {0x01, 0x80, 0xff, 0x20};
	size_t sig_at = (size_t)(orig->sig.p - blob), sig_end = sig_at + orig->sig.len;
	uint8_t *m = malloc(n);
	struct pkcs7_simple ps;
	size_t accepted = 0;

	assert_non_null(m);
	memcpy(m, blob, n);
	for (size_t i = 0; i < n; i++) {
		bool in_sig = i >= sig_at && i < sig_end;
		unsigned int tries = in_sig ? ARRAY_SIZE(flips) : 255;

		for (unsigned int t = 0; t < tries; t++) {
			m[i] = (uint8_t)(blob[i] ^ (in_sig ? flips[t] : t + 1));
			if (pkcs7_simple_decode(m, n, &ps)) {
				assert_openssl_agrees(m, n, &ps);
				accepted++;
			}
		}
		m[i] = blob[i];
		if (pkcs7_simple_decode(blob, i, &ps)) {
			assert_openssl_agrees(blob, i, &ps);
			accepted++;
		}
	}
	free(m);
	return accepted;
}

static void test_simple_reader(void **state)
{
	struct signer rsa = make_signer("RSA", NULL, "modgate signer", 0x00ff01),
		      p256 = make_signer("EC", "P-256", "p", 0x80),
		      p384 = make_signer("EC", "P-384", NULL, 0x7f), two[2] = {rsa, p256};
	const struct {
		const struct signer *s;
		size_t n;
		const EVP_MD *md;
		int flags;
		bool simple;
	} cases[] = {
		{&rsa, 1, EVP_sha256(), 0, true},
		{&rsa, 1, EVP_sha512(), F_KEYID, true},
		{&rsa, 1, EVP_sha1(), 0, true},
		{&p256, 1, EVP_sha256(), 0, true},
		{&p256, 1, EVP_sha384(), F_KEYID, true},
		{&p384, 1, EVP_sha384(), 0, true},
		{&p384, 1, EVP_sha512(), 0, true},
		{&rsa, 1, EVP_sha3_256(), 0, true},
		/* not sign-file's shape: OpenSSL's to read */
		{&rsa, 1, EVP_sha256(), F_ATTRS, false},
		{&p256, 1, EVP_sha256(), F_EMBED, false},
		{two, 2, EVP_sha256(), 0, false},
	};
	size_t total = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t len, off = sizeof(content) - 1;
		uint8_t *file =
			sign_file(cases[i].s, cases[i].n, cases[i].md, cases[i].flags, &len);
		struct pkcs7_simple ps;
		struct decoded d;

		assert_int_equal(simple_takes(file, len, &ps), cases[i].simple);
		if (cases[i].simple) {
			assert_openssl_agrees(file + off, len - off - MODSIG_TRAILER_LEN, &ps);
			/* and the facts sent are the ones the tests above check */
			decode(file, len, &d);
			assert_null(wf_get(&d.l, WT_SIG_PROBLEM, 0));
			assert_verifies(&d, cases[i].s, cases[i].md);
			decoded_free(&d);
		}
		if (cases[i].simple)
			total +=
				mutate_and_compare(file + off, len - off - MODSIG_TRAILER_LEN, &ps);
		free(file);
	}
	/* signature and serial bytes change without changing the shape */
	assert_true(total > 1000);
	signer_free(&rsa);
	signer_free(&p256);
	signer_free(&p384);
}

/* A name whose strings OpenSSL converts (non-ASCII UTF-8, BMPString) and a
 * length in a longer form than needed: not read here, still read by OpenSSL
 * with the same facts as before. */
static void test_simple_reader_declines(void **state)
{
	struct signer s = make_signer("RSA", NULL, "t", 9);
	X509_NAME *name = X509_NAME_new();
	size_t len, off = sizeof(content) - 1, blob;
	uint8_t *file, *longer, *t;
	struct pkcs7_simple ps;
	struct decoded d;

	(void)state;
	/* the outer SEQUENCE's length (0x82 hi lo) re-encoded as 0x83 00 hi lo */
	file = sign_file(&s, 1, EVP_sha256(), 0, &len);
	assert_true(simple_takes(file, len, &ps));
	assert_int_equal(file[off + 1], 0x82);
	longer = malloc(len + 1);
	memcpy(longer, file, off + 2);
	longer[off + 1] = 0x83;
	longer[off + 2] = 0;
	memcpy(longer + off + 3, file + off + 2, len - off - 2);
	blob = len + 1 - off - MODSIG_TRAILER_LEN;
	t = longer + len + 1 - MODSIG_TRAILER_LEN;
	t[8] = (uint8_t)(blob >> 24);
	t[9] = (uint8_t)(blob >> 16);
	t[10] = (uint8_t)(blob >> 8);
	t[11] = (uint8_t)blob;
	assert_false(simple_takes(longer, len + 1, &ps));
	decode(longer, len + 1, &d);
	assert_int_equal(num(&d, WT_SIG_STATE), WIRE_SIG_PKCS7);
	assert_null(wf_get(&d.l, WT_SIG_PROBLEM, 0));
	assert_text(&d, WT_SIG_ISSUER_CN, "t");
	assert_bytes(&d, WT_SIG_SERIAL, "\x09", 1);
	assert_verifies(&d, &s, EVP_sha256());
	decoded_free(&d);
	free(longer);
	free(file);

	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
				   (const unsigned char *)"Sch\xc3\xa4r signer", -1, -1, 0);
	X509_set_issuer_name(s.cert, name);
	X509_NAME_free(name);
	file = sign_file(&s, 1, EVP_sha256(), 0, &len);
	assert_false(simple_takes(file, len, &ps));
	decode(file, len, &d);
	assert_int_equal(num(&d, WT_SIG_STATE), WIRE_SIG_PKCS7);
	assert_text(&d, WT_SIG_ISSUER_CN, "Sch\xc3\xa4r signer");
	decoded_free(&d);
	free(file);
	signer_free(&s);
}

/* ---- OpenSSL under seccomp in a fresh process ---- */

static char self[4096];
static char dir[] = "/tmp/modgate-modsig.XXXXXX";

static void write_file(const char *name, const uint8_t *buf, size_t len)
{
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
	close(fd);
}

static int run_child(const char *init)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		execl(self, self, "--seccomp-child", dir, init, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void test_decode_under_seccomp(void **state)
{
	struct signer rsa = make_signer("RSA", NULL, "r", 5),
		      ec = make_signer("EC", "P-384", "e", 6);
	size_t len;
	uint8_t *f;
	int status;

	(void)state;
	assert_non_null(mkdtemp(dir));
	f = sign_file(&rsa, 1, EVP_sha256(), 0, &len);
	write_file("rsa", f, len);
	free(f);
	f = sign_file(&ec, 1, EVP_sha384(), F_KEYID, &len);
	write_file("ec", f, len);
	f[len - MODSIG_TRAILER_LEN - 20] ^= 0xff; /* garbage: the error paths too */
	f[sizeof(content)] ^= 0x55;
	write_file("bad", f, len);
	free(f);
	/* signed attributes: not sign-file's shape, so OpenSSL's decoder runs */
	f = sign_file(&rsa, 1, EVP_sha256(), F_ATTRS, &len);
	write_file("attrs", f, len);
	free(f);
	status = run_child("init");
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* the filter is real: without the initialisation the same work gets killed */
	status = run_child("no-init");
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
	signer_free(&rsa);
	signer_free(&ec);
}

/* In the re-executed child: read inputs, initialise (or not), filter, decode. */
static int seccomp_child(const char *d, bool init)
{
	static const char *names[] = {"rsa", "ec", "bad", "attrs"};
	static const int allowed[] = {SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap),
				      SCMP_SYS(mremap), SCMP_SYS(madvise), SCMP_SYS(futex),
				      SCMP_SYS(write), SCMP_SYS(exit_group), SCMP_SYS(exit),
				      /* the sanitizers' unwinder asks for it; it opens nothing */
				      SCMP_SYS(sigaltstack)};
	uint8_t *bufs[ARRAY_SIZE(names)];
	size_t lens[ARRAY_SIZE(names)];
	scmp_filter_ctx ctx;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char path[4200];
		FILE *fp;

		snprintf(path, sizeof(path), "%s/%s", d, names[i]);
		fp = fopen(path, "rb");
		if (!fp)
			return 2;
		bufs[i] = malloc(1 << 16);
		lens[i] = fread(bufs[i], 1, 1 << 16, fp);
		fclose(fp);
	}
	if (init && decode_crypto_init() < 0)
		return 3;
	ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	for (size_t i = 0; ctx && i < ARRAY_SIZE(allowed); i++)
		seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	if (!ctx || seccomp_load(ctx) < 0)
		return 4;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		struct wire_writer w;

		wire_writer_init(&w, WIRE_MSG_FACTS);
		modsig_decode(bufs[i], lens[i], &w);
		if (w.error)
			return 5;
		wire_writer_release(&w);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsa),
		cmocka_unit_test(test_p256),
		cmocka_unit_test(test_p384),
		cmocka_unit_test(test_skid),
		cmocka_unit_test(test_attrs_embedded_two_signers_no_cn),
		cmocka_unit_test(test_trailer_checks),
		cmocka_unit_test(test_legacy),
		cmocka_unit_test(test_simple_reader),
		cmocka_unit_test(test_simple_reader_declines),
		cmocka_unit_test(test_decode_under_seccomp),
	};
	ssize_t n;
	int r;

	/* _exit: atexit work (LeakSanitizer's scan in ASan builds) needs syscalls the filter
	 * forbids */
	if (argc == 4 && strcmp(argv[1], "--seccomp-child") == 0)
		_exit(seccomp_child(argv[2], strcmp(argv[3], "init") == 0));
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return 1;
	self[n] = '\0';
	r = cmocka_run_group_tests(tests, NULL, NULL);
	if (strchr(dir, 'X') == NULL) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			r = r ? r : 1;
	}
	return r;
}
