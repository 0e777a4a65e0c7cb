// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * depmod's pieces that need no module files: records from a child's reply
 * and their validation, kmod's alias normalisation and line splitting, the
 * depmod.d reader, the value filter against injection, and the cache.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "moddb/cache.h"
#include "moddb/depmod-builtin.h"
#include "moddb/depmod-out.h"
#include "test-depmod-util.h"

#define L(...) ((const char *const[]){__VA_ARGS__, NULL})

static char *list(const struct dm_record *r, enum dm_list l)
{
	struct strbuf sb = STRBUF_INIT;
	uint32_t n;
	const uint32_t *v = dm_record_list(r, l, &n);
	for (uint32_t i = 0; i < n; i++)
		strbuf_appendf(&sb, "[%s]", dm_record_str(r, v[i]));
	return strbuf_steal(&sb);
}

static void test_record_from_reply(void **state)
{
	(void)state;
	_cleanup_free_ struct dm_record *r =
		test_record(L("alias=a-b", "license=GPL", "alias", "softdep=pre: x=y", "aliasx=no",
			      "weakdep=w", "alias=", "softdep=post: z"),
			    L("e1@0x1234", "e2"), L("n1@0x99", "~n2"));
	assert_non_null(r);
	assert_true(dm_record_valid(r, r->size));
	_cleanup_free_ char *a = list(r, DM_ALIAS), *s = list(r, DM_SOFTDEP), *w = list(r, DM_WEAKDEP);
	/* no '=': the whole string is the key, the value empty (kmod) */
	assert_string_equal(a, "[a-b][][]");
	assert_string_equal(s, "[pre: x=y][post: z]");
	assert_string_equal(w, "[w]");
	assert_int_equal(r->n_export, 2);
	assert_int_equal(r->n_need, 2);
	const struct dm_rsym *ex = dm_record_exports(r), *nd = dm_record_needs(r);
	assert_string_equal(dm_record_str(r, ex[0].name), "e1");
	assert_int_equal(ex[0].crc, 0x1234);
	assert_int_equal(ex[1].crc, 0); /* no CRC sent: 0, as kmod's */
	assert_string_equal(dm_record_str(r, nd[1].name), "n2");
	assert_int_equal(nd[0].weak, 0);
	assert_int_equal(nd[1].weak, 1);
}

/* Whatever a damaged cache holds, the check refuses it or every offset it
 * accepted is inside the block (ASan watches the accessors). */
static void test_record_valid_mutations(void **state)
{
	(void)state;
	_cleanup_free_ struct dm_record *r = test_record(L("alias=x", "softdep=y"), L("e"), L("n"));
	size_t size = r->size;
	uint64_t *copy = malloc((size + 7) & ~(size_t)7);
	srand(1);
	size_t accepted = 0;
	for (int i = 0; i < 20000; i++) {
		memcpy(copy, r, size);
		for (int k = 0; k < 1 + i % 4; k++)
			((uint8_t *)copy)[(size_t)rand() % size] = (uint8_t)rand();
		if (!dm_record_valid(copy, size))
			continue;
		accepted++;
		const struct dm_record *c = (const void *)copy;
		for (int l = 0; l < DM_N_LISTS; l++) {
			uint32_t n;
			const uint32_t *v = dm_record_list(c, (enum dm_list)l, &n);
			for (uint32_t j = 0; j < n; j++)
				(void)strlen(dm_record_str(c, v[j]));
		}
		for (uint32_t j = 0; j < c->n_export + c->n_need; j++)
			(void)strlen(dm_record_str(c, dm_record_exports(c)[j].name));
	}
	assert_true(accepted > 0); /* mutated string bytes stay valid */
	free(copy);
	assert_false(dm_record_valid(r, size - 1));
	assert_false(dm_record_valid((const char *)r + 1, size - 1));
}

