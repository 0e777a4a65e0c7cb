// SPDX-License-Identifier: LGPL-2.1-or-later
/* The trust store loader: formats, masking, ownership rules, lookups. */
#define OPENSSL_SUPPRESS_DEPRECATED /* i2d_RSAPublicKey, i2o_ECPublicKey: the oracle's side */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/err.h>

#include "test-verify-util.h"
#include "verify/certutil.h"
#include "verify/truststore.h"

struct fixture {
	char root[64];
	char etc[96], lib[96];
	EVP_PKEY *rsa, *ec;
	X509 *a, *b, *c; /* a: RSA with SKID; b: EC P-256; c: RSA without SKID */
};

static struct fixture fx;

static int setup_all(void **state)
{
	(void)state;
	assert_int_equal(verify_crypto_init(), 0);
	fx.rsa = tu_key_rsa(2048);
	fx.ec = tu_key_ec("P-256");
	fx.a = tu_cert(fx.rsa, "cert a", 1001, 1);
	fx.b = tu_cert(fx.ec, "cert b", 1002, 1);
	fx.c = tu_cert(fx.rsa, "cert c", 0x80ff, 0);
	return fx.a && fx.b && fx.c ? 0 : -1;
}

static int teardown_all(void **state)
{
	(void)state;
	X509_free(fx.a);
	X509_free(fx.b);
	X509_free(fx.c);
	EVP_PKEY_free(fx.rsa);
	EVP_PKEY_free(fx.ec);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	snprintf(fx.root, sizeof(fx.root), "/tmp/modgate-test-ts-XXXXXX");
	if (!mkdtemp(fx.root))
		return -1;
	chmod(fx.root, 0755);
	snprintf(fx.etc, sizeof(fx.etc), "%s/etc", fx.root);
	snprintf(fx.lib, sizeof(fx.lib), "%s/lib", fx.root);
	return mkdir(fx.etc, 0755) == 0 && mkdir(fx.lib, 0755) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	tu_rmtree(fx.root);
	return 0;
}

static char *at(const char *dir, const char *name)
{
	static char buf[4][320];
	static int i;
	i = (i + 1) % 4;
	if ((size_t)snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name) >= sizeof(buf[i]))
		abort();
	return buf[i];
}

static int load(struct trust_store *ts, struct strbuf *err)
{
	const char *dirs[] = {fx.etc, fx.lib};
	return trust_store_load_dirs(ts, dirs, 2, getuid(), err);
}

static void test_formats_and_order(void **state)
{
	(void)state;
	struct trust_store ts;
	struct strbuf err = STRBUF_INIT;
	X509 *two[] = {fx.a, fx.b};

	tu_write_pem(at(fx.lib, "20-two.pem"), two, 2);
	tu_write_der(at(fx.etc, "10-one.der"), fx.c);
	tu_write(at(fx.etc, "README"), "not a cert", 10);
	tu_write(at(fx.etc, ".hidden.pem"), "junk", 4);
	assert_int_equal(load(&ts, &err), 0);
	assert_int_equal(ts.n, 3);
	assert_string_equal(ts.certs[0].file, "10-one.der");
	assert_string_equal(ts.certs[0].subject_cn, "cert c");
	assert_null(ts.certs[0].skid);
	assert_string_equal(ts.certs[1].file, "20-two.pem");
	assert_int_equal(ts.certs[1].idx, 0);
	assert_int_equal(ts.certs[1].key_type, EVP_PKEY_RSA);
	assert_int_equal(ts.certs[2].idx, 1);
	assert_int_equal(ts.certs[2].key_type, EVP_PKEY_EC);
	assert_int_equal(ts.certs[2].curve_nid, NID_X9_62_prime256v1);
	char *subject = NULL;
	assert_int_equal(cu_name_oneline(ts.certs[2].subject, &subject), 0);
	assert_string_equal(subject, "CN=cert b");
	assert_string_equal(ts.certs[2].subject_cn, "cert b");
	free(subject);
	trust_store_release(&ts);
	strbuf_release(&err);
}

