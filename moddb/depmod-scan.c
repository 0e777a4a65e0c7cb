// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Finding the modules: the tree walk, which file wins when two carry the same
 * module name, and the order of the module array. Everything here decides
 * bytes of the output (line order, index priorities), so it follows kmod 30's
 * rules exactly, quirks included; the quirks are named where they matter.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/log.h"
#include "moddb/cache.h"
#include "moddb/depmod.h"

/* Debian's kmod 30 is built without zlib and so neither indexes nor loads
 * .ko.gz files; nothing that reads these indexes through libkmod (udev,
 * systemd, dracut) could load one either, so they are left out here too. */
static const char *const module_exts[] = {".ko", ".ko.xz", ".ko.zst"};

bool dm_path_has_module_ext(const char *name, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(module_exts); i++) {
		size_t el = strlen(module_exts[i]);
		if (len > el && strcmp(name + len - el, module_exts[i]) == 0)
			return true;
	}
	return false;
}

char *dm_modname_from_path(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (!*base)
		return NULL;
	size_t n = strcspn(base, ".");
	char *name = strndup(base, n);
	if (name)
		for (char *p = name; *p; p++)
			if (*p == '-')
				*p = '_';
	return name;
}

uint32_t dm_kmod_hash(const char *key, size_t len)
{
	/* kmod reads 16-bit words in native byte order and sign-extends the
	 * single trailing chars; this reproduces both. */
	uint32_t h = (uint32_t)len, tmp;
	size_t rem = len & 3;
	uint16_t w0, w1;
	for (len /= 4; len > 0; len--, key += 4) {
		memcpy(&w0, key, 2);
		memcpy(&w1, key + 2, 2);
		h += w0;
		tmp = ((uint32_t)w1 << 11) ^ h;
		h = (h << 16) ^ tmp;
		h += h >> 11;
	}
	switch (rem) {
	case 3:
		memcpy(&w0, key, 2);
		h += w0;
		h ^= h << 16;
		h ^= (uint32_t)(int32_t)(signed char)key[2] * (1u << 18);
		h += h >> 11;
		break;
	case 2:
		memcpy(&w0, key, 2);
		h += w0;
		h ^= h << 11;
		h += h >> 17;
		break;
	case 1:
		h += (uint32_t)(int32_t)(signed char)key[0];
		h ^= h << 10;
		h += h >> 1;
		break;
	}
	h ^= h << 3;
	h += h >> 5;
	h ^= h << 4;
	h += h >> 17;
	h ^= h << 25;
	h += h >> 6;
	return h;
}

int dm_kmod_hash_cmp(const char *a, const char *b, uint32_t nbuckets)
{
	uint32_t ba = dm_kmod_hash(a, strlen(a)) & (nbuckets - 1);
	uint32_t bb = dm_kmod_hash(b, strlen(b)) & (nbuckets - 1);
	if (ba != bb)
		return ba < bb ? -1 : 1;
	return strcmp(a, b);
}

static void module_clear_file(struct dm_module *m)
{
	free(m->path);
	free(m->uncrelpath);
	m->path = m->uncrelpath = NULL;
	m->relpath = NULL;
}

static void module_free(struct dm_module *m)
{
	if (!m)
		return;
	module_clear_file(m);
	free(m->name);
	free(m->facts_owned);
	free(m->deps);
	free(m);
}

void dm_modules_release(struct dm_modules *mods)
{
	for (size_t i = 0; i < mods->n; i++)
		module_free(mods->v[i]);
	free(mods->v);
	dm_map_release(&mods->byname);
	dm_cache_free(mods->cache);
	mods->cache = NULL;
	mods->v = NULL;
	mods->n = mods->cap = 0;
}

static char *absolute(const char *p)
{
	if (p[0] == '/')
		return strdup(p);
	_cleanup_free_ char *cwd = get_current_dir_name();
	char *r = NULL;
	if (cwd && asprintf(&r, "%s/%s", cwd, p) < 0)
		r = NULL;
	return r;
}

/* Point m at the file `path` (what kmod_module_new_from_path + add do).
 * dfd >= 0: path's directory, where `name` is the file (saves a lookup). */
