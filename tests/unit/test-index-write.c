// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The .bin index writer: exact bytes for small tries worked out from the
 * format (kmod 30's post-order layout), value order, and a decoder written
 * here from the format description that reads every written index back.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "moddb/index-write.h"

static uint32_t be32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return ntohl(v);
}

/* Decode every key of an index into "key=prio:value,prio:value\n" lines in
 * trie order (children by ascending byte), checking bounds as it goes. */
static void decode_node(const uint8_t *b, size_t len, uint32_t ptr, struct strbuf *key,
			struct strbuf *out, int depth)
{
	assert_true(depth < 100000);
	uint32_t off = ptr & 0x0FFFFFFF;
	assert_true(off >= 12 && off < len);
	size_t keylen = key->len;
	const uint8_t *p = b + off;
	if (ptr & 0x80000000) {
		size_t n = strnlen((const char *)p, len - off);
		assert_true(n < len - off);
		strbuf_append(key, p, n);
		p += n + 1;
	}
	uint8_t first = 0, last = 0;
	const uint8_t *kids = NULL;
	if (ptr & 0x20000000) {
		first = p[0];
		last = p[1];
		assert_true(first <= last && last < 128);
		kids = p + 2;
		p = kids + 4 * (last - first + 1);
	}
	if (ptr & 0x40000000) {
		uint32_t n = be32(p);
		p += 4;
		strbuf_appendf(out, "%.*s=", (int)key->len, key->buf ? key->buf : "");
		for (uint32_t i = 0; i < n; i++) {
			uint32_t prio = be32(p);
			p += 4;
			strbuf_appendf(out, "%s%u:%s", i ? "," : "", prio, (const char *)p);
			p += strlen((const char *)p) + 1;
		}
		strbuf_append_char(out, '\n');
	}
	for (int c = first; kids && c <= last; c++) {
		uint32_t child = be32(kids + 4 * (c - first));
		if (!child)
			continue;
		/* post-order: every child lies before its parent */
		assert_true((child & 0x0FFFFFFF) < off);
		size_t before = key->len;
		strbuf_append_char(key, (char)c);
		decode_node(b, len, child, key, out, depth + 1);
		key->len = before;
	}
	key->len = keylen;
}

static char *decode(struct index_trie *t)
{
	_cleanup_strbuf_ struct strbuf bin = STRBUF_INIT, key = STRBUF_INIT;
	struct strbuf out = STRBUF_INIT;
	assert_int_equal(index_trie_write(t, &bin), 0);
	const uint8_t *b = (const uint8_t *)bin.buf;
	assert_true(bin.len >= 12);
	assert_int_equal(be32(b), 0xB007F457);
	assert_int_equal(be32(b + 4), 0x00020001);
	uint32_t root = be32(b + 8);
	if (root & 0xF0000000)
		decode_node(b, bin.len, root, &key, &out, 0);
	return strbuf_steal(&out);
}

static void test_empty_index(void **state)
{
	(void)state;
	_cleanup_index_trie_ struct index_trie *t = index_trie_new();
	_cleanup_strbuf_ struct strbuf bin = STRBUF_INIT;
	assert_int_equal(index_trie_write(t, &bin), 0);
	/* magic, version, and a root with nothing in it, at 12 */
	const uint8_t want[] = {0xB0, 0x07, 0xF4, 0x57, 0, 2, 0, 1, 0, 0, 0, 12};
	assert_int_equal(bin.len, sizeof(want));
	assert_memory_equal(bin.buf, want, sizeof(want));
}

static void test_one_key_bytes(void **state)
{
	(void)state;
	_cleanup_index_trie_ struct index_trie *t = index_trie_new();
	_cleanup_strbuf_ struct strbuf bin = STRBUF_INIT;
	assert_int_equal(index_trie_insert(t, "ab", "x", 7, NULL), 0);
	assert_int_equal(index_trie_write(t, &bin), 0);
	/* the root branches on 'a' to a leaf holding the rest of the key, "b",
	 * and the value; post-order puts the leaf at 12 and the root after it */
	const uint8_t want[] = {
		0xB0, 0x07, 0xF4, 0x57, 0, 2, 0, 1, 0x20, 0, 0, 24, /* root: childs, at 24 */
		'b', 0, 0, 0, 0, 1, 0, 0, 0, 7, 'x', 0,              /* leaf at 12 */
		'a', 'a', 0xC0, 0, 0, 12,                            /* root: 'a'..'a' -> 12 */
	};
	assert_int_equal(bin.len, sizeof(want));
	assert_memory_equal(bin.buf, want, sizeof(want));
}

