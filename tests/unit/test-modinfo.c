// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * modinfo's formatter, driven by facts built by hand. Expected bytes are
 * written out literally from kmod 30's formats (tools/modinfo.c), including
 * its quirks: keys over 15 characters, parameters in reverse order, -0, -p.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/fileio.h"
#include "common/log.h"
#include "common/macros.h"
#include "tools/modinfo.h"

struct capture {
	char *buf;
	size_t len;
	FILE *f;
};

static void cap_open(struct capture *c)
{
	c->buf = NULL;
	c->len = 0;
	c->f = open_memstream(&c->buf, &c->len);
	assert_non_null(c->f);
}

static void cap_close(struct capture *c)
{
	fclose(c->f);
}

static void print_all(struct capture *c, const struct modinfo_opts *o, const char *name,
		      const char *filename, char **strings, size_t n)
{
	struct modinfo_list l = {0};
	assert_int_equal(modinfo_list_add_strings(&l, strings, n), 0);
	cap_open(c);
	if (!modinfo_print_head(c->f, o, name, filename))
		modinfo_print_info(c->f, o, &l);
	cap_close(c);
	modinfo_list_release(&l);
}

static void expect_bytes(const struct capture *c, const char *want, size_t len)
{
	if (c->len != len || memcmp(c->buf, want, len) != 0) {
		fprintf(stderr, "got %zu bytes:\n%.*s\nwanted %zu:\n%.*s\n", c->len, (int)c->len,
			c->buf, len, (int)len, want);
		fail();
	}
}

#define EXPECT(c, lit) expect_bytes((c), (lit), sizeof(lit) - 1)

static void test_padding(void **state)
{
	(void)state;
	char *s[] = {"license=GPL", "abcdefghijklmno=15", "abcdefghijklmnop=16",
		     "a_key_of_22_characters=22", "intree", "empty=", "eq=a=b"};
	struct modinfo_opts o = {NULL, '\n'};
	struct capture c;
	print_all(&c, &o, "m", "/lib/m.ko", s, ARRAY_SIZE(s));
	EXPECT(&c, "filename:       /lib/m.ko\n"
		   "license:        GPL\n"
		   "abcdefghijklmno:15\n"
		   "abcdefghijklmnop: 16\n"
		   "a_key_of_22_characters:       22\n"
		   "intree:         \n"
		   "empty:          \n"
		   "eq:             a=b\n");
	free(c.buf);
}

static char *parm_strings[] = {
	"parm=a:desc A", "parmtype=a:int", "license=GPL", "parmtype=b:bool",
	"parm=c:desc C", "parm=a:new A", "parm=bad", "parmtype=d:charp",
};

/* stderr into a buffer while fn runs */
static void with_stderr(struct capture *err, void (*fn)(struct capture *), struct capture *out)
{
	char path[] = "/tmp/modgate-test-modinfo.XXXXXX";
	int fd = mkstemp(path), saved = dup(2);
	assert_true(fd >= 0 && saved >= 0);
	dup2(fd, 2);
	fn(out);
	dup2(saved, 2);
	close(saved);
	assert_int_equal(read_full_file(path, 1 << 16, &err->buf, &err->len), 0);
	close(fd);
	unlink(path);
}

static void run_parms_default(struct capture *c)
{
	struct modinfo_opts o = {NULL, '\n'};
	print_all(c, &o, "m", "/m.ko", parm_strings, ARRAY_SIZE(parm_strings));
}

static void run_parms_p(struct capture *c)
{
	struct modinfo_opts o = {"parm", '\n'};
	print_all(c, &o, "m", "/m.ko", parm_strings, ARRAY_SIZE(parm_strings));
}

static void test_parms(void **state)
{
	(void)state;
	struct capture c, err;
	log_set_prog("modinfo");
	with_stderr(&err, run_parms_default, &c);
	/* first seen a, b, c, d: printed d, c, b, a; a's later text replaces
	 * the first; a parmtype alone prints without parentheses here */
	EXPECT(&c, "filename:       /m.ko\n"
		   "license:        GPL\n"
		   "parm:           d:charp\n"
		   "parm:           c:desc C\n"
		   "parm:           b:bool\n"
		   "parm:           a:new A (int)\n");
	EXPECT(&err, "modinfo: ERROR: Found invalid \"parm=bad\": missing ':'\n");
	free(c.buf);
	free(err.buf);
	with_stderr(&err, run_parms_p, &c);
	EXPECT(&c, "d: (charp)\n"
		   "c:desc C\n"
		   "b: (bool)\n"
		   "a:new A (int)\n");
	EXPECT(&err, "modinfo: ERROR: Found invalid \"parm=bad\": missing ':'\n");
	free(c.buf);
	free(err.buf);
}

