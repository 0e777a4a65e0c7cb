// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Tokens are cut from the text byte by byte; nothing is read twice and no
 * position is ever recomputed, so line:col in errors are where an editor puts
 * the cursor (tabs count as one column).
 *
 * A backslash outside quotes is accepted only right before the end of a line:
 * shells give it other meanings ("\*" a literal star), and a policy must not be
 * read one way by its author and another way by modgate. Quote instead.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/macros.h"
#include "policy/lex.h"

void lexer_init(struct lexer *lx, const char *file, const char *text, size_t len)
{
	lx->file = file;
	lx->p = text;
	lx->end = text + len;
	lx->line = 1;
	lx->col = 1;
}

void statement_release(struct statement *st)
{
	for (size_t i = 0; i < st->n; i++)
		free(st->v[i].text);
	free(st->v);
	*st = (struct statement){0};
}

static void statement_clear(struct statement *st)
{
	for (size_t i = 0; i < st->n; i++)
		free(st->v[i].text);
	st->n = 0;
}

static int push(struct statement *st, enum tok_type type, char *text, unsigned int line,
		unsigned int col)
{
	if (!text)
		return -ENOMEM;
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 8;
		struct token *v = reallocarray(st->v, cap, sizeof(*v));
		if (!v) {
			free(text);
			return -ENOMEM;
		}
		st->v = v;
		st->cap = cap;
	}
	st->v[st->n++] = (struct token){type, text, line, col};
	return 0;
}

static bool at_eol(const struct lexer *lx, const char *q)
{
	return q >= lx->end || *q == '\n' || (*q == '\r' && q + 1 < lx->end && q[1] == '\n');
}

static void advance(struct lexer *lx, size_t n)
{
	for (size_t i = 0; i < n && lx->p < lx->end; i++, lx->p++) {
		if (*lx->p == '\n') {
			lx->line++;
			lx->col = 1;
		} else {
			lx->col++;
		}
	}
}

/* After an error: drop the rest of the logical line, continuations included. */
static void skip_statement(struct lexer *lx)
{
	while (lx->p < lx->end && *lx->p != '\n') {
		if (*lx->p == '\\' && at_eol(lx, lx->p + 1) && lx->p + 1 < lx->end) {
			advance(lx, lx->p[1] == '\r' ? 3 : 2);
			continue;
		}
		advance(lx, 1);
	}
}

