// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * modprobe's planning pieces without a module tree: the kernel command-line
 * reader (moddb/cmdline.c), load lists built from configuration alone
 * (moddb/plan.c: aliases, install commands, softdeps, options, the flags
 * libkmod keeps per module), MODPROBE_OPTIONS splitting and parameter
 * joining (tools/modprobe-args.c), the -c formatter and $CMDLINE_OPTS.
 * Real trees are compared with kmod in tests/compat/compat-modprobe.sh.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/macros.h"
#include "loader/command.h"
#include "moddb/cmdline.h"
#include "moddb/config.h"
#include "moddb/plan.h"
#include "tools/modprobe.h"

/* The config as `modprobe -c` prints it, without the index dump. */
static char *dump(const struct modprobe_config *cfg)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(modprobe_show_config(cfg, "/nonexistent", INDEX_READER_MMAP, f), 0);
	fclose(f);
	char *end = strstr(buf, "\n# End of configuration files.");
	assert_non_null(end);
	end[0] = '\0';
	return buf;
}

static void expect_cmdline(const char *cmdline, const char *want, const char *diag)
{
	struct modprobe_config cfg = {0};
	assert_int_equal(modprobe_config_add_cmdline(&cfg, cmdline, strlen(cmdline)), 0);
	char *got = dump(&cfg);
	if (strcmp(got, want) != 0)
		fail_msg("cmdline [%s]:\nwant [%s]\ngot  [%s]", cmdline, want, got);
	if (diag) {
		assert_int_equal(cfg.n_diags, 1);
		assert_string_equal(cfg.diags[0], diag);
	} else {
		assert_int_equal(cfg.n_diags, 0);
	}
	for (size_t i = 0; i < cfg.n_options; i++)
		assert_string_equal(cfg.options[i].at.file, CFG_ORIGIN_CMDLINE);
	free(got);
	modprobe_config_free(&cfg);
}

static void test_cmdline(void **state)
{
	(void)state;
	expect_cmdline("root=/dev/sda quiet\n", "", NULL);
	expect_cmdline("dummy.numdummies=4 snd-hda.x=1 flag.on\n",
		       "options dummy numdummies=4\noptions snd_hda x=1\noptions flag on\n", NULL);
	expect_cmdline("modprobe.blacklist=a-b,,c modprobe.blacklist=d",
		       "blacklist a-b\nblacklist \nblacklist c\nblacklist d\n", NULL);
	/* grub quotes the whole word; kmod moves the quote back before the value */
	expect_cmdline("\"parport.dyndbg=file a.c +p\" x.y=1",
		       "options parport dyndbg=\"file a.c +p\"\noptions x y=1\n", NULL);
	expect_cmdline("m.p=\"a b\" m.q=a=b", "options m p=\"a b\"\noptions m q=a=b\n", NULL);
	/* ignored: second dot, '=' before '.', empty parts, stray or open quotes */
	expect_cmdline("a.b.c=1 =x z.=3 \"q.r\"=s w\"x.y=1 \"open.x=1", "options z =3\n", NULL);
	expect_cmdline("bad]n.x=1 ok.y=2", "options ok y=2\n",
		       "Ignoring bad option on kernel command line while parsing module name: "
		       "'bad]n'");
	expect_cmdline("tab\tsep.x=1\vv.w=2", "options sep x=1\noptions v w=2\n", NULL);
	expect_cmdline("", "", NULL);
}

static void test_cmdline_limit(void **state)
{
	(void)state;
	/* kmod reads 4095 bytes: a word cut by that limit still counts, one past it does not */
	char buf[5000];
	memset(buf, ' ', sizeof(buf));
	memcpy(buf + CMDLINE_MAX_BYTES - 5, "a.b=1", 5);
	memcpy(buf + CMDLINE_MAX_BYTES + 10, "c.d=2", 5);
	buf[sizeof(buf) - 1] = '\0';
	struct modprobe_config cfg = {0};
	assert_int_equal(modprobe_config_add_cmdline(&cfg, buf, sizeof(buf) - 1), 0);
	assert_int_equal(cfg.n_options, 1);
	assert_string_equal(cfg.options[0].modname, "a");
	modprobe_config_free(&cfg);
}

static void parse(struct modprobe_config *cfg, const char *text)
{
	*cfg = (struct modprobe_config){0};
	assert_int_equal(modprobe_config_parse(cfg, "test.conf", text, strlen(text), false), 0);
}

