// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * modgate.conf: `mode`, `default`, `audit`, `cmdline-override`,
 * `autoload-userns`, one per line, written `name value`. Only this root-owned
 * file holds settings, so a package's rule file can add rules but never switch
 * enforcement off.
 *
 * A settings file that cannot be parsed leaves nothing to trust: the result is
 * fail closed (enforce, deny, autoload-userns refuse) with the kernel command line override honoured,
 * because that override is the documented way back into a system whose
 * configuration is broken.
 */
#include <errno.h>
#include <string.h>

#include "common/macros.h"
#include "policy/lex.h"
#include "policy/policy.h"

enum setting { S_MODE, S_DEFAULT, S_AUDIT, S_CMDLINE, S_USERNS, S_COUNT };

static const char *const setting_names[S_COUNT] = {"mode", "default", "audit", "cmdline-override",
						   "autoload-userns"};
static const char *const setting_values[S_COUNT][3] = {
	[S_MODE] = {"enforce", "permissive", NULL},
	[S_DEFAULT] = {"deny", "allow", NULL},
	[S_AUDIT] = {"required", "best-effort", NULL},
	[S_CMDLINE] = {"no", "yes", NULL},
	[S_USERNS] = {"refuse", "policy", NULL},
};

void policy_settings_default(struct policy_settings *s)
{
	*s = (struct policy_settings){
		.mode = POLICY_PERMISSIVE,
		.default_verdict = POLICY_DENY,
		.audit = POLICY_AUDIT_REQUIRED,
		.cmdline_override = true,
		.autoload_userns = POLICY_USERNS_AUTOLOAD_POLICY,
		.effective_mode = POLICY_PERMISSIVE,
	};
}

void policy_settings_fail_closed(struct policy_settings *s)
{
	*s = (struct policy_settings){
		.mode = POLICY_ENFORCE,
		.default_verdict = POLICY_DENY,
		.audit = POLICY_AUDIT_REQUIRED,
		.cmdline_override = true,
		/* nothing to trust: the narrower choice, as with the mode */
		.autoload_userns = POLICY_USERNS_AUTOLOAD_REFUSE,
		.effective_mode = POLICY_ENFORCE,
	};
}

const char *policy_mode_name(enum policy_mode m)
{
	return m == POLICY_PERMISSIVE ? "permissive" : "enforce";
}

const char *policy_verdict_name(enum policy_verdict v)
{
	return v == POLICY_ALLOW ? "allow" : "deny";
}

const char *policy_audit_name(enum policy_audit a)
{
	return a == POLICY_AUDIT_BEST_EFFORT ? "best-effort" : "required";
}

const char *policy_autoload_userns_name(enum policy_autoload_userns u)
{
	return u == POLICY_USERNS_AUTOLOAD_POLICY ? "policy" : "refuse";
}

static void assign(struct policy_settings *s, enum setting k, int v)
{
	switch (k) {
	case S_MODE:
		s->mode = v ? POLICY_PERMISSIVE : POLICY_ENFORCE;
		s->effective_mode = s->mode;
		break;
	case S_DEFAULT:
		s->default_verdict = v ? POLICY_ALLOW : POLICY_DENY;
		break;
	case S_AUDIT:
		s->audit = v ? POLICY_AUDIT_BEST_EFFORT : POLICY_AUDIT_REQUIRED;
		break;
	case S_CMDLINE:
		s->cmdline_override = v;
		break;
	case S_USERNS:
		s->autoload_userns =
			v ? POLICY_USERNS_AUTOLOAD_POLICY : POLICY_USERNS_AUTOLOAD_REFUSE;
		break;
	case S_COUNT:
		break;
	}
}

