// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The parent's verdict over crafted bytes and crafted (hostile) child facts:
 * no child runs here, so every lie a compromised child could tell is
 * tested directly. Signatures are made with libcrypto at test time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <cmocka.h>

#include <openssl/ecdsa.h>
#include <openssl/rsa.h>

#include "test-verify-util.h"
#include "verify/verify.h"

#define MAGIC	    "~Module signature appended~\n"
#define CONTENT_LEN 5000
#define BLOB_LEN    300

struct signer {
	EVP_PKEY *key;
	X509 *cert;
};

static struct {
	char dir[64];
	struct signer rsa, ec, stranger;
	struct trust_store ts;
} g;

/* A module file's bytes and the facts an honest child would report. */
struct mod {
	uint8_t *buf;
	size_t len;
	int fd;
	struct sig_facts sig;
	uint8_t value[1024];
	uint8_t r[80], s[80];
	uint8_t issuer[512], serial[32], skid[64];
};

static int setup_all(void **state)
{
	(void)state;
	struct strbuf err = STRBUF_INIT;
	char path[128];

	verify_crypto_init();
	g.rsa.key = tu_key_rsa(2048);
	g.rsa.cert = tu_cert(g.rsa.key, "rsa signer", 42, 1);
	g.ec.key = tu_key_ec("P-384");
	g.ec.cert = tu_cert(g.ec.key, "ec signer", 43, 1);
	g.stranger.key = tu_key_rsa(2048);
	g.stranger.cert = tu_cert(g.stranger.key, "rsa signer", 44, 1);
	snprintf(g.dir, sizeof(g.dir), "/tmp/modgate-test-verify-XXXXXX");
	if (!mkdtemp(g.dir))
		return -1;
	chmod(g.dir, 0755);
	snprintf(path, sizeof(path), "%s/a.pem", g.dir);
	tu_write_pem(path, &g.rsa.cert, 1);
	snprintf(path, sizeof(path), "%s/b.pem", g.dir);
	tu_write_pem(path, &g.ec.cert, 1);
	const char *dirs[] = {g.dir};
	int r = trust_store_load_dirs(&g.ts, dirs, 1, getuid(), &err);
	strbuf_release(&err);
	return r == 0 && g.ts.n == 2 ? 0 : -1;
}

static int teardown_all(void **state)
{
	(void)state;
	trust_store_release(&g.ts);
	tu_rmtree(g.dir);
	struct signer *all[] = {&g.rsa, &g.ec, &g.stranger};
	for (size_t i = 0; i < 3; i++) {
		X509_free(all[i]->cert);
		EVP_PKEY_free(all[i]->key);
	}
	return 0;
}

static void sign_digest(struct mod *m, const struct signer *s, const EVP_MD *md)
{
	uint8_t dig[64];
	unsigned int dlen = 0;
	size_t slen = sizeof(m->value);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(s->key, NULL);

	assert_int_equal(EVP_Digest(m->buf, CONTENT_LEN, dig, &dlen, md, NULL), 1);
	assert_int_equal(EVP_PKEY_sign_init(ctx), 1);
	assert_int_equal(EVP_PKEY_CTX_set_signature_md(ctx, md), 1);
	if (EVP_PKEY_get_base_id(s->key) == EVP_PKEY_RSA)
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING), 1);
	assert_int_equal(EVP_PKEY_sign(ctx, m->value, &slen, dig, dlen), 1);
	EVP_PKEY_CTX_free(ctx);
	m->sig.value = (struct bytes){m->value, slen};
	m->sig.digest_nid = (uint32_t)EVP_MD_get_type(md);
	if (EVP_PKEY_get_base_id(s->key) == EVP_PKEY_EC) {
		/* the test may parse: it plays the child */
		const unsigned char *p = m->value;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)slen);
		const BIGNUM *r, *sv;
		assert_non_null(es);
		ECDSA_SIG_get0(es, &r, &sv);
		m->sig.ecdsa_r = (struct bytes){m->r, (size_t)BN_bn2bin(r, m->r)};
		m->sig.ecdsa_s = (struct bytes){m->s, (size_t)BN_bn2bin(sv, m->s)};
		ECDSA_SIG_free(es);
		m->sig.pkey_nid = NID_X9_62_id_ecPublicKey;
	} else {
		m->sig.pkey_nid = NID_rsaEncryption;
	}
}

