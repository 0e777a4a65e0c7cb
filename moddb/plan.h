/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Planning what modprobe loads or removes, as libkmod 30 plans it.
 *
 * A plan holds a pool of modules the way libkmod's context does: a module
 * found by name and the same module found through an alias are different
 * entries (the alias one also takes `options <alias> ...` and is the only kind
 * the default blacklist applies to), and every entry keeps what was learnt
 * about it (path, dependencies, install command) for the rest of the run.
 *
 * The load list of a module (plan_probe_list) is libkmod's, duplicates and
 * all:
 *
 *   for each hard dependency D of M, in load order:
 *       D's pre-softdeps (each with its own closure), D, D's post-softdeps
 *   M's pre-softdeps, M, M's post-softdeps     (just M with ignore_commands)
 *
 * where a softdep name is resolved with the full lookup (so an alias may
 * bring in several modules), a module already expanded in this list is not
 * expanded again, but a hard dependency reached twice is listed twice (the
 * loader finds it loaded the second time). M and its hard dependencies are
 * "required": a failure of anything else in the list is ignored.
 *
 * Nothing here touches the running kernel: the loader asks it whether each
 * entry is live.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "moddb/config.h"
#include "moddb/lookup.h"

struct plan_mod {
	char *name;  /* normalised module name */
	char *alias; /* the alias it was found through, or NULL */
	char *path;  /* absolute file path, or NULL (built-in, or no modules.dep entry) */
	struct plan_mod **deps; /* hard dependencies in load order */
	size_t n_deps;
	enum moddb_builtin builtin;
	bool dep_init;
	bool visited, required; /* per plan_probe_list() */
	bool ignorecmd;		/* its install command does not run (it has softdeps) */
	bool options_init, install_init, remove_init;
	char *options;	     /* config options joined by ' ', or NULL */
	const char *install; /* install command text (into the config), or NULL */
	const char *remove;  /* remove command text, or NULL */
};

struct plan_list {
	struct plan_mod **v;
	size_t n, cap;
};

/* How libkmod's own diagnostics reach the caller, which words and logs them. */
enum plan_prio {
	PLAN_ERROR = 3,
	PLAN_INFO = 6,
};
typedef void (*plan_report_fn)(void *userdata, enum plan_prio prio, const char *msg);

struct plan;

/* db and cfg must outlive the plan. */
int plan_new(struct moddb *db, const struct modprobe_config *cfg, struct plan **out);
void plan_free(struct plan *p);
void plan_set_report(struct plan *p, plan_report_fn fn, void *userdata);
struct moddb *plan_db(const struct plan *p);

/* kmod_module_new_from_lookup: every module `name` resolves to (config
 * aliases, dep index, symbols, install/remove commands, alias index,
 * built-ins). 0 with out->n == 0 when none; -EINVAL for an alias with
 * unbalanced brackets; other -errno from the indexes (moddb_why says more). */
int plan_lookup(struct plan *p, const char *name, struct plan_list *out);
/* kmod_module_new_from_name: the entry for a module name, created if new. */
int plan_from_name(struct plan *p, const char *name, struct plan_mod **out);
/* kmod_module_new_from_path: the file must exist; its base name names the
 * module. -EEXIST if that module is already known with another path. */
int plan_from_path(struct plan *p, const char *path, struct plan_mod **out);

/* Lazy facts, each computed once per entry. */
const char *plan_path(struct plan *p, struct plan_mod *m);
/* The hard dependencies (m->deps, m->n_deps after the call). */
int plan_deps(struct plan *p, struct plan_mod *m);
const char *plan_options(struct plan *p, struct plan_mod *m);
const char *plan_install(struct plan *p, struct plan_mod *m);
const char *plan_remove(struct plan *p, struct plan_mod *m);
/* 1 if built into the kernel (modules.builtin.bin, or as the lookup found it), 0, -errno */
int plan_is_builtin(struct plan *p, struct plan_mod *m);
bool plan_blacklisted(const struct plan *p, const struct plan_mod *m);
/* The first softdep line whose pattern matches, resolved. */
int plan_softdeps(struct plan *p, struct plan_mod *m, struct plan_list *pre,
		  struct plan_list *post);

/* The load list of m (see above). ignorecmd: modprobe -i. */
int plan_probe_list(struct plan *p, struct plan_mod *m, bool ignorecmd, struct plan_list *out);

int plan_list_add(struct plan_list *l, struct plan_mod *m);
void plan_list_release(struct plan_list *l);
static inline void plan_list_releasep(struct plan_list *l)
{
	plan_list_release(l);
}
#define _cleanup_plan_list_ _cleanup_(plan_list_releasep)

/* options for the module itself: config options, then the command line's,
 * joined as libkmod joins them ("a b " when only config options exist: the
 * trailing space is kmod's). NULL when both are empty. */
char *plan_options_concat(const char *config_opts, const char *extra);

/* libkmod's path_make_absolute_cwd(): relative paths joined to the working
 * directory. NULL on allocation failure. */
char *plan_absolute_path(const char *path);
