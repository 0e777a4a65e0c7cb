// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <setjmp.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/fileio.h"

static char path[] = "/tmp/modgate-test-fileio-XXXXXX";

static int setup(void **state)
{
	(void)state;
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static void write_file(const char *data, size_t len)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void test_reads_whole_file(void **state)
{
	(void)state;
	write_file("line one\nline two\n", 18);
	char *buf;
	size_t len;
	assert_int_equal(read_full_file(path, 1024, &buf, &len), 0);
	assert_int_equal(len, 18);
	assert_string_equal(buf, "line one\nline two\n");
	free(buf);
}

static void test_cap_is_enforced(void **state)
{
	(void)state;
	char big[10000];
	memset(big, 'z', sizeof(big));
	write_file(big, sizeof(big));
	char *buf = NULL;
	size_t len;
	assert_int_equal(read_full_file(path, 9999, &buf, &len), -EFBIG);
	assert_null(buf);
	/* exactly at the cap is fine */
	assert_int_equal(read_full_file(path, 10000, &buf, &len), 0);
	assert_int_equal(len, 10000);
	free(buf);
}

static void test_one_line(void **state)
{
	(void)state;
	write_file("[none] integrity confidentiality\nrest\n", 38);
	char *s;
	assert_int_equal(read_one_line(path, &s), 0);
	assert_string_equal(s, "[none] integrity confidentiality");
	free(s);
}

static void test_missing_file(void **state)
{
	(void)state;
	char *buf;
	assert_int_equal(read_full_file("/nonexistent/modgate", 10, &buf, NULL), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_whole_file),
		cmocka_unit_test(test_cap_is_enforced),
		cmocka_unit_test(test_one_line),
		cmocka_unit_test(test_missing_file),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