static void set_id(struct mod *m, const struct signer *s, bool skid)
{
	if (skid) {
		const ASN1_OCTET_STRING *k = X509_get0_subject_key_id(s->cert);
		size_t n = (size_t)ASN1_STRING_length(k);
		memcpy(m->skid, ASN1_STRING_get0_data(k), n);
		m->sig.id_kind = WIRE_SIGNER_SKID;
		m->sig.skid = (struct bytes){m->skid, n};
		return;
	}
	unsigned char *p = m->issuer;
	int n = i2d_X509_NAME(X509_get_issuer_name(s->cert), &p);
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(s->cert), NULL);
	m->sig.id_kind = WIRE_SIGNER_ISSUER_SERIAL;
	m->sig.issuer_der = (struct bytes){m->issuer, (size_t)n};
	m->sig.serial = (struct bytes){m->serial, (size_t)BN_bn2bin(bn, m->serial)};
	BN_free(bn);
}

/* content | blob (opaque to the parent) | trailer | magic, in a memfd */
static void build(struct mod *m, const struct signer *s, const EVP_MD *md, bool skid)
{
	const size_t sig_len = BLOB_LEN;

	memset(m, 0, sizeof(*m));
	m->len = CONTENT_LEN + sig_len + 12 + strlen(MAGIC);
	m->buf = calloc(1, m->len);
	for (size_t i = 0; i < CONTENT_LEN; i++)
		m->buf[i] = (uint8_t)(i * 7 + 3);
	memset(m->buf + CONTENT_LEN, 0x30, sig_len);
	uint8_t *t = m->buf + CONTENT_LEN + sig_len;
	t[2] = 2;
	t[8] = (uint8_t)(sig_len >> 24);
	t[9] = (uint8_t)(sig_len >> 16);
	t[10] = (uint8_t)(sig_len >> 8);
	t[11] = (uint8_t)sig_len;
	memcpy(t + 12, MAGIC, strlen(MAGIC));
	m->sig = (struct sig_facts){
		.state = WIRE_SIG_PKCS7,
		.has_trailer = true,
		.content_len = CONTENT_LEN,
		.nsigners = 1,
		.detached = true,
		.data_type = true,
	};
	memcpy(m->sig.trailer, t, 12);
	set_id(m, s, skid);
	sign_digest(m, s, md);
	m->fd = -1;
}

/* Write the (possibly modified) bytes and decide. */
static enum verify_state decide(struct mod *m, unsigned int flags, struct verify_result *res)
{
	m->fd = memfd_create("test", MFD_CLOEXEC);
	assert_true(m->fd >= 0);
	assert_int_equal(write(m->fd, m->buf, m->len), (ssize_t)m->len);
	assert_int_equal(verify_module(&g.ts, m->fd, m->len, &m->sig, flags, res), 0);
	close(m->fd);
	free(m->buf);
	/* whatever the verdict, the sha256 is of all the bytes */
	return res->state;
}

static void check_sha256(const struct mod *m, const struct verify_result *res)
{
	uint8_t want[32];
	unsigned int n;
	EVP_Digest(m->buf, m->len, want, &n, EVP_sha256(), NULL);
	assert_memory_equal(want, res->sha256, 32);
}

static void test_valid_rsa_issuer_serial(void **state)
{
	(void)state;
	struct mod m;
	struct verify_result res;

	build(&m, &g.rsa, EVP_sha256(), false);
	uint8_t *copy = malloc(m.len);
	memcpy(copy, m.buf, m.len);
	assert_int_equal(decide(&m, 0, &res), VERIFY_VALID);
	m.buf = copy;
	check_sha256(&m, &res);
	free(copy);
	assert_string_equal(res.cert->file, "a.pem");
	assert_int_equal(res.content_len, CONTENT_LEN);
	assert_int_equal(res.digest_nid, NID_sha256);
	assert_string_equal(res.reason, "");
}

static void test_valid_variants(void **state)
{
	(void)state;
	struct mod m;
	struct verify_result res;
	const EVP_MD *mds[] = {EVP_sha256(), EVP_sha384(), EVP_sha512(), EVP_sha3_256()};

	for (size_t i = 0; i < ARRAY_SIZE(mds); i++) {
		build(&m, &g.rsa, mds[i], i % 2);
		assert_int_equal(decide(&m, 0, &res), VERIFY_VALID);
		build(&m, &g.ec, mds[i], !(i % 2));
		assert_int_equal(decide(&m, 0, &res), VERIFY_VALID);
		assert_string_equal(res.cert->file, "b.pem");
	}
}