static int module_set_file(const struct dm_config *cfg, struct dm_module *m, const char *path,
			   int dfd, const char *name)
{
	struct stat st;
	char *abs = absolute(path);
	if (!abs)
		return -ENOMEM;
	if ((dfd >= 0 ? fstatat(dfd, name, &st, 0) : stat(abs, &st)) < 0) {
		int e = -errno;
		free(abs);
		return e;
	}
	module_clear_file(m);
	m->path = abs;
	m->baselen = (size_t)(strrchr(abs, '/') - abs);
	m->dev = st.st_dev;
	m->ino = st.st_ino;
	m->size = st.st_size;
	m->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
	m->ctime_ns = (int64_t)st.st_ctim.tv_sec * 1000000000 + st.st_ctim.tv_nsec;
	if (strncmp(abs, cfg->dirname, cfg->dirnamelen) == 0 && abs[cfg->dirnamelen] == '/') {
		m->relpath = abs + cfg->dirnamelen + 1;
		/* kmod keeps as many bytes of relpath as "<dir>/<name>.ko" has */
		size_t n = (size_t)(abs + m->baselen - m->relpath) + 1 + m->namelen + 3;
		m->uncrelpath = strndup(m->relpath, n);
		if (!m->uncrelpath)
			return -ENOMEM;
	}
	return 0;
}

