// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Evaluation: first match wins, so rules are visited in order, 64 at a time.
 * For each block the index gives the rules every indexed key accepts (one AND
 * per key: a bitset for enum keys, "rules that do not narrow this key" OR the
 * interned list of the fact's value for string keys); only those are looked
 * at, and only their glob conditions are checked one by one.
 *
 * Nothing here allocates or fails: a decision is always produced.
 */
#include <string.h>

#include "common/macros.h"
#include "policy/internal.h"

#define NO_ID UINT32_MAX

struct view {
	const struct policy_request *rq;
	const char *s[K_COUNT];
	uint32_t id[K_COUNT];
	uint8_t ev[K_COUNT];
	char buf[4][16];
};

static void view_init(const struct policy *p, const struct policy_request *rq, struct view *v)
{
	size_t nbuf = 0;
	v->rq = rq;
	for (int k = 0; k < K_COUNT; k++) {
		if (!p->key_used[k])
			continue;
		if (key_is_enum(k)) {
			uint8_t e = key_enum_fact(k, rq);
			/* a value no rule can name selects the "no condition" bitset */
			v->ev[k] = e < ENUM_MAX ? e : ENUM_MAX - 1;
			continue;
		}
		v->s[k] = key_string_fact(k, rq, v->buf[nbuf < 3 ? nbuf++ : 3]);
		if (!intern_find(&p->in, (uint8_t)k, v->s[k], k == K_NAME, &v->id[k]))
			v->id[k] = NO_ID;
	}
}

bool cond_match_string(const struct cond *c, const char *s, uint32_t id, bool unknown,
		       bool cert_kernel)
{
	for (size_t i = 0; i < c->n_ids; i++)
		if (c->ids[i] == id)
			return true;
	if (c->kernel && cert_kernel)
		return true;
	if (unknown)
		return false;
	for (size_t i = 0; i < c->n_globs; i++)
		if (glob_match(&c->globs[i], s, c->key == K_NAME))
			return true;
	return false;
}

static bool residual_ok(const struct rule *r, const struct view *v)
{
	for (size_t i = 0; i < r->n_residual; i++) {
		const struct cond *c = &r->conds[r->residual[i]];
		bool unknown = key_has_unknown(c->key) && !v->rq->requester_known;
		if (!cond_match_string(c, v->s[c->key], v->id[c->key], unknown, v->rq->cert_kernel))
			return false;
	}
	return true;
}

/* A cursor over one interned rule list, advanced block by block. */
struct cursor {
	const uint32_t *p, *end;
};

/* Bits of block w; blocks may be skipped, never revisited. */
static uint64_t cursor_bits(struct cursor *c, size_t w)
{
	uint64_t bits = 0;
	uint32_t lo = (uint32_t)(w * 64), hi = lo + 64;
	if (c->p < c->end && *c->p < lo) {
		/* skipped blocks: binary search, long lists (cert=@kernel on every
		 * rule) must not cost their length */
		const uint32_t *a = c->p, *b = c->end;
		while (a < b) {
			const uint32_t *m = a + (b - a) / 2;
			if (*m < lo)
				a = m + 1;
			else
				b = m;
		}
		c->p = a;
	}
	for (; c->p < c->end && *c->p < hi; c->p++)
		bits |= 1ULL << (*c->p % 64);
	return bits;
}

static void cursor_list(struct cursor *c, const uint32_t *v, size_t n)
{
	*c = (struct cursor){v, v + n};
}

/* Cursors for the rules a string fact can match: its literal's list,
 * @kernel's for the target kernel's certificate, the patterns whose prefix it
 * starts with. */
#define MAX_PATH 8

struct key_cursors {
	const struct key_index *e;
	struct cursor c[2 + 2 * MAX_PATH];
	size_t n;
	bool overflow; /* too many pattern prefixes on the path: use e->globby */
};

static void key_cursors_init(const struct policy *p, const struct view *v,
			     const struct key_index *e, struct key_cursors *kc)
{
	int k = e->key;
	const struct pnode *path[MAX_PATH];

	kc->e = e;
	kc->n = 0;
	if (v->id[k] != NO_ID) {
		const struct intern_entry *ie = &p->in.v[v->id[k]];
		cursor_list(&kc->c[kc->n++], ie->rules, ie->n_rules);
	}
	if (k == K_CERT && v->rq->cert_kernel && p->has_kernel_id) {
		const struct intern_entry *ie = &p->in.v[p->kernel_id];
		cursor_list(&kc->c[kc->n++], ie->rules, ie->n_rules);
	}
	size_t n = ptrie_path(&e->trie, v->s[k], k == K_NAME, path, MAX_PATH);
	kc->overflow = n > MAX_PATH;
	for (size_t i = 0; !kc->overflow && i < n; i++)
		cursor_list(&kc->c[kc->n++], path[i]->rules, path[i]->n_rules);
	n = ptrie_path_rev(&e->rtrie, v->s[k], k == K_NAME, path, MAX_PATH);
	kc->overflow |= n > MAX_PATH;
	for (size_t i = 0; !kc->overflow && i < n; i++)
		cursor_list(&kc->c[kc->n++], path[i]->rules, path[i]->n_rules);
}

static uint64_t key_cursors_bits(struct key_cursors *kc, size_t w)
{
	uint64_t bits = kc->e->none[w];
	if (kc->overflow)
		bits |= kc->e->globby[w];
	for (size_t i = 0; i < kc->n; i++)
		bits |= cursor_bits(&kc->c[i], w);
	return bits;
}

static const struct rule *first_match(const struct policy *p, const struct view *v)
{
	struct key_cursors kc[K_COUNT];
	/* in p->idx order (most selective first): an enum bitset or cursors */
	const uint64_t *ebits[K_COUNT];
	struct key_cursors *ekc[K_COUNT];
	size_t nk = 0;

	for (size_t i = 0; i < p->n_idx; i++) {
		const struct key_index *e = &p->idx[i];
		ebits[i] = NULL;
		ekc[i] = NULL;
		if (key_is_enum(e->key)) {
			ebits[i] = e->by_value[v->ev[e->key]];
		} else {
			ekc[i] = &kc[nk++];
			key_cursors_init(p, v, e, ekc[i]);
		}
	}
	for (size_t w = 0; w < p->words; w++) {
		uint64_t c = ~0ULL;
		if (w == p->words - 1 && p->n_rules % 64)
			c = (1ULL << (p->n_rules % 64)) - 1;
		for (size_t i = 0; c && i < p->n_idx; i++)
			c &= ebits[i] ? ebits[i][w] : key_cursors_bits(ekc[i], w);
		while (c) {
			const struct rule *r = &p->rules[w * 64 + (size_t)__builtin_ctzll(c)];
			if (residual_ok(r, v))
				return r;
			c &= c - 1;
		}
	}
	return NULL;
}

void policy_evaluate(const struct policy *p, const struct policy_request *rq,
		     struct policy_decision *out)
{
	bool permissive = p->settings.effective_mode == POLICY_PERMISSIVE;

	*out = (struct policy_decision){.verdict = POLICY_DENY, .basis = POLICY_BY_REFUSAL};
	if (policy_refused(p)) {
		out->proceed = permissive;
		return;
	}
	struct view v;
	view_init(p, rq, &v);
	const struct rule *r = first_match(p, &v);
	if (r) {
		out->verdict = r->verdict;
		out->basis = POLICY_BY_RULE;
		out->file = r->file;
		out->line = r->line;
		out->text = r->text;
	} else {
		out->verdict = p->settings.default_verdict;
		out->basis = POLICY_BY_DEFAULT;
	}
	out->proceed = out->verdict == POLICY_ALLOW || permissive;
}

int policy_decision_describe(const struct policy_decision *d, struct strbuf *out)
{
	const char *would = d->verdict == POLICY_DENY && d->proceed ? "would " : "";
	const char *verdict = policy_verdict_name(d->verdict);
	switch (d->basis) {
	case POLICY_BY_RULE:
		return strbuf_appendf(out, "%s%s %s:%u (%s)", would, verdict, d->file, d->line,
				      d->text);
	case POLICY_BY_DEFAULT:
		return strbuf_appendf(out, "%s%s default", would, verdict);
	case POLICY_BY_REFUSAL:
		break;
	}
	return strbuf_appendf(out, "%sdeny: policy refused", would);
}
