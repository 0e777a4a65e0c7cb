// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Context detection and the gate's small parsers: /proc/PID/stat (a comm can
 * hold spaces and parentheses: the last ')' ends it), terminal names, the
 * order of contexts, which evidence narrows, and whether a rule names force.
 * Detection runs over the fake kernel seam, with a fixture /proc.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "loader/context.h"
#include "loader/gate-internal.h"

static void test_stat_parse(void **state)
{
	struct proc_stat st;
	(void)state;
	assert_int_equal(proc_stat_parse("42 (bash) S 7 42 42 34817 42 4194304 1 2 3", &st), 0);
	assert_int_equal(st.pid, 42);
	assert_int_equal(st.ppid, 7);
	assert_string_equal(st.comm, "bash");
	assert_int_equal(st.tty_nr, 34817);
	assert_int_equal(st.flags, 4194304);

	/* a comm that tries to look like more fields */
	assert_int_equal(proc_stat_parse("9 (a) S 1 2 3 4 5 6) R 2 0 0 0 -1 69238880 0", &st), 0);
	assert_string_equal(st.comm, "a) S 1 2 3 4 5 6");
	assert_int_equal(st.ppid, 2);
	assert_true(st.flags & CONTEXT_PF_KTHREAD);

	/* kernel threads have tty_nr 0 and tpgid -1 */
	assert_int_equal(proc_stat_parse("2 (kthreadd) S 0 0 0 0 -1 2129984 0", &st), 0);
	assert_int_equal(st.tty_nr, 0);

	assert_int_equal(proc_stat_parse("", &st), -EINVAL);
	assert_int_equal(proc_stat_parse("12 bash S 1", &st), -EINVAL);
	assert_int_equal(proc_stat_parse("12 (bash) S", &st), -EINVAL);
	assert_int_equal(proc_stat_parse("12 (bash) S x 1 1 0 -1 0", &st), -EINVAL);
	assert_int_equal(proc_stat_parse("99999999999 (x) S 1 1 1 0 -1 0", &st), -EINVAL);
}

static void test_tty_names(void **state)
{
	char b[32];
	(void)state;
	context_tty_name(makedev(136, 3), b, sizeof(b));
	assert_string_equal(b, "pts/3");
	context_tty_name(makedev(137, 1), b, sizeof(b));
	assert_string_equal(b, "pts/257");
	context_tty_name(makedev(4, 1), b, sizeof(b));
	assert_string_equal(b, "tty1");
	context_tty_name(makedev(4, 64), b, sizeof(b));
	assert_string_equal(b, "ttyS0");
	context_tty_name(makedev(5, 1), b, sizeof(b));
	assert_string_equal(b, "console");
	context_tty_name(0, b, sizeof(b));
	assert_string_equal(b, "");
	context_tty_name(makedev(8, 0), b, sizeof(b));
	assert_string_equal(b, "");
}

static void test_order(void **state)
{
	(void)state;
	assert_true(context_rank(POLICY_CTX_AUTOLOAD) > context_rank(POLICY_CTX_UDEV));
	assert_true(context_rank(POLICY_CTX_UDEV) > context_rank(POLICY_CTX_BOOT));
	assert_true(context_rank(POLICY_CTX_BOOT) > context_rank(POLICY_CTX_CLI));
	for (int c = 0; c < 4; c++)
		assert_int_equal(context_from_name(context_name((enum policy_context)c)), c);
	assert_int_equal(context_from_name("kernel"), -1);
	assert_int_equal(context_from_name(NULL), -1);
	assert_int_equal(context_from_name(""), -1);
}

static void test_names_force(void **state)
{
	(void)state;
	assert_true(gate_rule_names_force("allow force=yes sig=valid"));
	assert_true(gate_rule_names_force("allow sig=valid force = *"));
	assert_true(gate_rule_names_force("allow\tforce=no"));
	assert_false(gate_rule_names_force("allow sig=valid cert=@kernel"));
	assert_false(gate_rule_names_force("allow name=force"));
	assert_false(gate_rule_names_force("allow command=\"x force=yes\""));
	assert_false(gate_rule_names_force("allow command=\"a \\\" force=yes\""));
	assert_false(gate_rule_names_force("allow forced=yes"));
	assert_false(gate_rule_names_force(NULL));
}

/* A fixture root whose /proc/<our parent>/stat says `line`. */
static char root[64];

static void write_parent_stat(const char *line)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/proc/%d", root, (int)getppid());
	mkdir(path, 0755);
	strcat(path, "/stat");
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%d %s\n", (int)getppid(), line);
	fclose(f);
}

static int setup_root(void **state)
{
	char path[128];
	(void)state;
	strcpy(root, "/tmp/test-gate-context.XXXXXX");
	if (!mkdtemp(root))
		return -1;
	snprintf(path, sizeof(path), "%s/proc", root);
	mkdir(path, 0755);
	setenv("MODGATE_FAKE_ROOT", root, 1);
	return 0;
}

static int teardown_root(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd) == 0 ? 0 : -1;
}

static enum policy_context detect(const char *inherited)
{
	struct gate_context c;
	if (inherited)
		setenv(GATE_CONTEXT_ENV, inherited, 1);
	else
		unsetenv(GATE_CONTEXT_ENV);
	context_detect(false, &c);
	enum policy_context r = c.context;
	assert_true(c.evidence[0] != '\0');
	context_release(&c);
	return r;
}

static void test_detect(void **state)
{
	(void)state;
	if (getppid() == 1)
		skip();
	write_parent_stat("(bash) S 1 1 1 0 -1 4194304 0");
	assert_int_equal(detect(NULL), POLICY_CTX_CLI);
	assert_int_equal(detect("boot"), POLICY_CTX_BOOT);
	assert_int_equal(detect("autoload"), POLICY_CTX_AUTOLOAD);
	assert_int_equal(detect("nonsense"), POLICY_CTX_CLI);

	write_parent_stat("(systemd-udevd) S 1 1 1 0 -1 4194560 0");
	assert_int_equal(detect(NULL), POLICY_CTX_UDEV);
	assert_int_equal(detect("cli"), POLICY_CTX_UDEV);
	assert_int_equal(detect("boot"), POLICY_CTX_UDEV);

	write_parent_stat("(kworker/u2:1) I 2 0 0 0 -1 69238880 0");
	assert_int_equal(detect(NULL), POLICY_CTX_AUTOLOAD);
	assert_int_equal(detect("cli"), POLICY_CTX_AUTOLOAD);
	assert_int_equal(detect("udev"), POLICY_CTX_AUTOLOAD);

	/* unreadable evidence narrows: a stat that cannot be parsed */
	write_parent_stat("garbage");
	assert_int_equal(detect(NULL), POLICY_CTX_AUTOLOAD);
	unsetenv(GATE_CONTEXT_ENV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat_parse),
		cmocka_unit_test(test_tty_names),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_names_force),
		cmocka_unit_test_setup_teardown(test_detect, setup_root, teardown_root),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
