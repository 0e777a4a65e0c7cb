// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The index: built once per policy so that a decision looks only at rules the
 * request can match, whatever the policy's size (see eval.c for its use).
 *
 *   enum keys      one bitset per value: the rules accepting it
 *   string keys    `none`: the rules that do not name the key
 *                  per interned literal: the rules naming it (intern.h)
 *                  patterns by literal prefix in a trie: "vendor07_*" is
 *                  reached only by facts starting with "vendor07_"; those
 *                  starting with a metacharacter by literal suffix ("*_test")
 *
 * Bitsets hold one bit per rule in rule order, so "first match" is the lowest
 * set bit of an AND.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/macros.h"
#include "policy/internal.h"

static const struct cond *rule_cond(const struct rule *r, int k)
{
	for (size_t i = 0; i < r->n_conds; i++)
		if (r->conds[i].key == k)
			return &r->conds[i];
	return NULL;
}

static void set_bit(uint64_t *bits, size_t i)
{
	bits[i / 64] |= 1ULL << (i % 64);
}

static int push_u32(uint32_t **v, size_t *n, uint32_t x)
{
	if (*n && (*v)[*n - 1] == x)
		return 0;
	/* grow in powers of two: n is a power of two exactly when full */
	if ((*n & (*n - 1)) == 0) {
		uint32_t *g = reallocarray(*v, *n ? *n * 2 : 1, sizeof(**v));
		if (!g)
			return -ENOMEM;
		*v = g;
	}
	(*v)[(*n)++] = x;
	return 0;
}

static long pnode_child(const struct pnode *n, unsigned char c)
{
	const unsigned char *hit = n->n_child ? memchr(n->bytes, c, n->n_child) : NULL;
	return hit ? (long)n->child[hit - n->bytes] : -1;
}

static int pnode_new(struct ptrie *t, uint32_t *id)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct pnode *v = reallocarray(t->v, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n] = (struct pnode){0};
	*id = (uint32_t)t->n++;
	return 0;
}

static int pnode_add_child(struct ptrie *t, uint32_t parent, unsigned char c, uint32_t *id)
{
	int r = pnode_new(t, id);
	if (r < 0)
		return r;
	struct pnode *n = &t->v[parent];
	unsigned char *b = realloc(n->bytes, n->n_child + 1);
	if (!b)
		return -ENOMEM;
	n->bytes = b;
	uint32_t *ch = reallocarray(n->child, n->n_child + 1, sizeof(*ch));
	if (!ch)
		return -ENOMEM;
	n->child = ch;
	n->bytes[n->n_child] = c;
	n->child[n->n_child++] = *id;
	return 0;
}

/* Insert the literal lit[0..len) (backwards when rev) and file rule there. */
static int ptrie_add(struct ptrie *t, const char *lit, size_t len, bool rev, uint32_t rule)
{
	uint32_t at = 0;
	int r;
	if (t->n == 0 && (r = pnode_new(t, &at)) < 0)
		return r;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)lit[rev ? len - 1 - i : i];
		long c = pnode_child(&t->v[at], ch);
		uint32_t next;
		if (c >= 0)
			next = (uint32_t)c;
		else if ((r = pnode_add_child(t, at, ch, &next)) < 0)
			return r;
		at = next;
	}
	return push_u32(&t->v[at].rules, &t->v[at].n_rules, rule);
}

/* Where the literal run at the end of pat starts (after its last `*`, `?`
 * or bracket expression). */
static size_t literal_suffix(const char *pat)
{
	size_t i = 0, last = 0;
	while (pat[i]) {
		if (pat[i] == '*' || pat[i] == '?')
			last = ++i;
		else if (pat[i] == '[')
			last = i += glob_bracket_len(pat + i);
		else
			i++;
	}
	return last;
}

static int index_pattern(struct key_index *e, const char *pat, uint32_t rule)
{
	size_t prefix = strcspn(pat, "*?[");
	if (prefix)
		return ptrie_add(&e->trie, pat, prefix, false, rule);
	size_t s = literal_suffix(pat);
	if (pat[s])
		return ptrie_add(&e->rtrie, pat + s, strlen(pat + s), true, rule);
	return ptrie_add(&e->trie, pat, 0, false, rule);
}

static size_t walk(const struct ptrie *t, const char *s, size_t len, bool rev, bool fold,
		   const struct pnode **out, size_t max)
{
	size_t n = 0;
	if (!t->n)
		return 0;
	const struct pnode *at = &t->v[0];
	for (size_t i = 0;; i++) {
		if (at->n_rules) {
			if (n < max)
				out[n] = at;
			n++;
		}
		if (i == len)
			return n;
		char ch = s[rev ? len - 1 - i : i];
		long next = pnode_child(at, (unsigned char)(fold && ch == '-' ? '_' : ch));
		if (next < 0)
			return n;
		at = &t->v[next];
	}
}

size_t ptrie_path(const struct ptrie *t, const char *s, bool fold, const struct pnode **out,
		  size_t max)
{
	return walk(t, s, strlen(s), false, fold, out, max);
}

