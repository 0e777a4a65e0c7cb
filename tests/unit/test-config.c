// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * modprobe.d parsing. The main check feeds the same directories to kmod's
 * `modprobe -C DIR -c` and compares what each side understood, entry by entry
 * and message by message; the rest covers what kmod 30 cannot show (origins,
 * weakdep, the restricted modules.softdep, the default search path).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/macros.h"
#include "common/strbuf.h"
#include "moddb/config.h"

static char tmpdir[] = "/tmp/modgate-config.XXXXXX";

static void put_file(const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void sub(const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void run_capture(const char *cmd, struct strbuf *out)
{
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		strbuf_append(out, buf, n);
	pclose(p);
}

static void join_words(struct strbuf *sb, char **w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strbuf_appendf(sb, "%s%s", w[i], i + 1 < n ? " " : "");
}

/* Our config in `modprobe -c` form. kmod prints a softdep's pre: list and
 * its post: keyword without a space between; reproduced here so the lists
 * can be compared, it is not something the parser does. */
static void format_like_kmod(const struct modprobe_config *c, struct strbuf *sb)
{
	for (size_t i = 0; i < c->n_blacklist; i++)
		strbuf_appendf(sb, "blacklist %s\n", c->blacklist[i].modname);
	for (size_t i = 0; i < c->n_install; i++)
		strbuf_appendf(sb, "install %s %s\n", c->install[i].modname, c->install[i].text);
	for (size_t i = 0; i < c->n_remove; i++)
		strbuf_appendf(sb, "remove %s %s\n", c->remove[i].modname, c->remove[i].text);
	for (size_t i = 0; i < c->n_aliases; i++)
		strbuf_appendf(sb, "alias %s %s\n", c->aliases[i].pattern, c->aliases[i].modname);
	for (size_t i = 0; i < c->n_options; i++)
		strbuf_appendf(sb, "options %s %s\n", c->options[i].modname, c->options[i].text);
	for (size_t i = 0; i < c->n_softdeps; i++) {
		const struct cfg_deps *d = &c->softdeps[i];
		strbuf_appendf(sb, "softdep %s ", d->modname);
		if (d->n_pre) {
			strbuf_append_str(sb, "pre: ");
			join_words(sb, d->pre, d->n_pre);
		}
		if (d->n_post) {
			strbuf_append_str(sb, "post: ");
			join_words(sb, d->post, d->n_post);
		}
		strbuf_append_char(sb, '\n');
	}
}

static const char conf_a[] =
	"alias foo-x bar-y\n"
	"blacklist b-l\n"
	"options o-m  a=1\tb=2\n"
	"install i-m /bin/true  x\n"
	"remove r-m /bin/false\n"
	"softdep s-m  pre: a b post: c\n" /* one leading blank: kmod loses "pre:" */
	"softdep t-m pre: a  b post: c d\n"
	"softdep u-m   post: x\n"
	"# comment\n"
	"  # an indented comment is a bad line for kmod\n"
	"bogus x\n"
	"alias a[b-c]-d m-n\n"
	"alias x\\\ny z\n"
	"include foo\n"
	"alias bad]x m\n"
	"alias bad[x m\n"
	"alias lonely\n"
	"options no-opts\n"
	"options no-opts2 \n"
	"install\n"
	"\n"
	"\tblacklist\ttabbed\n"
	"config x\n"
	"alias esc\\ape m\n"
	"install i-m /bin/second\n"
	"options o-m c=3";
static const char conf_b[] = "alias from-b m\nblacklist from-b\n";
static const char conf_masked[] = "alias masked m\n";
static const char conf_alias[] = "alias only-alias m\n";

/* Debian's libkmod prefixes its messages with "libkmod: ERROR <file>:<line>
 * <function>: "; keep the message. */
static void strip_kmod_prefix(const char *in, struct strbuf *out)
{
	for (const char *l = in; *l;) {
		const char *nl = strchrnul(l, '\n'), *m = l;
		if (strncmp(l, "libkmod: ", 9) == 0)
			for (int words = 0; words < 4 && m < nl; m++)
				words += *m == ' ';
		strbuf_append(out, m, (size_t)(nl - m));
		strbuf_append_char(out, '\n');
		l = *nl ? nl + 1 : nl;
	}
}

static void test_same_as_kmod(void **state)
{
	(void)state;
	sub("d1");
	sub("d2");
	sub("d1/sub.conf"); /* a directory: reported, skipped */
	put_file("d1/a.conf", conf_a);
	put_file("d2/b.conf", conf_b);
	put_file("d2/a.conf", conf_masked); /* masked by d1/a.conf */
	put_file("d1/z.alias", conf_alias); /* kmod 30 still reads *.alias */
	put_file("d1/ignored.txt", "alias ignored m\n");
	put_file("d1/.hidden.conf", "alias hidden m\n");
	put_file("d1/c.conf~", "alias backup m\n");

	char d1[512], d2[512];
	snprintf(d1, sizeof(d1), "%s/d1", tmpdir);
	snprintf(d2, sizeof(d2), "%s/d2", tmpdir);
	const char *paths[] = {d1, d2, NULL};
	struct modprobe_config cfg = {0};
	assert_int_equal(modprobe_config_load(&cfg, paths, NULL), 0);

	_cleanup_strbuf_ struct strbuf ours = STRBUF_INIT, cmd = STRBUF_INIT, kmod = STRBUF_INIT,
				       base = STRBUF_INIT, msgs = STRBUF_INIT, kmsgs = STRBUF_INIT,
				       raw = STRBUF_INIT;
	format_like_kmod(&cfg, &ours);
	/* kmod adds the running kernel's command line options: drop the lines
	 * an empty configuration also prints */
	strbuf_appendf(&cmd, "modprobe -C /dev/null -S none -c 2>/dev/null | sed '/^$/,$d' >%s/base",
		       tmpdir);
	run_capture(strbuf_str(&cmd), &base);
	strbuf_clear(&cmd);
	strbuf_appendf(&cmd,
		       "modprobe -C %s -C %s -S none -c 2>/dev/null | sed '/^$/,$d' | "
		       "grep -vxF -f %s/base",
		       d1, d2, tmpdir);
	run_capture(strbuf_str(&cmd), &kmod);
	assert_string_equal(strbuf_str(&ours), strbuf_str(&kmod));

	for (size_t i = 0; i < cfg.n_diags; i++)
		strbuf_appendf(&msgs, "%s\n", cfg.diags[i]);
	strbuf_clear(&cmd);
	strbuf_appendf(&cmd, "modprobe -C %s -C %s -S none -c 2>&1 >/dev/null", d1, d2);
	run_capture(strbuf_str(&cmd), &raw);
	strip_kmod_prefix(strbuf_str(&raw), &kmsgs);
	assert_string_equal(strbuf_str(&msgs), strbuf_str(&kmsgs));

	/* files read in name order, wherever they live; masked ones not at all */
	assert_int_equal(cfg.n_files, 3);
	assert_non_null(strstr(cfg.files[0], "d1/a.conf"));
	assert_non_null(strstr(cfg.files[1], "d2/b.conf"));
	assert_non_null(strstr(cfg.files[2], "d1/z.alias"));
	modprobe_config_free(&cfg);
}

static void test_origins_and_continuations(void **state)
{
	(void)state;
	struct modprobe_config cfg = {0};
	static const char text[] = "# 1\n"
				   "alias a \\\n"
				   "  m1\n"
				   "\n"
				   "install x echo \\\\ \\$a \\\n"
				   "  and more\n"
				   "options last v=1";
	assert_int_equal(modprobe_config_parse(&cfg, "f.conf", text, sizeof(text) - 1, false), 0);
	assert_int_equal(cfg.n_aliases, 1);
	assert_string_equal(cfg.aliases[0].modname, "m1");
	assert_string_equal(cfg.aliases[0].at.file, "f.conf");
	assert_int_equal(cfg.aliases[0].at.line, 3); /* the last physical line */
	assert_int_equal(cfg.n_install, 1);
	assert_string_equal(cfg.install[0].text, "echo \\ $a   and more");
	assert_int_equal(cfg.install[0].at.line, 6);
	assert_int_equal(cfg.options[0].at.line, 7);
	assert_non_null(modprobe_config_command(&cfg, "x", true));
	assert_null(modprobe_config_command(&cfg, "x", false));
	assert_null(modprobe_config_command(&cfg, "y", true));
	modprobe_config_free(&cfg);
	/* a NUL inside a line ends it; a trailing backslash is dropped */
	static const char nul[] = "alias a m\0junk\nblacklist z\\";
	assert_int_equal(modprobe_config_parse(&cfg, "n.conf", nul, sizeof(nul) - 1, false), 0);
	assert_int_equal(cfg.n_aliases, 1);
	assert_string_equal(cfg.aliases[0].modname, "m");
	assert_int_equal(cfg.n_blacklist, 1);
	assert_string_equal(cfg.blacklist[0].modname, "z");
	assert_int_equal(cfg.blacklist[0].at.line, 2);
	modprobe_config_free(&cfg);
}

static void test_weakdep(void **state)
{
	(void)state;
	struct modprobe_config cfg = {0};
	static const char text[] = "weakdep w-m a  b\tc\nweakdep empty\n";
	assert_int_equal(modprobe_config_parse(&cfg, "w.conf", text, sizeof(text) - 1, false), 0);
	assert_int_equal(cfg.n_weakdeps, 1);
	assert_string_equal(cfg.weakdeps[0].modname, "w_m");
	assert_int_equal(cfg.weakdeps[0].n_pre, 3);
	assert_string_equal(cfg.weakdeps[0].pre[2], "c");
	assert_int_equal(cfg.n_diags, 1);
	assert_string_equal(cfg.diags[0], "w.conf line 2: ignoring bad line starting with 'weakdep'");
	modprobe_config_free(&cfg);
}

/* depmod copies module metadata into modules.softdep: nothing but softdep and
 * weakdep may come from there, whatever a module put in its .modinfo. */
static void test_moddir_files_restricted(void **state)
{
	(void)state;
	sub("md");
	sub("empty");
	put_file("md/modules.softdep", "# header\nsoftdep ext4 pre: crc32c\n"
				       "install evil /bin/sh -c 'touch /x'\nalias evil2 m\n");
	put_file("md/modules.weakdep", "weakdep a b\n");
	char md[512], empty[512];
	snprintf(md, sizeof(md), "%s/md", tmpdir);
	snprintf(empty, sizeof(empty), "%s/empty", tmpdir);
	const char *paths[] = {empty, NULL};
	struct modprobe_config cfg = {0};
	assert_int_equal(modprobe_config_load(&cfg, paths, md), 0);
	assert_int_equal(cfg.n_softdeps, 1);
	assert_int_equal(cfg.n_weakdeps, 1);
	assert_int_equal(cfg.n_install, 0);
	assert_int_equal(cfg.n_aliases, 0);
	assert_int_equal(cfg.n_diags, 2);
	assert_non_null(strstr(cfg.diags[0], "modules.softdep line 3: ignoring 'install'"));
	modprobe_config_free(&cfg);
}

static void test_single_file_and_missing(void **state)
{
	(void)state;
	sub("s");
	put_file("s/one.conf", "alias from-dir m\n");
	put_file("single", "alias from-single m\n");
	char single[512], dir[512], missing[512];
	snprintf(single, sizeof(single), "%s/single", tmpdir);
	snprintf(dir, sizeof(dir), "%s/s", tmpdir);
	snprintf(missing, sizeof(missing), "%s/missing", tmpdir);
	const char *paths[] = {missing, single, dir, NULL};
	struct modprobe_config cfg = {0};
	assert_int_equal(modprobe_config_load(&cfg, paths, NULL), 0);
	assert_int_equal(cfg.n_aliases, 2);
	/* "one.conf" sorts before "single" */
	assert_string_equal(cfg.aliases[0].pattern, "from_dir");
	assert_string_equal(cfg.aliases[1].pattern, "from_single");
	assert_int_equal(cfg.n_diags, 0);
	modprobe_config_free(&cfg);
}

static void test_underscores(void **state)
{
	(void)state;
	char a[] = "a-b[c-d]-e", b[] = "x]", c[] = "[x", d[] = "";
	assert_int_equal(config_underscores(a), 0);
	assert_string_equal(a, "a_b[c-d]_e");
	assert_int_equal(config_underscores(b), -EINVAL);
	assert_int_equal(config_underscores(c), -EINVAL);
	assert_int_equal(config_underscores(d), 0);
	assert_int_equal(config_underscores(NULL), -EINVAL);
}

static void test_default_paths(void **state)
{
	(void)state;
	const char *const *p = modprobe_config_default_paths;
	assert_string_equal(p[0], "/etc/modprobe.d");
	assert_string_equal(p[1], "/run/modprobe.d");
	assert_string_equal(p[2], "/usr/local/lib/modprobe.d");
	assert_string_equal(p[3], "/usr/lib/modprobe.d");
	assert_string_equal(p[4], "/lib/modprobe.d");
	assert_null(p[5]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_as_kmod),
		cmocka_unit_test(test_origins_and_continuations),
		cmocka_unit_test(test_weakdep),
		cmocka_unit_test(test_moddir_files_restricted),
		cmocka_unit_test(test_single_file_and_missing),
		cmocka_unit_test(test_underscores),
		cmocka_unit_test(test_default_paths),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
