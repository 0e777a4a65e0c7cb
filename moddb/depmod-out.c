// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Generating and writing the module map files. Line formats, headers and the
 * order of entries are kmod 30's; modules.weakdep is kmod 33's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/log.h"
#include "moddb/depmod-builtin.h"
#include "moddb/depmod-out.h"
#include "moddb/index-write.h"

bool dm_value_ok(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c >= 0x7f)
			return false;
	}
	return true;
}

static const char *const list_key[DM_N_LISTS] = {"alias", "softdep", "weakdep"};

void dm_warn_refused(const struct dm_modules *mods)
{
	for (size_t i = 0; i < mods->n; i++) {
		const struct dm_module *m = mods->v[i];
		for (int l = 0; l < DM_N_LISTS; l++) {
			uint32_t n;
			const uint32_t *v = dm_record_list(m->facts, (enum dm_list)l, &n);
			for (uint32_t k = 0; k < n; k++)
				if (!dm_value_ok(dm_record_str(m->facts, v[k])))
					log_warning("%s: refusing %s value with a control or "
						    "non-ASCII byte from module %s\n",
						    m->path, list_key[l], m->name);
		}
	}
}

/* ---- the files ---- */

/* Append NULL-terminated strings: the map files are a million small pieces,
 * too many for printf. */
static int put(struct strbuf *out, const char *const *parts)
{
	size_t len[8], total = 0, n = 0;
	for (; parts[n]; n++)
		total += len[n] = strlen(parts[n]);
	int r = strbuf_reserve(out, total);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		memcpy(out->buf + out->len, parts[i], len[i]);
		out->len += len[i];
	}
	out->buf[out->len] = '\0';
	return 0;
}
#define PUT(out, ...) put(out, (const char *const[]){__VA_ARGS__, NULL})

struct gen {
	const struct dm_config *cfg;
	struct dm_modules *mods;
	struct dm_graph *g;
	char **dep_lines; /* per module: "path: dep dep", shared by .dep and .dep.bin */
	const struct dm_symbol **syms; /* owned symbols in kmod's order */
	size_t n_syms;
};

static const char *mod_path(const struct dm_module *m)
{
	return m->relpath ? m->relpath : m->path;
}

static int make_dep_lines(struct gen *x)
{
	x->dep_lines = calloc(x->mods->n ? x->mods->n : 1, sizeof(char *));
	if (!x->dep_lines)
		return -ENOMEM;
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < x->mods->n; i++) {
		const struct dm_module *m = x->mods->v[i];
		struct dm_module *const *deps;
		size_t n;
		int r = dm_graph_closure(x->g, m, &deps, &n);
		if (r < 0)
			return r;
		strbuf_clear(&sb);
		r = strbuf_append_str(&sb, mod_path(m));
		if (r == 0)
			r = strbuf_append_char(&sb, ':');
		for (size_t k = 0; r == 0 && k < n; k++) {
			r = strbuf_append_char(&sb, ' ');
			if (r == 0)
				r = strbuf_append_str(&sb, mod_path(deps[k]));
		}
		if (r < 0)
			return r;
		x->dep_lines[i] = strdup(strbuf_str(&sb));
		if (!x->dep_lines[i])
			return -ENOMEM;
	}
	return 0;
}

static int gen_dep(struct gen *x, struct strbuf *out)
{
	for (size_t i = 0; i < x->mods->n; i++) {
		int r = strbuf_append_str(out, x->dep_lines[i]);
		if (r == 0)
			r = strbuf_append_char(out, '\n');
		if (r < 0)
			return r;
	}
	return 0;
}

static int insert_checked(struct gen *x, struct index_trie *t, const char *key, const char *value,
			  uint32_t prio, const char *what)
{
	bool dup;
	int r = index_trie_insert(t, key, value, prio, &dup);
	if (r < 0)
		return r;
	if (dup && x->cfg->warn_dups) {
		if (streq(what, "deps"))
			log_warning("duplicate module deps:\n%s\n", value);
		else
			log_warning("duplicate module %s:\n%s %s\n", what, key, value);
	}
	return 0;
}

static int gen_dep_bin(struct gen *x, struct strbuf *out)
{
	_cleanup_index_trie_ struct index_trie *t = index_trie_new();
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < x->mods->n; i++) {
		const struct dm_module *m = x->mods->v[i];
		int r = insert_checked(x, t, m->name, x->dep_lines[i], m->idx, "deps");
		if (r < 0)
			return r;
	}
	return index_trie_write(t, out);
}

/* Text map of one modinfo list: "<word> <a> <b>\n" with a, b = value, name
 * (alias) or name, value (softdep, weakdep). */
static int gen_list(struct gen *x, struct strbuf *out, enum dm_list l, const char *header)
{
	int r = strbuf_append_str(out, header);
	for (size_t i = 0; r == 0 && i < x->mods->n; i++) {
		const struct dm_module *m = x->mods->v[i];
		uint32_t n;
		const uint32_t *v = dm_record_list(m->facts, l, &n);
		for (uint32_t k = 0; r == 0 && k < n; k++) {
			const char *val = dm_record_str(m->facts, v[k]);
			if (!dm_value_ok(val))
				continue;
			if (l == DM_ALIAS)
				r = PUT(out, "alias ", val, " ", m->name, "\n");
			else
				r = PUT(out, list_key[l], " ", m->name, " ", val, "\n");
		}
	}
	return r;
}

