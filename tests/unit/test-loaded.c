// SPDX-License-Identifier: LGPL-2.1-or-later
/* loader/loaded.c over the fake kernel seam and a fixture root made here. */
#include <errno.h>
#include <setjmp.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "loader/loaded.h"

static char root[] = "/tmp/modgate-test-loaded-XXXXXX";

static void put(const char *rel, const char *content)
{
	char p[4096], cmd[4200];
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", p);
	assert_int_equal(system(cmd), 0);
	if (!content) {
		assert_int_equal(mkdir(p, 0755), 0);
		return;
	}
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(root))
		return -1;
	setenv("MODGATE_FAKE_ROOT", root, 1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd);
}

static void test_reads_modules_and_sysfs(void **state)
{
	(void)state;
	put("proc/modules", "libcrc32c 12288 1 nf_tables, Live 0x0\n"
			    "nf_tables 303104 0 - Live 0x0\n"
			    "ghost 4096 0 - Live 0x0\n");
	put("sys/module/libcrc32c/coresize", "12345\n");
	put("sys/module/libcrc32c/refcnt", "1\n");
	put("sys/module/libcrc32c/holders/nf_tables", "");
	put("sys/module/nf_tables/refcnt", "0\n");
	put("sys/module/nf_tables/holders", NULL);

	struct loaded_list l;
	unsigned int bad = 0;
	assert_int_equal(loaded_list_read(&l, &bad), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.mods[0].name, "libcrc32c");
	assert_int_equal(l.mods[0].size, 12345); /* coresize wins over /proc/modules */
	assert_int_equal(l.mods[0].refcnt, 1);
	assert_non_null(l.mods[0].holders);
	assert_string_equal(l.mods[0].holders[0], "nf_tables");
	assert_null(l.mods[0].holders[1]);
	assert_int_equal(l.mods[1].size, 303104); /* no coresize: /proc/modules field */
	assert_int_equal(l.mods[1].refcnt, 0);
	assert_null(l.mods[1].holders[0]);
	/* no sysfs directory at all: negative errno values, as kmod prints them */
	assert_int_equal(l.mods[2].size, -ENOENT);
	assert_int_equal(l.mods[2].refcnt, -ENOENT);
	assert_null(l.mods[2].holders);
	loaded_list_free(&l);
}

static void test_malformed_line_is_named(void **state)
{
	(void)state;
	put("proc/modules", "ok 1 0 - Live 0x0\nbroken\n");
	struct loaded_list l;
	unsigned int bad = 0;
	assert_int_equal(loaded_list_read(&l, &bad), -EBADMSG);
	assert_int_equal(bad, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_modules_and_sysfs),
		cmocka_unit_test(test_malformed_line_is_named),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
