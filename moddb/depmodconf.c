// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * depmod.d configuration, read the way kmod 30 reads it: *.conf files from
 * five directories, a name in an earlier directory masking the same name in a
 * later one, the survivors parsed in lexical order of their names. kmod 30
 * has four directories; /usr/lib/depmod.d is kmod 32's addition, and on a
 * merged-/usr system it is /lib/depmod.d under another name, so the masking
 * makes the two lists equivalent there.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fileio.h"
#include "common/log.h"
#include "moddb/depmod.h"

#define CONF_MAX_BYTES (16u << 20)

static const char *const default_dirs[] = {
	"/etc/depmod.d",     "/run/depmod.d", "/usr/local/lib/depmod.d",
	"/usr/lib/depmod.d", "/lib/depmod.d", NULL,
};

struct conf_file {
	char *name; /* sort key */
	char *path;
};

struct conf_list {
	struct conf_file *v;
	size_t n;
};

static void conf_list_release(struct conf_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].path);
	}
	free(l->v);
}

/* Insert in name order; a name already present (from an earlier directory)
 * wins. dir NULL: name is a file given by path, sorted by its basename. */
static int conf_list_add(struct conf_list *l, const char *dir, const char *name)
{
	const char *key = name;
	if (!dir && strrchr(name, '/'))
		key = strrchr(name, '/') + 1;
	size_t i = 0;
	for (; i < l->n; i++) {
		int c = strcmp(key, l->v[i].name);
		if (c == 0)
			return 0;
		if (c < 0)
			break;
	}
	struct conf_file f = {strdup(key), NULL};
	if (dir) {
		if (asprintf(&f.path, "%s/%s", dir, name) < 0)
			f.path = NULL;
	} else {
		f.path = strdup(name);
	}
	struct conf_file *v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (v)
		l->v = v;
	if (!f.name || !f.path || !v) {
		free(f.name);
		free(f.path);
		return -ENOMEM;
	}
	memmove(v + i + 1, v + i, (l->n - i) * sizeof(*v));
	v[i] = f;
	l->n++;
	return 0;
}

static bool conf_name_wanted(int dfd, const char *dir, const char *name)
{
	size_t len = strlen(name);
	if (name[0] == '.')
		return false;
	if (len < 6 || strcmp(name + len - 5, ".conf") != 0) {
		log_info("All cfg files need .conf: %s/%s\n", dir, name);
		return false;
	}
	struct stat st;
	if (fstatat(dfd, name, &st, 0) == 0 && S_ISDIR(st.st_mode)) {
		log_error("Directories inside directories are not supported: %s/%s\n", dir, name);
		return false;
	}
	return true;
}

static int conf_list_dir(struct conf_list *l, const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return 0; /* a missing directory is normal */
	if (!S_ISDIR(st.st_mode))
		return conf_list_add(l, NULL, path);

	DIR *d = opendir(path);
	if (!d) {
		log_error("files list %s: %s\n", path, strerror(errno));
		return 0;
	}
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(d)) != NULL)
		if (conf_name_wanted(dirfd(d), path, de->d_name))
			r = conf_list_add(l, path, de->d_name);
	closedir(d);
	return r;
}

static int push_path(struct dm_pathent **v, size_t *n, char *path)
{
	if (!path)
		return -ENOMEM;
	struct dm_pathent *nv = realloc(*v, (*n + 1) * sizeof(**v));
	if (!nv) {
		free(path);
		return -ENOMEM;
	}
	*v = nv;
	nv[(*n)++] = (struct dm_pathent){path, strlen(path)};
	return 0;
}

static int add_search(struct dm_config *cfg, const char *word)
{
	struct dm_search s = {DM_SEARCH_PATH, NULL, 0};
	if (streq(word, "built-in"))
		s.type = DM_SEARCH_BUILTIN;
	else if (streq(word, "external"))
		s.type = DM_SEARCH_EXTERNAL;
	else {
		s.path = strdup(word);
		if (!s.path)
			return -ENOMEM;
		s.len = strlen(word);
	}
	struct dm_search *v = realloc(cfg->searches, (cfg->n_searches + 1) * sizeof(*v));
	if (!v) {
		free(s.path);
		return -ENOMEM;
	}
	cfg->searches = v;
	v[cfg->n_searches++] = s;
	return 0;
}

static int add_exclude(struct dm_config *cfg, const char *word)
{
	char *w = strdup(word);
	char **v = w ? realloc(cfg->excludes, (cfg->n_excludes + 1) * sizeof(*v)) : NULL;
	if (!v) {
		free(w);
		return -ENOMEM;
	}
	cfg->excludes = v;
	v[cfg->n_excludes++] = w;
	return 0;
}

/* "*" or an extended regular expression found anywhere in the version. */
static bool kernel_matches(const struct dm_config *cfg, const char *pattern)
{
	if (streq(pattern, "*"))
		return true;
	regex_t re;
	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	bool m = regexec(&re, cfg->kversion, 0, NULL, 0) == 0;
	regfree(&re);
	return m;
}

