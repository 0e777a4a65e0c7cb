// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The dependency graph: which module owns a symbol, kmod's topological order
 * ("reverse load order" in modules.dep), its cycle report word for word, the
 * -e warnings, the -P prefix, and kmod's hash order.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "moddb/graph.h"
#include "test-depmod-util.h"

#define L(...) ((const char *const[]){__VA_ARGS__, NULL})

struct fixture {
	struct dm_config cfg;
	struct dm_modules mods;
	struct dm_graph g;
	int result;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	log_set_prog("depmod");
	log_set_max_prio(LOG_PRIO_WARNING);
	dm_graph_init(&f->g, &f->cfg, &f->mods);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	dm_graph_release(&f->g);
	dm_modules_release(&f->mods);
	free(f);
	return 0;
}

static void build(void *arg)
{
	struct fixture *f = arg;
	f->result = dm_graph_load_exports(&f->g);
	if (f->result == 0)
		f->result = dm_graph_link(&f->g);
	if (f->result == 0)
		f->result = dm_graph_sort(&f->g);
}

static char *closure(struct fixture *f, const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < f->mods.n; i++) {
		if (!streq(f->mods.v[i]->name, name))
			continue;
		struct dm_module *const *deps;
		size_t n;
		assert_int_equal(dm_graph_closure(&f->g, f->mods.v[i], &deps, &n), 0);
		for (size_t k = 0; k < n; k++)
			strbuf_appendf(&sb, "%s%s", k ? " " : "", deps[k]->name);
	}
	return strbuf_steal(&sb);
}

static void test_reverse_load_order(void **state)
{
	struct fixture *f = *state;
	test_module(&f->mods, "a", test_record(NULL, L("a_fn"), L("b_fn", "c_fn")));
	test_module(&f->mods, "b", test_record(NULL, L("b_fn"), L("c_fn")));
	test_module(&f->mods, "c", test_record(NULL, L("c_fn"), NULL));
	test_module(&f->mods, "d", test_record(NULL, NULL, L("a_fn", "c_fn", "unknown_fn")));
	_cleanup_free_ char *err = test_capture_stderr(build, f);
	assert_int_equal(f->result, 0);
	assert_string_equal(err, "");
	/* kmod: d first (nobody needs it), then a, b, c as their users drop to 0 */
	_cleanup_free_ char *cd = closure(f, "d");
	_cleanup_free_ char *ca = closure(f, "a");
	_cleanup_free_ char *cc = closure(f, "c");
	assert_string_equal(cd, "a b c");
	assert_string_equal(ca, "b c");
	assert_string_equal(cc, "");
}