static void test_masking(void **state)
{
	(void)state;
	struct trust_store ts;
	struct strbuf err = STRBUF_INIT;

	tu_write_pem(at(fx.lib, "k.pem"), &fx.a, 1);
	tu_write_pem(at(fx.etc, "k.pem"), &fx.b, 1);
	tu_write_pem(at(fx.lib, "empty.pem"), &fx.a, 1);
	tu_write(at(fx.etc, "empty.pem"), "", 0);
	tu_write_pem(at(fx.lib, "null.crt"), &fx.a, 1);
	assert_int_equal(symlink("/dev/null", at(fx.etc, "null.crt")), 0);
	assert_int_equal(load(&ts, &err), 0);
	assert_int_equal(ts.n, 1);
	assert_string_equal(ts.certs[0].subject_cn, "cert b");
	assert_string_equal(ts.certs[0].path, at(fx.etc, "k.pem"));
	trust_store_release(&ts);
	strbuf_release(&err);
}

static void expect_refused(int want, const char *needle)
{
	struct trust_store ts;
	struct strbuf err = STRBUF_INIT;

	assert_int_equal(load(&ts, &err), want);
	assert_int_equal(ts.n, 0);
	assert_non_null(strstr(strbuf_str(&err), needle));
	strbuf_release(&err);
}

static void test_invalid_files_fail_closed(void **state)
{
	(void)state;
	tu_write_pem(at(fx.lib, "good.pem"), &fx.a, 1);
	const char *bad = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
	tu_write(at(fx.etc, "bad.pem"), bad, strlen(bad));
	expect_refused(-EINVAL, "bad.pem: invalid");
	tu_write(at(fx.etc, "bad.pem"), "\x30\x03\x02\x01\x01", 5);
	expect_refused(-EINVAL, "not one DER");
	FILE *f = fopen(at(fx.etc, "bad.pem"), "w");
	PEM_write_PrivateKey(f, fx.ec, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	expect_refused(-EINVAL, "a key does not belong");
	tu_write(at(fx.etc, "bad.pem"), "plain text", 10);
	expect_refused(-EINVAL, "neither PEM nor DER");
	unlink(at(fx.etc, "bad.pem"));
	assert_int_equal(mkdir(at(fx.etc, "dir.pem"), 0755), 0);
	expect_refused(-EINVAL, "not a regular file");
}

/* cu_cert_decode() against OpenSSL's own X509 decoder as the oracle, over
 * every key type the store accepts, with and without a SKID, and a v1
 * certificate (no version field, no extensions). */
static void expect_same_as_x509(X509 *x)
{
	unsigned char *der = NULL, *issuer = NULL;
	int n = i2d_X509(x, &der), in = i2d_X509_NAME(X509_get_issuer_name(x), &issuer);
	struct cu_cert_info info;
	const char *why = NULL;

	assert_true(n > 0 && in > 0);
	assert_int_equal(cu_cert_decode(der, (size_t)n, &info, &why), 0);
	/* issuer: byte for byte what the certificate holds */
	assert_int_equal(info.issuer_len, (size_t)in);
	assert_memory_equal(info.issuer, issuer, (size_t)in);
	/* serial */
	BIGNUM *serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
	assert_int_equal(BN_cmp(serial, info.serial), 0);
	BN_free(serial);
	/* subject key identifier, or none */
	const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(x);
	if (skid) {
		assert_int_equal(info.skid_len, (size_t)ASN1_STRING_length(skid));
		assert_memory_equal(info.skid, ASN1_STRING_get0_data(skid), info.skid_len);
	} else {
		assert_null(info.skid);
	}
	/* subject, validity */
	assert_int_equal(X509_NAME_cmp(info.subject, X509_get_subject_name(x)), 0);
	assert_int_equal(ASN1_TIME_compare(info.not_before, X509_get0_notBefore(x)), 0);
	assert_int_equal(ASN1_TIME_compare(info.not_after, X509_get0_notAfter(x)), 0);
	/* the key: the same public key as OpenSSL's decode of the whole thing */
	EVP_PKEY *pk = X509_get0_pubkey(x);
	assert_int_equal(info.key_type, EVP_PKEY_get_base_id(pk));
	assert_int_equal(info.bits, EVP_PKEY_get_bits(pk));
	unsigned char *mine = NULL, *theirs = NULL;
	int ml = info.rsa ? i2d_RSAPublicKey(info.rsa, &mine) : i2o_ECPublicKey(info.ec, &mine);
	int tl = i2d_PublicKey(pk, &theirs);
	assert_true(ml > 0 && ml == tl);
	assert_memory_equal(mine, theirs, (size_t)ml);
	OPENSSL_free(mine);
	OPENSSL_free(theirs);
	cu_cert_info_release(&info);
	OPENSSL_free(der);
	OPENSSL_free(issuer);
}

static void test_decode_matches_openssl(void **state)
{
	(void)state;
	EVP_PKEY *keys[] = {fx.rsa, fx.ec, tu_key_rsa(4096), tu_key_ec("P-384")};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		for (int skid = 0; skid < 2; skid++) {
			X509 *x = tu_cert(keys[i], "oracle", 0x7f00 + (long)i, skid);
			expect_same_as_x509(x);
			X509_free(x);
		}
	}
	/* v1: no [0] version, no extensions */
	X509 *v1 = X509_new();
	X509_NAME *name = X509_NAME_new();
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"v1", -1, -1, 0);
	X509_set_version(v1, 0);
	ASN1_INTEGER_set(X509_get_serialNumber(v1), 1);
	X509_gmtime_adj(X509_getm_notBefore(v1), 0);
	X509_gmtime_adj(X509_getm_notAfter(v1), 3600);
	X509_set_subject_name(v1, name);
	X509_set_issuer_name(v1, name);
	X509_set_pubkey(v1, fx.rsa);
	assert_true(X509_sign(v1, fx.rsa, EVP_sha256()) > 0);
	expect_same_as_x509(v1);
	X509_free(v1);
	X509_NAME_free(name);
	EVP_PKEY_free(keys[2]);
	EVP_PKEY_free(keys[3]);
}

