// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The hash: 8 bytes at a time with a multiply-xorshift mix; sha256 facts are
 * 64 characters and a byte-at-a-time hash was most of a decision's cost.
 * fold (module names) goes byte by byte, translating '-' to '_' first, into
 * the same word layout so a folded and a normalised string hash alike.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/macros.h"
#include "policy/intern.h"

static uint64_t mix(uint64_t h, uint64_t w)
{
	h ^= w;
	h *= 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

static uint64_t hash_of(uint8_t key, const char *s, bool fold)
{
	uint64_t h = 0x243f6a8885a308d3ULL ^ key;
	size_t n = strlen(s), i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if (fold && memchr(s + i, '-', 8)) {
			char b[8];
			for (int j = 0; j < 8; j++)
				b[j] = s[i + j] == '-' ? '_' : s[i + j];
			memcpy(&w, b, 8);
		}
		h = mix(h, w);
	}
	uint64_t w = 0;
	for (size_t j = 0; i + j < n; j++)
		w |= (uint64_t)(unsigned char)(fold && s[i + j] == '-' ? '_' : s[i + j]) << (8 * j);
	return mix(h, w ^ ((uint64_t)n << 56));
}

static bool same(const char *stored, const char *s, bool fold)
{
	if (!fold)
		return strcmp(stored, s) == 0;
	for (; *stored && *s; stored++, s++)
		if (*stored != (*s == '-' ? '_' : *s))
			return false;
	return *stored == *s;
}

static int grow_slots(struct intern *t)
{
	size_t size = t->mask ? (t->mask + 1) * 2 : 64;
	uint32_t *slots = calloc(size, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	for (size_t id = 0; id < t->n; id++) {
		size_t i = t->v[id].hash & (size - 1);
		while (slots[i])
			i = (i + 1) & (size - 1);
		slots[i] = (uint32_t)id + 1;
	}
	free(t->slots);
	t->slots = slots;
	t->mask = size - 1;
	return 0;
}

bool intern_find(const struct intern *t, uint8_t key, const char *s, bool fold, uint32_t *id)
{
	if (!t->slots)
		return false;
	uint64_t h = hash_of(key, s, fold);
	for (size_t i = h & t->mask; t->slots[i]; i = (i + 1) & t->mask) {
		const struct intern_entry *e = &t->v[t->slots[i] - 1];
		if (e->hash == h && e->key == key && same(e->str, s, fold)) {
			*id = t->slots[i] - 1;
			return true;
		}
	}
	return false;
}

int intern_add(struct intern *t, uint8_t key, const char *s, uint32_t *id)
{
	if (intern_find(t, key, s, false, id))
		return 0;
	if (t->n >= UINT32_MAX - 1)
		return -ENOMEM;
	/* keep the load factor under one half */
	if ((t->n + 1) * 2 > t->mask + 1 && grow_slots(t) < 0)
		return -ENOMEM;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;
		struct intern_entry *v = reallocarray(t->v, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	struct intern_entry e = {.str = strdup(s), .hash = hash_of(key, s, false), .key = key};
	if (!e.str)
		return -ENOMEM;
	*id = (uint32_t)t->n;
	t->v[t->n++] = e;
	size_t i = e.hash & t->mask;
	while (t->slots[i])
		i = (i + 1) & t->mask;
	t->slots[i] = *id + 1;
	return 0;
}

int intern_add_rule(struct intern *t, uint32_t id, uint32_t rule)
{
	struct intern_entry *e = &t->v[id];
	if (e->n_rules && e->rules[e->n_rules - 1] == rule)
		return 0;
	if (e->n_rules == e->cap_rules) {
		size_t cap = e->cap_rules ? e->cap_rules * 2 : 2;
		uint32_t *v = reallocarray(e->rules, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		e->rules = v;
		e->cap_rules = cap;
	}
	e->rules[e->n_rules++] = rule;
	return 0;
}

void intern_release(struct intern *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].str);
		free(t->v[i].rules);
	}
	free(t->v);
	free(t->slots);
	*t = (struct intern){0};
}
