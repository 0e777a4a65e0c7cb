/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The policy: settings (modgate.conf) and rules (policy.d/NAME.policy), parsed
 * from text the caller read, compiled once, evaluated per module.
 *
 * Pure: no file, kernel or audit sink is touched here. The caller reads the
 * files (loader/policy-load.c masks and orders the directories and checks who
 * owns them) and hands over contents with the name to use in messages.
 *
 * Any error in any file refuses the whole policy: in enforce mode every
 * decision is then deny, in permissive mode "would deny: policy refused".
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "common/strbuf.h"
#include "policy/request.h"

/* ---- diagnostics: file:line:col, errors and warnings ---- */

enum policy_level {
	POLICY_ERROR = 0,
	POLICY_WARNING = 1,
};

struct policy_diag {
	enum policy_level level;
	char *file;
	unsigned int line, col; /* 1-based; col counts bytes; 0 when not about a position */
	char *msg;
};

struct policy_diags {
	struct policy_diag *v;
	size_t n, cap;
	size_t n_errors;
};

/* Record a diagnostic. 0 or -ENOMEM. */
int policy_diag_add(struct policy_diags *d, enum policy_level level, const char *file,
		    unsigned int line, unsigned int col, const char *fmt, ...) _printf_(6, 7);
/* "file:line:col: error: msg" (position parts omitted when 0). */
int policy_diag_format(const struct policy_diag *g, struct strbuf *out);
void policy_diags_release(struct policy_diags *d);

/* ---- settings ---- */

enum policy_mode {
	POLICY_ENFORCE = 0,
	POLICY_PERMISSIVE = 1,
};

enum policy_verdict {
	POLICY_DENY = 0,
	POLICY_ALLOW = 1,
};

enum policy_audit {
	POLICY_AUDIT_REQUIRED = 0, /* no durable record, no load */
	POLICY_AUDIT_BEST_EFFORT = 1,
};

/* Autoloads asked for from a non-initial user namespace (a container), while
 * the kernel side (lsm/) is attached: refused by the kernel before any helper
 * starts, or passed to the helper for the policy to decide with
 * requester-userns=other. Without the kernel side the gate cannot tell who
 * asked, and this setting changes nothing. */
enum policy_autoload_userns {
	POLICY_USERNS_AUTOLOAD_REFUSE = 0,
	POLICY_USERNS_AUTOLOAD_POLICY = 1,
};

struct policy_settings {
	enum policy_mode mode;		     /* as configured */
	enum policy_verdict default_verdict; /* when no rule matches */
	enum policy_audit audit;
	bool cmdline_override; /* honour modgate.mode=permissive */
	enum policy_autoload_userns autoload_userns; /* read by `modgate lsm enable` */
	/* after policy_settings_apply_cmdline() */
	enum policy_mode effective_mode;
	bool cmdline_used;   /* the kernel command line changed the mode */
	bool cmdline_denied; /* it asked for permissive, cmdline-override said no */
};

/* The built-in settings: what applies when modgate.conf is absent
 * (mode permissive, as shipped) ... */
void policy_settings_default(struct policy_settings *s);
/* ... and what applies when it exists but cannot be trusted or parsed:
 * enforce, deny, audit required, autoload-userns refuse, cmdline override
 * honoured (the way out). */
void policy_settings_fail_closed(struct policy_settings *s);
/* Parse modgate.conf. On error s holds the fail-closed settings and the
 * errors are in d. 0 (check d->n_errors) or -ENOMEM. */
int policy_settings_parse(const char *file, const char *text, size_t len, struct policy_settings *s,
			  struct policy_diags *d);
/* The last modgate.mode= word of a kernel command line decides: enforce is
 * always honoured (it only narrows), permissive only with cmdline-override.
 * cmdline may be NULL. */
void policy_settings_apply_cmdline(struct policy_settings *s, const char *cmdline);
const char *policy_mode_name(enum policy_mode m);
const char *policy_verdict_name(enum policy_verdict v);
const char *policy_audit_name(enum policy_audit a);
const char *policy_autoload_userns_name(enum policy_autoload_userns u);

/* ---- rules ---- */

struct policy;
struct policy_builder;

int policy_builder_new(struct policy_builder **out);
void policy_builder_free(struct policy_builder *b);
/* Parse one rule file (files are added in evaluation order). Problems go to d
 * and refuse the policy; the return value is 0 or -ENOMEM. */
int policy_builder_add(struct policy_builder *b, const char *file, const char *text, size_t len,
		       struct policy_diags *d);
/* A problem found outside the text (unsafe owner, unreadable file): recorded
 * as an error in d and refuses the policy. 0 or -ENOMEM. */
int policy_builder_refuse(struct policy_builder *b, struct policy_diags *d, const char *file,
			  const char *fmt, ...) _printf_(4, 5);
/* Compile (sets and globs are already compiled; this builds the index).
 * Consumes b. A policy with errors is still returned, refused. 0 or -ENOMEM. */
int policy_builder_finish(struct policy_builder *b, const struct policy_settings *s,
			  struct policy **out);
void policy_free(struct policy *p);

bool policy_refused(const struct policy *p);
const struct policy_settings *policy_get_settings(const struct policy *p);

/* Rules in evaluation order, for `policy show` and tests. */
size_t policy_rule_count(const struct policy *p);
struct policy_rule_info {
	const char *file;
	unsigned int line;
	enum policy_verdict verdict;
	const char *text; /* the rule as written, continuations joined, comments dropped */
};
void policy_rule_get(const struct policy *p, size_t i, struct policy_rule_info *out);
/* Set definitions in file order, same idea. */
size_t policy_set_count(const struct policy *p);
void policy_set_get(const struct policy *p, size_t i, struct policy_rule_info *out);

/* ---- decisions ---- */

enum policy_basis {
	POLICY_BY_RULE = 0,    /* a rule matched: file, line, text set */
	POLICY_BY_DEFAULT = 1, /* no rule matched: the `default` setting */
	POLICY_BY_REFUSAL = 2, /* the policy was refused: deny */
};

struct policy_decision {
	enum policy_verdict verdict; /* what the policy says */
	bool proceed;		     /* allow, or deny in permissive mode ("would deny") */
	enum policy_basis basis;
	const char *file; /* the deciding rule, when basis is POLICY_BY_RULE */
	unsigned int line;
	const char *text;
};

/* First matching rule decides; no match: default; refused: deny. Never fails. */
void policy_evaluate(const struct policy *p, const struct policy_request *rq,
		     struct policy_decision *out);
/* "allow <file>:<line> (<rule>)", "deny default", "would deny: policy refused". */
int policy_decision_describe(const struct policy_decision *d, struct strbuf *out);

/* Each fact of rq, in key order, its value as a string (enum values by name,
 * numbers in decimal, absent strings as ""); for `policy test`. */
void policy_request_each(const struct policy_request *rq,
			 void (*fn)(void *ud, const char *key, const char *value), void *ud);
/* A value as a rule would write it: a plain word when it reads back as the
 * same literal, else a quoted string. 0 or -ENOMEM. */
int policy_value_render(const char *v, struct strbuf *out);

/* ---- lint (`modgate policy check`) ---- */

/* Warnings: unreachable rules, allow rules resting on module metadata alone,
 * cert= values naming no trust-store file (trust: the names, without
 * extension, of the files in the trust store; NULL skips that check).
 * Unused sets are reported while parsing. 0 or -ENOMEM. */
int policy_lint(const struct policy *p, const char *const *trust, size_t n_trust,
		struct policy_diags *d);