static void test_show_config_format(void **state)
{
	(void)state;
	struct modprobe_config cfg;
	parse(&cfg, "softdep a pre: x y post: z\nsoftdep b post: w\nsoftdep c junk\n"
		    "weakdep d e f\nblacklist bl\ninstall i cmd $CMDLINE_OPTS\nremove r cmd\n"
		    "alias al-x mod\noptions o  a=1\n");
	char *got = dump(&cfg);
	/* kmod 30's order of sections, and its missing space before "post:" */
	assert_string_equal(got, "blacklist bl\n"
				 "install i cmd $CMDLINE_OPTS\n"
				 "remove r cmd\n"
				 "alias al_x mod\n"
				 "options o  a=1\n"
				 "softdep a pre: x ypost: z\n"
				 "softdep b post: w\n"
				 "softdep c \n"
				 "weakdep d e f\n");
	free(got);
	modprobe_config_free(&cfg);
}

/* A plan over configuration only: no indexes exist under the directory. */
struct fixture {
	struct modprobe_config cfg;
	struct moddb *db;
	struct plan *p;
};

static void plan_setup(struct fixture *f, const char *conf)
{
	parse(&f->cfg, conf);
	assert_int_equal(moddb_open("/nonexistent-modgate-tree", INDEX_READER_MMAP, &f->db), 0);
	assert_int_equal(plan_new(f->db, &f->cfg, &f->p), 0);
}

static void plan_teardown(struct fixture *f)
{
	plan_free(f->p);
	moddb_close(f->db);
	modprobe_config_free(&f->cfg);
}

static char *names(struct plan_list *l)
{
	char *s = calloc(1, 1);
	for (size_t i = 0; i < l->n; i++) {
		char *n;
		assert_true(asprintf(&n, "%s%s%s%s%s", s, i ? " " : "", l->v[i]->name,
				     l->v[i]->alias ? "\\" : "",
				     l->v[i]->alias ? l->v[i]->alias : "") > 0);
		free(s);
		s = n;
	}
	return s;
}

static struct plan_mod *lookup_one(struct fixture *f, const char *name)
{
	_cleanup_plan_list_ struct plan_list l = {0};
	assert_int_equal(plan_lookup(f->p, name, &l), 0);
	assert_int_equal(l.n, 1);
	return l.v[0];
}

static void test_probe_list(void **state)
{
	(void)state;
	struct fixture f;
	plan_setup(&f, "alias top-alias mod_top\n"
		       "alias soft-* mod_a\nalias soft-* mod_b\n"
		       "softdep mod_top pre: soft-x post: mod_post\n"
		       "softdep mod_a pre: mod_top\n"
		       "install mod_post echo post\n"
		       "install mod_top echo top\n"
		       "options mod_top a=1\noptions top_alias b=2\n");
	struct plan_mod *top = lookup_one(&f, "top-alias");
	assert_string_equal(top->name, "mod_top");
	assert_string_equal(top->alias, "top_alias");

	_cleanup_plan_list_ struct plan_list l = {0};
	assert_int_equal(plan_probe_list(f.p, top, false, &l), 0);
	/* libkmod's walk: top's pre-softdep soft-x is both mod_a and mod_b (alias
	 * entries keyed by the config pattern); mod_a's own pre-softdep reaches
	 * mod_top by name through its install command, a different entry from
	 * the alias one, whose softdeps bring mod_b (not yet expanded) and
	 * mod_post; the second alias match and the repeated post-softdep are
	 * already expanded and skipped */
	char *s = names(&l);
	assert_string_equal(s, "mod_b\\soft_* mod_top mod_post mod_a\\soft_* mod_top\\top_alias");
	free(s);
	/* softdeps disable the install command; only the module and its deps are required */
	assert_true(top->ignorecmd);
	assert_true(l.v[1]->ignorecmd);
	assert_true(top->required);
	assert_false(l.v[0]->required);
	assert_false(l.v[2]->ignorecmd);
	assert_string_equal(plan_install(f.p, l.v[2]), "echo post");
	assert_string_equal(plan_install(f.p, l.v[1]), "echo top");
	/* options: by name, then by the alias it was found through */
	assert_string_equal(plan_options(f.p, top), "a=1 b=2");
	assert_string_equal(plan_options(f.p, l.v[1]), "a=1");

	/* -i: the module alone (its own softdeps are skipped) */
	plan_list_release(&l);
	assert_int_equal(plan_probe_list(f.p, top, true, &l), 0);
	s = names(&l);
	assert_string_equal(s, "mod_top\\top_alias");
	free(s);
	plan_teardown(&f);
}

