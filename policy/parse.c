// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Rule files: `version 1` first, then `set NAME = v, ...` and
 * `allow|deny key=v,... ...` statements, one per logical line.
 *
 * Sets are local to the file that defines them and must be defined before
 * use: rule files come from different packages, and a set name two packages
 * both chose must neither collide (which would refuse everyone's policy) nor
 * silently change the meaning of another file's rules.
 *
 * The first error in a statement is reported and the statement dropped;
 * parsing goes on so `policy check` can show every problem at once. Any error
 * refuses the whole policy (policy_builder_finish).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/macros.h"
#include "policy/internal.h"
#include "policy/lex.h"

/* A value as a rule sees it: from a token, or from a set it referenced. */
struct val {
	const char *text;
	bool quoted;
	unsigned int line, col; /* where it was written, or the @set reference */
	const char *set;	/* the set it came from, for messages */
};

struct vals {
	struct val *v;
	size_t n, cap;
};

struct set_def {
	char *name;
	struct vals vals; /* texts owned here */
	unsigned int line, col;
	bool used;
};

struct file_ctx {
	struct policy *p;
	struct policy_diags *d;
	const char *file; /* owned by p->files */
	struct set_def *sets;
	size_t n_sets, cap_sets;
	size_t n_statements;
};

static const char *const setting_words[] = {
	"mode", "default", "audit", "cmdline-override", "autoload-userns", NULL,
};

/* Report at a token (or a value) and give up on the statement: returns 1. */
static int err_at(struct file_ctx *f, unsigned int line, unsigned int col, const char *fmt, ...)
	_printf_(4, 5);
static int err_at(struct file_ctx *f, unsigned int line, unsigned int col, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	int r = policy_diag_add(f->d, POLICY_ERROR, f->file, line, col, "%s", msg);
	return r < 0 ? r : 1;
}

static int vals_push(struct vals *vs, struct val v)
{
	if (vs->n == vs->cap) {
		size_t cap = vs->cap ? vs->cap * 2 : 8;
		struct val *n = reallocarray(vs->v, cap, sizeof(*n));
		if (!n)
			return -ENOMEM;
		vs->v = n;
		vs->cap = cap;
	}
	vs->v[vs->n++] = v;
	return 0;
}

static struct set_def *find_set(struct file_ctx *f, const char *name)
{
	for (size_t i = 0; i < f->n_sets; i++)
		if (streq(f->sets[i].name, name))
			return &f->sets[i];
	return NULL;
}

static bool is_value(const struct token *t)
{
	return t->type == TOK_WORD || t->type == TOK_STRING;
}

/* One value token: itself, or the members of the set it names. */
static int expand_value(struct file_ctx *f, const struct token *t, struct vals *out)
{
	if (t->type == TOK_STRING || t->text[0] != '@' || streq(t->text, "@kernel"))
		return vals_push(
			out, (struct val){t->text, t->type == TOK_STRING, t->line, t->col, NULL});
	struct set_def *s = find_set(f, t->text + 1);
	if (!s)
		return err_at(f, t->line, t->col,
			      "undefined set %s (sets are defined with 'set "
			      "NAME = ...' earlier in the same file)",
			      t->text);
	s->used = true;
	for (size_t i = 0; i < s->vals.n; i++) {
		struct val v = s->vals.v[i];
		v.line = t->line;
		v.col = t->col;
		v.set = s->name;
		int r = vals_push(out, v);
		if (r < 0)
			return r;
	}
	return 0;
}

/* value (',' value)* starting at *i; *i ends past the list. */
static int parse_values(struct file_ctx *f, const struct statement *st, size_t *i,
			const char *after, struct vals *out)
{
	for (;;) {
		if (*i >= st->n || !is_value(&st->v[*i])) {
			if (*i < st->n)
				return err_at(f, st->v[*i].line, st->v[*i].col,
					      "expected a value after '%s', found '%s'", after,
					      st->v[*i].text);
			return err_at(f, st->end_line, st->end_col, "missing value after '%s'",
				      after);
		}
		int r = expand_value(f, &st->v[*i], out);
		if (r)
			return r;
		(*i)++;
		if (*i >= st->n || st->v[*i].type != TOK_COMMA)
			return 0;
		after = ",";
		(*i)++;
	}
}

static bool valid_set_name(const char *s)
{
	if (!(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')))
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
	       strlen(s);
}

static int do_set(struct file_ctx *f, const struct statement *st)
{
	if (st->n < 2)
		return err_at(f, st->end_line, st->end_col, "missing set name after 'set'");
	const struct token *nt = &st->v[1];
	if (nt->type != TOK_WORD || !valid_set_name(nt->text))
		return err_at(
			f, nt->line, nt->col,
			"bad set name '%s' (letters, digits, '_' and '-', not starting with a "
			"digit or '-')",
			nt->text);
	if (streq(nt->text, "kernel"))
		return err_at(
			f, nt->line, nt->col,
			"'kernel' is reserved: @kernel names the target kernel's certificate");
	struct set_def *old = find_set(f, nt->text);
	if (old)
		return err_at(f, nt->line, nt->col, "set @%s defined twice (first at line %u)",
			      nt->text, old->line);
	if (st->n < 3 || st->v[2].type != TOK_EQ)
		return st->n < 3 ? err_at(f, st->end_line, st->end_col,
					  "expected '=' after the set name")
				 : err_at(f, st->v[2].line, st->v[2].col,
					  "expected '=' after the set name, found '%s'",
					  st->v[2].text);
	struct vals vs = {0};
	size_t i = 3;
	int r = parse_values(f, st, &i, "=", &vs);
	if (r == 0 && i < st->n)
		r = err_at(f, st->v[i].line, st->v[i].col,
			   "expected ',' between values of a set, found '%s'", st->v[i].text);
	if (r == 0 && f->n_sets == f->cap_sets) {
		size_t cap = f->cap_sets ? f->cap_sets * 2 : 4;
		struct set_def *n = reallocarray(f->sets, cap, sizeof(*n));
		r = n ? 0 : -ENOMEM;
		if (n) {
			f->sets = n;
			f->cap_sets = cap;
		}
	}
	if (r) {
		free(vs.v);
		return r;
	}
	/* own the texts: the tokens die with the statement */
	struct set_def *s = &f->sets[f->n_sets];
	*s = (struct set_def){
		.name = strdup(nt->text), .vals = vs, .line = nt->line, .col = nt->col};
	for (size_t k = 0; k < vs.n; k++)
		vs.v[k].text = strdup(vs.v[k].text);
	f->n_sets++;
	for (size_t k = 0; k < vs.n; k++)
		if (!vs.v[k].text)
			return -ENOMEM;
	return s->name ? 0 : -ENOMEM;
}

static int cond_add_id(struct cond *c, uint32_t id)
{
	for (size_t i = 0; i < c->n_ids; i++)
		if (c->ids[i] == id)
			return 0;
	uint32_t *n = reallocarray(c->ids, c->n_ids + 1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	c->ids = n;
	c->ids[c->n_ids++] = id;
	return 0;
}

static int cond_add_glob(struct cond *c, const char *pat)
{
	for (size_t i = 0; i < c->n_globs; i++)
		if (streq(c->globs[i].pat, pat))
			return 0;
	struct glob *n = reallocarray(c->globs, c->n_globs + 1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	c->globs = n;
	int r = glob_compile(&c->globs[c->n_globs], pat);
	if (r == 0)
		c->n_globs++;
	return r;
}

static int bad_value(struct file_ctx *f, int k, const struct val *v, const char *why)
{
	const struct key_def *d = &policy_keys[k];
	if (d->form != FORM_ENUM)
		return err_at(f, v->line, v->col, "bad value '%s' for %s%s%s: %s", v->text, d->name,
			      v->set ? " from set @" : "", v->set ? v->set : "", why);
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; d->values[i]; i++)
		if (strbuf_appendf(&sb, "%s%s", i ? ", " : "", d->values[i]) < 0) {
			strbuf_release(&sb);
			return -ENOMEM;
		}
	int r = err_at(f, v->line, v->col, "bad value '%s' for %s%s%s: %s (%s)", v->text, d->name,
		       v->set ? " from set @" : "", v->set ? v->set : "", why, strbuf_str(&sb));
	strbuf_release(&sb);
	return r;
}

static int compile_value(struct file_ctx *f, int k, const struct val *v, struct cond *c)
{
	const char *why = NULL;
	_cleanup_free_ char *norm = NULL;
	bool is_glob;
	uint32_t id;
	int r;

	if (!v->quoted && streq(v->text, "@kernel")) {
		if (k != K_CERT)
			return err_at(f, v->line, v->col, "@kernel is a value of cert only");
		c->kernel = true;
		r = intern_add(&f->p->in, K_CERT, CERT_KERNEL_LITERAL, &id);
		return r < 0 ? r : cond_add_id(c, id);
	}
	if (key_is_enum(k)) {
		uint8_t m;
		if (key_enum_mask(k, v->text, v->quoted, &m, &why) < 0)
			return bad_value(f, k, v, why);
		c->mask |= m;
		return 0;
	}
	r = key_string_value(k, v->text, v->quoted, &norm, &is_glob, &why);
	if (r == -EINVAL)
		return bad_value(f, k, v, why);
	if (r < 0)
		return r;
	if (is_glob)
		return cond_add_glob(c, norm);
	r = intern_add(&f->p->in, (uint8_t)k, norm, &id);
	return r < 0 ? r : cond_add_id(c, id);
}

static void cond_release(struct cond *c)
{
	for (size_t i = 0; i < c->n_globs; i++)
		glob_release(&c->globs[i]);
	free(c->globs);
	free(c->ids);
}

void rule_release(struct rule *r)
{
	for (size_t i = 0; i < r->n_conds; i++)
		cond_release(&r->conds[i]);
	free(r->conds);
	free(r->residual);
	free(r->text);
}

/* key '=' values, at *i. */
static int parse_cond(struct file_ctx *f, const struct statement *st, size_t *i, struct rule *ru)
{
	const struct token *kt = &st->v[*i];
	if (kt->type != TOK_WORD)
		return err_at(f, kt->line, kt->col, "expected key=value, found '%s'", kt->text);
	int k = key_lookup(kt->text);
	if (k < 0)
		return err_at(f, kt->line, kt->col, "unknown key '%s'", kt->text);
	for (size_t j = 0; j < ru->n_conds; j++)
		if (ru->conds[j].key == k)
			return err_at(f, kt->line, kt->col,
				      "%s given twice in one rule (all conditions must hold: list "
				      "the values instead, %s=a,b)",
				      kt->text, kt->text);
	if (*i + 1 >= st->n || st->v[*i + 1].type != TOK_EQ)
		return err_at(f, kt->line, kt->col + (unsigned int)strlen(kt->text),
			      "expected '=' after '%s'", kt->text);
	*i += 2;

	struct vals vs = {0};
	int r = parse_values(f, st, i, "=", &vs);
	struct cond c = {.key = (uint8_t)k, .line = kt->line, .col = kt->col};
	for (size_t j = 0; r == 0 && j < vs.n; j++)
		r = compile_value(f, k, &vs.v[j], &c);
	free(vs.v);
	if (r == 0) {
		struct cond *n = reallocarray(ru->conds, ru->n_conds + 1, sizeof(*n));
		r = n ? 0 : -ENOMEM;
		if (n) {
			ru->conds = n;
			c.literal_only = !key_is_enum(k) && c.n_globs == 0;
			ru->conds[ru->n_conds++] = c;
			return 0;
		}
	}
	cond_release(&c);
	return r;
}

static int rule_text(const struct statement *st, char **out)
{
	struct strbuf sb = STRBUF_INIT;
	int r = 0;
	for (size_t i = 0; r == 0 && i < st->n; i++) {
		const struct token *t = &st->v[i];
		bool glue = t->type == TOK_EQ || t->type == TOK_COMMA ||
			    (i && (st->v[i - 1].type == TOK_EQ || st->v[i - 1].type == TOK_COMMA));
		if (i && !glue)
			r = strbuf_append_char(&sb, ' ');
		if (r == 0)
			r = token_render(t, &sb);
	}
	if (r < 0) {
		strbuf_release(&sb);
		return r;
	}
	*out = strbuf_steal(&sb);
	return *out ? 0 : -ENOMEM;
}

/* A rule names no op: it is about loading. Unloads and install/remove
 * commands are allowed only by rules that say so. */
static int add_implicit_op(struct rule *ru)
{
	for (size_t j = 0; j < ru->n_conds; j++)
		if (ru->conds[j].key == K_OP)
			return 0;
	struct cond *n = reallocarray(ru->conds, ru->n_conds + 1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	ru->conds = n;
	ru->conds[ru->n_conds++] =
		(struct cond){.key = K_OP, .mask = 1u << POLICY_OP_LOAD, .implicit = true};
	return 0;
}

static int do_rule(struct file_ctx *f, const struct statement *st)
{
	struct policy *p = f->p;
	struct rule ru = {
		.verdict = streq(st->v[0].text, "allow") ? POLICY_ALLOW : POLICY_DENY,
		.file = f->file,
		.line = st->v[0].line,
		.col = st->v[0].col,
	};
	int r = 0;
	for (size_t i = 1; r == 0 && i < st->n;)
		r = parse_cond(f, st, &i, &ru);
	if (r == 0)
		r = add_implicit_op(&ru);
	if (r == 0)
		r = rule_text(st, &ru.text);
	if (r == 0 && p->n_rules == p->cap_rules) {
		size_t cap = p->cap_rules ? p->cap_rules * 2 : 16;
		struct rule *n = reallocarray(p->rules, cap, sizeof(*n));
		r = n ? 0 : -ENOMEM;
		if (n) {
			p->rules = n;
			p->cap_rules = cap;
		}
	}
	if (r) {
		rule_release(&ru);
		return r;
	}
	p->rules[p->n_rules++] = ru;
	return 0;
}

/* `version N`: 1 is the only language there is; a newer file needs a newer
 * modgate, and guessing at its meaning would be worse than refusing it. */
static int do_version(struct file_ctx *f, const struct statement *st, bool first)
{
	const struct token *t0 = &st->v[0];
	if (!first)
		return err_at(f, t0->line, t0->col, "'version' must be the first statement");
	if (st->n < 2)
		return err_at(f, st->end_line, st->end_col, "missing number after 'version'");
	const struct token *t = &st->v[1];
	if (t->type != TOK_WORD || !t->text[0] || strspn(t->text, "0123456789") != strlen(t->text))
		return err_at(f, t->line, t->col, "bad version '%s' (this modgate reads version 1)",
			      t->text);
	size_t z = strspn(t->text, "0");
	if (!t->text[z])
		return err_at(f, t->line, t->col, "bad version '%s' (this modgate reads version 1)",
			      t->text);
	if (!streq(t->text + z, "1"))
		return err_at(f, t->line, t->col,
			      "policy language version %s is newer than this modgate reads "
			      "(version 1)",
			      t->text + z);
	if (st->n > 2)
		return err_at(f, st->v[2].line, st->v[2].col, "unexpected '%s' after the version",
			      st->v[2].text);
	return 0;
}

static int record_set(struct policy *p, const char *file, const struct statement *st)
{
	if (p->n_sets == p->cap_sets) {
		size_t cap = p->cap_sets ? p->cap_sets * 2 : 8;
		struct set_info *n = reallocarray(p->sets, cap, sizeof(*n));
		if (!n)
			return -ENOMEM;
		p->sets = n;
		p->cap_sets = cap;
	}
	struct set_info *s = &p->sets[p->n_sets];
	*s = (struct set_info){.file = file, .line = st->v[0].line};
	int r = rule_text(st, &s->text);
	if (r == 0)
		p->n_sets++;
	return r;
}

static bool is_setting_word(const char *w)
{
	for (size_t i = 0; setting_words[i]; i++)
		if (streq(setting_words[i], w))
			return true;
	return false;
}

static int statement(struct file_ctx *f, const struct statement *st)
{
	const struct token *t0 = &st->v[0];
	bool first = f->n_statements++ == 0;

	if (t0->type == TOK_WORD && streq(t0->text, "version"))
		return do_version(f, st, first);
	if (first) {
		int r = err_at(f, t0->line, t0->col,
			       "missing 'version 1': a rule file must start with it");
		if (r < 0)
			return r;
	}
	if (t0->type != TOK_WORD)
		return err_at(f, t0->line, t0->col, "expected allow, deny or set, found '%s'",
			      t0->text);
	if (streq(t0->text, "allow") || streq(t0->text, "deny"))
		return do_rule(f, st);
	if (streq(t0->text, "set")) {
		int r = do_set(f, st);
		return r ? r : record_set(f->p, f->file, st);
	}
	if (is_setting_word(t0->text))
		return err_at(f, t0->line, t0->col,
			      "'%s' is a setting: settings live in modgate.conf, and rule files "
			      "cannot change them",
			      t0->text);
	return err_at(f, t0->line, t0->col, "unknown statement '%s' (expected allow, deny or set)",
		      t0->text);
}

static int file_name_keep(struct policy *p, const char *file, const char **out)
{
	if (p->n_files == p->cap_files) {
		size_t cap = p->cap_files ? p->cap_files * 2 : 8;
		char **n = reallocarray(p->files, cap, sizeof(*n));
		if (!n)
			return -ENOMEM;
		p->files = n;
		p->cap_files = cap;
	}
	char *s = strdup(file);
	if (!s)
		return -ENOMEM;
	p->files[p->n_files++] = s;
	*out = s;
	return 0;
}

static void file_ctx_release(struct file_ctx *f)
{
	for (size_t i = 0; i < f->n_sets; i++) {
		for (size_t j = 0; j < f->sets[i].vals.n; j++)
			free((char *)f->sets[i].vals.v[j].text);
		free(f->sets[i].vals.v);
		free(f->sets[i].name);
	}
	free(f->sets);
}

static int warn_unused_sets(struct file_ctx *f)
{
	for (size_t i = 0; i < f->n_sets; i++) {
		const struct set_def *s = &f->sets[i];
		if (s->used)
			continue;
		int r = policy_diag_add(f->d, POLICY_WARNING, f->file, s->line, s->col,
					"set @%s is never used", s->name);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A file with no statement at all (empty, comments only, a symlink to
 * /dev/null) is valid and adds nothing: that is how a file of a later
 * directory is masked. */
int policy_parse_file(struct policy *p, const char *file, const char *text, size_t len,
		      struct policy_diags *d)
{
	struct file_ctx f = {.p = p, .d = d};
	struct statement st = {0};
	struct lexer lx;
	int r = file_name_keep(p, file, &f.file);

	if (r < 0)
		return r;
	lexer_init(&lx, f.file, text, len);
	size_t errors0 = d->n_errors;
	while (r >= 0 && (r = lexer_next(&lx, &st, d)) > 0) {
		/* a first line the lexer dropped was the version line, most likely */
		if (f.n_statements == 0 && d->n_errors > errors0)
			f.n_statements = 1;
		r = statement(&f, &st);
	}
	statement_release(&st);
	if (r >= 0)
		r = warn_unused_sets(&f);
	file_ctx_release(&f);
	return r < 0 ? r : 0;
}
