/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * depmod: build modules.dep, modules.alias, ... and their .bin indexes from a
 * module tree, byte-identical to Debian's kmod 30 (plus modules.weakdep, as
 * kmod 33+ writes it).
 *
 * The pieces, in the order a run uses them:
 *   depmodconf.c     depmod.d: search, override, external, exclude
 *   depmod-scan.c    the tree walk, which file wins for a name, module order
 *   depmod-facts.c   facts for every module: cache, else sandboxed workers
 *   graph.c          symbols, dependencies, topological order, cycles
 *   depmod-out.c     the files, written atomically
 *
 * Module facts come only from sandboxed children (inspect/) or from the
 * root-owned cache of their earlier replies (cache.c).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "common/strbuf.h"
#include "moddb/depmod-map.h"
#include "moddb/depmod-record.h"

/* ---- configuration (depmodconf.c) ---- */

enum dm_search_type {
	DM_SEARCH_PATH,
	DM_SEARCH_BUILTIN,
	DM_SEARCH_EXTERNAL,
};

struct dm_search {
	enum dm_search_type type;
	char *path; /* DM_SEARCH_PATH: relative to the module directory */
	size_t len;
};

struct dm_cache;

struct dm_pathent {
	char *path;
	size_t len;
};

/* Lists are kept in kmod's list order: kmod prepends each entry as it reads
 * it, so the last "search" word of the last file comes first. Its priority
 * rules are written against that order. */
struct dm_config {
	const char *kversion;
	char *dirname; /* <basedir>/lib/modules/<kversion>: where modules are read */
	size_t dirnamelen;
	char *outdir; /* where files are written (-o); dirname unless set */
	char sym_prefix;
	bool check_symvers, print_unknown, warn_dups;
	struct dm_search *searches;
	size_t n_searches;
	struct dm_pathent *overrides; /* "<subdir>/<modname>", no extension */
	size_t n_overrides;
	struct dm_pathent *externals;
	size_t n_externals;
	char **excludes;
	size_t n_excludes;
};

/* Read the depmod.d configuration. paths: -C arguments (files or
 * directories), or NULL for the default directories. Problems inside files
 * are logged (kmod's messages) and skipped, as kmod does. 0 or -ENOMEM. */
int dm_config_load(struct dm_config *cfg, const char *const *paths);
void dm_config_release(struct dm_config *cfg);

/* ---- modules (depmod-scan.c) ---- */

struct dm_module {
	char *path;	     /* absolute */
	const char *relpath; /* into path, below dirname; NULL for external modules */
	char *uncrelpath;    /* relpath with the extension as ".ko": the modules.order key */
	char *name;	     /* from the file name, '-' as '_' */
	size_t baselen;	     /* offset of the last '/' in path */
	size_t namelen;
	/* the file as found by the walk: the cache key */
	dev_t dev;
	ino_t ino;
	off_t size;
	int64_t mtime_ns, ctime_ns;
	const struct dm_record *facts; /* never NULL once facts are loaded */
	struct dm_record *facts_owned;
	bool facts_from_cache;
	bool facts_failed; /* the file could not be parsed: empty record, not cached */
	/* graph state (graph.c), kmod's algorithm */
	int sort_idx;
	int dep_sort_idx;
	uint32_t idx;
	uint32_t users;
	bool visited;
	struct dm_module **deps;
	uint32_t n_deps, cap_deps;
};

struct dm_modules {
	struct dm_module **v;
	size_t n, cap;
	struct dm_map byname;	/* during the walk */
	struct dm_cache *cache; /* holds the cached records some modules point to */
};

/* Walk the module directory and the external directories the way kmod 30
 * does (readdir order; "build", "source" and excluded names skipped) and keep,
 * per module name, the file kmod would keep. 0, or -errno when the module
 * directory itself cannot be opened (logged). */
int dm_scan_tree(const struct dm_config *cfg, struct dm_modules *mods);
/* Add modules given as absolute paths on the command line (no walk, no
 * configuration: kmod's behaviour). 0 or -errno (logged). */
int dm_scan_paths(const struct dm_config *cfg, char *const *paths, size_t n,
		  struct dm_modules *mods);
/* Put the modules in kmod's array order: the lines of modules.order first,
 * the others in the order kmod's name hash table iterates them. */
int dm_order_modules(const struct dm_config *cfg, struct dm_modules *mods);
void dm_modules_release(struct dm_modules *mods);

/* kmod's hash function (shared/hash.c: Paul Hsieh's SuperFastHash) and the
 * iteration order of a kmod hash table of nbuckets buckets (a power of two):
 * by bucket, then by strcmp within the bucket. */
uint32_t dm_kmod_hash(const char *key, size_t len);
int dm_kmod_hash_cmp(const char *a, const char *b, uint32_t nbuckets);

/* kmod's file-name rules. */
bool dm_path_has_module_ext(const char *name, size_t len);
/* Module name of a path: basename up to its first '.', '-' as '_'. NULL when
 * the basename is empty; the result is malloc'ed. */
char *dm_modname_from_path(const char *path);

/* Is a value from a module fit to be written into a map file (depmod-out.c)?
 * Module metadata must never become configuration: libkmod parses
 * modules.softdep as a configuration file, so a newline in a softdep= value
 * would smuggle in a line of the attacker's choosing (an "install" command).
 * Control bytes are refused everywhere; bytes outside 7-bit ASCII too, as
 * the .bin format cannot hold them. The same goes for exported symbol names
 * and module file paths, which reach modules.symbols and modules.dep. */
bool dm_value_ok(const char *s);

/* ---- helpers shared by the readers of kmod's line-oriented files ---- */

/* Split buf as fgets(line, size, fp) would: each piece ends after a '\n' or
 * after size - 1 bytes, whichever comes first. Returns the piece length (0 at
 * the end) and advances *pos. kmod reads its line files this way, and where a
 * piece boundary falls decides what it does with an over-long line. */
size_t dm_fgets_piece(const char *buf, size_t len, size_t *pos, size_t size);

/* ---- a run (depmod.c) ---- */

struct depmod_request {
	const char *const *config_paths; /* -C; NULL: the default directories */
	const char *symvers;		 /* -E */
	const char *system_map;		 /* -F */
	bool all;			 /* walk the tree; else only `paths` */
	char *const *paths;
	size_t n_paths;
	FILE *show;		 /* -n: text files to this stream, nothing written */
	const char *cache_dir;	 /* root-owned cache directory; NULL: no cache */
	unsigned int workers;	 /* sandboxed parsers; 0: one per online CPU */
	unsigned int timeout_ms; /* per module; 0: inspect's default */
};

/* Everything after option parsing: configuration, walk, facts, graph,
 * files. 0, or -errno after the cause was logged (kmod's message where kmod
 * has one; a dependency cycle is -EINVAL). */
int depmod_run(struct dm_config *cfg, const struct depmod_request *rq);

/* -A: is modules.dep newer than every module file of dirname? 1 yes, 0 no,
 * -errno when modules.dep or the directory cannot be read (logged). */
int dm_depfile_up_to_date(const char *dirname);

/* Facts for every module (depmod-facts.c): from the cache where the file is
 * unchanged, else from sandboxed workers. Never fails for a bad module file
 * (it gets an empty record and an error message, as kmod does); -errno only
 * when the run itself cannot go on. */
int dm_load_facts(const struct dm_config *cfg, struct dm_modules *mods,
		  const struct depmod_request *rq);