static void test_null_separator(void **state)
{
	(void)state;
	char *s[] = {"license=GPL", "parm=x:y", "alias=a b"};
	struct modinfo_opts o = {NULL, '\0'};
	struct capture c;
	print_all(&c, &o, "m", "/m.ko", s, ARRAY_SIZE(s));
	EXPECT(&c, "filename:       /m.ko\0license=GPL\0alias=a b\0parm:           x:y\0");
	free(c.buf);
	o.field = "alias";
	print_all(&c, &o, "m", "/m.ko", s, ARRAY_SIZE(s));
	EXPECT(&c, "a b\0");
	free(c.buf);
}

static void test_fields(void **state)
{
	(void)state;
	char *s[] = {"alias=one", "license=GPL", "alias=two", "parm=p:d", "parmtype=p:int",
		     "name=real"};
	struct capture c;
	struct modinfo_opts o = {"alias", '\n'};
	print_all(&c, &o, "m", "/m.ko", s, ARRAY_SIZE(s));
	EXPECT(&c, "one\ntwo\n");
	free(c.buf);
	o.field = "parmtype"; /* raw values, not merged */
	print_all(&c, &o, "m", "/m.ko", s, ARRAY_SIZE(s));
	EXPECT(&c, "p:int\n");
	free(c.buf);
	o.field = "nothere";
	print_all(&c, &o, "m", "/m.ko", s, ARRAY_SIZE(s));
	EXPECT(&c, "");
	free(c.buf);
	o.field = "filename";
	print_all(&c, &o, "m", "/m.ko", s, ARRAY_SIZE(s));
	EXPECT(&c, "/m.ko\n");
	free(c.buf);
	o.field = "name"; /* a file's name comes from its .modinfo only */
	print_all(&c, &o, "m", "/m.ko", s, ARRAY_SIZE(s));
	EXPECT(&c, "real\n");
	free(c.buf);
}

static void test_builtin_head(void **state)
{
	(void)state;
	char *s[] = {"license=GPL", "file=fs/x"};
	struct capture c;
	struct modinfo_opts o = {NULL, '\n'};
	print_all(&c, &o, "bi", NULL, s, ARRAY_SIZE(s));
	EXPECT(&c, "name:           bi\nfilename:       (builtin)\nlicense:        GPL\n"
		   "file:           fs/x\n");
	free(c.buf);
	o.field = "name";
	print_all(&c, &o, "bi", NULL, s, ARRAY_SIZE(s));
	EXPECT(&c, "bi\n");
	free(c.buf);
	o.field = "filename";
	o.sep = '\0';
	print_all(&c, &o, "bi", NULL, s, ARRAY_SIZE(s));
	EXPECT(&c, "(builtin)\0");
	free(c.buf);
}

static void test_hex(void **state)
{
	(void)state;
	uint8_t b[41];
	for (size_t i = 0; i < sizeof(b); i++)
		b[i] = (uint8_t)(i * 7);
	char *h = modinfo_hex(b, 0);
	assert_string_equal(h, "");
	free(h);
	h = modinfo_hex(b + 1, 1);
	assert_string_equal(h, "07");
	free(h);
	h = modinfo_hex(b, 20); /* exactly one line: no break */
	assert_string_equal(h, "00:07:0E:15:1C:23:2A:31:38:3F:46:4D:54:5B:62:69:70:77:7E:85");
	free(h);
	h = modinfo_hex(b, 41);
	assert_string_equal(h, "00:07:0E:15:1C:23:2A:31:38:3F:46:4D:54:5B:62:69:70:77:7E:85:\n"
			       "\t\t8C:93:9A:A1:A8:AF:B6:BD:C4:CB:D2:D9:E0:E7:EE:F5:FC:03:0A:11:\n"
			       "\t\t18");
	free(h);
}

static uint8_t serial[] = {0x15, 0xfd, 0x60};
static uint8_t sigval[] = {0x30, 0x64, 0x02};

static struct sig_facts pkcs7_facts(uint32_t sig_len)
{
	struct sig_facts s = {0};
	s.state = WIRE_SIG_PKCS7;
	s.has_trailer = true;
	s.trailer[2] = 2;
	s.trailer[8] = (uint8_t)(sig_len >> 24);
	s.trailer[9] = (uint8_t)(sig_len >> 16);
	s.trailer[10] = (uint8_t)(sig_len >> 8);
	s.trailer[11] = (uint8_t)sig_len;
	s.id_kind = WIRE_SIGNER_ISSUER_SERIAL;
	s.issuer_cn = "Build time autogenerated kernel key";
	s.serial = (struct bytes){serial, sizeof(serial)};
	s.hash_name = "sha256";
	s.value = (struct bytes){sigval, sizeof(sigval)};
	return s;
}