static void expect_decode_fails(const uint8_t *der, size_t len, const char *needle)
{
	struct cu_cert_info info;
	const char *why = NULL;

	assert_int_equal(cu_cert_decode(der, len, &info, &why), -EINVAL);
	assert_non_null(why);
	if (!strstr(why, needle))
		fail_msg("\"%s\" does not say \"%s\"", why, needle);
	cu_cert_info_release(&info);
}

/* Broken DER around a good certificate: each refused, none read past. */
static void test_decode_refuses_broken_der(void **state)
{
	(void)state;
	unsigned char *der = NULL;
	int n = i2d_X509(fx.a, &der);
	assert_true(n > 64);
	uint8_t *buf = malloc((size_t)n + 1);

	memcpy(buf, der, (size_t)n);
	buf[n] = 0;
	expect_decode_fails(buf, (size_t)n + 1, "not one DER X.509 certificate"); /* trailing byte */
	for (size_t cut = 1; cut < (size_t)n; cut += 7)
		expect_decode_fails(buf, (size_t)n - cut, "");		      /* every truncation */
	buf[1] = 0x80; /* indefinite length: BER, not DER */
	expect_decode_fails(buf, (size_t)n, "not one DER X.509 certificate");
	memcpy(buf, der, (size_t)n);
	/* every single-byte change in the certificate body either decodes to
	 * something or is refused with a reason: never a crash (ASan) */
	for (size_t i = 0; i < (size_t)n; i += 3) {
		struct cu_cert_info info;
		const char *why = NULL;
		buf[i] ^= 0x5a;
		if (cu_cert_decode(buf, (size_t)n, &info, &why) < 0)
			assert_non_null(why);
		cu_cert_info_release(&info);
		buf[i] ^= 0x5a;
	}
	free(buf);
	OPENSSL_free(der);

	/* two subject key identifiers */
	X509 *x = tu_cert(fx.rsa, "two skids", 9, 1);
	X509_add_ext(x, X509_get_ext(x, X509_get_ext_by_NID(x, NID_subject_key_identifier, -1)), -1);
	assert_true(X509_sign(x, fx.rsa, EVP_sha256()) > 0);
	der = NULL;
	n = i2d_X509(x, &der);
	expect_decode_fails(der, (size_t)n, "two subject key identifiers");
	OPENSSL_free(der);
	X509_free(x);
}

static void test_unsupported_key_refused(void **state)
{
	(void)state;
	EVP_PKEY *k = tu_key_ec("P-521");
	X509 *x = tu_cert(k, "p521", 7, 1);

	tu_write_pem(at(fx.etc, "p521.pem"), &x, 1);
	expect_refused(-EINVAL, "neither P-256 nor P-384");
	X509_free(x);
	EVP_PKEY_free(k);
}

