// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Building a policy: files parsed in order into one rule list, then the index
 * (index.c). Accessors for `policy show` and the tests.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/macros.h"
#include "policy/internal.h"

int policy_builder_new(struct policy_builder **out)
{
	struct policy_builder *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->p = calloc(1, sizeof(*b->p));
	if (!b->p) {
		free(b);
		return -ENOMEM;
	}
	policy_settings_fail_closed(&b->p->settings);
	*out = b;
	return 0;
}

void policy_builder_free(struct policy_builder *b)
{
	if (!b)
		return;
	policy_free(b->p);
	free(b);
}

int policy_builder_add(struct policy_builder *b, const char *file, const char *text, size_t len,
		       struct policy_diags *d)
{
	size_t errors0 = d->n_errors;
	int r = policy_parse_file(b->p, file, text, len, d);
	b->p->n_errors += d->n_errors - errors0;
	return r;
}

int policy_builder_refuse(struct policy_builder *b, struct policy_diags *d, const char *file,
			  const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	b->p->n_errors++;
	if (n < 0)
		return -ENOMEM;
	return policy_diag_add(d, POLICY_ERROR, file, 0, 0, "%s", msg);
}

int policy_builder_finish(struct policy_builder *b, const struct policy_settings *s,
			  struct policy **out)
{
	struct policy *p = b->p;
	p->settings = *s;
	int r = policy_build_index(p);
	if (r < 0) {
		policy_builder_free(b);
		return r;
	}
	b->p = NULL;
	free(b);
	*out = p;
	return 0;
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	policy_index_release(p);
	for (size_t i = 0; i < p->n_rules; i++)
		rule_release(&p->rules[i]);
	free(p->rules);
	for (size_t i = 0; i < p->n_sets; i++)
		free(p->sets[i].text);
	free(p->sets);
	for (size_t i = 0; i < p->n_files; i++)
		free(p->files[i]);
	free(p->files);
	intern_release(&p->in);
	free(p);
}

bool policy_refused(const struct policy *p)
{
	return p->n_errors > 0;
}

const struct policy_settings *policy_get_settings(const struct policy *p)
{
	return &p->settings;
}

size_t policy_rule_count(const struct policy *p)
{
	return p->n_rules;
}

void policy_rule_get(const struct policy *p, size_t i, struct policy_rule_info *out)
{
	const struct rule *r = &p->rules[i];
	*out = (struct policy_rule_info){r->file, r->line, r->verdict, r->text};
}

size_t policy_set_count(const struct policy *p)
{
	return p->n_sets;
}

void policy_set_get(const struct policy *p, size_t i, struct policy_rule_info *out)
{
	const struct set_info *s = &p->sets[i];
	*out = (struct policy_rule_info){s->file, s->line, POLICY_ALLOW, s->text};
}
