// SPDX-License-Identifier: LGPL-2.1-or-later
/* The module pool and libkmod 30's load-list construction (see plan.h). */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/macros.h"
#include "moddb/plan.h"

struct pool_slot {
	char *key; /* "name" or "name\alias", as libkmod keys its pool */
	struct plan_mod *mod;
};

struct plan {
	struct moddb *db;
	const struct modprobe_config *cfg;
	struct pool_slot *slots;
	size_t n_slots, n_used;
	struct plan_mod **all; /* every entry, creation order (for resets and freeing) */
	size_t n_all;
	plan_report_fn report;
	void *report_ud;
};

static void report(struct plan *p, enum plan_prio prio, const char *fmt, ...) _printf_(3, 4);
static void report(struct plan *p, enum plan_prio prio, const char *fmt, ...)
{
	char *msg;
	va_list ap;
	if (!p->report)
		return;
	va_start(ap, fmt);
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	p->report(p->report_ud, prio, msg);
	free(msg);
}

int plan_new(struct moddb *db, const struct modprobe_config *cfg, struct plan **out)
{
	struct plan *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->db = db;
	p->cfg = cfg;
	*out = p;
	return 0;
}

static void mod_free(struct plan_mod *m)
{
	free(m->name);
	free(m->alias);
	free(m->path);
	free(m->deps);
	free(m->options);
	free(m);
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_slots; i++)
		free(p->slots[i].key);
	for (size_t i = 0; i < p->n_all; i++)
		mod_free(p->all[i]);
	free(p->slots);
	free(p->all);
	free(p);
}

void plan_set_report(struct plan *p, plan_report_fn fn, void *userdata)
{
	p->report = fn;
	p->report_ud = userdata;
}

struct moddb *plan_db(const struct plan *p)
{
	return p->db;
}

int plan_list_add(struct plan_list *l, struct plan_mod *m)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct plan_mod **nv = reallocarray(l->v, cap, sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	l->v[l->n++] = m;
	return 0;
}

void plan_list_release(struct plan_list *l)
{
	free(l->v);
	*l = (struct plan_list){0};
}

