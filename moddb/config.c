// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * modprobe.d parser. The quirks kept here are kmod 30's, on purpose: which
 * lines are accepted decides which commands run as root, so modgate must not
 * be more liberal than kmod, and scripts that work with kmod must keep working.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fileio.h"
#include "common/macros.h"
#include "common/strbuf.h"
#include "moddb/config.h"

#define CONFIG_FILE_MAX (16u << 20)

const char *const modprobe_config_default_paths[] = {
	"/etc/modprobe.d",     "/run/modprobe.d", "/usr/local/lib/modprobe.d",
	"/usr/lib/modprobe.d", "/lib/modprobe.d", NULL,
};

/* Grow an array of n elements of size sz by one; 0 or -ENOMEM. */
static int grow(void *arrp, size_t n, size_t sz)
{
	void **arr = arrp;
	size_t bytes;
	if (size_mul_overflow(n + 1, sz, &bytes))
		return -ENOMEM;
	void *na = realloc(*arr, bytes);
	if (!na)
		return -ENOMEM;
	*arr = na;
	return 0;
}

static int diag(struct modprobe_config *cfg, const char *fmt, ...) _printf_(2, 3);
static int diag(struct modprobe_config *cfg, const char *fmt, ...)
{
	char *msg;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	if (grow(&cfg->diags, cfg->n_diags, sizeof(char *)) < 0) {
		free(msg);
		return -ENOMEM;
	}
	cfg->diags[cfg->n_diags++] = msg;
	return 0;
}

int config_underscores(char *s)
{
	if (!s)
		return -EINVAL;
	for (size_t i = 0; s[i]; i++) {
		if (s[i] == '-') {
			s[i] = '_';
		} else if (s[i] == ']') {
			return -EINVAL;
		} else if (s[i] == '[') {
			i += strcspn(s + i, "]");
			if (!s[i])
				return -EINVAL;
		}
	}
	return 0;
}

/*
 * Split a dependency list the way kmod 30 does. Its scanner starts the first
 * word at the first character even when that is a single space, so
 * " pre: a" yields the word " pre:" (and no pre: section); a run of two or
 * more spaces is skipped properly. Kept because it decides what modprobe loads.
 */
static int split_words(const char *line, char ***words, size_t *n)
{
	const char *p = line;
	bool was_space = false;
	*words = NULL;
	*n = 0;
	for (const char *s = line;; s++) {
		if (*s != '\0') {
			if (*s != ' ' && (*s < '\t' || *s > '\r')) {
				was_space = false;
				continue;
			}
			if (was_space) {
				p = s + 1;
				continue;
			}
			was_space = true;
			if (p >= s)
				continue;
		}
		if (*s != '\0' || !was_space) {
			char *w = strndup(p, (size_t)(s - p));
			if (!w || grow(words, *n, sizeof(char *)) < 0) {
				free(w);
				return -ENOMEM;
			}
			(*words)[(*n)++] = w;
		}
		p = s + 1;
		if (*s == '\0')
			return 0;
	}
}