static int gen_alias(struct gen *x, struct strbuf *out)
{
	return gen_list(x, out, DM_ALIAS, "# Aliases extracted from modules themselves.\n");
}

static int gen_softdep(struct gen *x, struct strbuf *out)
{
	return gen_list(x, out, DM_SOFTDEP,
			"# Soft dependencies extracted from modules themselves.\n");
}

static int gen_weakdep(struct gen *x, struct strbuf *out)
{
	return gen_list(x, out, DM_WEAKDEP,
			"# Weak dependencies extracted from modules themselves.\n");
}

static int gen_alias_bin(struct gen *x, struct strbuf *out)
{
	_cleanup_index_trie_ struct index_trie *t = index_trie_new();
	_cleanup_strbuf_ struct strbuf norm = STRBUF_INIT;
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < x->mods->n; i++) {
		const struct dm_module *m = x->mods->v[i];
		uint32_t n;
		const uint32_t *v = dm_record_list(m->facts, DM_ALIAS, &n);
		for (uint32_t k = 0; k < n; k++) {
			const char *val = dm_record_str(m->facts, v[k]);
			if (!dm_value_ok(val))
				continue;
			int r = dm_alias_normalize(val, &norm);
			if (r == -EINVAL) {
				log_warning("Unmatched bracket in %s\n", val);
				continue;
			}
			if (r == 0)
				r = insert_checked(x, t, strbuf_str(&norm), m->name, m->idx,
						   "alias");
			if (r < 0)
				return r;
		}
	}
	return index_trie_write(t, out);
}

static int gen_symbols(struct gen *x, struct strbuf *out)
{
	int r = strbuf_append_str(out, "# Aliases for symbols, used by symbol_request().\n");
	for (size_t i = 0; r == 0 && i < x->n_syms; i++)
		r = PUT(out, "alias symbol:", x->syms[i]->name, " ", x->syms[i]->owner->name, "\n");
	return r;
}

static int gen_symbols_bin(struct gen *x, struct strbuf *out)
{
	_cleanup_index_trie_ struct index_trie *t = index_trie_new();
	_cleanup_strbuf_ struct strbuf key = STRBUF_INIT;
	int r = t ? 0 : -ENOMEM;
	for (size_t i = 0; r == 0 && i < x->n_syms; i++) {
		strbuf_clear(&key);
		r = PUT(&key, "symbol:", x->syms[i]->name);
		if (r == 0)
			r = insert_checked(x, t, strbuf_str(&key), x->syms[i]->owner->name,
					   x->syms[i]->owner->idx, "syms");
	}
	return r < 0 ? r : index_trie_write(t, out);
}

static int gen_builtin_bin(struct gen *x, struct strbuf *out)
{
	return dm_build_builtin(x->cfg, out);
}

static int gen_builtin_alias_bin(struct gen *x, struct strbuf *out)
{
	return dm_build_builtin_alias(x->cfg, out);
}

/* modules.devname: a module with a "devname:" alias and a char-/block-major
 * alias gets a line; kmod reads the numbers with sscanf("%u-%u"). */
static int devname_line(const struct dm_module *m, struct strbuf *out, bool *empty)
{
	const char *devname = NULL;
	char type = '\0';
	unsigned int major = 0, minor = 0;
	uint32_t n;
	const uint32_t *v = dm_record_list(m->facts, DM_ALIAS, &n);
	for (uint32_t k = 0; k < n; k++) {
		const char *val = dm_record_str(m->facts, v[k]);
		unsigned int maj, min;
		if (!dm_value_ok(val))
			continue;
		if (strncmp(val, "devname:", 8) == 0)
			devname = val + 8;
		else if (sscanf(val, "char-major-%u-%u", &maj, &min) == 2)
			type = 'c', major = maj, minor = min;
		else if (sscanf(val, "block-major-%u-%u", &maj, &min) == 2)
			type = 'b', major = maj, minor = min;
		if (type && devname)
			break;
	}
	if (!devname)
		return 0;
	if (!type) {
		log_error("Module '%s' has devname (%s) but lacks major and minor information. "
			  "Ignoring.\n",
			  m->name, devname);
		return 0;
	}
	int r = 0;
	if (*empty)
		r = strbuf_append_str(out, "# Device nodes to trigger on-demand module loading.\n");
	*empty = false;
	return r < 0 ? r
		     : strbuf_appendf(out, "%s %s %c%u:%u\n", m->name, devname, type, major, minor);
}

static int gen_devname(struct gen *x, struct strbuf *out)
{
	bool empty = true;
	for (size_t i = 0; i < x->mods->n; i++) {
		int r = devname_line(x->mods->v[i], out, &empty);
		if (r < 0)
			return r;
	}
	return 0;
}

