// SPDX-License-Identifier: LGPL-2.1-or-later
/* The trust store loader: formats, masking, ownership rules, lookups. */
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
	assert_string_equal(ts.certs[2].subject, "CN=cert b");
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