static void strv_free_n(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int add_to(char ***list, size_t *n, char *word)
{
	if (grow(list, *n, sizeof(char *)) < 0)
		return -ENOMEM;
	(*list)[(*n)++] = word;
	return 0;
}

/* softdep: words after "pre:" go to pre, after "post:" to post, before either
 * nowhere. weakdep: every word is a weak dependency (kept in pre). */
static int parse_deps(struct cfg_deps *d, const char *text, bool soft)
{
	char **words;
	size_t n;
	int r = split_words(text, &words, &n), mode = soft ? 0 : 1;
	for (size_t i = 0; r == 0 && i < n; i++) {
		if (soft && streq(words[i], "pre:")) {
			mode = 1;
		} else if (soft && streq(words[i], "post:")) {
			mode = 2;
		} else if (mode != 0) {
			r = mode == 1 ? add_to(&d->pre, &d->n_pre, words[i])
				      : add_to(&d->post, &d->n_post, words[i]);
			if (r == 0)
				words[i] = NULL;
		}
	}
	strv_free_n(words, n);
	return r;
}

struct line_ctx {
	struct modprobe_config *cfg;
	struct cfg_origin at;
	char *save;
};

/* kmod takes the rest of the line after the single separator that ended the
 * previous word, leading blanks included; NULL when nothing is left. */
static char *rest_of_line(struct line_ctx *c)
{
	char *r = c->save;
	if (!r || *r == '\0')
		return NULL;
	c->save = r + strlen(r);
	return r;
}

static char *next_word(struct line_ctx *c)
{
	return strtok_r(NULL, "\t ", &c->save);
}

static int add_text(struct cfg_text **arr, size_t *n, const char *modname, const char *text,
		    struct cfg_origin at, bool tabs_to_spaces)
{
	if (grow(arr, *n, sizeof(**arr)) < 0)
		return -ENOMEM;
	struct cfg_text *t = &(*arr)[*n];
	t->modname = strdup(modname);
	t->text = strdup(text);
	t->at = at;
	if (!t->modname || !t->text) {
		free(t->modname);
		free(t->text);
		return -ENOMEM;
	}
	if (tabs_to_spaces)
		for (char *p = t->text; (p = strchr(p, '\t')); p++)
			*p = ' ';
	(*n)++;
	return 0;
}

static int add_deps(struct cfg_deps **arr, size_t *n, const char *modname, const char *text,
		    struct cfg_origin at, bool soft)
{
	if (grow(arr, *n, sizeof(**arr)) < 0)
		return -ENOMEM;
	struct cfg_deps *d = &(*arr)[*n];
	*d = (struct cfg_deps){.modname = strdup(modname), .at = at};
	int r = d->modname ? parse_deps(d, text, soft) : -ENOMEM;
	if (r < 0) {
		free(d->modname);
		strv_free_n(d->pre, d->n_pre);
		strv_free_n(d->post, d->n_post);
		return r;
	}
	(*n)++;
	return 0;
}

static int add_alias(struct modprobe_config *cfg, const char *pattern, const char *modname,
		     struct cfg_origin at)
{
	if (grow(&cfg->aliases, cfg->n_aliases, sizeof(*cfg->aliases)) < 0)
		return -ENOMEM;
	struct cfg_alias *a = &cfg->aliases[cfg->n_aliases];
	a->pattern = strdup(pattern);
	a->modname = strdup(modname);
	a->at = at;
	if (!a->pattern || !a->modname) {
		free(a->pattern);
		free(a->modname);
		return -ENOMEM;
	}
	cfg->n_aliases++;
	return 0;
}

static int add_blacklist(struct modprobe_config *cfg, const char *modname, struct cfg_origin at)
{
	if (grow(&cfg->blacklist, cfg->n_blacklist, sizeof(*cfg->blacklist)) < 0)
		return -ENOMEM;
	cfg->blacklist[cfg->n_blacklist].modname = strdup(modname);
	cfg->blacklist[cfg->n_blacklist].at = at;
	if (!cfg->blacklist[cfg->n_blacklist].modname)
		return -ENOMEM;
	cfg->n_blacklist++;
	return 0;
}

/* Returns 1 for a syntax error, 0 when handled, -ENOMEM. */
static int directive(struct line_ctx *c, const char *cmd, bool deps_only)
{
	struct modprobe_config *cfg = c->cfg;
	bool soft = streq(cmd, "softdep");
	if (soft || streq(cmd, "weakdep")) {
		char *mod = next_word(c), *text = rest_of_line(c);
		if (config_underscores(mod) < 0 || !text)
			return 1;
		return soft ? add_deps(&cfg->softdeps, &cfg->n_softdeps, mod, text, c->at, true)
			    : add_deps(&cfg->weakdeps, &cfg->n_weakdeps, mod, text, c->at, false);
	}
	if (deps_only)
		return diag(cfg,
			    "%s line %u: ignoring '%s': only softdep and weakdep are read here",
			    c->at.file, c->at.line, cmd);
	if (streq(cmd, "alias")) {
		char *pattern = next_word(c), *mod = next_word(c);
		if (config_underscores(pattern) < 0 || config_underscores(mod) < 0)
			return 1;
		return add_alias(cfg, pattern, mod, c->at);
	}
	if (streq(cmd, "blacklist")) {
		char *mod = next_word(c);
		if (config_underscores(mod) < 0)
			return 1;
		return add_blacklist(cfg, mod, c->at);
	}
	bool opt = streq(cmd, "options"), inst = streq(cmd, "install");
	if (opt || inst || streq(cmd, "remove")) {
		char *mod = next_word(c), *text = rest_of_line(c);
		if (config_underscores(mod) < 0 || !text)
			return 1;
		if (opt)
			return add_text(&cfg->options, &cfg->n_options, mod, text, c->at, true);
		return inst ? add_text(&cfg->install, &cfg->n_install, mod, text, c->at, false)
			    : add_text(&cfg->remove, &cfg->n_remove, mod, text, c->at, false);
	}
	if (streq(cmd, "include") || streq(cmd, "config"))
		return diag(cfg, "%s: command %s is deprecated and not parsed anymore", c->at.file,
			    cmd);
	return 1;
}

static int parse_line(struct modprobe_config *cfg, char *line, struct cfg_origin at, bool deps_only)
{
	if (line[0] == '\0' || line[0] == '#')
		return 0;
	struct line_ctx c = {.cfg = cfg, .at = at};
	char *cmd = strtok_r(line, "\t ", &c.save);
	if (!cmd)
		return 0;
	int r = directive(&c, cmd, deps_only);
	if (r == 1)
		r = diag(cfg, "%s line %u: ignoring bad line starting with '%s'", at.file, at.line,
			 cmd);
	return r;
}

/*
 * Logical lines as kmod reads them: a backslash before a newline joins the
 * next line, a backslash before anything else is dropped and the character
 * kept; the line number reported is that of the last physical line.
 */
int modprobe_config_parse(struct modprobe_config *cfg, const char *file, const char *buf,
			  size_t len, bool deps_only)
{
	_cleanup_strbuf_ struct strbuf line = STRBUF_INIT;
	struct cfg_origin at = {.file = file, .line = 0};
	size_t i = 0;
	while (i < len) {
		strbuf_clear(&line);
		int r = 0;
		for (; i < len && buf[i] != '\n' && r == 0; i++) {
			if (buf[i] == '\\' && i + 1 < len) {
				if (buf[++i] == '\n') {
					at.line++;
					continue;
				}
			} else if (buf[i] == '\\') {
				continue;
			}
			r = strbuf_append_char(&line, buf[i]);
		}
		if (r < 0)
			return r;
		i++; /* the newline, or past the end */
		at.line++;
		/* a NUL inside a line ends it, as it does for kmod's C strings */
		r = parse_line(cfg, line.buf ? line.buf : (char[]){""}, at, deps_only);
		if (r < 0)
			return r;
	}
	return 0;
}

struct conf_file {
	char *name;
	char *path;
	bool deps_only;
};

static int conf_cmp(const void *a, const void *b)
{
	return strcmp(((const struct conf_file *)a)->name, ((const struct conf_file *)b)->name);
}

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

/* Add unless a file of that name is already listed (an earlier directory masks it). */
static int conf_add(struct conf_list *l, const char *name, char *path, bool deps_only)
{
	if (!path)
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++)
		if (streq(l->v[i].name, name)) {
			free(path);
			return 0;
		}
	char *n = strdup(name);
	if (!n || grow(&l->v, l->n, sizeof(*l->v)) < 0) {
		free(n);
		free(path);
		return -ENOMEM;
	}
	l->v[l->n++] = (struct conf_file){.name = n, .path = path, .deps_only = deps_only};
	return 0;
}