static int one(const char *file, const struct statement *st, struct policy_settings *s,
	       unsigned int seen[S_COUNT], struct policy_diags *d)
{
	const struct token *t0 = &st->v[0];
	int k = -1;
	for (int i = 0; i < S_COUNT; i++)
		if (t0->type == TOK_WORD && streq(setting_names[i], t0->text))
			k = i;
	if (k < 0) {
		bool rule = streq(t0->text, "allow") || streq(t0->text, "deny") ||
			    streq(t0->text, "set") || streq(t0->text, "version");
		return policy_diag_add(
			d, POLICY_ERROR, file, t0->line, t0->col,
			rule ? "'%s' belongs in a policy.d/*.policy rule file, not in "
			       "the settings"
			     : "unknown setting '%s' (mode, default, audit, "
			       "cmdline-override, autoload-userns)",
			t0->text);
	}
	if (seen[k])
		return policy_diag_add(d, POLICY_ERROR, file, t0->line, t0->col,
				       "%s set twice (first at line %u)", t0->text, seen[k]);
	seen[k] = t0->line;
	const char *const *vals = setting_values[k];
	if (st->n < 2)
		return policy_diag_add(d, POLICY_ERROR, file, st->end_line, st->end_col,
				       "missing value after '%s' (%s or %s)", t0->text, vals[0],
				       vals[1]);
	const struct token *t1 = &st->v[1];
	int v = streq(t1->text, vals[0]) ? 0 : streq(t1->text, vals[1]) ? 1 : -1;
	if (t1->type == TOK_EQ || t1->type == TOK_COMMA || v < 0)
		return policy_diag_add(d, POLICY_ERROR, file, t1->line, t1->col,
				       "bad value '%s' for %s (%s or %s)", t1->text, t0->text,
				       vals[0], vals[1]);
	if (st->n > 2)
		return policy_diag_add(d, POLICY_ERROR, file, st->v[2].line, st->v[2].col,
				       "unexpected '%s' after the value", st->v[2].text);
	assign(s, (enum setting)k, v);
	return 0;
}

int policy_settings_parse(const char *file, const char *text, size_t len, struct policy_settings *s,
			  struct policy_diags *d)
{
	struct statement st = {0};
	struct lexer lx;
	unsigned int seen[S_COUNT] = {0};
	size_t errors0 = d->n_errors;
	int r;

	policy_settings_default(s);
	lexer_init(&lx, file, text, len);
	while ((r = lexer_next(&lx, &st, d)) > 0) {
		r = one(file, &st, s, seen, d);
		if (r < 0)
			break;
	}
	statement_release(&st);
	if (r < 0)
		return r;
	if (d->n_errors > errors0)
		policy_settings_fail_closed(s);
	return 0;
}

/* The value of the last modgate.mode= parameter, as the kernel splits its
 * command line (spaces separate, double quotes group). */
static const char *cmdline_mode(const char *cmdline, char *buf, size_t size)
{
	static const char key[] = "modgate.mode=";
	const char *found = NULL;

	for (const char *p = cmdline; *p;) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p)
			break;
		size_t n = 0;
		bool quoted = false;
		for (; *p && (quoted || (*p != ' ' && *p != '\t' && *p != '\n')); p++) {
			if (*p == '"') {
				quoted = !quoted;
				continue;
			}
			if (n + 1 < size)
				buf[n++] = *p;
		}
		buf[n] = '\0';
		if (n >= sizeof(key) - 1 && memcmp(buf, key, sizeof(key) - 1) == 0) {
			if (streq(buf + sizeof(key) - 1, "permissive"))
				found = "permissive";
			else if (streq(buf + sizeof(key) - 1, "enforce"))
				found = "enforce";
		}
	}
	return found;
}

void policy_settings_apply_cmdline(struct policy_settings *s, const char *cmdline)
{
	char buf[256];
	s->effective_mode = s->mode;
	s->cmdline_used = false;
	s->cmdline_denied = false;
	const char *m = cmdline ? cmdline_mode(cmdline, buf, sizeof(buf)) : NULL;
	if (!m)
		return;
	if (streq(m, "enforce")) {
		s->effective_mode = POLICY_ENFORCE;
		s->cmdline_used = s->mode != POLICY_ENFORCE;
	} else if (s->cmdline_override) {
		s->effective_mode = POLICY_PERMISSIVE;
		s->cmdline_used = s->mode != POLICY_PERMISSIVE;
	} else {
		s->cmdline_denied = s->mode != POLICY_PERMISSIVE;
	}
}
