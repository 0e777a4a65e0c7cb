/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* modprobe's pieces shared by tools/modprobe*.c (not used elsewhere). */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "moddb/config.h"
#include "moddb/index.h"

/* MODPROBE_OPTIONS in front of the command line, split as kmod 30 splits
 * it (spaces separate words, a quote pair protects spaces; a doubled space
 * or a space after a closing quote makes an empty word, as in kmod).
 * Returns argv itself when the variable is unset, a new NULL-terminated
 * vector otherwise (*storage owns its strings: free both), NULL on ENOMEM. */
char **modprobe_env_argv(int *argc, char **argv, char **storage);

/* Module parameters from the command line, joined by spaces; a value
 * holding a space and not starting with a quote gets quoted (name="a b").
 * *out NULL when there are none. 0 or -ENOMEM. */
int modprobe_join_params(char *const *args, int n, char **out);

/* MODPROBE_OPTIONS += " value": what kmod re-exports (-C, -s, -q, -v) so
 * install and remove commands that run modprobe again inherit it. */
void modprobe_env_append(const char *value);

/* -c: the configuration in kmod 30's format, then the alias and symbol
 * indexes of dirname. */
int modprobe_show_config(const struct modprobe_config *cfg, const char *dirname,
			 enum index_reader rd, FILE *out);