static void test_tampering_is_invalid(void **state)
{
	(void)state;
	struct mod m;
	struct verify_result res;

	build(&m, &g.rsa, EVP_sha256(), false);
	m.buf[100] ^= 1;
	assert_int_equal(decide(&m, 0, &res), VERIFY_INVALID);
	assert_string_equal(res.cert->file, "a.pem");
	build(&m, &g.rsa, EVP_sha256(), false);
	m.value[10] ^= 0x40;
	assert_int_equal(decide(&m, 0, &res), VERIFY_INVALID);
	build(&m, &g.ec, EVP_sha384(), true);
	m.r[5] ^= 1;
	assert_int_equal(decide(&m, 0, &res), VERIFY_INVALID);
	/* a child claiming the other key type gets nothing */
	build(&m, &g.rsa, EVP_sha256(), false);
	m.sig.pkey_nid = NID_X9_62_id_ecPublicKey;
	m.sig.ecdsa_r = m.sig.ecdsa_s = (struct bytes){m.value, 32};
	assert_int_equal(decide(&m, 0, &res), VERIFY_INVALID);
	/* a child claiming another digest for the same signature */
	build(&m, &g.rsa, EVP_sha256(), false);
	m.sig.digest_nid = NID_sha512;
	assert_int_equal(decide(&m, 0, &res), VERIFY_INVALID);
}

static void test_untrusted(void **state)
{
	(void)state;
	struct mod m;
	struct verify_result res;

	/* same subject as a trusted cert, other serial and key */
	build(&m, &g.stranger, EVP_sha256(), false);
	assert_int_equal(decide(&m, 0, &res), VERIFY_UNTRUSTED);
	assert_null(res.cert);
	build(&m, &g.stranger, EVP_sha256(), true);
	assert_int_equal(decide(&m, 0, &res), VERIFY_UNTRUSTED);
}

static void expect_malformed(struct mod *m, const char *needle)
{
	struct verify_result res;

	assert_int_equal(decide(m, 0, &res), VERIFY_MALFORMED);
	if (!strstr(res.reason, needle))
		fail_msg("reason '%s' lacks '%s'", res.reason, needle);
	assert_null(res.cert);
}

static void test_trailer_is_read_by_the_parent(void **state)
{
	(void)state;
	struct mod m;
	uint8_t *t;

	build(&m, &g.rsa, EVP_sha256(), false);
	t = m.buf + CONTENT_LEN + BLOB_LEN;
	t[8] = 0x7f; /* sig_len past the file: whatever the child says */
	memcpy(m.sig.trailer, t, 12);
	expect_malformed(&m, "exceeds the file");
	build(&m, &g.rsa, EVP_sha256(), false);
	t = m.buf + CONTENT_LEN + BLOB_LEN;
	t[6] = 1;
	memcpy(m.sig.trailer, t, 12);
	expect_malformed(&m, "non-zero");
	build(&m, &g.rsa, EVP_sha256(), false);
	t = m.buf + CONTENT_LEN + BLOB_LEN;
	t[2] = 1;
	memcpy(m.sig.trailer, t, 12);
	expect_malformed(&m, "not a PKCS#7");
	build(&m, &g.rsa, EVP_sha256(), false);
	t = m.buf + CONTENT_LEN + BLOB_LEN;
	t[8] = t[9] = t[10] = t[11] = 0;
	memcpy(m.sig.trailer, t, 12);
	expect_malformed(&m, "empty");
	/* a whole file that is only the marker */
	build(&m, &g.rsa, EVP_sha256(), false);
	memmove(m.buf, m.buf + m.len - strlen(MAGIC), strlen(MAGIC));
	m.len = strlen(MAGIC);
	expect_malformed(&m, "truncated");
}