static char *path_join(const char *dir, const char *name)
{
	char *p;
	return asprintf(&p, "%s/%s", dir, name) < 0 ? NULL : p;
}

/* kmod 30 reads *.conf and *.alias (kmod 34 dropped .alias), no dot files. */
static bool conf_name_ok(const char *fn)
{
	size_t len = strlen(fn);
	if (fn[0] == '.' || len < 6)
		return false;
	return streq(fn + len - 5, ".conf") || streq(fn + len - 6, ".alias");
}

static int conf_list_dir(struct modprobe_config *cfg, struct conf_list *l, const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return 0;
	if (!S_ISDIR(st.st_mode)) {
		/* a single file (modprobe -C FILE) takes its base name's place */
		const char *base = strrchr(path, '/');
		return conf_add(l, base ? base + 1 : path, strdup(path), false);
	}
	DIR *d = opendir(path);
	if (!d)
		return diag(cfg, "opendir(%s): %s", path, strerror(errno));
	int r = 0;
	for (struct dirent *de; r == 0 && (de = readdir(d));) {
		if (!conf_name_ok(de->d_name))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) == 0 && S_ISDIR(st.st_mode)) {
			r = diag(cfg, "Directories inside directories are not supported: %s/%s",
				 path, de->d_name);
			continue;
		}
		r = conf_add(l, de->d_name, path_join(path, de->d_name), false);
	}
	closedir(d);
	return r;
}