static void test_values_by_priority(void **state)
{
	(void)state;
	_cleanup_index_trie_ struct index_trie *t = index_trie_new();
	bool dup = true;
	assert_int_equal(index_trie_insert(t, "k", "v1", 5, &dup), 0);
	assert_false(dup);
	assert_int_equal(index_trie_insert(t, "k", "v2", 3, &dup), 0);
	assert_int_equal(index_trie_insert(t, "k", "v3", 5, &dup), 0);
	assert_false(dup);
	/* a duplicate is reported and kept, as kmod keeps it */
	assert_int_equal(index_trie_insert(t, "k", "v1", 9, &dup), 0);
	assert_true(dup);
	_cleanup_free_ char *got = decode(t);
	/* ascending priority; a new value goes before those of equal priority */
	assert_string_equal(got, "k=3:v2,5:v3,5:v1,9:v1\n");
}

static void test_splits(void **state)
{
	(void)state;
	_cleanup_index_trie_ struct index_trie *t = index_trie_new();
	const char *keys[] = {"abc", "a", "abd", "ab", "b", "", "abcdef", "x-y"};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		assert_int_equal(index_trie_insert(t, keys[i], keys[i], (uint32_t)i, NULL), 0);
	_cleanup_free_ char *got = decode(t);
	assert_string_equal(got, "=5:\n"
				 "a=1:a\n"
				 "ab=3:ab\n"
				 "abc=0:abc\n"
				 "abcdef=6:abcdef\n"
				 "abd=2:abd\n"
				 "b=4:b\n"
				 "x-y=7:x-y\n");
}

static void test_ascii_only(void **state)
{
	(void)state;
	_cleanup_index_trie_ struct index_trie *t = index_trie_new();
	assert_int_equal(index_trie_insert(t, "caf\xc3\xa9", "m", 0, NULL), -EINVAL);
	assert_int_equal(index_trie_insert(t, "ok", "\x80", 0, NULL), -EINVAL);
	_cleanup_free_ char *got = decode(t);
	assert_string_equal(got, "");
}

/* A trie as deep as it has keys (each key extends the previous one): no
 * recursion in the writer, so no stack to exhaust. */
static void test_deep_trie(void **state)
{
	(void)state;
	_cleanup_index_trie_ struct index_trie *t = index_trie_new();
	enum { N = 20000 };
	char *key = malloc(N + 1);
	for (int i = 1; i <= N; i++) {
		memset(key, 'k', (size_t)i);
		key[i] = '\0';
		/* distinct branch bytes force a node per level */
		key[i - 1] = (char)('a' + i % 2);
		assert_int_equal(index_trie_insert(t, key, "v", 0, NULL), 0);
	}
	free(key);
	_cleanup_strbuf_ struct strbuf bin = STRBUF_INIT;
	assert_int_equal(index_trie_write(t, &bin), 0);
	assert_true(bin.len > (size_t)N * 10);
}

static void test_many_keys_roundtrip(void **state)
{
	(void)state;
	_cleanup_index_trie_ struct index_trie *t = index_trie_new();
	_cleanup_strbuf_ struct strbuf want = STRBUF_INIT;
	char key[64];
	/* inserted in a scrambled order, decoded in trie (byte) order */
	for (unsigned int i = 0; i < 5000; i++) {
		unsigned int k = (i * 7919u) % 5000u;
		snprintf(key, sizeof(key), "pci:v%04Xd%04X*", k % 97, k);
		assert_int_equal(index_trie_insert(t, key, "m", k, NULL), 0);
	}
	_cleanup_free_ char *got = decode(t);
	/* every key once, in ascending order */
	size_t lines = 0;
	const char *prev = NULL;
	for (char *l = got; *l; l = strchr(l, '\n') + 1) {
		if (prev)
			assert_true(strncmp(prev, l, (size_t)(strchr(l, '=') - l)) < 0);
		prev = l;
		lines++;
	}
	assert_int_equal(lines, 5000);
}

static void test_write_needs_empty_buffer(void **state)
{
	(void)state;
	_cleanup_index_trie_ struct index_trie *t = index_trie_new();
	_cleanup_strbuf_ struct strbuf bin = STRBUF_INIT;
	strbuf_append_str(&bin, "x");
	assert_int_equal(index_trie_write(t, &bin), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_index),
		cmocka_unit_test(test_one_key_bytes),
		cmocka_unit_test(test_values_by_priority),
		cmocka_unit_test(test_splits),
		cmocka_unit_test(test_ascii_only),
		cmocka_unit_test(test_deep_trie),
		cmocka_unit_test(test_many_keys_roundtrip),
		cmocka_unit_test(test_write_needs_empty_buffer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