static void test_alias_normalize(void **state)
{
	(void)state;
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	assert_int_equal(dm_alias_normalize("pci-x[0-9a-f]-y*", &sb), 0);
	assert_string_equal(strbuf_str(&sb), "pci_x[0-9a-f]_y*");
	assert_int_equal(dm_alias_normalize("a[-][x-y]-", &sb), 0);
	assert_string_equal(strbuf_str(&sb), "a[-][x-y]_");
	assert_int_equal(dm_alias_normalize("broken]", &sb), -EINVAL);
	assert_int_equal(dm_alias_normalize("open[abc", &sb), -EINVAL);
	assert_int_equal(dm_alias_normalize("", &sb), 0);
	assert_string_equal(strbuf_str(&sb), "");
}

static void test_fgets_pieces(void **state)
{
	(void)state;
	const char buf[] = "ab\ncdefgh\n\nxyz";
	size_t pos = 0, len = sizeof(buf) - 1;
	/* as fgets(line, 4, fp): at most 3 bytes, or up to and with a newline */
	assert_int_equal(dm_fgets_piece(buf, len, &pos, 4), 3); /* "ab\n" */
	assert_int_equal(dm_fgets_piece(buf, len, &pos, 4), 3); /* "cde" */
	assert_int_equal(dm_fgets_piece(buf, len, &pos, 4), 3); /* "fgh" */
	assert_int_equal(dm_fgets_piece(buf, len, &pos, 4), 1); /* "\n" */
	assert_int_equal(dm_fgets_piece(buf, len, &pos, 4), 1); /* "\n" */
	assert_int_equal(dm_fgets_piece(buf, len, &pos, 4), 3); /* "xyz" */
	assert_int_equal(dm_fgets_piece(buf, len, &pos, 4), 0);
}

static void test_value_filter(void **state)
{
	(void)state;
	assert_true(dm_value_ok("pre: a b post: c"));
	assert_true(dm_value_ok("pci:v*d*[0-9]~!"));
	assert_false(dm_value_ok("pre: a\ninstall x /bin/sh"));
	assert_false(dm_value_ok("tab\there"));
	assert_false(dm_value_ok("del\x7f"));
	assert_false(dm_value_ok("caf\xc3\xa9"));
	assert_false(dm_value_ok("\r"));
}

static void write_file(const char *dir, const char *name, const char *content)
{
	_cleanup_free_ char *p = NULL;
	assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
	int fd = open(p, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, content, strlen(content)), 0);
	close(fd);
}

struct conf_run {
	struct dm_config cfg;
	const char *const *paths;
};

static void load_conf(void *arg)
{
	struct conf_run *c = arg;
	assert_int_equal(dm_config_load(&c->cfg, c->paths), 0);
}