static int conf_read(struct modprobe_config *cfg, const struct conf_file *f)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	if (strlen(f->path) >= PATH_MAX)
		return diag(cfg, "Error parsing %s: path too long", f->path);
	if (read_full_file(f->path, CONFIG_FILE_MAX, &buf, &len) < 0)
		return 0; /* unreadable or vanished: kmod skips it silently */
	char *file = strdup(f->path);
	if (!file || grow(&cfg->files, cfg->n_files, sizeof(char *)) < 0) {
		free(file);
		return -ENOMEM;
	}
	cfg->files[cfg->n_files++] = file;
	return modprobe_config_parse(cfg, file, buf, len, f->deps_only);
}

int modprobe_config_load(struct modprobe_config *cfg, const char *const *paths, const char *moddir)
{
	struct conf_list l = {0};
	int r = 0;
	if (!paths)
		paths = modprobe_config_default_paths;
	if (moddir) {
		r = conf_add(&l, "modules.softdep", path_join(moddir, "modules.softdep"), true);
		if (r == 0)
			r = conf_add(&l, "modules.weakdep", path_join(moddir, "modules.weakdep"),
				     true);
	}
	for (size_t i = 0; r == 0 && paths[i]; i++)
		r = conf_list_dir(cfg, &l, paths[i]);
	if (r == 0)
		qsort(l.v, l.n, sizeof(*l.v), conf_cmp);
	for (size_t i = 0; r == 0 && i < l.n; i++)
		r = conf_read(cfg, &l.v[i]);
	conf_list_release(&l);
	return r;
}

const struct cfg_text *modprobe_config_command(const struct modprobe_config *cfg,
					       const char *modname, bool install)
{
	const struct cfg_text *v = install ? cfg->install : cfg->remove;
	size_t n = install ? cfg->n_install : cfg->n_remove;
	for (size_t i = 0; i < n; i++)
		if (streq(v[i].modname, modname))
			return &v[i];
	return NULL;
}

static void deps_free(struct cfg_deps *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(d[i].modname);
		strv_free_n(d[i].pre, d[i].n_pre);
		strv_free_n(d[i].post, d[i].n_post);
	}
	free(d);
}

static void text_free(struct cfg_text *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(t[i].modname);
		free(t[i].text);
	}
	free(t);
}

void modprobe_config_free(struct modprobe_config *cfg)
{
	for (size_t i = 0; i < cfg->n_aliases; i++) {
		free(cfg->aliases[i].pattern);
		free(cfg->aliases[i].modname);
	}
	free(cfg->aliases);
	for (size_t i = 0; i < cfg->n_blacklist; i++)
		free(cfg->blacklist[i].modname);
	free(cfg->blacklist);
	text_free(cfg->options, cfg->n_options);
	text_free(cfg->install, cfg->n_install);
	text_free(cfg->remove, cfg->n_remove);
	deps_free(cfg->softdeps, cfg->n_softdeps);
	deps_free(cfg->weakdeps, cfg->n_weakdeps);
	strv_free_n(cfg->files, cfg->n_files);
	strv_free_n(cfg->diags, cfg->n_diags);
	*cfg = (struct modprobe_config){0};
}

int modprobe_config_add_options(struct modprobe_config *cfg, const char *modname, const char *text,
				struct cfg_origin at)
{
	return add_text(&cfg->options, &cfg->n_options, modname, text, at, true);
}

int modprobe_config_add_blacklist(struct modprobe_config *cfg, const char *modname,
				  struct cfg_origin at)
{
	return add_blacklist(cfg, modname, at);
}

int modprobe_config_add_diag(struct modprobe_config *cfg, const char *fmt, ...)
{
	char *msg;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	if (grow(&cfg->diags, cfg->n_diags, sizeof(char *)) < 0) {
		free(msg);
		return -ENOMEM;
	}
	cfg->diags[cfg->n_diags++] = msg;
	return 0;
}