size_t ptrie_path_rev(const struct ptrie *t, const char *s, bool fold, const struct pnode **out,
		      size_t max)
{
	return walk(t, s, strlen(s), true, fold, out, max);
}

static void ptrie_release(struct ptrie *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].bytes);
		free(t->v[i].child);
		free(t->v[i].rules);
	}
	free(t->v);
	*t = (struct ptrie){0};
}

static int index_enum_key(struct policy *p, struct key_index *e, int k)
{
	for (int v = 0; v < ENUM_MAX; v++) {
		e->by_value[v] = calloc(p->words, sizeof(uint64_t));
		if (!e->by_value[v])
			return -ENOMEM;
		for (size_t i = 0; i < p->n_rules; i++) {
			const struct cond *c = rule_cond(&p->rules[i], k);
			if (!c || (c->mask & (1u << v)))
				set_bit(e->by_value[v], i);
		}
	}
	return 0;
}

static int index_string_key(struct policy *p, struct key_index *e, int k)
{
	e->none = calloc(p->words, sizeof(uint64_t));
	e->globby = calloc(p->words, sizeof(uint64_t));
	if (!e->none || !e->globby)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct cond *c = rule_cond(&p->rules[i], k);
		int r = 0;
		if (!c) {
			set_bit(e->none, i);
			continue;
		}
		for (size_t j = 0; r == 0 && j < c->n_ids; j++)
			r = intern_add_rule(&p->in, c->ids[j], (uint32_t)i);
		if (c->n_globs)
			set_bit(e->globby, i);
		for (size_t j = 0; r == 0 && j < c->n_globs; j++)
			r = index_pattern(e, c->globs[j].pat, (uint32_t)i);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Conditions the index cannot decide alone (it only narrows them to rules
 * whose pattern prefix fits): string conditions with patterns. */
static int rule_residual(struct rule *r)
{
	for (size_t i = 0; i < r->n_conds; i++) {
		const struct cond *c = &r->conds[i];
		if (key_is_enum(c->key) || c->literal_only)
			continue;
		uint8_t *n = reallocarray(r->residual, r->n_residual + 1, 1);
		if (!n)
			return -ENOMEM;
		r->residual = n;
		r->residual[r->n_residual++] = (uint8_t)i;
	}
	return 0;
}

/* How many rules a typical fact lets through a key's filter: enum keys, the
 * mean over values; string keys, the rules that do not narrow it by a literal. */
static size_t pass_count(const struct policy *p, const struct key_index *e)
{
	size_t n = 0;
	if (key_is_enum(e->key)) {
		size_t vals = 0;
		for (int v = 0; policy_keys[e->key].values[v]; v++, vals++)
			for (size_t w = 0; w < p->words; w++)
				n += (size_t)__builtin_popcountll(e->by_value[v][w]);
		return vals ? n / vals : n;
	}
	for (size_t w = 0; w < p->words; w++)
		n += (size_t)__builtin_popcountll(e->none[w] | e->globby[w]);
	return n;
}

/* AND the most selective keys first: a block whose candidates are gone after
 * one or two keys costs no more. */
static void sort_by_selectivity(struct policy *p)
{
	size_t pass[K_COUNT];
	for (size_t i = 0; i < p->n_idx; i++)
		pass[i] = pass_count(p, &p->idx[i]);
	for (size_t i = 1; i < p->n_idx; i++)
		for (size_t j = i; j > 0 && pass[j] < pass[j - 1]; j--) {
			struct key_index t = p->idx[j];
			size_t tp = pass[j];
			p->idx[j] = p->idx[j - 1];
			p->idx[j - 1] = t;
			pass[j] = pass[j - 1];
			pass[j - 1] = tp;
		}
}

int policy_build_index(struct policy *p)
{
	int r;

	p->words = (p->n_rules + 63) / 64;
	for (size_t i = 0; i < p->n_rules; i++) {
		struct rule *ru = &p->rules[i];
		if ((r = rule_residual(ru)) < 0)
			return r;
		for (size_t j = 0; j < ru->n_conds; j++)
			p->key_used[ru->conds[j].key] = true;
	}
	p->idx = calloc(K_COUNT, sizeof(*p->idx));
	if (!p->idx)
		return -ENOMEM;
	for (int k = 0; k < K_COUNT; k++) {
		if (!p->key_used[k])
			continue;
		struct key_index *e = &p->idx[p->n_idx++];
		e->key = (uint8_t)k;
		r = key_is_enum(k) ? index_enum_key(p, e, k) : index_string_key(p, e, k);
		if (r < 0)
			return r;
	}
	sort_by_selectivity(p);
	p->has_kernel_id = intern_find(&p->in, K_CERT, CERT_KERNEL_LITERAL, false, &p->kernel_id);
	return 0;
}

void policy_index_release(struct policy *p)
{
	for (size_t i = 0; p->idx && i < p->n_idx; i++) {
		free(p->idx[i].none);
		free(p->idx[i].globby);
		ptrie_release(&p->idx[i].trie);
		ptrie_release(&p->idx[i].rtrie);
		for (int v = 0; v < ENUM_MAX; v++)
			free(p->idx[i].by_value[v]);
	}
	free(p->idx);
	p->idx = NULL;
	p->n_idx = 0;
}