static int modules_push(struct dm_modules *mods, struct dm_module *m)
{
	if (mods->n == mods->cap) {
		size_t ncap = mods->cap ? mods->cap * 2 : 256;
		struct dm_module **v = realloc(mods->v, ncap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		mods->v = v;
		mods->cap = ncap;
	}
	mods->v[mods->n++] = m;
	return 0;
}

static int module_new(const struct dm_config *cfg, struct dm_modules *mods, char *name,
		      const char *path, int dfd, const char *fname)
{
	struct dm_module *m = calloc(1, sizeof(*m));
	if (!m) {
		free(name);
		return -ENOMEM;
	}
	m->name = name;
	m->namelen = strlen(name);
	m->sort_idx = 1; /* kmod: count of its (still empty) array, plus one */
	m->dep_sort_idx = INT32_MAX;
	int r = module_set_file(cfg, m, path, dfd, fname);
	if (r == 0)
		r = modules_push(mods, m);
	if (r < 0) {
		module_free(m);
		return r;
	}
	struct dm_map_slot *s = dm_map_slot(&mods->byname, m->name);
	if (!s)
		return -ENOMEM;
	s->value = m;
	return 0;
}

static bool starts_dir(const char *path, size_t len, const char *prefix, size_t plen)
{
	return len > plen && path[plen] == '/' && memcmp(path, prefix, plen) == 0;
}

/* kmod's depmod_module_is_higher_priority(): does the module already kept
 * (old) beat the file at newpath? newlen/oldlen cover the paths up to the end
 * of the module name. Note the "else if": for one search entry only the new
 * path is tested when it matches, so two files under the same search
 * directory are decided by the built-in rank of the old one. */
static bool old_wins(const struct dm_config *cfg, const struct dm_module *old, const char *newpath,
		     size_t newlen)
{
	const char *oldpath = old->path, *relnew = NULL, *relold = NULL;
	size_t oldlen = old->baselen + 1 + old->namelen, relnewlen = 0, reloldlen = 0;
	size_t skip = cfg->dirnamelen + 1;
	if (strncmp(newpath, cfg->dirname, cfg->dirnamelen) == 0) {
		relnew = newpath + skip;
		relnewlen = newlen - skip;
	}
	if (strncmp(oldpath, cfg->dirname, cfg->dirnamelen) == 0) {
		relold = oldpath + skip;
		reloldlen = oldlen - skip;
	}
	for (size_t i = 0; i < cfg->n_overrides; i++) {
		const struct dm_pathent *ov = &cfg->overrides[i];
		if (relnew && relnewlen == ov->len && memcmp(ov->path, relnew, relnewlen) == 0)
			return false;
		if (relold && reloldlen == ov->len && memcmp(ov->path, relold, reloldlen) == 0)
			return true;
	}
	long i = 0, bprio = -1, oldprio = -1, newprio = -1;
	for (size_t k = 0; k < cfg->n_searches; k++, i++) {
		const struct dm_search *se = &cfg->searches[k];
		if (se->type == DM_SEARCH_BUILTIN) {
			bprio = i;
		} else if (se->type == DM_SEARCH_EXTERNAL) {
			for (size_t e = 0; e < cfg->n_externals; e++, i++) {
				const struct dm_pathent *ext = &cfg->externals[e];
				if (starts_dir(newpath, newlen, ext->path, ext->len))
					newprio = i;
				if (starts_dir(oldpath, oldlen, ext->path, ext->len))
					oldprio = i;
			}
		} else if (relnew && starts_dir(relnew, relnewlen, se->path, se->len)) {
			newprio = i;
		} else if (relold && starts_dir(relold, reloldlen, se->path, se->len)) {
			oldprio = i;
		}
	}
	if (newprio < 0)
		newprio = bprio;
	if (oldprio < 0)
		oldprio = bprio;
	return newprio <= oldprio;
}

/* One regular file found by the walk; path ends with its name. */
static int scan_file(const struct dm_config *cfg, struct dm_modules *mods, const char *path,
		     size_t baselen, size_t namelen, int dfd)
{
	if (!dm_path_has_module_ext(path + baselen, namelen))
		return 0;
	/* What reaches modules.dep: the path below the module directory, or the
	 * whole path of an external module. */
	const char *written = path;
	if (strncmp(path, cfg->dirname, cfg->dirnamelen) == 0 && path[cfg->dirnamelen] == '/')
		written = path + cfg->dirnamelen + 1;
	if (!dm_value_ok(written)) {
		/* shown with '?' for what is refused */
		_cleanup_free_ char *shown = strdup(path);
		for (char *p = shown; p && *p; p++)
			if (!dm_value_ok((char[]){*p, 0}))
				*p = '?';
		log_warning("ignoring %s: a control or non-ASCII byte in its path\n",
			    shown ? shown : "a module");
		return 0;
	}
	char *name = dm_modname_from_path(path);
	if (!name) {
		log_error("could not get modname from path %s\n", path);
		return -EINVAL;
	}
	struct dm_module *old = dm_map_get(&mods->byname, name);
	if (!old)
		goto add;
	if (old_wins(cfg, old, path, baselen + strlen(name))) {
		free(name);
		return 0;
	}
	free(name);
	/* kmod drops the old module before it looks at the new file */
	int r = module_set_file(cfg, old, path, dfd, path + baselen);
	if (r < 0) {
		log_error("could not create module %s: %s\n", path, strerror(-r));
		/* dropped: no longer found by name, swept out after the walk */
		module_clear_file(old);
		dm_map_slot(&mods->byname, old->name)->value = NULL;
	}
	return r;
add:
	r = module_new(cfg, mods, name, path, dfd, path + baselen);
	if (r < 0 && r != -ENOMEM)
		log_error("could not create module %s: %s\n", path, strerror(-r));
	return r;
}

static bool excluded(const struct dm_config *cfg, const char *name)
{
	if (streq(name, ".") || streq(name, "..") || streq(name, "build") || streq(name, "source"))
		return true;
	for (size_t i = 0; i < cfg->n_excludes; i++)
		if (streq(name, cfg->excludes[i]))
			return true;
	return false;
}

static int scan_dir(const struct dm_config *cfg, struct dm_modules *mods, DIR *d,
		    struct strbuf *path);

static int scan_entry(const struct dm_config *cfg, struct dm_modules *mods, int dfd,
		      const struct dirent *de, struct strbuf *path, size_t baselen)
{
	const char *name = de->d_name;
	bool is_dir = de->d_type == DT_DIR;
	if (de->d_type != DT_REG && de->d_type != DT_DIR) {
		struct stat st;
		if (fstatat(dfd, name, &st, 0) < 0) {
			log_error("fstatat(%d, %s): %s\n", dfd, name, strerror(errno));
			return 0;
		}
		if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
			log_error("unsupported file type %s: %o\n", path->buf,
				  (unsigned int)(st.st_mode & S_IFMT));
			return 0;
		}
		is_dir = S_ISDIR(st.st_mode);
	}
	if (!is_dir)
		return scan_file(cfg, mods, path->buf, baselen, strlen(name), dfd);

	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		log_error("openat(%d, %s, O_RDONLY): %s\n", dfd, name, strerror(errno));
		return 0;
	}
	DIR *sub = fdopendir(fd);
	if (!sub) {
		log_error("fdopendir(%d): %s\n", fd, strerror(errno));
		close(fd);
		return 0;
	}
	int r = strbuf_append_char(path, '/');
	if (r == 0)
		r = scan_dir(cfg, mods, sub, path);
	closedir(sub);
	return r;
}