static bool is_control(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

static bool ends_word(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '=' || c == ',' ||
	       c == '"' || c == '#' || c == '\\' || is_control(c);
}

static int lex_string(struct lexer *lx, struct statement *st, struct policy_diags *d)
{
	unsigned int line = lx->line, col = lx->col;
	struct strbuf sb = STRBUF_INIT;
	int r;

	advance(lx, 1);
	for (;;) {
		if (lx->p >= lx->end || *lx->p == '\n') {
			strbuf_release(&sb);
			r = policy_diag_add(d, POLICY_ERROR, lx->file, line, col,
					    "unterminated quote");
			return r < 0 ? r : 1;
		}
		unsigned char c = (unsigned char)*lx->p;
		if (c == '"')
			break;
		if (c == '\\') {
			char e = lx->p + 1 < lx->end ? lx->p[1] : '\0';
			if (e != '"' && e != '\\') {
				strbuf_release(&sb);
				r = policy_diag_add(
					d, POLICY_ERROR, lx->file, lx->line, lx->col,
					"unknown escape in a quoted string (only \\\" and "
					"\\\\ are allowed)");
				return r < 0 ? r : 1;
			}
			c = (unsigned char)e;
			advance(lx, 1);
		} else if (is_control(c)) {
			strbuf_release(&sb);
			r = policy_diag_add(d, POLICY_ERROR, lx->file, lx->line, lx->col,
					    "control character 0x%02x in a quoted string", c);
			return r < 0 ? r : 1;
		}
		if (strbuf_append_char(&sb, (char)c) < 0) {
			strbuf_release(&sb);
			return -ENOMEM;
		}
		advance(lx, 1);
	}
	advance(lx, 1);
	if (lx->p < lx->end && !ends_word((unsigned char)*lx->p)) {
		strbuf_release(&sb);
		r = policy_diag_add(d, POLICY_ERROR, lx->file, lx->line, lx->col,
				    "text right after a closing quote: quote the whole value");
		return r < 0 ? r : 1;
	}
	r = push(st, TOK_STRING, strbuf_steal(&sb), line, col);
	return r < 0 ? r : 0;
}

static int lex_word(struct lexer *lx, struct statement *st, struct policy_diags *d)
{
	unsigned int line = lx->line, col = lx->col;
	const char *start = lx->p;

	while (lx->p < lx->end && !ends_word((unsigned char)*lx->p))
		advance(lx, 1);
	if (lx->p < lx->end && *lx->p == '"') {
		int r = policy_diag_add(d, POLICY_ERROR, lx->file, lx->line, lx->col,
					"quote in the middle of a value: quote the whole value");
		return r < 0 ? r : 1;
	}
	int r = push(st, TOK_WORD, strndup(start, (size_t)(lx->p - start)), line, col);
	return r < 0 ? r : 0;
}

/* One token or separator at lx->p. 0: consumed; 1: lexical error (reported);
 * 2: end of the statement; -ENOMEM. */
static int lex_one(struct lexer *lx, struct statement *st, struct policy_diags *d)
{
	unsigned char c = (unsigned char)*lx->p;
	int r;

	switch (c) {
	case '\n':
		advance(lx, 1);
		return st->n ? 2 : 0;
	case ' ':
	case '\t':
	case '\r':
		advance(lx, 1);
		return 0;
	case '#':
		while (lx->p < lx->end && *lx->p != '\n')
			advance(lx, 1);
		return 0;
	case '\\':
		if (lx->p + 1 < lx->end && at_eol(lx, lx->p + 1)) {
			advance(lx, lx->p[1] == '\r' ? 3 : 2);
			return 0;
		}
		r = policy_diag_add(d, POLICY_ERROR, lx->file, lx->line, lx->col,
				    "'\\' outside quotes is only allowed at the end of a line");
		return r < 0 ? r : 1;
	case '=':
	case ',':
		r = push(st, c == '=' ? TOK_EQ : TOK_COMMA, strdup(c == '=' ? "=" : ","), lx->line,
			 lx->col);
		if (r < 0)
			return r;
		advance(lx, 1);
		return 0;
	case '"':
		return lex_string(lx, st, d);
	default:
		if (is_control(c)) {
			r = policy_diag_add(d, POLICY_ERROR, lx->file, lx->line, lx->col,
					    "control character 0x%02x", c);
			return r < 0 ? r : 1;
		}
		return lex_word(lx, st, d);
	}
}

int lexer_next(struct lexer *lx, struct statement *st, struct policy_diags *d)
{
	statement_clear(st);
	while (lx->p < lx->end) {
		size_t before = st->n;
		int r = lex_one(lx, st, d);
		if (r < 0)
			return r;
		if (r == 1) {
			skip_statement(lx);
			statement_clear(st);
			continue;
		}
		if (r == 2)
			return 1;
		if (st->n > before) {
			st->end_line = lx->line;
			st->end_col = lx->col;
		}
	}
	return st->n ? 1 : 0;
}

int token_render(const struct token *t, struct strbuf *out)
{
	if (t->type != TOK_STRING)
		return strbuf_append_str(out, t->text);
	int r = strbuf_append_char(out, '"');
	for (const char *s = t->text; r == 0 && *s; s++) {
		if (*s == '"' || *s == '\\')
			r = strbuf_append_char(out, '\\');
		if (r == 0)
			r = strbuf_append_char(out, *s);
	}
	return r < 0 ? r : strbuf_append_char(out, '"');
}
