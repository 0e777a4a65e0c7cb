// SPDX-License-Identifier: LGPL-2.1-or-later
/* Module lookup over the .bin indexes of one module directory (see lookup.h). */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "common/macros.h"
#include "moddb/builtin.h"
#include "moddb/lookup.h"

enum {
	IDX_DEP,
	IDX_ALIAS,
	IDX_SYMBOLS,
	IDX_BUILTIN,
	IDX_BUILTIN_ALIAS,
	IDX_COUNT,
};

static const char *const index_files[IDX_COUNT] = {
	[IDX_DEP] = "modules.dep.bin",
	[IDX_ALIAS] = "modules.alias.bin",
	[IDX_SYMBOLS] = "modules.symbols.bin",
	[IDX_BUILTIN] = "modules.builtin.bin",
	[IDX_BUILTIN_ALIAS] = "modules.builtin.alias.bin",
};

struct moddb {
	char *dirname;
	enum index_reader rd;
	struct index *idx[IDX_COUNT];
	bool tried[IDX_COUNT];
	char *why;
};

int moddb_open(const char *dirname, enum index_reader rd, struct moddb **out)
{
	struct moddb *db = calloc(1, sizeof(*db));
	if (!db)
		return -ENOMEM;
	db->dirname = strdup(dirname);
	if (!db->dirname) {
		free(db);
		return -ENOMEM;
	}
	db->rd = rd;
	*out = db;
	return 0;
}

void moddb_close(struct moddb *db)
{
	if (!db)
		return;
	for (int i = 0; i < IDX_COUNT; i++)
		index_close(db->idx[i]);
	free(db->dirname);
	free(db->why);
	free(db);
}

const char *moddb_dirname(const struct moddb *db)
{
	return db->dirname;
}

const char *moddb_why(const struct moddb *db)
{
	return db->why ? db->why : "";
}

static int set_why(struct moddb *db, int which, int err, const char *what)
{
	free(db->why);
	if (asprintf(&db->why, "%s/%s: %s", db->dirname, index_files[which], what) < 0)
		db->why = NULL;
	return err;
}

/* The index, opened on first use; *out NULL when it does not exist. */
static int db_index(struct moddb *db, int which, struct index **out)
{
	if (!db->tried[which]) {
		char path[PATH_MAX];
		int n = snprintf(path, sizeof(path), "%s/%s", db->dirname, index_files[which]);
		if (n < 0 || (size_t)n >= sizeof(path))
			return set_why(db, which, -ENAMETOOLONG, strerror(ENAMETOOLONG));
		int r = index_open(AT_FDCWD, path, &db->idx[which]);
		/* kmod treats an index it cannot open as absent; so do we, except
		 * for a file that is there and is not an index. */
		if (r == -EBADMSG || r == -EFBIG)
			return set_why(db, which, r, index_open_why(r));
		if (r == -ENOMEM)
			return r;
		db->tried[which] = true;
	}
	*out = db->idx[which];
	return 0;
}

enum index_reader moddb_preload(struct moddb *db)
{
	static const int required[] = {IDX_DEP, IDX_ALIAS, IDX_SYMBOLS, IDX_BUILTIN};
	for (size_t i = 0; i < ARRAY_SIZE(required); i++) {
		struct index *idx;
		/* An index that cannot be had now is an error of the lookup that
		 * needs it later; here it only means no preload. */
		if (db_index(db, required[i], &idx) < 0 || !idx)
			return db->rd = INDEX_READER_STREAM;
	}
	return db->rd = INDEX_READER_MMAP;
}

static int db_search(struct moddb *db, int which, const char *key, bool wild,
		     struct index_values *vals)
{
	struct index *idx;
	int r = db_index(db, which, &idx);
	if (r < 0 || !idx)
		return r < 0 ? r : -ENOENT;
	r = wild ? index_search_wild(idx, key, db->rd, vals) : index_search(idx, key, db->rd, vals);
	if (r < 0 && r != -ENOENT && r != -ENOMEM)
		return set_why(db, which, r, index_why(idx));
	if (r == 0 && wild && vals->n == 0)
		return -ENOENT;
	return r;
}

int moddb_alias_normalize(const char *alias, char **out)
{
	size_t len = strnlen(alias, PATH_MAX - 1), i;
	char *buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < len; i++) {
		char c = alias[i];
		if (c == ']') {
			free(buf);
			return -EINVAL;
		}
		if (c == '[') {
			for (; i < len && alias[i] != ']'; i++)
				buf[i] = alias[i];
			if (i == len) {
				free(buf);
				return -EINVAL;
			}
		}
		buf[i] = c == '-' ? '_' : alias[i];
	}
	buf[i] = '\0';
	*out = buf;
	return 0;
}