static int parse_line(struct dm_config *cfg, const char *file, unsigned int lineno, char *line)
{
	char *save, *cmd = strtok_r(line, "\t ", &save);
	if (!cmd)
		return 0;
	if (streq(cmd, "search") || streq(cmd, "exclude")) {
		const char *w;
		while ((w = strtok_r(NULL, "\t ", &save)) != NULL) {
			int r = cmd[0] == 's' ? add_search(cfg, w) : add_exclude(cfg, w);
			if (r < 0)
				return r;
		}
		return 0;
	}
	if (streq(cmd, "override")) {
		const char *mod = strtok_r(NULL, "\t ", &save);
		const char *ver = strtok_r(NULL, "\t ", &save);
		const char *sub = strtok_r(NULL, "\t ", &save);
		if (mod && ver && sub) {
			if (!kernel_matches(cfg, ver)) {
				log_info("%s:%u: override kernel did not match %s\n", file, lineno,
					 ver);
				return 0;
			}
			char *p = NULL;
			if (asprintf(&p, "%s/%s", sub, mod) < 0)
				p = NULL;
			return push_path(&cfg->overrides, &cfg->n_overrides, p);
		}
	} else if (streq(cmd, "external")) {
		const char *ver = strtok_r(NULL, "\t ", &save);
		const char *dir = strtok_r(NULL, "\t ", &save);
		if (ver && dir) {
			if (!kernel_matches(cfg, ver)) {
				log_info("%s:%u: external directory did not match %s\n", file,
					 lineno, ver);
				return 0;
			}
			return push_path(&cfg->externals, &cfg->n_externals, strdup(dir));
		}
	} else if (streq(cmd, "include") || streq(cmd, "make_map_files")) {
		log_info("%s:%u: command %s not implemented yet\n", file, lineno, cmd);
		return 0;
	}
	log_error("%s:%u: ignoring bad line starting with '%s'\n", file, lineno, cmd);
	return 0;
}

/* One logical line as kmod's freadline_wrapped() makes it: a backslash joins
 * the next line (newline dropped) and otherwise stands for the byte after it.
 * Returns false at the end; *lineno counts physical lines consumed. */
static bool next_line(const char *buf, size_t len, size_t *pos, struct strbuf *line,
		      unsigned int *lineno)
{
	strbuf_clear(line);
	if (*pos >= len)
		return false;
	while (*pos < len) {
		char c = buf[(*pos)++];
		if (c == '\n') {
			(*lineno)++;
			return true;
		}
		if (c == '\\') {
			if (*pos < len && buf[*pos] == '\n') {
				(*pos)++;
				(*lineno)++;
				continue;
			}
			/* kmod stores the byte after the backslash, or EOF's (char)-1 */
			c = *pos < len ? buf[(*pos)++] : (char)0xff;
		}
		if (strbuf_append_char(line, c) < 0)
			return false;
	}
	(*lineno)++;
	return true;
}

static int parse_file(struct dm_config *cfg, const char *path)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = read_full_file(path, CONF_MAX_BYTES, &buf, &len);
	if (r < 0) {
		log_error("file parse %s: %s\n", path, strerror(-r));
		return 0;
	}
	_cleanup_strbuf_ struct strbuf line = STRBUF_INIT;
	unsigned int lineno = 0;
	size_t pos = 0;
	while (next_line(buf, len, &pos, &line, &lineno)) {
		char *s = (char *)strbuf_str(&line);
		if (s[0] == '\0' || s[0] == '#')
			continue;
		r = parse_line(cfg, path, lineno, s);
		if (r < 0)
			return r;
	}
	return 0;
}

static void reverse(void *base, size_t n, size_t size)
{
	char tmp[64];
	char *b = base;
	for (size_t i = 0; i < n / 2; i++) {
		memcpy(tmp, b + i * size, size);
		memcpy(b + i * size, b + (n - 1 - i) * size, size);
		memcpy(b + (n - 1 - i) * size, tmp, size);
	}
}

int dm_config_load(struct dm_config *cfg, const char *const *paths)
{
	struct conf_list files = {NULL, 0};
	int r = 0;
	if (!paths)
		paths = default_dirs;
	for (size_t i = 0; r == 0 && paths[i]; i++)
		r = conf_list_dir(&files, paths[i]);
	for (size_t i = 0; r == 0 && i < files.n; i++)
		r = parse_file(cfg, files.v[i].path);
	conf_list_release(&files);
	if (r < 0)
		return r;

	reverse(cfg->searches, cfg->n_searches, sizeof(*cfg->searches));
	reverse(cfg->overrides, cfg->n_overrides, sizeof(*cfg->overrides));
	reverse(cfg->externals, cfg->n_externals, sizeof(*cfg->externals));
	/* kmod's backward compatibility: no "search" at all means "search updates". */
	if (cfg->n_searches == 0)
		r = add_search(cfg, "updates");
	return r;
}

void dm_config_release(struct dm_config *cfg)
{
	for (size_t i = 0; i < cfg->n_searches; i++)
		free(cfg->searches[i].path);
	for (size_t i = 0; i < cfg->n_overrides; i++)
		free(cfg->overrides[i].path);
	for (size_t i = 0; i < cfg->n_externals; i++)
		free(cfg->externals[i].path);
	for (size_t i = 0; i < cfg->n_excludes; i++)
		free(cfg->excludes[i]);
	free(cfg->searches);
	free(cfg->overrides);
	free(cfg->externals);
	free(cfg->excludes);
	cfg->searches = NULL;
	cfg->overrides = cfg->externals = NULL;
	cfg->excludes = NULL;
	cfg->n_searches = cfg->n_overrides = cfg->n_externals = cfg->n_excludes = 0;
}
