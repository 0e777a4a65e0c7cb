// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The .bin index reader, on indexes written by kmod's own depmod over a small
 * fixture tree (test-index-fixture.sh), with result order checked against
 * kmod's two readers (modinfo uses the stream reader, modprobe the mmap one),
 * then on crafted and corrupted files.
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
#include "moddb/index.h"

static char tmpdir[] = "/tmp/modgate-index.XXXXXX";
static char moddir[512];
static char kver[64];

static int run_capture(const char *cmd, struct strbuf *out)
{
	FILE *p = popen(cmd, "r");
	if (!p)
		return -errno;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		strbuf_append(out, buf, n);
	return pclose(p);
}

static int setup_tree(void **state)
{
	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	const char *src = getenv("MODGATE_SRC");
	_cleanup_strbuf_ struct strbuf cmd = STRBUF_INIT, out = STRBUF_INIT;
	strbuf_appendf(&cmd, "bash %s/tests/unit/test-index-fixture.sh %s", src ? src : ".",
		       tmpdir);
	if (run_capture(strbuf_str(&cmd), &out) != 0)
		return -1;
	snprintf(kver, sizeof(kver), "%.*s", (int)strcspn(out.buf, "\n"), out.buf);
	snprintf(moddir, sizeof(moddir), "%s/lib/modules/%s", tmpdir, kver);
	return 0;
}

static int teardown_tree(void **state)
{
	(void)state;
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct index *open_idx(const char *name)
{
	char path[700];
	struct index *idx = NULL;
	snprintf(path, sizeof(path), "%s/%s", moddir, name);
	assert_int_equal(index_open(AT_FDCWD, path, &idx), 0);
	return idx;
}

/* Values joined by newlines, each followed by one. */
static void join(const struct index_values *v, struct strbuf *sb)
{
	for (size_t i = 0; i < v->n; i++)
		strbuf_appendf(sb, "%s\n", v->v[i].value);
}

static void test_exact(void **state)
{
	(void)state;
	struct index *dep = open_idx("modules.dep.bin");
	struct index_values v = {0};
	assert_int_equal(index_search(dep, "mod_b", INDEX_READER_STREAM, &v), 0);
	assert_int_equal(v.n, 1);
	assert_string_equal(v.v[0].value, "kernel/b/mod-b.ko: kernel/a/mod_a.ko");
	index_values_release(&v);
	assert_int_equal(index_search(dep, "mod_c", INDEX_READER_MMAP, &v), 0);
	assert_string_equal(v.v[0].value, "kernel/c/mod_c.ko: kernel/b/mod-b.ko kernel/a/mod_a.ko");
	index_values_release(&v);
	/* prefixes of keys, extensions of keys and strangers are all absent */
	const char *absent[] = {"mod_", "mod_aa", "mod", "", "zzz", "mod_a\x80", "mod-b"};
	for (size_t i = 0; i < ARRAY_SIZE(absent); i++) {
		assert_int_equal(index_search(dep, absent[i], INDEX_READER_STREAM, &v), -ENOENT);
		assert_int_equal(v.n, 0);
	}
	index_close(dep);
}

/* Our wildcard results against kmod's, for each reader. */
static void check_against_kmod(const char *alias)
{
	struct index *idx = open_idx("modules.alias.bin");
	struct index *bidx = open_idx("modules.builtin.alias.bin");
	for (int rd = 0; rd < 2; rd++) {
		_cleanup_strbuf_ struct strbuf cmd = STRBUF_INIT, want = STRBUF_INIT,
					       got = STRBUF_INIT;
		struct index_values v = {0};
		/* modinfo reads with the stream reader, modprobe with mmap */
		if (rd == INDEX_READER_STREAM)
			strbuf_appendf(&cmd, "modinfo -b %s -k %s -F name '%s'", tmpdir, kver, alias);
		else
			strbuf_appendf(&cmd, "modprobe -d %s -S %s -R '%s'", tmpdir, kver, alias);
		run_capture(strbuf_str(&cmd), &want);
		assert_int_equal(index_search_wild(idx, alias, rd, &v), 0);
		if (v.n == 0)
			assert_int_equal(index_search_wild(bidx, alias, rd, &v), 0);
		join(&v, &got);
		index_values_release(&v);
		assert_string_equal(strbuf_str(&got), strbuf_str(&want));
	}
	index_close(idx);
	index_close(bidx);
}

static void test_wildcard_matches_kmod(void **state)
{
	(void)state;
	/* three patterns match: d* of mod_a, and mod_b and mod_c on one key */
	check_against_kmod("pci:v00001234d00005678sv00000000sd00000000bc02sc00i00");
	check_against_kmod("pci:v00001234d00009999sv0sd0bc0sc0i0");
	check_against_kmod("usb:v1p2d3");
	check_against_kmod("acpi:ABC0001:");
	check_against_kmod("xay");
	check_against_kmod("xby");
	check_against_kmod("dup");       /* one key holding the same module twice */
	check_against_kmod("foo_bar");   /* depmod stored the alias normalised */
	check_against_kmod("fs_bi");     /* equal priorities: the readers disagree */
}

static void test_wildcard_no_match(void **state)
{
	(void)state;
	struct index *idx = open_idx("modules.alias.bin");
	struct index_values v = {0};
	const char *keys[] = {"pci:v00004321d0sv0sd0bc0sc0i0", "", "x", "xcy", "usb:", "zz"};
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		assert_int_equal(index_search_wild(idx, keys[i], INDEX_READER_STREAM, &v), 0);
		assert_int_equal(v.n, 0);
	}
	index_close(idx);
}