static void test_last_exporter_owns(void **state)
{
	struct fixture *f = *state;
	test_module(&f->mods, "first", test_record(NULL, L("shared"), NULL));
	test_module(&f->mods, "second", test_record(NULL, L("shared"), NULL));
	test_module(&f->mods, "user", test_record(NULL, NULL, L("shared")));
	build(f);
	assert_int_equal(f->result, 0);
	_cleanup_free_ char *cu = closure(f, "user");
	assert_string_equal(cu, "second");
	_cleanup_free_ const struct dm_symbol **syms = NULL;
	size_t n;
	assert_int_equal(dm_graph_owned_symbols(&f->g, &syms, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(syms[0]->owner->name, "second");
}

static void test_cycle_report(void **state)
{
	struct fixture *f = *state;
	test_module(&f->mods, "a", test_record(NULL, L("a_fn"), L("b_fn")));
	test_module(&f->mods, "b", test_record(NULL, L("b_fn"), L("a_fn")));
	test_module(&f->mods, "c", test_record(NULL, NULL, L("a_fn")));
	_cleanup_free_ char *err = test_capture_stderr(build, f);
	assert_int_equal(f->result, -EINVAL);
	assert_string_equal(err, "depmod: ERROR: Cycle detected: a -> b -> a\n"
				 "depmod: ERROR: Found 2 modules in dependency cycles!\n");
}

static void test_two_cycles(void **state)
{
	struct fixture *f = *state;
	test_module(&f->mods, "x", test_record(NULL, L("x_fn"), L("y_fn")));
	test_module(&f->mods, "y", test_record(NULL, L("y_fn"), L("z_fn")));
	test_module(&f->mods, "z", test_record(NULL, L("z_fn"), L("x_fn")));
	test_module(&f->mods, "p", test_record(NULL, L("p_fn"), L("q_fn")));
	test_module(&f->mods, "q", test_record(NULL, L("q_fn"), L("p_fn")));
	_cleanup_free_ char *err = test_capture_stderr(build, f);
	assert_int_equal(f->result, -EINVAL);
	assert_string_equal(err, "depmod: ERROR: Cycle detected: x -> y -> z -> x\n"
				 "depmod: ERROR: Cycle detected: p -> q -> p\n"
				 "depmod: ERROR: Found 5 modules in dependency cycles!\n");
}

static void test_unknown_and_versions(void **state)
{
	struct fixture *f = *state;
	char path[] = "/tmp/modgate-symvers.XXXXXX";
	int fd = mkstemp(path);
	const char *sv = "0x00000010\tkfn\tvmlinux\tEXPORT_SYMBOL\n"
			 "0x00000020\tother\tsomething\tEXPORT_SYMBOL\n";
	assert_int_equal(write_all(fd, sv, strlen(sv)), 0);
	close(fd);
	f->cfg.check_symvers = f->cfg.print_unknown = true;
	assert_int_equal(dm_graph_load_symvers(&f->g, path), 0);
	unlink(path);
	test_module(&f->mods, "m",
		    test_record(NULL, NULL, L("kfn@0x10", "nope", "~weak_nope", "__this_module")));
	test_module(&f->mods, "n", test_record(NULL, NULL, L("kfn@0x11", "~kfn@0x12", "other")));
	_cleanup_free_ char *err = test_capture_stderr(build, f);
	assert_int_equal(f->result, 0);
	assert_string_equal(err, "depmod: WARNING: /mods/m.ko needs unknown symbol nope\n"
				 "depmod: WARNING: /mods/n.ko disagrees about version of symbol kfn\n"
				 "depmod: WARNING: /mods/n.ko needs unknown symbol other\n");
}

static void test_symbol_prefix(void **state)
{
	struct fixture *f = *state;
	f->cfg.sym_prefix = '_';
	test_module(&f->mods, "lib", test_record(NULL, L("_pfn"), NULL));
	test_module(&f->mods, "u1", test_record(NULL, NULL, L("pfn")));
	test_module(&f->mods, "u2", test_record(NULL, NULL, L("_pfn")));
	test_module(&f->mods, "u3", test_record(NULL, NULL, L(".pfn")));
	build(f);
	assert_int_equal(f->result, 0);
	for (int i = 1; i <= 3; i++) {
		char n[4] = {'u', (char)('0' + i), 0};
		_cleanup_free_ char *c = closure(f, n);
		assert_string_equal(c, "lib");
	}
}

static void test_kmod_hash(void **state)
{
	(void)state;
	/* known answers of SuperFastHash as kmod's shared/hash.c computes it */
	assert_int_equal(dm_kmod_hash("", 0), 0);
	assert_int_equal(dm_kmod_hash("a", 1), 0x115ea782);
	assert_int_equal(dm_kmod_hash("ab", 2), 0x516b8b44);
	assert_int_equal(dm_kmod_hash("abc", 3), 0xd2be198a);
	assert_int_equal(dm_kmod_hash("abcd", 4), 0xdad8b8db);
	assert_int_equal(dm_kmod_hash("snd_hda_intel", 13), 0x6e4028a1);
	/* iteration order: bucket first, then strcmp */
	assert_true(dm_kmod_hash_cmp("abc", "abc", 512) == 0);
	const char *names[] = {"a", "ab", "abc", "abcd", "snd_hda_intel", "printk", "zz"};
	for (size_t i = 0; i < 7; i++)
		for (size_t j = 0; j < 7; j++) {
			uint32_t bi = dm_kmod_hash(names[i], strlen(names[i])) & 511;
			uint32_t bj = dm_kmod_hash(names[j], strlen(names[j])) & 511;
			int want = bi != bj ? (bi < bj ? -1 : 1) : strcmp(names[i], names[j]);
			int got = dm_kmod_hash_cmp(names[i], names[j], 512);
			assert_int_equal(got < 0, want < 0);
			assert_int_equal(got > 0, want > 0);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_reverse_load_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_exporter_owns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cycle_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_cycles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_and_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symbol_prefix, setup, teardown),
		cmocka_unit_test(test_kmod_hash),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
