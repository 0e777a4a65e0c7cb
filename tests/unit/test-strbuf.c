// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <setjmp.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "common/strbuf.h"

static void test_append_and_format(void **state)
{
	(void)state;
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	assert_string_equal(strbuf_str(&sb), "");
	assert_int_equal(strbuf_append_str(&sb, "abc"), 0);
	assert_int_equal(strbuf_append_char(&sb, '-'), 0);
	assert_int_equal(strbuf_appendf(&sb, "%d:%s", 42, "x"), 0);
	assert_string_equal(strbuf_str(&sb), "abc-42:x");
	assert_int_equal(sb.len, 8);
	strbuf_clear(&sb);
	assert_string_equal(strbuf_str(&sb), "");
}

static void test_growth_keeps_content(void **state)
{
	(void)state;
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 10000; i++)
		assert_int_equal(strbuf_append_char(&sb, (char)('a' + i % 26)), 0);
	assert_int_equal(sb.len, 10000);
	assert_int_equal(sb.buf[9999], 'a' + 9999 % 26);
	assert_int_equal(sb.buf[10000], '\0');
}

static void test_overflowing_reserve_fails(void **state)
{
	(void)state;
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	assert_int_equal(strbuf_append_str(&sb, "x"), 0);
	assert_int_equal(strbuf_reserve(&sb, SIZE_MAX), -ENOMEM);
	assert_string_equal(strbuf_str(&sb), "x");
}

static void test_steal(void **state)
{
	(void)state;
	struct strbuf sb = STRBUF_INIT;
	strbuf_append_str(&sb, "hello");
	char *s = strbuf_steal(&sb);
	assert_string_equal(s, "hello");
	assert_null(sb.buf);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_and_format),
		cmocka_unit_test(test_growth_keeps_content),
		cmocka_unit_test(test_overflowing_reserve_fails),
		cmocka_unit_test(test_steal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
