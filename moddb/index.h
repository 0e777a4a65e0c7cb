/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reader for kmod's binary indexes (modules.dep.bin, modules.alias.bin,
 * modules.symbols.bin, modules.builtin.bin, modules.builtin.alias.bin).
 *
 * Format (all integers u32 big-endian, no padding):
 *
 *   header   magic 0xB007F457 | version 0x0002xxxx | root node pointer
 *   pointer  offset (low 28 bits) | PREFIX 0x80000000 | VALUES 0x40000000 |
 *            CHILDS 0x20000000; offset 0 means "no node"
 *   node     [prefix NUL]                           if PREFIX
 *            [u8 first][u8 last][u32 child[last-first+1]]   if CHILDS
 *            [u32 count]{[u32 priority][value NUL]}*count    if VALUES
 *
 * A patricia trie over the keys: the path from the root spells a key, one
 * character per child arc plus each node's prefix. For example "ask", "on",
 * "once", "one":
 *
 *   root --a--> "sk"*        * = node holding values
 *        --o--> "n"* --c--> "e"*
 *                    --e--> ""*
 *
 * kmod <= 33 writes nodes post-order (the root near the end of the file),
 * kmod >= 34 pre-order; nothing here depends on the order.
 *
 * The file is root-owned, but a reader in a privileged process must still
 * survive a crafted one: every pointer, prefix, child range and value is
 * checked against the file size, keys are bounded in length and each query
 * may follow at most as many pointers as the file can hold, so shared or
 * cyclic nodes end in -ELOOP instead of running forever.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define INDEX_MAGIC	    0xB007F457u
#define INDEX_VERSION_MAJOR 0x0002u
/* Longest key (and so deepest recursion) a query will follow. */
#define INDEX_MAX_KEY 2048

/*
 * libkmod has two readers whose results differ in the order of values that
 * share a priority: the stream reader (used when indexes are not preloaded:
 * modinfo, and modprobe before kmod_load_resources) and the mmap reader (used
 * after kmod_load_resources: modprobe, udev). Callers say which one they are
 * being compatible with.
 */
enum index_reader {
	INDEX_READER_STREAM,
	INDEX_READER_MMAP,
};

struct index_value {
	uint32_t priority;
	const char *value; /* NUL-terminated, points into the mapped file */
};

struct index_values {
	struct index_value *v;
	size_t n, cap;
};

struct index;

/* Map the index at path (relative to dirfd). -ENOENT when absent, -EBADMSG
 * when it is not an index of a supported version (index_why() says which),
 * or another -errno. */
int index_open(int dirfd, const char *path, struct index **out);
void index_close(struct index *idx);
/* One sentence describing the last -EBADMSG/-ELOOP/-E2BIG from idx; "" if none. */
const char *index_why(const struct index *idx);
/* Sentence for a failed index_open(). */
const char *index_open_why(int err);

/* Exact match: every value of key, in the given reader's order (the first one
 * is what libkmod's index_search returns). -ENOENT when the key has no values. */
int index_search(struct index *idx, const char *key, enum index_reader rd,
		 struct index_values *out);
/* Keys are fnmatch(3) patterns (modules.alias): every value of every key
 * matching `key`, ordered as libkmod orders them. 0 with out->n == 0 if none. */
int index_search_wild(struct index *idx, const char *key, enum index_reader rd,
		      struct index_values *out);

/* Every key and value, in key order (as `modprobe -c` dumps them). Stops at
 * the first non-zero return of fn and returns it. */
typedef int (*index_dump_fn)(const char *key, const char *value, void *userdata);
int index_dump(struct index *idx, enum index_reader rd, index_dump_fn fn, void *userdata);

void index_values_release(struct index_values *vals);
