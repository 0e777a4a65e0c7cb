// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Our own matcher rather than fnmatch(3): a decision must not depend on the
 * locale (fnmatch's ranges and classes do), it must fold '-' into '_' for
 * module names without copying the subject, and the common prefix/suffix
 * patterns should cost a memcmp. The unit tests compare it with fnmatch in
 * the C locale over a table of patterns.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/glob.h"

bool glob_is_pattern(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

/* Index just past the bracket expression starting at pat[0] == '[', or 0 if
 * it is unterminated. As in fnmatch, a ']' right after '[' or '[!' is a member. */
static size_t bracket_end(const char *pat)
{
	size_t i = 1;
	if (pat[i] == '!' || pat[i] == '^')
		i++;
	if (pat[i] == ']')
		i++;
	for (; pat[i]; i++)
		if (pat[i] == ']')
			return i + 1;
	return 0;
}

size_t glob_bracket_len(const char *pat)
{
	return bracket_end(pat);
}

const char *glob_check(const char *pat)
{
	for (size_t i = 0; pat[i]; i++) {
		if (pat[i] != '[')
			continue;
		size_t e = bracket_end(pat + i);
		if (!e)
			return "unterminated '[' in a pattern";
		if (strstr(pat + i, "[:") && strstr(pat + i, "[:") < pat + i + e)
			return "character classes like [:alpha:] are not supported in patterns";
		i += e - 1;
	}
	return NULL;
}

/* Does c belong to the bracket expression at pat (pat[0] == '[')? *len gets
 * the expression's length. */
static bool bracket_match(const char *pat, unsigned char c, size_t *len)
{
	size_t end = bracket_end(pat);
	size_t i = 1;
	bool neg = false, hit = false;

	*len = end;
	if (pat[i] == '!' || pat[i] == '^') {
		neg = true;
		i++;
	}
	while (i < end - 1) {
		unsigned char lo = (unsigned char)pat[i];
		if (pat[i + 1] == '-' && i + 2 < end - 1) {
			unsigned char hi = (unsigned char)pat[i + 2];
			if (lo <= c && c <= hi)
				hit = true;
			i += 3;
		} else {
			if (lo == c)
				hit = true;
			i++;
		}
	}
	return hit != neg;
}

bool glob_match_raw(const char *pat, const char *s, bool fold)
{
	const char *star_p = NULL, *star_s = NULL;

	while (*s) {
		unsigned char c = (unsigned char)(fold && *s == '-' ? '_' : *s);
		size_t blen;
		if (*pat == '*') {
			star_p = ++pat;
			star_s = s;
			continue;
		}
		if (*pat == '?' || (*pat == '[' && bracket_match(pat, c, &blen)) ||
		    (*pat != '[' && *pat && (unsigned char)*pat == c)) {
			pat += *pat == '[' ? blen : 1;
			s++;
			continue;
		}
		if (!star_p)
			return false;
		/* let the last star swallow one more character and retry */
		pat = star_p;
		s = ++star_s;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

int glob_compile(struct glob *g, const char *pat)
{
	if (glob_check(pat))
		return -EINVAL;
	*g = (struct glob){.pat = strdup(pat), .kind = GLOB_GENERIC};
	if (!g->pat)
		return -ENOMEM;
	size_t n = strlen(pat);
	if (n == 1 && pat[0] == '*') {
		g->kind = GLOB_ANY;
	} else if (n > 1 && pat[n - 1] == '*' && !strpbrk(g->pat, "?[") &&
		   !memchr(pat, '*', n - 1)) {
		g->kind = GLOB_PREFIX;
		g->lit = g->pat;
		g->lit_len = n - 1;
	} else if (n > 1 && pat[0] == '*' && !strpbrk(g->pat + 1, "*?[")) {
		g->kind = GLOB_SUFFIX;
		g->lit = g->pat + 1;
		g->lit_len = n - 1;
	} else if (n > 2 && pat[0] == '*' && pat[n - 1] == '*' && !strpbrk(g->pat, "?[") &&
		   !memchr(pat + 1, '*', n - 2)) {
		g->kind = GLOB_INFIX;
		g->lit = g->pat + 1;
		g->lit_len = n - 2;
	}
	return 0;
}

void glob_release(struct glob *g)
{
	free(g->pat);
	g->pat = NULL;
}

static bool lit_eq(const char *s, const char *lit, size_t n, bool fold)
{
	if (!fold)
		return memcmp(s, lit, n) == 0;
	for (size_t i = 0; i < n; i++)
		if ((s[i] == '-' ? '_' : s[i]) != lit[i])
			return false;
	return true;
}

bool glob_match(const struct glob *g, const char *s, bool fold)
{
	size_t n;
	switch (g->kind) {
	case GLOB_ANY:
		return true;
	case GLOB_PREFIX:
		return strnlen(s, g->lit_len) == g->lit_len && lit_eq(s, g->lit, g->lit_len, fold);
	case GLOB_SUFFIX:
		n = strlen(s);
		return n >= g->lit_len && lit_eq(s + n - g->lit_len, g->lit, g->lit_len, fold);
	case GLOB_INFIX:
		if (!fold)
			return memmem(s, strlen(s), g->lit, g->lit_len) != NULL;
		n = strlen(s);
		for (size_t i = 0; i + g->lit_len <= n; i++)
			if (lit_eq(s + i, g->lit, g->lit_len, fold))
				return true;
		return false;
	case GLOB_GENERIC:
		break;
	}
	return glob_match_raw(g->pat, s, fold);
}
