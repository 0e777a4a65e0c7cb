// SPDX-License-Identifier: LGPL-2.1-or-later
/* Diagnostics: every problem keeps its own file:line:col, nothing is printed here. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

int policy_diag_add(struct policy_diags *d, enum policy_level level, const char *file,
		    unsigned int line, unsigned int col, const char *fmt, ...)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct policy_diag *v = reallocarray(d->v, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	struct policy_diag g = {.level = level, .line = line, .col = col};
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&g.msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	g.file = strdup(file ? file : "");
	if (!g.file) {
		free(g.msg);
		return -ENOMEM;
	}
	d->v[d->n++] = g;
	if (level == POLICY_ERROR)
		d->n_errors++;
	return 0;
}

int policy_diag_format(const struct policy_diag *g, struct strbuf *out)
{
	const char *lvl = g->level == POLICY_ERROR ? "error" : "warning";
	if (g->line && g->col)
		return strbuf_appendf(out, "%s:%u:%u: %s: %s", g->file, g->line, g->col, lvl,
				      g->msg);
	if (g->line)
		return strbuf_appendf(out, "%s:%u: %s: %s", g->file, g->line, lvl, g->msg);
	if (g->file[0])
		return strbuf_appendf(out, "%s: %s: %s", g->file, lvl, g->msg);
	return strbuf_appendf(out, "%s: %s", lvl, g->msg);
}

void policy_diags_release(struct policy_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	*d = (struct policy_diags){0};
}
