/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * modprobe.d configuration, parsed the way kmod 30 parses it.
 *
 * Sources, in kmod's order: the directories (or single files, as -C gives)
 * in `paths`; a file name found in an earlier directory masks the same name
 * in later ones; the surviving files are read in the lexical order of their
 * base names, wherever they live. The module directory's modules.softdep and
 * modules.weakdep join that order under their own names, but only their
 * softdep and weakdep lines are honoured: depmod copies them from module
 * metadata, which must never become install commands or aliases.
 *
 * Every entry carries where it came from (file:line) so policy decisions and
 * audit records can name it. Problems are collected as messages in kmod's
 * wording; the top-level caller logs them.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "common/macros.h"

/* kmod 30's modprobe.d search path, plus /usr/lib/modprobe.d as kmod 32+
 * reads it (on merged-/usr systems it is the same directory as /lib's, and
 * masking by name keeps its files from being read twice). NULL-terminated. */
extern const char *const modprobe_config_default_paths[];

struct cfg_origin {
	const char *file;  /* path as opened (points into modprobe_config.files), or
			    * CFG_ORIGIN_CMDLINE for the kernel command line */
	unsigned int line; /* last physical line of a continued line; 0 for the cmdline */
};

#define CFG_ORIGIN_CMDLINE "/proc/cmdline"

struct cfg_alias {
	char *pattern; /* fnmatch(3) pattern, '-' already '_' outside [...] */
	char *modname;
	struct cfg_origin at;
};

struct cfg_name {
	char *modname;
	struct cfg_origin at;
};

/* options (text after the module name, tabs as spaces), install and remove
 * (the command text, verbatim) */
struct cfg_text {
	char *modname;
	char *text;
	struct cfg_origin at;
};

struct cfg_deps {
	char *modname;
	char **pre, **post; /* softdep: pre: and post: lists; weakdep: post unused */
	size_t n_pre, n_post;
	struct cfg_origin at;
};

struct modprobe_config {
	struct cfg_alias *aliases;
	size_t n_aliases;
	struct cfg_name *blacklist;
	size_t n_blacklist;
	struct cfg_text *options, *install, *remove;
	size_t n_options, n_install, n_remove;
	struct cfg_deps *softdeps, *weakdeps; /* weakdep: modules in `pre` */
	size_t n_softdeps, n_weakdeps;
	char **files; /* every file read, in reading order */
	size_t n_files;
	char **diags; /* messages to log (without the "prog: ERROR: " prefix) */
	size_t n_diags;
};

/* Read the configuration: `paths` (NULL for the defaults) and, when moddir
 * is not NULL, moddir/modules.softdep and moddir/modules.weakdep.
 * Missing directories and files are not errors. 0 or -ENOMEM. */
int modprobe_config_load(struct modprobe_config *cfg, const char *const *paths, const char *moddir);

/* Parse one file's text. deps_only: honour only softdep and weakdep lines. */
int modprobe_config_parse(struct modprobe_config *cfg, const char *file, const char *buf,
			  size_t len, bool deps_only);

void modprobe_config_free(struct modprobe_config *cfg);

/* Entries that do not come from a file (the kernel command line, see
 * moddb/cmdline.h), appended after everything read so far. options text:
 * tabs become spaces, as for files. 0 or -ENOMEM. */
int modprobe_config_add_options(struct modprobe_config *cfg, const char *modname, const char *text,
				struct cfg_origin at);
int modprobe_config_add_blacklist(struct modprobe_config *cfg, const char *modname,
				  struct cfg_origin at);
int modprobe_config_add_diag(struct modprobe_config *cfg, const char *fmt, ...) _printf_(2, 3);

/* kmod's name normalisation for config: '-' becomes '_' except inside
 * [...]; -EINVAL for an unbalanced bracket. In place. */
int config_underscores(char *s);

/* The first install/remove command for modname (exact name), or NULL. */
const struct cfg_text *modprobe_config_command(const struct modprobe_config *cfg,
					       const char *modname, bool install);
