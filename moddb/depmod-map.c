// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdlib.h>
#include <string.h>

#include "common/macros.h"
#include "moddb/depmod-map.h"

static uint32_t str_hash(const char *s)
{
	/* FNV-1a: keys are symbol and module names, not attacker-tuned input
	 * worth a keyed hash: a crafted module can only slow its own run. */
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

void dm_map_release(struct dm_map *m)
{
	free(m->slots);
	m->slots = NULL;
	m->cap = m->n = 0;
}

static struct dm_map_slot *probe(const struct dm_map *m, const char *key, uint32_t h)
{
	size_t mask = m->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct dm_map_slot *s = &m->slots[i];
		if (!s->key || (s->hash == h && strcmp(s->key, key) == 0))
			return s;
	}
}

void *dm_map_get(const struct dm_map *m, const char *key)
{
	if (!m->cap)
		return NULL;
	struct dm_map_slot *s = probe(m, key, str_hash(key));
	return s->key ? s->value : NULL;
}

static int grow(struct dm_map *m)
{
	size_t ncap;
	if (size_mul_overflow(m->cap ? m->cap : 32, 2, &ncap))
		return -1;
	struct dm_map_slot *ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return -1;
	struct dm_map old = *m;
	m->slots = ns;
	m->cap = ncap;
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i].key)
			*probe(m, old.slots[i].key, old.slots[i].hash) = old.slots[i];
	free(old.slots);
	return 0;
}

struct dm_map_slot *dm_map_slot(struct dm_map *m, const char *key)
{
	/* keep the load under 1/2 so probes stay short */
	if ((m->n + 1) * 2 > m->cap && grow(m) < 0)
		return NULL;
	uint32_t h = str_hash(key);
	struct dm_map_slot *s = probe(m, key, h);
	if (!s->key) {
		s->key = key;
		s->hash = h;
		s->value = NULL;
		m->n++;
	}
	return s;
}
