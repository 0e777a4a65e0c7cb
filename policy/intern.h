/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Interned literal values: every literal a rule names (per key) gets a small
 * id and the list of rules naming it (ascending), so evaluation looks a fact up
 * once per key instead of comparing strings rule by rule.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct intern_entry {
	char *str; /* normalised as the key wants */
	uint64_t hash;
	uint8_t key;
	uint32_t *rules; /* rules whose literal-only condition on `key` names it */
	size_t n_rules, cap_rules;
};

struct intern {
	struct intern_entry *v; /* by id */
	size_t n, cap;
	uint32_t *slots; /* open addressing: id + 1, 0 = empty */
	size_t mask;
};

/* Find or add; *id gets the entry's id. 0 or -ENOMEM. */
int intern_add(struct intern *t, uint8_t key, const char *s, uint32_t *id);
/* fold: compare with '-' read as '_' in s. false when absent. */
bool intern_find(const struct intern *t, uint8_t key, const char *s, bool fold, uint32_t *id);
/* Append rule to the entry's list unless it is already last. 0 or -ENOMEM. */
int intern_add_rule(struct intern *t, uint32_t id, uint32_t rule);
void intern_release(struct intern *t);