static uint64_t hash_key(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static struct pool_slot *slot_for(struct pool_slot *slots, size_t n, const char *key)
{
	size_t i = hash_key(key) & (n - 1);
	while (slots[i].key && !streq(slots[i].key, key))
		i = (i + 1) & (n - 1);
	return &slots[i];
}

static int pool_grow(struct plan *p)
{
	size_t n = p->n_slots ? p->n_slots * 2 : 64;
	struct pool_slot *ns = calloc(n, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_slots; i++)
		if (p->slots[i].key)
			*slot_for(ns, n, p->slots[i].key) = p->slots[i];
	free(p->slots);
	p->slots = ns;
	p->n_slots = n;
	return 0;
}

/* The pool entry for (name, alias), created when new. */
static int pool_get(struct plan *p, const char *name, const char *alias, struct plan_mod **out)
{
	char *key;
	if ((alias ? asprintf(&key, "%s\\%s", name, alias) : asprintf(&key, "%s", name)) < 0)
		return -ENOMEM;
	if (p->n_slots) {
		struct pool_slot *s = slot_for(p->slots, p->n_slots, key);
		if (s->key) {
			free(key);
			*out = s->mod;
			return 0;
		}
	}
	if ((p->n_used + 1) * 10 > p->n_slots * 7 && pool_grow(p) < 0)
		goto oom;
	struct plan_mod **na = reallocarray(p->all, p->n_all + 1, sizeof(*na));
	if (!na)
		goto oom;
	p->all = na;
	struct plan_mod *m = calloc(1, sizeof(*m));
	if (!m)
		goto oom;
	m->name = strdup(name);
	m->alias = alias ? strdup(alias) : NULL;
	if (!m->name || (alias && !m->alias)) {
		mod_free(m);
		goto oom;
	}
	m->builtin = MODDB_BUILTIN_UNKNOWN;
	p->all[p->n_all++] = m;
	*slot_for(p->slots, p->n_slots, key) = (struct pool_slot){key, m};
	p->n_used++;
	*out = m;
	return 0;
oom:
	free(key);
	return -ENOMEM;
}

int plan_from_name(struct plan *p, const char *name, struct plan_mod **out)
{
	_cleanup_free_ char *norm = moddb_modname_normalize(name);
	return norm ? pool_get(p, norm, NULL, out) : -ENOMEM;
}

char *plan_absolute_path(const char *path)
{
	if (path[0] == '/')
		return strdup(path);
	_cleanup_free_ char *cwd = get_current_dir_name();
	char *r;
	if (!cwd || asprintf(&r, "%s/%s", cwd, path) < 0)
		return NULL;
	return r;
}

int plan_from_path(struct plan *p, const char *path, struct plan_mod **out)
{
	_cleanup_free_ char *abspath = plan_absolute_path(path);
	struct stat st;
	if (!abspath)
		return -ENOMEM;
	if (stat(abspath, &st) < 0)
		return -errno;
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (*base == '\0')
		return -ENOENT;
	struct plan_mod *m;
	int r = plan_from_name(p, base, &m);
	if (r < 0)
		return r;
	if (!m->path) {
		m->path = TAKE_PTR(abspath);
	} else if (!streq(m->path, abspath)) {
		report(p, PLAN_ERROR,
		       "module '%s' is already known with another path: new path '%s', old path "
		       "'%s'",
		       m->name, abspath, m->path);
		return -EEXIST;
	}
	m->builtin = MODDB_BUILTIN_NO;
	*out = m;
	return 0;
}

static bool cmd_is_install(const struct modprobe_config *cfg, const struct cfg_text *c)
{
	return cfg && c >= cfg->install && c < cfg->install + cfg->n_install;
}

int plan_lookup(struct plan *p, const char *name, struct plan_list *out)
{
	struct moddb_matches ms = {0};
	int r = moddb_lookup(p->db, p->cfg, name, &ms);
	for (size_t i = 0; r == 0 && i < ms.n; i++) {
		const struct moddb_match *mt = &ms.v[i];
		struct plan_mod *m;
		r = pool_get(p, mt->name, mt->alias, &m);
		if (r < 0)
			break;
		if (mt->builtin == MODDB_BUILTIN_YES)
			m->builtin = MODDB_BUILTIN_YES;
		if (mt->command && cmd_is_install(p->cfg, mt->command)) {
			m->install_init = true;
			m->install = mt->command->text;
		} else if (mt->command) {
			m->remove_init = true;
			m->remove = mt->command->text;
		}
		r = plan_list_add(out, m);
	}
	moddb_matches_release(&ms);
	return r;
}

/* libkmod reads a module's modules.dep line once: its path (unless the
 * entry already has one) and its dependencies, each a file that must exist;
 * one that does not, or that names a known module at another path, leaves
 * the module without dependencies (and they are looked up again next time). */
static int load_depline(struct plan *p, struct plan_mod *m)
{
	_cleanup_free_ char *path = NULL;
	char **deps = NULL;
	size_t n = 0;
	int r = moddb_module_path(p->db, m->name, &path);
	if (r == 0 && path)
		r = moddb_module_deps(p->db, m->name, &deps, &n);
	if (r < 0 || !path)
		return r;
	if (!m->path)
		m->path = TAKE_PTR(path);
	struct plan_mod **v = n ? calloc(n, sizeof(*v)) : NULL;
	if (n && !v)
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct plan_mod *d;
		int e = plan_from_path(p, deps[i], &d);
		if (e == -ENOMEM) {
			r = e;
		} else if (e < 0) {
			report(p, PLAN_ERROR, "dependency %s of %s: %s", deps[i], m->name,
			       strerror(-e));
			free(v);
			v = NULL;
			n = 0;
			goto out;
		} else {
			v[n - 1 - i] = d; /* modules.dep lists them in reverse load order */
		}
	}
	if (r == 0) {
		m->deps = v;
		m->n_deps = n;
		m->dep_init = true;
	} else {
		free(v);
	}
out:
	for (size_t i = 0; deps && deps[i]; i++)
		free(deps[i]);
	free(deps);
	return r;
}

const char *plan_path(struct plan *p, struct plan_mod *m)
{
	if (!m->path && !m->dep_init)
		load_depline(p, m);
	return m->path;
}

int plan_deps(struct plan *p, struct plan_mod *m)
{
	return m->dep_init ? 0 : load_depline(p, m);
}

const char *plan_options(struct plan *p, struct plan_mod *m)
{
	if (m->options_init)
		return m->options;
	_cleanup_free_ char *opts = NULL;
	size_t len = 0;
	for (size_t i = 0; p->cfg && i < p->cfg->n_options; i++) {
		const struct cfg_text *o = &p->cfg->options[i];
		if (!streq(o->modname, m->name) && !(m->alias && streq(o->modname, m->alias)))
			continue;
		size_t tl = strlen(o->text), need;
		if (tl == 0)
			continue;
		if (size_add_overflow(len, tl + 2, &need))
			return NULL;
		char *n = realloc(opts, need);
		if (!n)
			return NULL;
		opts = n;
		if (len)
			opts[len++] = ' ';
		memcpy(opts + len, o->text, tl + 1);
		len += tl;
	}
	m->options = TAKE_PTR(opts);
	m->options_init = true;
	return m->options;
}

