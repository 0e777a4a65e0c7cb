/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writer of the .bin module indexes (modules.dep.bin, modules.alias.bin, ...)
 * that libkmod reads, in the exact layout Debian's kmod 30 writes.
 *
 * The file is a Patricia trie of 7-bit ASCII keys, each key holding a list of
 * (priority, value) pairs. All integers are u32 big-endian, nothing is padded:
 *
 *   u32 magic 0xB007F457   u32 version 0x00020001   u32 root node pointer
 *   nodes...
 *
 * A node pointer is the node's file offset with flags in its high nibble:
 * 0x80000000 the node has a prefix, 0x40000000 values, 0x20000000 children.
 * A node is, each part present only if flagged:
 *
 *   prefix: the chars between the parent's branch char and this node, NUL-terminated
 *   children: u8 first, u8 last, u32 pointer[last - first + 1] (0 = no child)
 *   values: u32 count, then per value: u32 priority, value NUL-terminated
 *
 *   keys: ask ate on once one          nodes (prefix in quotes, * = has values)
 *
 *   root "" -a-> "" -s-> "k"*          kmod 30 (module-init-tools heritage)
 *           |       `t-> "e"*          writes the children of a node before
 *           `-o-> "n"* -c-> "e"*       the node itself (post-order), so the
 *                       `e-> ""*       root comes last; kmod 34 writes
 *                                      pre-order. libkmod reads both; we
 *                                      write post-order to match kmod 30
 *                                      byte for byte.
 *
 * Values of one key are kept sorted by ascending priority; a value added with
 * a priority already present goes before the existing ones (kmod's rule).
 * Adding a value twice keeps both copies and reports the duplicate.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/strbuf.h"

struct index_trie;

struct index_trie *index_trie_new(void);
void index_trie_free(struct index_trie *t);

/* Add value under key. 0, -ENOMEM, or -EINVAL when key or value holds a byte
 * outside 7-bit ASCII (the format's alphabet; kmod 30 corrupts its own memory
 * on those). *duplicate (may be NULL) tells whether the key already held an
 * identical value. */
int index_trie_insert(struct index_trie *t, const char *key, const char *value, uint32_t priority,
		      bool *duplicate);

/* Serialise the whole index (header included) onto out. 0, -ENOMEM, or
 * -EFBIG when a node offset would not fit the 28 bits of a node pointer. */
int index_trie_write(struct index_trie *t, struct strbuf *out);

static inline void index_trie_freep(struct index_trie **t)
{
	index_trie_free(*t);
}
#define _cleanup_index_trie_ _cleanup_(index_trie_freep)