/* -n prints the text files kmod 30 prints: not the indexes, and not
 * modules.weakdep, which kmod 30 does not know (kmod 33 prints it too). */
static const struct depfile {
	const char *name;
	int (*gen)(struct gen *x, struct strbuf *out);
	bool shown;
} depfiles[] = {
	{"modules.dep", gen_dep, true},
	{"modules.dep.bin", gen_dep_bin, false},
	{"modules.alias", gen_alias, true},
	{"modules.alias.bin", gen_alias_bin, false},
	{"modules.softdep", gen_softdep, true},
	{"modules.weakdep", gen_weakdep, false},
	{"modules.symbols", gen_symbols, true},
	{"modules.symbols.bin", gen_symbols_bin, false},
	{"modules.builtin.bin", gen_builtin_bin, false},
	{"modules.builtin.alias.bin", gen_builtin_alias_bin, false},
	{"modules.devname", gen_devname, true},
};
#define N_DEPFILES ARRAY_SIZE(depfiles)

/* ---- writing ---- */

struct tmpset {
	int dfd;
	char names[N_DEPFILES][256];
	bool made[N_DEPFILES];
};

static void tmpset_discard(struct tmpset *ts)
{
	for (size_t i = 0; i < N_DEPFILES; i++)
		if (ts->made[i])
			unlinkat(ts->dfd, ts->names[i], 0);
}

static int write_tmp(struct tmpset *ts, size_t i, const struct timeval *tv,
		     const struct strbuf *data)
{
	snprintf(ts->names[i], sizeof(ts->names[i]), "%s.%i.%li.%li", depfiles[i].name, getpid(),
		 (long)tv->tv_usec, (long)tv->tv_sec);
	int fd = openat(ts->dfd, ts->names[i], O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	ts->made[i] = true;
	int r = write_all(fd, data->buf ? data->buf : "", data->len);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

static int open_outdir(const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 && errno == ENOENT) {
		/* -o names a directory that may not exist yet (kmod 34 creates it) */
		_cleanup_free_ char *p = strdup(dir);
		if (!p)
			return -ENOMEM;
		for (char *s = p + 1; *s; s++) {
			if (*s != '/')
				continue;
			*s = '\0';
			if (mkdir(p, 0755) < 0 && errno != EEXIST)
				return -errno;
			*s = '/';
		}
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return -errno;
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	return dfd < 0 ? -errno : dfd;
}

static int publish(const struct dm_config *cfg, struct strbuf *data)
{
	struct tmpset ts = {.dfd = open_outdir(cfg->outdir)};
	if (ts.dfd < 0) {
		fatal("could not open directory %s: %s\n", cfg->outdir, strerror(-ts.dfd));
		return ts.dfd;
	}
	struct timeval tv;
	gettimeofday(&tv, NULL);
	int r = 0;
	for (size_t i = 0; r == 0 && i < N_DEPFILES; i++) {
		r = write_tmp(&ts, i, &tv, &data[i]);
		if (r < 0)
			log_error("Could not write index '%s': %s\n", depfiles[i].name,
				  strerror(-r));
	}
	for (size_t i = 0; r == 0 && i < N_DEPFILES; i++) {
		if (renameat(ts.dfd, ts.names[i], ts.dfd, depfiles[i].name) < 0) {
			r = -errno;
			fatal("renameat(%s, %s, %s, %s): %s\n", cfg->outdir, ts.names[i],
			      cfg->outdir, depfiles[i].name, strerror(errno));
			break;
		}
		ts.made[i] = false;
	}
	tmpset_discard(&ts);
	close(ts.dfd);
	return r;
}

int dm_write_outputs(const struct dm_config *cfg, struct dm_modules *mods, struct dm_graph *g,
		     FILE *show)
{
	struct gen x = {cfg, mods, g, NULL, NULL, 0};
	struct strbuf data[N_DEPFILES];
	for (size_t i = 0; i < N_DEPFILES; i++)
		data[i] = (struct strbuf)STRBUF_INIT;
	int r = make_dep_lines(&x);
	if (r == 0)
		r = dm_graph_owned_symbols(g, &x.syms, &x.n_syms);
	for (size_t i = 0; r == 0 && i < N_DEPFILES; i++) {
		if (show && !depfiles[i].shown)
			continue;
		r = depfiles[i].gen(&x, &data[i]);
		if (r < 0)
			log_error("Could not write index '%s': %s\n", depfiles[i].name,
				  strerror(-r));
		else if (show && data[i].len)
			fwrite(data[i].buf, 1, data[i].len, show);
	}
	if (r == 0 && show && fflush(show) != 0)
		r = -EIO;
	if (r == 0 && !show)
		r = publish(cfg, data);
	for (size_t i = 0; i < N_DEPFILES; i++)
		strbuf_release(&data[i]);
	for (size_t i = 0; x.dep_lines && i < mods->n; i++)
		free(x.dep_lines[i]);
	free(x.dep_lines);
	free(x.syms);
	return r;
}
