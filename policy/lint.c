// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * `modgate policy check` warnings. None of them refuses a policy: they point
 * at rules that do not mean what their author probably thinks.
 *
 * Shadowing is decided conservatively: a rule is reported unreachable only
 * when an earlier rule provably accepts everything it accepts (key by key:
 * value sets included, literals matched by patterns, identical patterns).
 */
#include <errno.h>
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

static bool has_any_glob(const struct cond *c)
{
	for (size_t i = 0; i < c->n_globs; i++)
		if (c->globs[i].kind == GLOB_ANY)
			return true;
	return false;
}

static bool has_id(const struct cond *c, uint32_t id)
{
	for (size_t i = 0; i < c->n_ids; i++)
		if (c->ids[i] == id)
			return true;
	return false;
}

static bool has_glob(const struct cond *c, const char *pat)
{
	for (size_t i = 0; i < c->n_globs; i++)
		if (streq(c->globs[i].pat, pat))
			return true;
	return false;
}

/* Does a accept every value b accepts? NULL: the rule does not narrow the key. */
static bool covers(const struct policy *p, int k, const struct cond *a, const struct cond *b)
{
	if (!a)
		return true;
	if (key_is_enum(k)) {
		uint8_t bm = b ? b->mask : key_enum_all(k);
		return (bm & ~a->mask) == 0;
	}
	if (!b)
		return has_any_glob(a) && !key_has_unknown(k);
	for (size_t i = 0; i < b->n_ids; i++) {
		const char *s = p->in.v[b->ids[i]].str;
		bool unknown = key_has_unknown(k) && streq(s, "unknown");
		bool kernel = k == K_CERT && streq(s, CERT_KERNEL_LITERAL);
		if (has_id(a, b->ids[i]) || (kernel && a->kernel))
			continue;
		if (unknown || kernel || !cond_match_string(a, s, UINT32_MAX, false, false))
			return false;
	}
	for (size_t i = 0; i < b->n_globs; i++)
		if (!has_any_glob(a) && !has_glob(a, b->globs[i].pat))
			return false;
	return true;
}

static bool rule_covers(const struct policy *p, const struct rule *a, const struct rule *b)
{
	for (size_t i = 0; i < a->n_conds; i++) {
		int k = a->conds[i].key;
		if (!covers(p, k, &a->conds[i], rule_cond(b, k)))
			return false;
	}
	return true;
}

static int lint_shadowed(const struct policy *p, struct policy_diags *d)
{
	for (size_t j = 1; j < p->n_rules; j++) {
		const struct rule *b = &p->rules[j];
		for (size_t i = 0; i < j; i++) {
			const struct rule *a = &p->rules[i];
			if (!rule_covers(p, a, b))
				continue;
			int r = policy_diag_add(
				d, POLICY_WARNING, b->file, b->line, b->col,
				"unreachable rule: everything it matches is decided "
				"first by %s:%u (%s)",
				a->file, a->line, a->text);
			if (r < 0)
				return r;
			break;
		}
	}
	return 0;
}

/* Can this condition hold for a module whose signature is not valid? cert and
 * sha256 are facts the parent established; cert is empty unless valid. */
static bool anchors_trust(const struct policy *p, const struct cond *c)
{
	switch (c->key) {
	case K_SHA256:
		return true;
	case K_SIG:
		return c->mask == 1u << POLICY_SIG_VALID;
	case K_CERT:
		for (size_t i = 0; i < c->n_ids; i++)
			if (p->in.v[c->ids[i]].str[0] == '\0')
				return false;
		for (size_t i = 0; i < c->n_globs; i++)
			if (glob_match(&c->globs[i], "", false))
				return false;
		return true;
	default:
		return false;
	}
}

static int lint_claims(const struct policy *p, struct policy_diags *d)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct rule *r = &p->rules[i];
		const struct cond *op = rule_cond(r, K_OP);
		if (r->verdict != POLICY_ALLOW || !(op->mask & (1u << POLICY_OP_LOAD)))
			continue;
		const struct cond *meta = NULL;
		bool anchored = false;
		for (size_t j = 0; j < r->n_conds; j++) {
			const struct cond *c = &r->conds[j];
			if (policy_keys[c->key].cls == CLASS_METADATA && !meta)
				meta = c;
			anchored |= anchors_trust(p, c);
		}
		if (!meta || anchored)
			continue;
		int e = policy_diag_add(
			d, POLICY_WARNING, r->file, r->line, r->col,
			"allow rests on module metadata (%s) alone: without sig=valid "
			"or sha256 it is the module's own claim",
			policy_keys[meta->key].name);
		if (e < 0)
			return e;
	}
	return 0;
}

static bool in_trust(const char *s, const char *const *trust, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (streq(trust[i], s))
			return true;
	return false;
}

static bool glob_in_trust(const struct glob *g, const char *const *trust, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (glob_match(g, trust[i], false))
			return true;
	return false;
}

static int lint_certs(const struct policy *p, const char *const *trust, size_t n,
		      struct policy_diags *d)
{
	int r = 0;
	for (size_t i = 0; r == 0 && i < p->n_rules; i++) {
		const struct rule *ru = &p->rules[i];
		const struct cond *c = rule_cond(ru, K_CERT);
		if (!c)
			continue;
		for (size_t j = 0; r == 0 && j < c->n_ids; j++) {
			const char *s = p->in.v[c->ids[j]].str;
			if (!streq(s, CERT_KERNEL_LITERAL) && !in_trust(s, trust, n))
				r = policy_diag_add(d, POLICY_WARNING, ru->file, c->line, c->col,
						    "cert '%s' names no file in the trust store",
						    s);
		}
		for (size_t j = 0; r == 0 && j < c->n_globs; j++)
			if (!glob_in_trust(&c->globs[j], trust, n))
				r = policy_diag_add(
					d, POLICY_WARNING, ru->file, c->line, c->col,
					"cert pattern '%s' matches no file in the trust "
					"store",
					c->globs[j].pat);
	}
	return r;
}

int policy_lint(const struct policy *p, const char *const *trust, size_t n_trust,
		struct policy_diags *d)
{
	int r = lint_shadowed(p, d);
	if (r == 0)
		r = lint_claims(p, d);
	if (r == 0 && trust)
		r = lint_certs(p, trust, n_trust, d);
	return r;
}