/* install/remove: the first line whose pattern matches the module name */
static const char *first_command(const struct cfg_text *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (fnmatch(v[i].modname, name, 0) == 0)
			return v[i].text;
	return NULL;
}

const char *plan_install(struct plan *p, struct plan_mod *m)
{
	if (!m->install_init && p->cfg)
		m->install = first_command(p->cfg->install, p->cfg->n_install, m->name);
	m->install_init = true;
	return m->install;
}

const char *plan_remove(struct plan *p, struct plan_mod *m)
{
	if (!m->remove_init && p->cfg)
		m->remove = first_command(p->cfg->remove, p->cfg->n_remove, m->name);
	m->remove_init = true;
	return m->remove;
}

int plan_is_builtin(struct plan *p, struct plan_mod *m)
{
	if (m->builtin == MODDB_BUILTIN_UNKNOWN) {
		int r = moddb_is_builtin(p->db, m->name);
		if (r < 0)
			return r;
		m->builtin = r ? MODDB_BUILTIN_YES : MODDB_BUILTIN_NO;
	}
	return m->builtin == MODDB_BUILTIN_YES;
}

bool plan_blacklisted(const struct plan *p, const struct plan_mod *m)
{
	for (size_t i = 0; p->cfg && i < p->cfg->n_blacklist; i++)
		if (streq(p->cfg->blacklist[i].modname, m->name))
			return true;
	return false;
}

/* Each name resolved with the full lookup; one that fails is skipped. */
static int resolve_names(struct plan *p, char *const *names, size_t n, struct plan_list *out)
{
	for (size_t i = 0; i < n; i++) {
		int r = plan_lookup(p, names[i], out);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			report(p, PLAN_ERROR,
			       "failed to lookup soft dependency '%s', continuing anyway.",
			       names[i]);
	}
	return 0;
}

int plan_softdeps(struct plan *p, struct plan_mod *m, struct plan_list *pre, struct plan_list *post)
{
	for (size_t i = 0; p->cfg && i < p->cfg->n_softdeps; i++) {
		const struct cfg_deps *d = &p->cfg->softdeps[i];
		if (fnmatch(d->modname, m->name, 0) != 0)
			continue;
		int r = resolve_names(p, d->pre, d->n_pre, pre);
		return r < 0 ? r : resolve_names(p, d->post, d->n_post, post);
	}
	return 0;
}

static int expand(struct plan *p, struct plan_mod *m, bool required, bool ignorecmd,
		  struct plan_list *out);

/* pre-softdeps (expanded), the module, post-softdeps (expanded) */
static int with_softdeps(struct plan *p, struct plan_mod *m, struct plan_list *out)
{
	_cleanup_plan_list_ struct plan_list pre = {0}, post = {0};
	int r = plan_softdeps(p, m, &pre, &post);
	for (size_t i = 0; r == 0 && i < pre.n; i++)
		r = expand(p, pre.v[i], false, false, out);
	if (r < 0)
		return r;
	r = plan_list_add(out, m);
	if (r < 0)
		return r;
	/* kmod #446: a module with softdeps never runs its install command */
	m->ignorecmd = pre.n > 0 || post.n > 0;
	for (size_t i = 0; r == 0 && i < post.n; i++)
		r = expand(p, post.v[i], false, false, out);
	return r;
}

static int expand(struct plan *p, struct plan_mod *m, bool required, bool ignorecmd,
		  struct plan_list *out)
{
	if (m->visited)
		return 0;
	m->visited = true;
	int r = plan_deps(p, m);
	if (r == -ENOMEM)
		return r;
	/* flagged before any softdep can reach them, so they stay required */
	if (required) {
		m->required = true;
		for (size_t i = 0; i < m->n_deps; i++)
			m->deps[i]->required = true;
	}
	for (size_t i = 0; i < m->n_deps; i++) {
		r = with_softdeps(p, m->deps[i], out);
		if (r < 0)
			return r;
	}
	if (!ignorecmd)
		return with_softdeps(p, m, out);
	m->ignorecmd = true;
	return plan_list_add(out, m);
}

int plan_probe_list(struct plan *p, struct plan_mod *m, bool ignorecmd, struct plan_list *out)
{
	for (size_t i = 0; i < p->n_all; i++)
		p->all[i]->visited = p->all[i]->required = false;
	int r = expand(p, m, true, ignorecmd, out);
	if (r < 0)
		plan_list_release(out);
	return r;
}

char *plan_options_concat(const char *config_opts, const char *extra)
{
	size_t ol = config_opts ? strlen(config_opts) : 0, xl = extra ? strlen(extra) : 0;
	if (ol == 0 && xl == 0)
		return NULL;
	char *r;
	if (config_opts)
		return asprintf(&r, "%s %s", config_opts, extra ? extra : "") < 0 ? NULL : r;
	return strdup(extra);
}