char *moddb_modname_normalize(const char *name)
{
	size_t len = strnlen(name, PATH_MAX - 1);
	char *buf = malloc(len + 1);
	if (!buf)
		return NULL;
	size_t i;
	for (i = 0; i < len && name[i] != '.'; i++)
		buf[i] = name[i] == '-' ? '_' : name[i];
	buf[i] = '\0';
	return buf;
}

void moddb_match_release(struct moddb_match *m)
{
	free(m->name);
	free(m->alias);
	m->name = NULL;
	m->alias = NULL;
}

void moddb_matches_release(struct moddb_matches *ms)
{
	for (size_t i = 0; i < ms->n; i++)
		moddb_match_release(&ms->v[i]);
	free(ms->v);
	ms->v = NULL;
	ms->n = 0;
}

/* Takes ownership of name. alias (may be NULL) is copied. */
static int add_match(struct moddb_matches *ms, char *name, enum moddb_builtin builtin,
		     const struct cfg_text *command, const char *alias)
{
	char *a = alias ? strdup(alias) : NULL;
	struct moddb_match *nv =
		name && (a || !alias) ? reallocarray(ms->v, ms->n + 1, sizeof(*nv)) : NULL;
	if (!nv) {
		free(name);
		free(a);
		return -ENOMEM;
	}
	ms->v = nv;
	ms->v[ms->n++] = (struct moddb_match){name, builtin, command, a};
	return 0;
}

static int step_config_aliases(const struct modprobe_config *cfg, const char *name,
			       struct moddb_matches *out)
{
	for (size_t i = 0; cfg && i < cfg->n_aliases; i++) {
		if (fnmatch(cfg->aliases[i].pattern, name, 0) != 0)
			continue;
		int r = add_match(out, strdup(cfg->aliases[i].modname), MODDB_BUILTIN_UNKNOWN, NULL,
				  cfg->aliases[i].pattern);
		if (r < 0)
			return r;
	}
	return 0;
}

static int step_commands(const struct modprobe_config *cfg, const char *name,
			 struct moddb_matches *out)
{
	if (!cfg)
		return 0;
	const struct cfg_text *c = modprobe_config_command(cfg, name, true);
	if (!c)
		c = modprobe_config_command(cfg, name, false);
	if (!c)
		return 0;
	return add_match(out, moddb_modname_normalize(c->modname), MODDB_BUILTIN_UNKNOWN, c, NULL);
}

/* An exact-name step: modules.dep.bin or modules.builtin.bin. */
static int step_exact(struct moddb *db, int which, const char *name, struct moddb_matches *out)
{
	struct index_values vals = {0};
	/* module names hold no ':'; kmod skips the dep index for such keys */
	if (which == IDX_DEP && strchr(name, ':'))
		return 0;
	int r = db_search(db, which, name, false, &vals);
	index_values_release(&vals);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	return add_match(out, moddb_modname_normalize(name),
			 which == IDX_BUILTIN ? MODDB_BUILTIN_YES : MODDB_BUILTIN_UNKNOWN, NULL,
			 NULL);
}

static int step_wild(struct moddb *db, int which, const char *name, struct moddb_matches *out)
{
	struct index_values vals = {0};
	int r = db_search(db, which, name, true, &vals);
	for (size_t i = 0; r == 0 && i < vals.n; i++)
		r = add_match(out, strdup(vals.v[i].value),
			      which == IDX_BUILTIN_ALIAS ? MODDB_BUILTIN_YES
							 : MODDB_BUILTIN_UNKNOWN,
			      NULL, name);
	index_values_release(&vals);
	return r == -ENOENT ? 0 : r;
}

int moddb_lookup(struct moddb *db, const struct modprobe_config *cfg, const char *name,
		 struct moddb_matches *out)
{
	_cleanup_free_ char *alias = NULL;
	int r = moddb_alias_normalize(name, &alias);
	if (r < 0)
		return r;
	*out = (struct moddb_matches){0};
	r = step_config_aliases(cfg, alias, out);
	if (r == 0 && out->n == 0)
		r = step_exact(db, IDX_DEP, alias, out);
	if (r == 0 && out->n == 0 && strncmp(alias, "symbol:", 7) == 0)
		r = step_wild(db, IDX_SYMBOLS, alias, out);
	if (r == 0 && out->n == 0)
		r = step_commands(cfg, alias, out);
	if (r == 0 && out->n == 0)
		r = step_wild(db, IDX_ALIAS, alias, out);
	if (r == 0 && out->n == 0)
		r = step_exact(db, IDX_BUILTIN, alias, out);
	if (r == 0 && out->n == 0)
		r = step_wild(db, IDX_BUILTIN_ALIAS, alias, out);
	if (r < 0)
		moddb_matches_release(out);
	return r;
}

