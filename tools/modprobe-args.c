// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * modprobe's argument plumbing: MODPROBE_OPTIONS, its re-export to install
 * and remove commands, and module parameters given on the command line.
 * Each reproduces kmod 30's splitting and joining, because udev rules,
 * initramfs scripts and install commands depend on exactly those results.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/macros.h"
#include "common/strbuf.h"
#include "tools/modprobe.h"

/*
 * Split in place. Outside quotes a space ends a word. A quote opens a quoted
 * run that ends at the same quote character: when the run began the word,
 * it is the word (without its quotes) and the text right after the closing
 * quote starts a new word; otherwise both quote characters are removed and
 * the word goes on.
 */
static size_t split_words(char *s, char **words)
{
	size_t n = 0, len = strlen(s);
	char *word = s, *quote = NULL, *end = s + len;

	for (char *p = s; *p; p++) {
		if (!quote) {
			if (*p == ' ') {
				*p = '\0';
				words[n++] = word;
				word = p + 1;
			} else if (*p == '"' || *p == '\'') {
				quote = p;
			}
			continue;
		}
		if (*p != *quote)
			continue;
		if (quote == word) {
			*p = '\0';
			words[n++] = word + 1;
			word = p + 1;
		} else {
			/* drop the opening quote, then the closing one */
			memmove(quote, quote + 1, (size_t)(p - 1 - quote));
			memmove(p - 1, p + 1, (size_t)(end - p - 1));
			end -= 2;
			*end = '\0';
			p -= 2;
		}
		quote = NULL;
	}
	if (*word)
		words[n++] = word;
	return n;
}

char **modprobe_env_argv(int *argc, char **argv, char **storage)
{
	const char *env = getenv("MODPROBE_OPTIONS");
	*storage = NULL;
	if (!env)
		return argv;
	char *s = strdup(env);
	size_t max_words = 1, total;
	/* a word ends at a space or at a quote that closes it */
	for (const char *p = env; *p; p++)
		max_words += *p == ' ' || *p == '"' || *p == '\'';
	if (!s || size_add_overflow(max_words, (size_t)*argc + 1, &total)) {
		free(s);
		return NULL;
	}
	char **v = calloc(total, sizeof(char *));
	if (!v) {
		free(s);
		return NULL;
	}
	v[0] = argv[0];
	size_t n = 1 + split_words(s, v + 1);
	for (int i = 1; i < *argc; i++)
		v[n++] = argv[i];
	v[n] = NULL;
	*argc = (int)n;
	*storage = s;
	return v;
}

int modprobe_join_params(char *const *args, int n, char **out)
{
	struct strbuf sb = STRBUF_INIT;
	int r = 0;
	*out = NULL;
	for (int i = 0; r == 0 && i < n; i++) {
		const char *eq = strchr(args[i], '=');
		const char *value = eq ? eq + 1 : NULL;
		bool quote = value && *value != '"' && *value != '\'' && strchr(value, ' ');
		if (i > 0)
			r = strbuf_append_char(&sb, ' ');
		if (r == 0 && quote)
			r = strbuf_appendf(&sb, "%.*s\"%s\"", (int)(value - args[i]), args[i],
					   value);
		else if (r == 0)
			r = strbuf_append_str(&sb, args[i]);
	}
	if (r < 0) {
		strbuf_release(&sb);
		return r;
	}
	if (n > 0)
		*out = strbuf_steal(&sb);
	return 0;
}

void modprobe_env_append(const char *value)
{
	const char *old = getenv("MODPROBE_OPTIONS");
	char *env;
	if (!old) {
		setenv("MODPROBE_OPTIONS", value, 1);
		return;
	}
	if (asprintf(&env, "%s %s", old, value) < 0)
		return;
	setenv("MODPROBE_OPTIONS", env, 1);
	free(env);
}