static int scan_dir(const struct dm_config *cfg, struct dm_modules *mods, DIR *d,
		    struct strbuf *path)
{
	size_t baselen = path->len;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (excluded(cfg, de->d_name))
			continue;
		path->len = baselen;
		if (strbuf_append_str(path, de->d_name) < 0)
			return -ENOMEM;
		int r = scan_entry(cfg, mods, dirfd(d), de, path, baselen);
		if (r == -ENOMEM)
			return r;
		if (r < 0) {
			path->len = baselen + strlen(de->d_name);
			path->buf[path->len] = '\0';
			log_error("failed %s: %s\n", path->buf, strerror(-r));
		}
	}
	path->len = baselen;
	path->buf[baselen] = '\0';
	return 0;
}

static int scan_path(const struct dm_config *cfg, struct dm_modules *mods, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d) {
		int e = -errno;
		log_error("could not open directory %s: %s\n", dir, strerror(-e));
		return e;
	}
	_cleanup_strbuf_ struct strbuf path = STRBUF_INIT;
	int r = strbuf_appendf(&path, "%s/", dir);
	if (r == 0)
		r = scan_dir(cfg, mods, d, &path);
	closedir(d);
	return r;
}

/* Modules whose replacement file vanished are dropped, as kmod drops them. */
static void sweep_dropped(struct dm_modules *mods)
{
	size_t k = 0;
	for (size_t i = 0; i < mods->n; i++) {
		if (mods->v[i]->path)
			mods->v[k++] = mods->v[i];
		else
			module_free(mods->v[i]);
	}
	mods->n = k;
	dm_map_release(&mods->byname);
}

int dm_scan_tree(const struct dm_config *cfg, struct dm_modules *mods)
{
	int r = scan_path(cfg, mods, cfg->dirname);
	if (r < 0)
		return r;
	for (size_t i = 0; i < cfg->n_externals; i++) {
		r = scan_path(cfg, mods, cfg->externals[i].path);
		if (r == -ENOMEM)
			return r;
	}
	sweep_dropped(mods);
	return 0;
}

int dm_scan_paths(const struct dm_config *cfg, char *const *paths, size_t n,
		  struct dm_modules *mods)
{
	for (size_t i = 0; i < n; i++) {
		const char *p = paths[i];
		if (p[0] != '/') {
			fatal("%s: not absolute path.\n", p);
			return -EINVAL;
		}
		if (!dm_value_ok(p)) {
			log_warning("ignoring a module path with a control or non-ASCII byte\n");
			continue;
		}
		char *name = dm_modname_from_path(p);
		if (!name) {
			fatal("could not create module %s: %s\n", p, strerror(ENOENT));
			return -ENOENT;
		}
		const struct dm_module *dup = dm_map_get(&mods->byname, name);
		if (dup) {
			/* libkmod's module pool: one module per name and path */
			if (streq(dup->path, p)) {
				log_error("hash_add_unique %s: %s\n", name, strerror(EEXIST));
				fatal("could not add module %s: %s\n", p, strerror(EEXIST));
			} else {
				log_error("kmod_module '%s' already exists with different path: "
					  "new-path='%s' old-path='%s'\n",
					  name, p, dup->path);
				fatal("could not create module %s: %s\n", p, strerror(EEXIST));
			}
			free(name);
			return -EEXIST;
		}
		int r = module_new(cfg, mods, name, p, -1, NULL);
		if (r < 0) {
			fatal("could not create module %s: %s\n", p, strerror(-r));
			return r;
		}
	}
	dm_map_release(&mods->byname);
	return 0;
}