static void test_config(void **state)
{
	(void)state;
	char d1[] = "/tmp/modgate-conf1.XXXXXX", d2[] = "/tmp/modgate-conf2.XXXXXX";
	assert_non_null(mkdtemp(d1));
	assert_non_null(mkdtemp(d2));
	write_file(d1, "20-b.conf", "search extra built-in\nexclude skip1 skip2\n");
	write_file(d1, "10-a.conf", "search updates\\\n external\n  # not a comment\n");
	write_file(d2, "10-a.conf", "search masked\n");
	write_file(d2, "15-c.conf",
		   "override mod 1\\.2 sub/dir\noverride other 9.* no\nexternal * /ext/dir\n"
		   "external ^9 /not/this\ninclude x\n");
	write_file(d2, "readme.txt", "search never\n");
	log_set_prog("depmod");
	log_set_max_prio(LOG_PRIO_INFO);
	struct conf_run c = {.cfg = {.kversion = "1.2.3"}, .paths = L(d1, d2)};
	_cleanup_free_ char *err = test_capture_stderr(load_conf, &c);
	log_set_max_prio(LOG_PRIO_WARNING);
	/* kmod's list order: the last word read comes first */
	assert_int_equal(c.cfg.n_searches, 4);
	assert_int_equal(c.cfg.searches[0].type, DM_SEARCH_BUILTIN);
	assert_string_equal(c.cfg.searches[1].path, "extra");
	assert_int_equal(c.cfg.searches[2].type, DM_SEARCH_EXTERNAL);
	assert_string_equal(c.cfg.searches[3].path, "updates");
	assert_int_equal(c.cfg.n_overrides, 1);
	assert_string_equal(c.cfg.overrides[0].path, "sub/dir/mod");
	assert_int_equal(c.cfg.n_externals, 1);
	assert_string_equal(c.cfg.externals[0].path, "/ext/dir");
	assert_int_equal(c.cfg.n_excludes, 2);
	_cleanup_free_ char *want = NULL;
	assert_true(asprintf(&want,
			     "depmod: ERROR: %s/10-a.conf:3: ignoring bad line starting with '#'\n"
			     "depmod: INFO: %s/15-c.conf:2: override kernel did not match 9.*\n"
			     "depmod: INFO: %s/15-c.conf:4: external directory did not match ^9\n"
			     "depmod: INFO: %s/15-c.conf:5: command include not implemented yet\n",
			     d1, d2, d2, d2) > 0);
	/* plus the note about readme.txt, whose place depends on readdir */
	assert_non_null(strstr(err, "depmod: INFO: All cfg files need .conf: "));
	char *note = strstr(err, "depmod: INFO: All cfg files");
	memmove(note, strchr(note, '\n') + 1, strlen(strchr(note, '\n') + 1) + 1);
	assert_string_equal(err, want);
	dm_config_release(&c.cfg);

	/* no search at all: "search updates" */
	struct conf_run none = {.cfg = {.kversion = "1.2.3"}, .paths = L("/nonexistent")};
	free(test_capture_stderr(load_conf, &none));
	assert_int_equal(none.cfg.n_searches, 1);
	assert_string_equal(none.cfg.searches[0].path, "updates");
	dm_config_release(&none.cfg);
	assert_int_equal(system(NULL) != 0, 1);
	_cleanup_free_ char *rm = NULL;
	assert_true(asprintf(&rm, "rm -rf %s %s", d1, d2) > 0);
	assert_int_equal(system(rm), 0);
}

static void test_cache_roundtrip(void **state)
{
	(void)state;
	if (geteuid() != 0)
		skip();
	char dir[] = "/tmp/modgate-cache.XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct dm_modules mods = {.byname = DM_MAP_INIT};
	struct dm_module *a = test_module(&mods, "a", test_record(L("alias=x"), L("e"), NULL));
	struct dm_module *b = test_module(&mods, "b", test_record(NULL, NULL, L("e")));
	b->facts_failed = true; /* a failed parse is never cached */
	a->dev = 1, a->ino = 2, a->size = 3, a->mtime_ns = 4, a->ctime_ns = 5;

	struct dm_cache *c = dm_cache_open(dir, "/lib/modules/1.0", "1.0");
	assert_non_null(c);
	assert_null(dm_cache_lookup(c, a));
	dm_cache_save(c, &mods);
	dm_cache_free(c);

	c = dm_cache_open(dir, "/lib/modules/1.0", "1.0");
	const struct dm_record *r = dm_cache_lookup(c, a);
	assert_non_null(r);
	assert_int_equal(r->size, a->facts->size);
	assert_memory_equal(r, a->facts, r->size);
	assert_null(dm_cache_lookup(c, b));
	a->ctime_ns++; /* any part of the key: a miss */
	assert_null(dm_cache_lookup(c, a));
	a->ctime_ns--;
	dm_cache_free(c);

	/* another module directory, same version: its own cache file */
	c = dm_cache_open(dir, "/other/lib/modules/1.0", "1.0");
	assert_null(dm_cache_lookup(c, a));
	dm_cache_free(c);
	/* a version string cannot leave the directory */
	c = dm_cache_open(dir, "/lib/modules/x", "../../x");
	dm_cache_save(c, &mods);
	dm_cache_free(c);
	struct stat st;
	assert_int_equal(stat("/tmp/x-", &st) < 0 && stat("/x", &st) < 0, 1);

	dm_modules_release(&mods);
	_cleanup_free_ char *rm = NULL;
	assert_true(asprintf(&rm, "rm -rf %s", dir) > 0);
	assert_int_equal(system(rm), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_from_reply),
		cmocka_unit_test(test_record_valid_mutations),
		cmocka_unit_test(test_alias_normalize),
		cmocka_unit_test(test_fgets_pieces),
		cmocka_unit_test(test_value_filter),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_cache_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