static void test_ownership(void **state)
{
	(void)state;
	const char *p = at(fx.etc, "k.pem");

	tu_write_pem(p, &fx.a, 1);
	chmod(p, 0666);
	expect_refused(-EPERM, "writable by others");
	chmod(p, 0664);
	expect_refused(-EPERM, "writable by others");
	chmod(p, 0644);
	chmod(fx.etc, 0777);
	expect_refused(-EPERM, "directory not owned");
	chmod(fx.etc, 0755);
	if (getuid() == 0) {
		/* a file of another user, even read-only, is refused */
		assert_int_equal(chown(p, 1, 1), 0);
		expect_refused(-EPERM, "not owned by");
		assert_int_equal(chown(p, 0, 0), 0);
		/* and the production entry point insists on root, whoever runs it */
		char dir[160], cmd[256];
		snprintf(dir, sizeof(dir), "%s/etc/modgate/keys.d", fx.root);
		snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
		assert_int_equal(system(cmd), 0);
		tu_write_pem(at(dir, "r.pem"), &fx.a, 1);
		assert_int_equal(chown(at(dir, "r.pem"), 1, 0), 0);
		struct trust_store ts;
		struct strbuf err = STRBUF_INIT;
		assert_int_equal(trust_store_load(&ts, fx.root, &err), -EPERM);
		assert_non_null(strstr(strbuf_str(&err), "r.pem: refused: not owned by root"));
		assert_int_equal(chown(at(dir, "r.pem"), 0, 0), 0);
		assert_int_equal(trust_store_load(&ts, fx.root, &err), 0);
		assert_int_equal(ts.n, 1);
		trust_store_release(&ts);
		strbuf_release(&err);
	}
	struct trust_store ts;
	struct strbuf err = STRBUF_INIT;
	assert_int_equal(load(&ts, &err), 0);
	assert_int_equal(ts.n, 1);
	trust_store_release(&ts);
	strbuf_release(&err);
}

static void test_missing_dirs_are_empty(void **state)
{
	(void)state;
	struct trust_store ts;
	struct strbuf err = STRBUF_INIT;
	const char *dirs[] = {"/nonexistent/modgate/keys.d"};

	assert_int_equal(trust_store_load_dirs(&ts, dirs, 1, getuid(), &err), 0);
	assert_int_equal(ts.n, 0);
	trust_store_release(&ts);
	strbuf_release(&err);
}

static void test_lookup(void **state)
{
	(void)state;
	struct trust_store ts;
	struct strbuf err = STRBUF_INIT;
	X509 *all[] = {fx.a, fx.b, fx.c};
	unsigned char *issuer = NULL;
	const uint8_t serial_c[] = {0x00, 0x80, 0xff}; /* with a leading zero */
	const uint8_t serial_wrong[] = {0x80, 0xfe};

	tu_write_pem(at(fx.etc, "all.pem"), all, 3);
	assert_int_equal(load(&ts, &err), 0);
	int n = i2d_X509_NAME(X509_get_issuer_name(fx.c), &issuer);
	assert_true(n > 0);
	const struct trust_cert *c =
		trust_store_find_issuer_serial(&ts, issuer, (size_t)n, serial_c, sizeof(serial_c));
	assert_non_null(c);
	assert_string_equal(c->subject_cn, "cert c");
	assert_null(trust_store_find_issuer_serial(&ts, issuer, (size_t)n, serial_wrong, 2));
	const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(fx.b);
	c = trust_store_find_skid(&ts, ASN1_STRING_get0_data(skid),
				  (size_t)ASN1_STRING_length(skid));
	assert_non_null(c);
	assert_string_equal(c->subject_cn, "cert b");
	assert_null(trust_store_find_skid(&ts, (const uint8_t *)"nope", 4));
	OPENSSL_free(issuer);
	trust_store_release(&ts);
	strbuf_release(&err);
}

static void test_pem_writer_round_trip(void **state)
{
	(void)state;
	unsigned char *der = NULL;
	int n = i2d_X509(fx.a, &der);
	struct strbuf pem = STRBUF_INIT;
	X509 **xs;
	size_t count;
	const char *why = NULL;

	assert_int_equal(cu_pem_append(&pem, der, (size_t)n), 0);
	assert_int_equal(cu_parse_certs((const uint8_t *)pem.buf, pem.len, &xs, &count, &why), 0);
	assert_int_equal(count, 1);
	assert_int_equal(X509_cmp(xs[0], fx.a), 0);
	X509_free(xs[0]);
	free(xs);
	OPENSSL_free(der);
	strbuf_release(&pem);
}