static int dump_line(const char *key, const char *value, void *userdata)
{
	strbuf_appendf(userdata, "alias %s %s\n", key, value);
	return 0;
}

static int dump_stop(const char *key, const char *value, void *userdata)
{
	(void)key;
	(void)value;
	return ++*(int *)userdata == 2 ? 42 : 0;
}

/* The dump holds exactly the lines of the text file depmod wrote beside it. */
static void test_dump(void **state)
{
	(void)state;
	struct index *idx = open_idx("modules.alias.bin");
	_cleanup_strbuf_ struct strbuf got = STRBUF_INIT, want = STRBUF_INIT, cmd = STRBUF_INIT;
	assert_int_equal(index_dump(idx, INDEX_READER_STREAM, dump_line, &got), 0);
	strbuf_appendf(&cmd, "grep -v '^#' %s/modules.alias | sed 's/foo-bar/foo_bar/' | LC_ALL=C sort",
		       moddir);
	run_capture(strbuf_str(&cmd), &want);
	_cleanup_strbuf_ struct strbuf sorted = STRBUF_INIT, cmd2 = STRBUF_INIT;
	char path[700];
	snprintf(path, sizeof(path), "%s/dump.txt", tmpdir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(strbuf_str(&got), f);
	fclose(f);
	strbuf_appendf(&cmd2, "LC_ALL=C sort %s", path);
	run_capture(strbuf_str(&cmd2), &sorted);
	assert_string_equal(strbuf_str(&sorted), strbuf_str(&want));
	int calls = 0;
	assert_int_equal(index_dump(idx, INDEX_READER_MMAP, dump_stop, &calls), 42);
	assert_int_equal(calls, 2);
	index_close(idx);
}

static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, data, len), 0);
	close(fd);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void test_open_errors(void **state)
{
	(void)state;
	char path[700];
	struct index *idx = NULL;
	snprintf(path, sizeof(path), "%s/none.bin", tmpdir);
	assert_int_equal(index_open(AT_FDCWD, path, &idx), -ENOENT);
	uint8_t hdr[12] = {0};
	put32(hdr, INDEX_MAGIC);
	put32(hdr + 4, 0x00030001); /* unknown major version */
	snprintf(path, sizeof(path), "%s/bad.bin", tmpdir);
	write_file(path, hdr, sizeof(hdr));
	assert_int_equal(index_open(AT_FDCWD, path, &idx), -EBADMSG);
	put32(hdr, 0xB007FA57); /* the old magic */
	put32(hdr + 4, 0x00020001);
	write_file(path, hdr, sizeof(hdr));
	assert_int_equal(index_open(AT_FDCWD, path, &idx), -EBADMSG);
	write_file(path, hdr, 11); /* shorter than a header */
	assert_int_equal(index_open(AT_FDCWD, path, &idx), -EBADMSG);
	assert_int_equal(index_open(AT_FDCWD, tmpdir, &idx), -EBADMSG); /* a directory */
	assert_non_null(strstr(index_open_why(-EBADMSG), "not a kmod index"));
}