int moddb_lookup_name(struct moddb *db, const char *name, struct moddb_match *out)
{
	_cleanup_free_ char *norm = moddb_modname_normalize(name);
	struct moddb_matches ms = {0};
	if (!norm)
		return -ENOMEM;
	int r = step_exact(db, IDX_DEP, norm, &ms);
	if (r == 0 && ms.n == 0)
		r = step_exact(db, IDX_BUILTIN, norm, &ms);
	if (r == 0 && ms.n == 0)
		r = step_wild(db, IDX_BUILTIN_ALIAS, norm, &ms);
	if (r == 0 && ms.n == 0)
		r = -ENOENT;
	if (r == 0) {
		*out = ms.v[0];
		ms.v[0].name = NULL;
		ms.v[0].alias = NULL;
	}
	moddb_matches_release(&ms);
	return r;
}

/* libkmod joins a relative entry to the directory and refuses (no path, no
 * error) anything that would not fit in PATH_MAX. */
static char *resolve(const struct moddb *db, const char *rel, size_t len)
{
	size_t dlen = strlen(db->dirname);
	char *p;
	if (len > 0 && rel[0] == '/')
		return strndup(rel, len);
	if (dlen + 2 >= PATH_MAX || dlen + 1 + len + 1 >= PATH_MAX)
		return NULL;
	if (asprintf(&p, "%s/%.*s", db->dirname, (int)len, rel) < 0)
		return NULL;
	return p;
}

static int dep_line(struct moddb *db, const char *name, char **line)
{
	struct index_values vals = {0};
	*line = NULL;
	int r = db_search(db, IDX_DEP, name, false, &vals);
	if (r == 0 && !(*line = strdup(vals.v[0].value)))
		r = -ENOMEM;
	index_values_release(&vals);
	return r == -ENOENT ? 0 : r;
}

int moddb_module_path(struct moddb *db, const char *name, char **path)
{
	_cleanup_free_ char *line = NULL;
	*path = NULL;
	int r = dep_line(db, name, &line);
	if (r < 0 || !line)
		return r;
	const char *colon = strchr(line, ':');
	if (!colon)
		return 0;
	*path = resolve(db, line, (size_t)(colon - line));
	return 0;
}

int moddb_module_deps(struct moddb *db, const char *name, char ***deps, size_t *n)
{
	_cleanup_free_ char *line = NULL;
	char **v = NULL, *save = NULL;
	size_t k = 0;
	*deps = NULL;
	*n = 0;
	int r = dep_line(db, name, &line);
	if (r < 0 || !line || !strchr(line, ':'))
		return r;
	for (char *t = strtok_r(strchr(line, ':') + 1, " \t", &save); t;
	     t = strtok_r(NULL, " \t", &save)) {
		char **nv = reallocarray(v, k + 2, sizeof(char *));
		char *p = nv ? resolve(db, t, strlen(t)) : NULL;
		if (nv)
			v = nv;
		if (!p) {
			r = -ENOMEM;
			break;
		}
		v[k++] = p;
		v[k] = NULL;
	}
	if (r < 0) {
		for (size_t i = 0; i < k; i++)
			free(v[i]);
		free(v);
		return r;
	}
	*deps = v;
	*n = k;
	return 0;
}

int moddb_is_builtin(struct moddb *db, const char *name)
{
	struct index_values vals = {0};
	int r = db_search(db, IDX_BUILTIN, name, false, &vals);
	index_values_release(&vals);
	if (r == -ENOENT)
		return 0;
	return r < 0 ? r : 1;
}

int moddb_builtin_modinfo(struct moddb *db, const char *name, char ***strings, size_t *n)
{
	char path[PATH_MAX];
	int len = snprintf(path, sizeof(path), "%s/modules.builtin.modinfo", db->dirname);
	if (len < 0 || (size_t)len >= sizeof(path))
		return -ENAMETOOLONG;
	return builtin_modinfo_get(path, name, strings, n);
}