static void test_key_names(void **state)
{
	(void)state;
	assert_true(cu_valid_key_name("kernel-6.12.117+deb12-amd64.pem"));
	assert_true(cu_valid_key_name("mok.der"));
	assert_false(cu_valid_key_name("mok.pub"));
	assert_false(cu_valid_key_name(".hidden.pem"));
	assert_false(cu_valid_key_name("-x.pem"));
	assert_false(cu_valid_key_name("a/b.pem"));
	assert_false(cu_valid_key_name(".pem"));
	assert_false(cu_valid_key_name("a b.pem"));
}

static int check_file(const char *path, void *ctx)
{
	return trust_store_check_file(path, ctx);
}

static void test_write_atomic_checks_first(void **state)
{
	(void)state;
	struct strbuf err = STRBUF_INIT;
	EVP_PKEY *k = tu_key_ec("P-521");
	X509 *x = tu_cert(k, "p521", 7, 1);
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	struct strbuf pem = STRBUF_INIT;
	cu_check_fn check = check_file;

	assert_int_equal(cu_pem_append(&pem, der, (size_t)n), 0);
	/* the store would refuse P-521: nothing is installed, no temporary is left */
	assert_true(cu_write_file_atomic(fx.etc, "x.pem", pem.buf, pem.len, false, check, &err) <
		    0);
	assert_int_equal(access(at(fx.etc, "x.pem"), F_OK), -1);
	strbuf_clear(&pem);
	OPENSSL_free(der);
	der = NULL;
	n = i2d_X509(fx.a, &der);
	assert_int_equal(cu_pem_append(&pem, der, (size_t)n), 0);
	if (getuid() == 0) {
		assert_int_equal(
			cu_write_file_atomic(fx.etc, "x.pem", pem.buf, pem.len, false, check, &err),
			0);
		assert_int_equal(
			cu_write_file_atomic(fx.etc, "x.pem", pem.buf, pem.len, false, check, &err),
			-EEXIST);
		assert_int_equal(
			cu_write_file_atomic(fx.etc, "x.pem", pem.buf, pem.len, true, check, &err),
			0);
	}
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "test -z \"$(ls -A %s | grep '^\\.')\"", fx.etc);
	assert_int_equal(system(cmd), 0);
	OPENSSL_free(der);
	X509_free(x);
	EVP_PKEY_free(k);
	strbuf_release(&pem);
	strbuf_release(&err);
}

/* verify_crypto_init() settles OpenSSL's run-once initialisations without
 * the legacy name tables and the error strings (what a load paid for and
 * never used), and later implicit initialisation cannot bring them back;
 * the digests verification needs are still fetched by name, and reason
 * codes (what certutil.c tests) still come through. */
static void test_crypto_init_is_minimal(void **state)
{
	(void)state;
	assert_int_equal(verify_crypto_init(), 0);
	/* what the default initialisation would load */
	OPENSSL_init_crypto(OPENSSL_INIT_ADD_ALL_CIPHERS | OPENSSL_INIT_ADD_ALL_DIGESTS |
				    OPENSSL_INIT_LOAD_CRYPTO_STRINGS,
			    NULL);
	assert_null(EVP_get_cipherbyname("aes-128-cbc"));
	assert_null(EVP_get_digestbyname("sha384"));
	assert_null(ERR_reason_error_string(ERR_PACK(ERR_LIB_PEM, 0, PEM_R_NO_START_LINE)));
	EVP_MD *md = EVP_MD_fetch(NULL, "SHA384", NULL);
	assert_non_null(md);
	EVP_MD_free(md);
	const char *why = NULL;
	X509 **xs = NULL;
	size_t n = 0;
	/* PEM's "no start line" is told by its reason code: the end of the file */
	static const char junk[] = "-----BEGIN \n";
	assert_int_equal(cu_parse_certs((const uint8_t *)junk, sizeof(junk) - 1, &xs, &n, &why),
			 -EINVAL);
	assert_string_equal(why, "no certificate in the file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_formats_and_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_masking, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_files_fail_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsupported_key_refused, setup, teardown),
		cmocka_unit_test(test_decode_matches_openssl),
		cmocka_unit_test(test_decode_refuses_broken_der),
		cmocka_unit_test_setup_teardown(test_ownership, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_dirs_are_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pem_writer_round_trip, setup, teardown),
		cmocka_unit_test(test_key_names),
		cmocka_unit_test(test_crypto_init_is_minimal),
		cmocka_unit_test_setup_teardown(test_write_atomic_checks_first, setup, teardown),
	};
	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
