/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A depmod record: what depmod takes from one module file, in one flat,
 * position-independent block so the same bytes serve in memory and in the
 * cache (moddb/cache.c) without conversion.
 *
 *   struct dm_record   header: total size and the five counts
 *   u32 str[n_alias + n_softdep + n_weakdep]     offsets of the modinfo values
 *   (padding to 8)
 *   struct dm_rsym exports[n_export]             exported symbols, with CRC
 *   struct dm_rsym needs[n_need]                 dependency symbols, kmod's list
 *   strings, each NUL-terminated; the block's last byte is a NUL
 *
 * Offsets are from the start of the block. The values are kept raw (as the
 * module claims them); the writers refuse the ones that must not reach a
 * file, so the warning is given on every run, cached or not.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inspect/spawn.h"

enum dm_list {
	DM_ALIAS,
	DM_SOFTDEP,
	DM_WEAKDEP,
	DM_N_LISTS,
};

struct dm_record {
	uint32_t size;
	uint32_t n_str[DM_N_LISTS];
	uint32_t n_export;
	uint32_t n_need;
};

struct dm_rsym {
	uint64_t crc;
	uint32_t name;
	uint32_t weak; /* needs: 1 when the reference is weak (STB_WEAK) */
};

/* Build a record from a child's reply that passed reply_check() as a
 * WIRE_MSG_FACTS. The decoder lists exports and needs as kmod 30 does (see
 * WT_EXPORT / WT_NEED in wire.h); modinfo "key=value" strings are split at
 * the first '=' (no '=': the whole string is the key, the value empty) and
 * the alias, softdep and weakdep values kept in section order. Built from
 * the reply directly: depmod reads hundreds of thousands of strings, and a
 * malloc'ed copy of each (struct module_facts) costs more than the parse.
 * 0, -ENOMEM or -E2BIG; malloc'ed. */
int dm_record_from_reply(const struct child_reply *rep, struct dm_record **out);

/* An empty record (the module's file could not be parsed: kmod keeps the
 * module, with no aliases and no dependencies). */
int dm_record_empty(struct dm_record **out);

/* Is this block a well-formed record of exactly len bytes? Every offset and
 * count is checked, so a record read from a damaged cache is refused. */
bool dm_record_valid(const void *blob, size_t len);

static inline const char *dm_record_str(const struct dm_record *r, uint32_t off)
{
	return (const char *)r + off;
}

static inline const uint32_t *dm_record_list(const struct dm_record *r, enum dm_list l, uint32_t *n)
{
	const uint32_t *base = (const uint32_t *)(r + 1);
	for (int i = 0; i < (int)l; i++)
		base += r->n_str[i];
	*n = r->n_str[l];
	return base;
}

const struct dm_rsym *dm_record_exports(const struct dm_record *r);
const struct dm_rsym *dm_record_needs(const struct dm_record *r);
