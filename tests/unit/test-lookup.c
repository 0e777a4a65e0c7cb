// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * moddb lookups: libkmod's chain over indexes written by kmod's depmod
 * (test-index-fixture.sh), the configuration steps modinfo never reaches,
 * modules.dep path resolution on a hand-written index, and the
 * modules.builtin.modinfo reader's edge cases.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/fileio.h"
#include "common/macros.h"
#include "common/strbuf.h"
#include "moddb/builtin.h"
#include "moddb/index-write.h"
#include "moddb/lookup.h"

static char tmpdir[] = "/tmp/modgate-lookup.XXXXXX";
static char moddir[512];

static int setup_tree(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	const char *src = getenv("MODGATE_SRC");
	char cmd[1024], ver[64] = "";
	snprintf(cmd, sizeof(cmd), "bash %s/tests/unit/test-index-fixture.sh %s",
		 src ? src : ".", tmpdir);
	FILE *p = popen(cmd, "r");
	if (!p || !fgets(ver, sizeof(ver), p) || pclose(p) != 0)
		return -1;
	ver[strcspn(ver, "\n")] = '\0';
	snprintf(moddir, sizeof(moddir), "%s/lib/modules/%s", tmpdir, ver);
	return 0;
}

static int teardown_tree(void **state)
{
	(void)state;
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct moddb *db_open(enum index_reader rd)
{
	struct moddb *db = NULL;
	assert_int_equal(moddb_open(moddir, rd, &db), 0);
	return db;
}

/* "name[:builtin]" of every match, space-separated */
static char *matches_str(struct moddb *db, const struct modprobe_config *cfg, const char *name)
{
	struct moddb_matches ms;
	struct strbuf sb = STRBUF_INIT;
	int r = moddb_lookup(db, cfg, name, &ms);
	if (r < 0) {
		strbuf_appendf(&sb, "error %d", r);
		return strbuf_steal(&sb);
	}
	for (size_t i = 0; i < ms.n; i++)
		strbuf_appendf(&sb, "%s%s%s", i ? " " : "", ms.v[i].name,
			       ms.v[i].builtin == MODDB_BUILTIN_YES ? ":builtin" : "");
	moddb_matches_release(&ms);
	return strbuf_steal(&sb);
}

#define EXPECT_MATCHES(db, cfg, name, want)                                                        \
	do {                                                                                       \
		char *_s = matches_str((db), (cfg), (name));                                       \
		assert_string_equal(_s, (want));                                                   \
		free(_s);                                                                          \
	} while (0)

static void test_chain(void **state)
{
	(void)state;
	struct moddb *db = db_open(INDEX_READER_STREAM);
	EXPECT_MATCHES(db, NULL, "mod-b", "mod_b");
	EXPECT_MATCHES(db, NULL, "pci:v00001234d00005678sv0sd0bc0sc0i0", "mod_a mod_b mod_c");
	EXPECT_MATCHES(db, NULL, "symbol:sym_a", "mod_a");
	EXPECT_MATCHES(db, NULL, "sym_a", ""); /* symbols only under their prefix */
	EXPECT_MATCHES(db, NULL, "bi_one", "bi_one:builtin");
	EXPECT_MATCHES(db, NULL, "fs-bi", "bi_two:builtin bi_one:builtin");
	EXPECT_MATCHES(db, NULL, "nope", "");
	EXPECT_MATCHES(db, NULL, "bad]x", "error -22");
	EXPECT_MATCHES(db, NULL, "x[y", "error -22");
	EXPECT_MATCHES(db, NULL, "xby", "mod_c");
	EXPECT_MATCHES(db, NULL, "x[ab]y", ""); /* a pattern does not match its own text */
	moddb_close(db);
	/* the mmap reader orders equal priorities the other way round */
	db = db_open(INDEX_READER_MMAP);
	EXPECT_MATCHES(db, NULL, "fs-bi", "bi_one:builtin bi_two:builtin");
	moddb_close(db);
}

static void test_config_steps(void **state)
{
	(void)state;
	struct modprobe_config cfg = {0};
	static const char text[] = "alias mod_a mod_c\nalias pat* mod_b\nalias pat1 mod_a\n"
				   "install nope /bin/true\nremove gone /bin/false\n"
				   "install mod_b /bin/echo\n";
	assert_int_equal(modprobe_config_parse(&cfg, "t.conf", text, sizeof(text) - 1, false), 0);
	struct moddb *db = db_open(INDEX_READER_STREAM);
	/* config aliases come before modules.dep, every match in config order */
	EXPECT_MATCHES(db, &cfg, "mod_a", "mod_c");
	EXPECT_MATCHES(db, &cfg, "pat1", "mod_b mod_a");
	/* install, then remove commands, before alias wildcards */
	EXPECT_MATCHES(db, &cfg, "nope", "nope");
	EXPECT_MATCHES(db, &cfg, "gone", "gone");
	/* a module in modules.dep is found there before its install line */
	struct moddb_matches ms;
	assert_int_equal(moddb_lookup(db, &cfg, "mod_b", &ms), 0);
	assert_int_equal(ms.n, 1);
	assert_null(ms.v[0].command);
	moddb_matches_release(&ms);
	assert_int_equal(moddb_lookup(db, &cfg, "nope", &ms), 0);
	assert_non_null(ms.v[0].command);
	assert_string_equal(ms.v[0].command->text, "/bin/true");
	moddb_matches_release(&ms);
	moddb_close(db);
	modprobe_config_free(&cfg);
}

static void test_names_paths_builtins(void **state)
{
	(void)state;
	struct moddb *db = db_open(INDEX_READER_STREAM);
	struct moddb_match m;
	assert_int_equal(moddb_lookup_name(db, "mod-b.ko.xz", &m), 0);
	assert_string_equal(m.name, "mod_b");
	moddb_match_release(&m);
	assert_int_equal(moddb_lookup_name(db, "fs-bi", &m), 0); /* builtin aliases, first one */
	assert_string_equal(m.name, "bi_two");
	moddb_match_release(&m);
	assert_int_equal(moddb_lookup_name(db, "foo-bar", &m), -ENOENT); /* not an alias index */

	char *path, want[700];
	assert_int_equal(moddb_module_path(db, "mod_b", &path), 0);
	snprintf(want, sizeof(want), "%s/kernel/b/mod-b.ko", moddir);
	assert_string_equal(path, want);
	free(path);
	assert_int_equal(moddb_module_path(db, "bi_one", &path), 0);
	assert_null(path);
	char **deps;
	size_t n;
	assert_int_equal(moddb_module_deps(db, "mod_c", &deps, &n), 0);
	assert_int_equal(n, 2);
	snprintf(want, sizeof(want), "%s/kernel/a/mod_a.ko", moddir);
	assert_string_equal(deps[1], want);
	for (size_t i = 0; i < n; i++)
		free(deps[i]);
	free(deps);

	assert_int_equal(moddb_is_builtin(db, "bi_one"), 1);
	assert_int_equal(moddb_is_builtin(db, "mod_a"), 0);
	char **s;
	assert_int_equal(moddb_builtin_modinfo(db, "bi_two", &s, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(s[0], "license=GPL");
	assert_string_equal(s[2], "description=second");
	assert_null(s[3]);
	free(s);
	assert_int_equal(moddb_builtin_modinfo(db, "mod_a", &s, &n), -ENOSYS);
	moddb_close(db);

	/* a directory without indexes finds nothing, and says so without error */
	assert_int_equal(moddb_open("/nonexistent", INDEX_READER_STREAM, &db), 0);
	EXPECT_MATCHES(db, NULL, "mod_a", "");
	assert_int_equal(moddb_is_builtin(db, "x"), 0);
	assert_int_equal(moddb_builtin_modinfo(db, "x", &s, &n), -ENOENT);
	moddb_close(db);
}

/* modules.dep entries that depmod writes for external directories are
 * absolute; an entry without ':' has no path (libkmod gives none either). */
static void test_dep_resolution(void **state)
{
	(void)state;
	char dir[600], path[700];
	snprintf(dir, sizeof(dir), "%s/handmade", tmpdir);
	assert_int_equal(mkdir(dir, 0755), 0);
	_cleanup_index_trie_ struct index_trie *t = index_trie_new();
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	assert_non_null(t);
	assert_int_equal(index_trie_insert(t, "abs", "/ext/abs.ko: /ext/d1.ko rel/d2.ko", 0, NULL), 0);
	assert_int_equal(index_trie_insert(t, "nocolon", "kernel/x.ko", 1, NULL), 0);
	assert_int_equal(index_trie_write(t, &out), 0);
	snprintf(path, sizeof(path), "%s/modules.dep.bin", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, out.buf, out.len), 0);
	close(fd);

	struct moddb *db = NULL;
	assert_int_equal(moddb_open(dir, INDEX_READER_STREAM, &db), 0);
	char *p, **deps;
	size_t n;
	assert_int_equal(moddb_module_path(db, "abs", &p), 0);
	assert_string_equal(p, "/ext/abs.ko");
	free(p);
	assert_int_equal(moddb_module_deps(db, "abs", &deps, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(deps[0], "/ext/d1.ko");
	snprintf(path, sizeof(path), "%s/rel/d2.ko", dir);
	assert_string_equal(deps[1], path);
	for (size_t i = 0; i < n; i++)
		free(deps[i]);
	free(deps);
	assert_int_equal(moddb_module_path(db, "nocolon", &p), 0);
	assert_null(p);
	EXPECT_MATCHES(db, NULL, "nocolon", "nocolon");
	EXPECT_MATCHES(db, NULL, "with:colon", ""); /* never looked up in modules.dep */
	moddb_close(db);
}

static int parse(const char *buf, size_t len, const char *mod, char ***s, size_t *n)
{
	return builtin_modinfo_parse(buf, len, mod, s, n);
}

static void test_builtin_modinfo_edges(void **state)
{
	(void)state;
	char **s;
	size_t n;
	static const char split[] = "a.x=1\0b.y=2\0a.z=3\0";
	/* only the first run of a module counts, as in libkmod */
	assert_int_equal(parse(split, sizeof(split) - 1, "a", &s, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(s[0], "x=1");
	free(s);
	/* a prefix is the text up to the first dot, compared whole */
	static const char dots[] = "ab.c.d=1\0a.e=2\0";
	assert_int_equal(parse(dots, sizeof(dots) - 1, "ab", &s, &n), 0);
	assert_string_equal(s[0], "c.d=1");
	free(s);
	assert_int_equal(parse(dots, sizeof(dots) - 1, "a", &s, &n), 0);
	assert_string_equal(s[0], "e=2");
	free(s);
	/* a string without a module prefix stops the walk */
	static const char noprefix[] = "a.x=1\0junk\0b.y=2\0";
	assert_int_equal(parse(noprefix, sizeof(noprefix) - 1, "a", &s, &n), 0);
	assert_int_equal(n, 1);
	free(s);
	assert_int_equal(parse(noprefix, sizeof(noprefix) - 1, "b", &s, &n), -EBADMSG);
	/* an unterminated last string: the run it ends cannot be read */
	static const char tail[] = "a.x=1\0b.y=2\0b.z";
	assert_int_equal(parse(tail, sizeof(tail) - 1, "a", &s, &n), 0);
	free(s);
	assert_int_equal(parse(tail, sizeof(tail) - 1, "b", &s, &n), -EINVAL);
	assert_int_equal(parse(tail, sizeof(tail) - 1, "c", &s, &n), -ENOSYS);
	assert_int_equal(parse("", 0, "a", &s, &n), -ENOSYS);
}

static void test_normalize(void **state)
{
	(void)state;
	char *s;
	assert_int_equal(moddb_alias_normalize("a-b[c-d]-e", &s), 0);
	assert_string_equal(s, "a_b[c-d]_e");
	free(s);
	assert_int_equal(moddb_alias_normalize("a]b", &s), -EINVAL);
	assert_int_equal(moddb_alias_normalize("a[b", &s), -EINVAL);
	s = moddb_modname_normalize("snd-hda.ko.xz");
	assert_string_equal(s, "snd_hda");
	free(s);
	s = moddb_modname_normalize(".hidden");
	assert_string_equal(s, "");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain),
		cmocka_unit_test(test_config_steps),
		cmocka_unit_test(test_names_paths_builtins),
		cmocka_unit_test(test_dep_resolution),
		cmocka_unit_test(test_builtin_modinfo_edges),
		cmocka_unit_test(test_normalize),
	};
	return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
