// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Kernel command line -> modprobe configuration. The word splitting below is
 * libkmod 30's state machine, kept quirk for quirk: the options it yields are
 * handed to finit_module, so accepting more (or less) than kmod would change
 * what gets loaded with which parameters.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "common/macros.h"
#include "moddb/cmdline.h"

enum word_state {
	W_IGNORE,
	W_MODNAME,
	W_PARAM,
	W_VALUE,
	W_COMPLETE,
};

static int add_result(struct modprobe_config *cfg, char *modname, char *param, char *value)
{
	const struct cfg_origin at = {.file = CFG_ORIGIN_CMDLINE, .line = 0};
	int r = 0;

	if (streq(modname, "modprobe") && strncmp(param, "blacklist=", 10) == 0) {
		/* every comma-separated name, empty ones too, verbatim */
		for (char *t; r == 0 && (t = strsep(&value, ","));)
			r = modprobe_config_add_blacklist(cfg, t, at);
		return r;
	}
	if (config_underscores(modname) < 0)
		return modprobe_config_add_diag(cfg,
						"Ignoring bad option on kernel command line while "
						"parsing module name: '%s'",
						modname);
	return modprobe_config_add_options(cfg, modname, param, at);
}

/*
 * grub passes `"mod.param=a b"` for `mod.param="a b"`: move the name one byte
 * left over the opening quote and put the quote back before the value.
 */
static void requote(char *quote, char **modname, char **param, char **value)
{
	memmove(quote, *modname, (size_t)(*value - *modname));
	(*modname)--;
	(*param)--;
	(*value)--;
	**value = '"';
}

int modprobe_config_add_cmdline(struct modprobe_config *cfg, const char *text, size_t len)
{
	char buf[CMDLINE_MAX_BYTES + 1];
	size_t n = strnlen(text, MIN(len, (size_t)CMDLINE_MAX_BYTES));
	memcpy(buf, text, n);
	buf[n] = '\0';

	enum word_state st = W_MODNAME;
	char *modname = buf, *param = NULL, *value = NULL, *quote = NULL;
	bool quoted = false, more = true;
	int r = 0;
	for (char *p = buf; more && r == 0; p++) {
		switch (*p) {
		case '"':
			quoted = !quoted;
			/* a quote may open a word; anywhere else only the value may hold one */
			if (quoted && st == W_MODNAME && p == modname) {
				quote = p;
				modname = p + 1;
			} else if (st != W_VALUE) {
				st = W_IGNORE;
			}
			break;
		case '\0':
			more = false;
			/* fall through */
		case ' ':
		case '\n':
		case '\t':
		case '\v':
		case '\f':
		case '\r':
			if (quoted && st == W_VALUE) {
				/* a blank inside a quoted value */
			} else if (quoted) {
				st = W_IGNORE;
			} else if (st == W_VALUE || st == W_PARAM) {
				*p = '\0';
				st = W_COMPLETE;
			} else {
				modname = p + 1;
				st = W_MODNAME;
				quote = NULL;
			}
			break;
		case '.':
			if (st == W_MODNAME) {
				*p = '\0';
				param = p + 1;
				st = W_PARAM;
			} else if (st == W_PARAM) {
				st = W_IGNORE;
			}
			break;
		case '=':
			if (st == W_PARAM) {
				value = p + 1;
				st = W_VALUE;
			} else if (st == W_MODNAME) {
				st = W_IGNORE;
			}
			break;
		}
		if (st != W_COMPLETE)
			continue;
		/* only a word that reached its value can have an opening quote
		 * left at this point (closing it earlier ignores the word) */
		if (quote && quote < modname && value)
			requote(quote, &modname, &param, &value);
		r = add_result(cfg, modname, param, value);
		modname = p + 1;
		st = W_MODNAME;
		quote = NULL;
	}
	return r;
}
