/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A string-keyed map for depmod's lookups (module names, symbols, paths):
 * open addressing, keys not copied, no deletion. Iteration order is not
 * kmod's; where kmod's order shows in an output, dm_kmod_hash_cmp() sorts.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct dm_map_slot {
	const char *key;
	void *value;
	uint32_t hash;
};

struct dm_map {
	struct dm_map_slot *slots;
	size_t cap; /* power of two */
	size_t n;
};

#define DM_MAP_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0                                                                         \
	}

void dm_map_release(struct dm_map *m);
void *dm_map_get(const struct dm_map *m, const char *key);
/* The slot for key, created (value NULL) if absent; NULL on -ENOMEM. The key
 * must outlive the map. */
struct dm_map_slot *dm_map_slot(struct dm_map *m, const char *key);
