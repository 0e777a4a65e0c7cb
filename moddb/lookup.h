/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Name -> module(s), in libkmod's lookup order (kmod_module_new_from_lookup):
 *
 *   1. config aliases (fnmatch, every match, config order)
 *   2. modules.dep.bin, exact name (skipped for names holding ':')
 *   3. modules.symbols.bin, only for "symbol:..." names
 *   4. install, then remove commands of the config (exact name, first only)
 *   5. modules.alias.bin, wildcard
 *   6. modules.builtin.bin, exact name (built-in)
 *   7. modules.builtin.alias.bin, wildcard (built-in)
 *
 * The first step with a result answers. kmod 30's modinfo runs this chain
 * with an empty configuration (steps 1 and 4 find nothing); modprobe passes
 * its modprobe.d. A missing index is "not found" at that step, as in kmod;
 * a damaged one is an error (kmod would print nothing or exit mid-read).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "moddb/config.h"
#include "moddb/index.h"

struct moddb;

enum moddb_builtin {
	MODDB_BUILTIN_UNKNOWN = -1, /* ask modules.builtin.bin (moddb_is_builtin) */
	MODDB_BUILTIN_NO = 0,
	MODDB_BUILTIN_YES = 1,
};

struct moddb_match {
	char *name;			/* module name */
	enum moddb_builtin builtin;	/* what the lookup step established */
	const struct cfg_text *command; /* step 4: the install/remove line */
	/* The alias the module was found through (steps 1, 3, 5 and 7: the
	 * config pattern, or the normalised name looked up), NULL for a name.
	 * libkmod keeps such a module apart from the same module found by name
	 * (blacklist and options look at it). */
	char *alias;
};

struct moddb_matches {
	struct moddb_match *v;
	size_t n;
};

/* dirname: the module directory, absolute (kmod makes a relative one absolute
 * against the working directory before using it). rd: which libkmod reader's
 * ordering to reproduce. Indexes are opened on first use. */
int moddb_open(const char *dirname, enum index_reader rd, struct moddb **out);
/* kmod_load_resources(): map modules.dep, .alias, .symbols and .builtin now
 * (.builtin.alias stays optional). All four mapped: lookups order values as
 * libkmod's mmap reader does, which is modprobe's and udev's; otherwise as
 * its stream reader. Sets and returns the reader; the indexes stay open for
 * the lookups. */
enum index_reader moddb_preload(struct moddb *db);
void moddb_close(struct moddb *db);
const char *moddb_dirname(const struct moddb *db);
/* After an error other than -ENOENT/-ENOMEM: "<index path>: <what is wrong>". */
const char *moddb_why(const struct moddb *db);

/* The full chain. cfg may be NULL (no configuration). -EINVAL for a name with
 * unbalanced brackets; 0 with out->n == 0 when nothing matches. */
int moddb_lookup(struct moddb *db, const struct modprobe_config *cfg, const char *name,
		 struct moddb_matches *out);
/* Module names only (kmod_module_new_from_name_lookup): modules.dep.bin,
 * modules.builtin.bin, modules.builtin.alias.bin. -ENOENT when not found. */
int moddb_lookup_name(struct moddb *db, const char *name, struct moddb_match *out);

/* Module path from modules.dep.bin, resolved against the directory (relative
 * entries) or as is (absolute ones). 0 with *path NULL when the module has
 * no entry, or one without a ':' (libkmod then has no path either). */
int moddb_module_path(struct moddb *db, const char *name, char **path);
/* The dependency paths of the entry, resolved likewise, in file order. */
int moddb_module_deps(struct moddb *db, const char *name, char ***deps, size_t *n);
/* 1 if modules.builtin.bin lists name, 0 if not (or no index), -errno. */
int moddb_is_builtin(struct moddb *db, const char *name);
/* modules.builtin.modinfo strings of a built-in module (see builtin.h). */
int moddb_builtin_modinfo(struct moddb *db, const char *name, char ***strings, size_t *n);

/* kmod's normalisations. Both truncate at PATH_MAX - 1 characters.
 * alias: '-' -> '_' outside [...], -EINVAL on unbalanced brackets.
 * modname: '-' -> '_', cut at the first '.'. */
int moddb_alias_normalize(const char *alias, char **out);
char *moddb_modname_normalize(const char *name);

void moddb_match_release(struct moddb_match *m);
void moddb_matches_release(struct moddb_matches *ms);