static void print_sig(struct capture *c, const struct sig_facts *s, uint64_t size)
{
	struct modinfo_list l = {0};
	struct modinfo_opts o = {NULL, '\n'};
	assert_int_equal(modinfo_list_add_signature(&l, s, size), 0);
	cap_open(c);
	modinfo_print_info(c->f, &o, &l);
	cap_close(c);
	modinfo_list_release(&l);
}

static void test_signature(void **state)
{
	(void)state;
	struct capture c;
	struct sig_facts s = pkcs7_facts(700);
	print_sig(&c, &s, 10000);
	EXPECT(&c, "sig_id:         PKCS#7\n"
		   "signer:         Build time autogenerated kernel key\n"
		   "sig_key:        15:FD:60\n"
		   "sig_hashalgo:   sha256\n"
		   "signature:      30:64:02\n");
	free(c.buf);
	/* the trailer's parts do not fit before it: kmod shows nothing */
	print_sig(&c, &s, 700 + 39);
	EXPECT(&c, "");
	free(c.buf);
	print_sig(&c, &s, 700 + 40);
	assert_true(c.len > 0);
	free(c.buf);
	/* a subject key id signer: kmod's PKCS7 parser refuses the blob */
	s.id_kind = WIRE_SIGNER_SKID;
	print_sig(&c, &s, 10000);
	EXPECT(&c, "");
	free(c.buf);
	/* out-of-table trailer bytes, zero length, no marker */
	const int bad[][2] = {{0, 2}, {1, 9}, {2, 3}};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		s = pkcs7_facts(700);
		s.trailer[bad[i][0]] = (uint8_t)bad[i][1];
		print_sig(&c, &s, 10000);
		EXPECT(&c, "");
		free(c.buf);
	}
	s = pkcs7_facts(0);
	print_sig(&c, &s, 10000);
	EXPECT(&c, "");
	free(c.buf);
	s = pkcs7_facts(700);
	s.has_trailer = false;
	print_sig(&c, &s, 10000);
	EXPECT(&c, "");
	free(c.buf);
	/* no commonName, zero serial, a digest kmod has no name for */
	s = pkcs7_facts(700);
	s.issuer_cn = NULL;
	s.serial.len = 0;
	s.hash_name = NULL;
	print_sig(&c, &s, 10000);
	EXPECT(&c, "sig_id:         PKCS#7\nsigner:         \nsig_key:        \n"
		   "sig_hashalgo:   unknown\nsignature:      30:64:02\n");
	free(c.buf);
}

static void test_legacy_signature(void **state)
{
	(void)state;
	struct capture c;
	static uint8_t key[] = {0xab, 0xcd};
	struct sig_facts s = {0};
	s.state = WIRE_SIG_OTHER;
	s.has_trailer = true;
	s.trailer[0] = 1;    /* RSA */
	s.trailer[1] = 4;    /* sha256 */
	s.trailer[2] = 1;    /* X509 */
	s.trailer[3] = 4;    /* signer_len */
	s.trailer[4] = 2;    /* key_id_len */
	s.trailer[11] = 3;   /* sig_len */
	s.issuer_cn = "name";
	s.legacy_key_id = (struct bytes){key, sizeof(key)};
	s.hash_name = "sha256";
	s.value = (struct bytes){sigval, sizeof(sigval)};
	print_sig(&c, &s, 100);
	EXPECT(&c, "sig_id:         X509\nsigner:         name\nsig_key:        AB:CD\n"
		   "sig_hashalgo:   sha256\nsignature:      30:64:02\n");
	free(c.buf);
	s.trailer[2] = 0;
	print_sig(&c, &s, 100);
	assert_memory_equal(c.buf, "sig_id:         PGP\n", 20);
	free(c.buf);
	/* signer + key + signature need 9 bytes before the 40-byte trailer */
	print_sig(&c, &s, 48);
	EXPECT(&c, "");
	free(c.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_padding),
		cmocka_unit_test(test_parms),
		cmocka_unit_test(test_null_separator),
		cmocka_unit_test(test_fields),
		cmocka_unit_test(test_builtin_head),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_signature),
		cmocka_unit_test(test_legacy_signature),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
