/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The lexer shared by modgate.conf and the rule files: one statement per
 * logical line, `#` comments, `\` at the end of a line continues it,
 * double-quoted strings with \" and \\ escapes. Every token keeps the line and
 * column (bytes, 1-based) where it starts, so every error can name them.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "policy/policy.h"

enum tok_type {
	TOK_WORD = 0,	/* unquoted: may hold glob characters and a leading '@' */
	TOK_STRING = 1, /* quoted: always literal */
	TOK_EQ = 2,
	TOK_COMMA = 3,
};

struct token {
	enum tok_type type;
	char *text; /* NUL-terminated; for TOK_STRING the unescaped content */
	unsigned int line, col;
};

struct statement {
	struct token *v;
	size_t n, cap;
	unsigned int end_line, end_col; /* just past the last token, for "missing ..." errors */
};

struct lexer {
	const char *file;
	const char *p, *end;
	unsigned int line, col;
};

void lexer_init(struct lexer *lx, const char *file, const char *text, size_t len);
/* Next non-empty statement into st (cleared first). 1: a statement; 0: end of
 * input; -ENOMEM. A statement with a lexical error is skipped after the error
 * is added to d. */
int lexer_next(struct lexer *lx, struct statement *st, struct policy_diags *d);
void statement_release(struct statement *st);
/* A token as written: words as is, strings quoted and escaped. */
int token_render(const struct token *t, struct strbuf *out);
