/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shell globs as fnmatch(3) with no flags reads them (`*`, `?`, `[...]`, `[!...]`,
 * `*` also matches '/'), compiled once: a pattern that is a plain prefix
 * (`lockdown*`) or suffix (`*_test`) is matched with one memcmp, an infix
 * (`*usb*`) with a substring search, anything else
 * with a small backtracking matcher that never allocates.
 *
 * fold: the subject's '-' is read as '_' (module names, whose patterns the
 * parser has normalised the same way outside brackets).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum glob_kind {
	GLOB_ANY = 0,	 /* "*" */
	GLOB_PREFIX = 1, /* "abc*" */
	GLOB_SUFFIX = 2, /* "*abc" */
	GLOB_INFIX = 3,	 /* "*abc*" */
	GLOB_GENERIC = 4,
};

struct glob {
	char *pat; /* as written (normalised for names) */
	enum glob_kind kind;
	const char *lit; /* the literal part for PREFIX, SUFFIX, INFIX, inside pat */
	size_t lit_len;
};

/* Does the text contain glob syntax? (`*`, `?` or `[`) */
bool glob_is_pattern(const char *s);
/* Syntax check: NULL if fine, else a static message (unterminated bracket, ...). */
const char *glob_check(const char *pat);
/* Compile pat (checked first); takes a copy. 0, -EINVAL, -ENOMEM. */
int glob_compile(struct glob *g, const char *pat);
void glob_release(struct glob *g);
bool glob_match(const struct glob *g, const char *s, bool fold);
/* Length of the bracket expression at pat (pat[0] == '['), 0 if unterminated. */
size_t glob_bracket_len(const char *pat);
/* The same without compiling (pattern assumed to pass glob_check). */
bool glob_match_raw(const char *pat, const char *s, bool fold);