static void test_lookup_commands_and_errors(void **state)
{
	(void)state;
	struct fixture f;
	plan_setup(&f, "install only-cmd echo x\nremove only-rm echo y\nblacklist mod_x\n"
		       "alias via-alias mod_x\n");
	struct plan_mod *m = lookup_one(&f, "only-cmd");
	assert_string_equal(m->name, "only_cmd");
	assert_null(m->alias);
	assert_string_equal(plan_install(f.p, m), "echo x");
	m = lookup_one(&f, "only-rm");
	assert_string_equal(plan_remove(f.p, m), "echo y");
	assert_null(plan_install(f.p, m));
	/* the blacklist names the module; the loader applies it to alias entries */
	m = lookup_one(&f, "via-alias");
	assert_true(plan_blacklisted(f.p, m));

	_cleanup_plan_list_ struct plan_list l = {0};
	assert_int_equal(plan_lookup(f.p, "bad]alias", &l), -EINVAL);
	assert_int_equal(plan_lookup(f.p, "nothing", &l), 0);
	assert_int_equal(l.n, 0);
	assert_null(plan_path(f.p, m));
	assert_int_equal(plan_is_builtin(f.p, m), 0);
	plan_teardown(&f);
}

static void test_options_concat(void **state)
{
	(void)state;
	char *s = plan_options_concat("a=1", NULL);
	assert_string_equal(s, "a=1 "); /* kmod's trailing space, visible in -D */
	free(s);
	s = plan_options_concat("a=1", "b=2");
	assert_string_equal(s, "a=1 b=2");
	free(s);
	s = plan_options_concat(NULL, "b=2");
	assert_string_equal(s, "b=2");
	free(s);
	assert_null(plan_options_concat(NULL, NULL));
	assert_null(plan_options_concat(NULL, ""));
}

static void expect_env_split(const char *env, int n, ...)
{
	char *argv[] = {"modprobe", "last", NULL};
	int argc = 2;
	char *storage;
	va_list ap;
	setenv("MODPROBE_OPTIONS", env, 1);
	char **v = modprobe_env_argv(&argc, argv, &storage);
	assert_non_null(v);
	assert_int_equal(argc, n + 2);
	assert_string_equal(v[0], "modprobe");
	va_start(ap, n);
	for (int i = 0; i < n; i++)
		assert_string_equal(v[i + 1], va_arg(ap, const char *));
	va_end(ap);
	assert_string_equal(v[n + 1], "last");
	assert_null(v[n + 2]);
	free(v);
	free(storage);
	unsetenv("MODPROBE_OPTIONS");
}

static void test_env_options(void **state)
{
	(void)state;
	expect_env_split("-v -n", 2, "-v", "-n");
	/* kmod's quirks: a doubled space and the space after a closing quote make
	 * empty words; quotes inside a word are removed */
	expect_env_split("-v  -n", 3, "-v", "", "-n");
	expect_env_split("\"a b\" c", 3, "a b", "", "c");
	expect_env_split("x\"y z\"w", 1, "xy zw");
	expect_env_split("'q'\"r\"", 2, "q", "r");
	expect_env_split("\"open", 1, "\"open");
	expect_env_split("\"\"\"\"\"\"\"\"", 4, "", "", "", "");
	expect_env_split("", 0);

	char *argv[] = {"modprobe", NULL};
	int argc = 1;
	char *storage;
	unsetenv("MODPROBE_OPTIONS");
	assert_ptr_equal(modprobe_env_argv(&argc, argv, &storage), argv);
	assert_null(storage);
}

static void test_join_params(void **state)
{
	(void)state;
	char *args[] = {"a=1", "b=x y", "c=\"q r\"", "d='s t'", "flag", "e f"};
	char *out;
	assert_int_equal(modprobe_join_params(args, 6, &out), 0);
	assert_string_equal(out, "a=1 b=\"x y\" c=\"q r\" d='s t' flag e f");
	free(out);
	assert_int_equal(modprobe_join_params(args, 0, &out), 0);
	assert_null(out);
}

static void test_command_substitute(void **state)
{
	(void)state;
	char *s = command_substitute("modprobe -i x $CMDLINE_OPTS; echo $CMDLINE_OPTS.", "a=1 b");
	assert_string_equal(s, "modprobe -i x a=1 b; echo a=1 b.");
	free(s);
	s = command_substitute("echo $CMDLINE_OPTS", NULL);
	assert_string_equal(s, "echo ");
	free(s);
	/* options spelling the variable do not loop */
	s = command_substitute("$CMDLINE_OPTS", "$CMDLINE_OPTS");
	assert_string_equal(s, "$CMDLINE_OPTS");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_cmdline_limit),
		cmocka_unit_test(test_show_config_format),
		cmocka_unit_test(test_probe_list),
		cmocka_unit_test(test_lookup_commands_and_errors),
		cmocka_unit_test(test_options_concat),
		cmocka_unit_test(test_env_options),
		cmocka_unit_test(test_join_params),
		cmocka_unit_test(test_command_substitute),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