static void test_child_lies_are_malformed(void **state)
{
	(void)state;
	struct mod m;

	build(&m, &g.rsa, EVP_sha256(), false);
	m.sig.content_len = CONTENT_LEN - 1; /* would leave a byte unsigned */
	expect_malformed(&m, "disagrees");
	build(&m, &g.rsa, EVP_sha256(), false);
	m.sig.trailer[11] ^= 1;
	expect_malformed(&m, "disagrees");
	build(&m, &g.rsa, EVP_sha256(), false);
	m.sig.has_trailer = false;
	expect_malformed(&m, "disagrees");
	build(&m, &g.rsa, EVP_sha256(), false);
	m.sig.state = WIRE_SIG_NONE;
	expect_malformed(&m, "disagrees");
	build(&m, &g.rsa, EVP_sha256(), false);
	m.sig.state = WIRE_SIG_OTHER;
	expect_malformed(&m, "disagrees");
	/* the bytes have no marker, the child says signed */
	build(&m, &g.rsa, EVP_sha256(), false);
	m.buf[m.len - 2] = 'X';
	expect_malformed(&m, "lack");
	build(&m, &g.rsa, EVP_sha256(), false);
	m.sig.state = WIRE_SIG_MALFORMED;
	m.sig.problem = (char *)"PKCS#7 blob is not valid DER\x1b[31m";
	expect_malformed(&m, "not valid DER?[31m");
}

static void test_kernel_and_stricter_rules(void **state)
{
	(void)state;
	struct mod m;
	struct verify_result res;

	build(&m, &g.rsa, EVP_sha256(), false);
	m.sig.signed_attrs = true;
	expect_malformed(&m, "signed attributes");
	build(&m, &g.rsa, EVP_sha256(), false);
	m.sig.nsigners = 2;
	expect_malformed(&m, "exactly one signer");
	build(&m, &g.rsa, EVP_sha256(), false);
	m.sig.detached = false;
	expect_malformed(&m, "not detached");
	build(&m, &g.rsa, EVP_sha256(), false);
	m.sig.data_type = false;
	expect_malformed(&m, "id-data");
	build(&m, &g.rsa, EVP_sha256(), false);
	m.sig.id_kind = 0;
	expect_malformed(&m, "no signer id");
	build(&m, &g.rsa, EVP_sha256(), true);
	m.sig.skid.len = 0;
	expect_malformed(&m, "empty subject key identifier");
	build(&m, &g.rsa, EVP_sha256(), false);
	m.sig.pkey_nid = NID_dsa;
	expect_malformed(&m, "neither RSA nor ECDSA");
	build(&m, &g.ec, EVP_sha256(), false);
	m.sig.ecdsa_r.len = 67;
	expect_malformed(&m, "too long");
	build(&m, &g.rsa, EVP_sha256(), false);
	m.sig.digest_nid = NID_md5;
	expect_malformed(&m, "not accepted");
	/* weak digests: refused by default, accepted on request */
	build(&m, &g.rsa, EVP_sha1(), false);
	expect_malformed(&m, "weak digest");
	build(&m, &g.rsa, EVP_sha1(), false);
	assert_int_equal(decide(&m, VERIFY_ALLOW_WEAK_DIGESTS, &res), VERIFY_VALID);
	build(&m, &g.ec, EVP_sha224(), true);
	expect_malformed(&m, "weak digest");
}

static void test_unsigned(void **state)
{
	(void)state;
	struct mod m;
	struct verify_result res;

	build(&m, &g.rsa, EVP_sha256(), false);
	m.len = CONTENT_LEN;
	m.sig = (struct sig_facts){.state = WIRE_SIG_NONE};
	uint8_t *copy = malloc(m.len);
	memcpy(copy, m.buf, m.len);
	assert_int_equal(decide(&m, 0, &res), VERIFY_NONE);
	m.buf = copy;
	check_sha256(&m, &res);
	free(copy);
	assert_int_equal(res.content_len, 0);
	/* empty bytes too */
	build(&m, &g.rsa, EVP_sha256(), false);
	m.len = 0;
	m.sig = (struct sig_facts){.state = WIRE_SIG_NONE};
	assert_int_equal(decide(&m, 0, &res), VERIFY_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_rsa_issuer_serial),
		cmocka_unit_test(test_valid_variants),
		cmocka_unit_test(test_tampering_is_invalid),
		cmocka_unit_test(test_untrusted),
		cmocka_unit_test(test_trailer_is_read_by_the_parent),
		cmocka_unit_test(test_child_lies_are_malformed),
		cmocka_unit_test(test_kernel_and_stricter_rules),
		cmocka_unit_test(test_unsigned),
	};
	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