/* Open a crafted index made of a header and the given node bytes at offset 12. */
static struct index *crafted(uint32_t root, const uint8_t *nodes, size_t len)
{
	uint8_t buf[256] = {0};
	char path[700];
	struct index *idx = NULL;
	assert_true(len + 12 <= sizeof(buf));
	put32(buf, INDEX_MAGIC);
	put32(buf + 4, 0x00020001);
	put32(buf + 8, root);
	memcpy(buf + 12, nodes, len);
	snprintf(path, sizeof(path), "%s/crafted.bin", tmpdir);
	write_file(path, buf, len + 12);
	assert_int_equal(index_open(AT_FDCWD, path, &idx), 0);
	return idx;
}

static void test_crafted(void **state)
{
	(void)state;
	struct index_values v = {0};
	char longkey[4000];
	memset(longkey, 'a', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';

	/* a root whose child 'a' is the root itself: a cycle */
	uint8_t cyc[6] = {'a', 'a'};
	put32(cyc + 2, 12 | 0x20000000);
	struct index *idx = crafted(12 | 0x20000000, cyc, sizeof(cyc));
	assert_int_equal(index_search(idx, longkey, INDEX_READER_STREAM, &v), -ELOOP);
	assert_non_null(strstr(index_why(idx), "cyclic"));
	assert_int_equal(index_search_wild(idx, longkey, INDEX_READER_STREAM, &v), -ELOOP);
	index_close(idx);

	/* '*' child that points back at its parent: the wildcard walk must end */
	uint8_t star[6] = {'*', '*'};
	put32(star + 2, 12 | 0x20000000);
	idx = crafted(12 | 0x20000000, star, sizeof(star));
	int r = index_search_wild(idx, "abc", INDEX_READER_MMAP, &v);
	assert_true(r == -ELOOP || r == -E2BIG);
	assert_int_equal(index_dump(idx, INDEX_READER_MMAP, dump_line, &(struct strbuf)STRBUF_INIT),
			 -ELOOP);
	index_close(idx);

	/* pointers past the end, prefix without NUL, reversed and too wide child
	 * ranges, a value count the file cannot hold, unknown flag bits */
	uint8_t node[8] = {'a', 'b', 'c', 'd'};
	idx = crafted(200 | 0x80000000, node, sizeof(node));
	assert_int_equal(index_search(idx, "x", INDEX_READER_STREAM, &v), -EBADMSG);
	index_close(idx);
	idx = crafted(16 | 0x80000000, node, 4); /* prefix runs off the end */
	assert_int_equal(index_search(idx, "x", INDEX_READER_STREAM, &v), -EBADMSG);
	index_close(idx);
	uint8_t rev[6] = {'z', 'a'};
	idx = crafted(12 | 0x20000000, rev, sizeof(rev));
	assert_int_equal(index_search(idx, "a", INDEX_READER_STREAM, &v), -EBADMSG);
	index_close(idx);
	uint8_t wide[6] = {'a', 0xff};
	idx = crafted(12 | 0x20000000, wide, sizeof(wide));
	assert_int_equal(index_search(idx, "a", INDEX_READER_STREAM, &v), -EBADMSG);
	index_close(idx);
	uint8_t many[8];
	put32(many, 1000000);
	idx = crafted(12 | 0x40000000, many, sizeof(many));
	assert_int_equal(index_search(idx, "", INDEX_READER_STREAM, &v), -EBADMSG);
	index_close(idx);
	uint8_t unterminated[9];
	put32(unterminated, 1);
	put32(unterminated + 4, 7);
	unterminated[8] = 'v';
	idx = crafted(12 | 0x40000000, unterminated, sizeof(unterminated));
	assert_int_equal(index_search(idx, "", INDEX_READER_STREAM, &v), -EBADMSG);
	assert_int_equal(index_search_wild(idx, "", INDEX_READER_STREAM, &v), -EBADMSG);
	index_close(idx);
	idx = crafted(12 | 0x10000000, node, sizeof(node));
	assert_int_equal(index_search(idx, "a", INDEX_READER_STREAM, &v), -EBADMSG);
	index_close(idx);
	/* an empty index (root 0) has no keys */
	idx = crafted(0, node, 0);
	assert_int_equal(index_search(idx, "", INDEX_READER_STREAM, &v), -ENOENT);
	assert_int_equal(index_search_wild(idx, "a", INDEX_READER_STREAM, &v), 0);
	assert_int_equal(v.n, 0);
	index_close(idx);
	index_values_release(&v);
}

/* A key deeper than INDEX_MAX_KEY below a wildcard is refused, not followed. */
static void test_deep_key(void **state)
{
	(void)state;
	/* a chain of nodes with prefix "*" + 250 x's, each with one child 'x' */
	static uint8_t buf[64 * 1024];
	size_t off = 0;
	const int depth = 12;
	for (int i = 0; i < depth; i++) {
		memset(buf + off, 'x', 250);
		buf[off] = i == 0 ? '*' : 'x';
		buf[off + 250] = '\0';
		off += 251;
		buf[off++] = 'x';
		buf[off++] = 'x';
		uint32_t next = i + 1 < depth ? (uint32_t)(12 + off + 4) | 0xA0000000 : 0;
		put32(buf + off, next);
		off += 4;
	}
	char path[700];
	uint8_t *file = calloc(1, off + 12);
	put32(file, INDEX_MAGIC);
	put32(file + 4, 0x00020001);
	put32(file + 8, 12 | 0xA0000000);
	memcpy(file + 12, buf, off);
	snprintf(path, sizeof(path), "%s/deep.bin", tmpdir);
	write_file(path, file, off + 12);
	free(file);
	struct index *idx = NULL;
	struct index_values v = {0};
	assert_int_equal(index_open(AT_FDCWD, path, &idx), 0);
	assert_int_equal(index_search_wild(idx, "abc", INDEX_READER_STREAM, &v), -E2BIG);
	index_close(idx);
}

/* Truncations and byte flips of a real index: errors or results, never a
 * crash or a read outside the file (the ASan build runs this too). */
static void test_corruptions(void **state)
{
	(void)state;
	char src[700], dst[700];
	_cleanup_free_ char *orig = NULL;
	size_t len;
	snprintf(src, sizeof(src), "%s/modules.alias.bin", moddir);
	snprintf(dst, sizeof(dst), "%s/corrupt.bin", tmpdir);
	assert_int_equal(read_full_file(src, 1 << 20, &orig, &len), 0);
	_cleanup_free_ uint8_t *buf = malloc(len);
	const char *keys[] = {"pci:v00001234d00005678sv0sd0bc0sc0i0", "usb:v1p2d3", "dup", "xay"};
	unsigned int seed = 12345, failures = 0;
	for (size_t cut = 12; cut < len; cut += 7) {
		write_file(dst, orig, cut);
		struct index *idx = NULL;
		assert_int_equal(index_open(AT_FDCWD, dst, &idx), 0);
		struct index_values v = {0};
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
			failures += index_search_wild(idx, keys[k], INDEX_READER_STREAM, &v) < 0;
			index_values_release(&v);
		}
		index_close(idx);
	}
	assert_true(failures > 0); /* truncation is noticed, not silently ignored */
	for (int round = 0; round < 3000; round++) {
		memcpy(buf, orig, len);
		for (int f = 0; f < 3; f++) {
			size_t pos = 12 + (size_t)rand_r(&seed) % (len - 12);
			buf[pos] ^= (uint8_t)(1u << (rand_r(&seed) % 8));
		}
		write_file(dst, buf, len);
		struct index *idx = NULL;
		assert_int_equal(index_open(AT_FDCWD, dst, &idx), 0);
		struct index_values v = {0};
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
			index_search_wild(idx, keys[k], (enum index_reader)(round & 1), &v);
			index_values_release(&v);
			index_search(idx, keys[k], INDEX_READER_STREAM, &v);
			index_values_release(&v);
		}
		index_close(idx);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_wildcard_matches_kmod),
		cmocka_unit_test(test_wildcard_no_match),
		cmocka_unit_test(test_dump),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_crafted),
		cmocka_unit_test(test_deep_key),
		cmocka_unit_test(test_corruptions),
	};
	return cmocka_run_group_tests(tests, setup_tree, teardown_tree);
}