size_t dm_fgets_piece(const char *buf, size_t len, size_t *pos, size_t size)
{
	size_t start = *pos, max = size - 1;
	if (start >= len)
		return 0;
	size_t avail = len - start < max ? len - start : max;
	const char *nl = memchr(buf + start, '\n', avail);
	size_t n = nl ? (size_t)(nl - (buf + start)) + 1 : avail;
	*pos = start + n;
	return n;
}

static int cmp_kmod_name_order(const void *a, const void *b)
{
	const struct dm_module *ma = *(struct dm_module *const *)a;
	const struct dm_module *mb = *(struct dm_module *const *)b;
	return dm_kmod_hash_cmp(ma->name, mb->name, 512);
}

/* kmod sorts with glibc's qsort, a merge sort here (stable): modules missing
 * from modules.order all share sort_idx 1 and keep the hash order. */
static int cmp_sort_idx(const void *a, const void *b)
{
	const struct dm_module *ma = *(struct dm_module *const *)a;
	const struct dm_module *mb = *(struct dm_module *const *)b;
	if (ma->sort_idx != mb->sort_idx)
		return ma->sort_idx < mb->sort_idx ? -1 : 1;
	return ma->idx < mb->idx ? -1 : ma->idx > mb->idx;
}

/* modules.order: the line number of a module's (last) line sets its rank.
 * A piece without its newline (an unterminated last line, or a line longer
 * than kmod's 4096-byte buffer) makes kmod ignore the whole file. */
static void apply_modules_order(const struct dm_config *cfg, struct dm_modules *mods,
				const char *buf, size_t len)
{
	size_t pos = 0, n, pieces = 0;
	while ((n = dm_fgets_piece(buf, len, &pos, 4096)) > 0) {
		const char *p = buf + pos - n;
		size_t sl = strnlen(p, n);
		pieces++;
		if (sl > 0 && p[sl - 1] != '\n') {
			log_error("%s/%s:%zu corrupted line misses '\\n'\n", cfg->dirname,
				  "modules.order", pieces);
			return;
		}
	}
	struct dm_map byrel = DM_MAP_INIT;
	for (size_t i = 0; i < mods->n; i++) {
		struct dm_module *m = mods->v[i];
		struct dm_map_slot *s = m->uncrelpath ? dm_map_slot(&byrel, m->uncrelpath) : NULL;
		if (s)
			s->value = m;
	}
	long total = (long)pieces + 1, idx = 0;
	_cleanup_free_ char *line = malloc(4096);
	pos = 0;
	while (line && (n = dm_fgets_piece(buf, len, &pos, 4096)) > 0) {
		const char *p = buf + pos - n;
		size_t sl = strnlen(p, n);
		idx++;
		if (sl == 0)
			continue;
		memcpy(line, p, sl - 1);
		line[sl - 1] = '\0';
		struct dm_module *m = dm_map_get(&byrel, line);
		if (m)
			m->sort_idx = (int)(idx - total);
	}
	dm_map_release(&byrel);
	qsort(mods->v, mods->n, sizeof(*mods->v), cmp_sort_idx);
	for (size_t i = 0; i < mods->n; i++)
		mods->v[i]->idx = (uint32_t)i;
}

int dm_order_modules(const struct dm_config *cfg, struct dm_modules *mods)
{
	qsort(mods->v, mods->n, sizeof(*mods->v), cmp_kmod_name_order);
	for (size_t i = 0; i < mods->n; i++)
		mods->v[i]->idx = (uint32_t)i;

	_cleanup_free_ char *path = NULL, *buf = NULL;
	size_t len;
	if (asprintf(&path, "%s/modules.order", cfg->dirname) < 0)
		return -ENOMEM;
	int r = read_full_file(path, 256u << 20, &buf, &len);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		log_warning("could not open %s at %s: %s\n", "modules.order", cfg->dirname,
			    strerror(-r));
		return 0;
	}
	apply_modules_order(cfg, mods, buf, len);
	return 0;
}
