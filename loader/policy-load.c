// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The privileged helper that reads policy files for policy/ (which reads
 * none): fixed directories, masking and ordering, ownership, size caps.
 *
 * Ownership is checked on the opened descriptor (fstat), so what was checked
 * is what is read; directories are checked the same way before listing.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "config.h"
#include "audit/hash.h"
#include "common/fileio.h"
#include "common/macros.h"
#include "loader/kernel.h"
#include "loader/policy-load.h"

#define POLICY_MAX_FILE (1u << 20)
#define CMDLINE_MAX	(64u << 10)

const char *const policy_rule_dirs[3] = {
	SYSCONFDIR "/modgate/policy.d",
	RUNDIR_MODGATE "/policy.d",
	LIBDIR_MODGATE "/policy.d",
};
const char policy_settings_file[] = SYSCONFDIR "/modgate/modgate.conf";

struct loader_ctx {
	struct policy_loaded *out;
	struct policy_builder *b;
	const char *root;
};

static char *under_root(const char *root, const char *path)
{
	char *s;
	if (asprintf(&s, "%s%s", root ? root : "", path) < 0)
		return NULL;
	return s;
}

/* Why a file or directory may not steer trust, or NULL. */
static const char *unsafe_owner(const struct stat *st, char *buf, size_t size)
{
	if (st->st_uid != 0)
		snprintf(buf, size, "owned by uid %u, not root", (unsigned int)st->st_uid);
	else if (st->st_mode & S_IWOTH)
		snprintf(buf, size, "writable by others (mode %04o)", st->st_mode & 07777);
	else if ((st->st_mode & S_IWGRP) && st->st_gid != 0)
		snprintf(buf, size, "writable by group %u (mode %04o)", (unsigned int)st->st_gid,
			 st->st_mode & 07777);
	else
		return NULL;
	return buf;
}

static bool is_dev_null(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && st->st_rdev == makedev(1, 3);
}

static int refuse(struct loader_ctx *c, const char *path, const char *what)
{
	return policy_builder_refuse(c->b, &c->out->diags, path, "refused: %s", what);
}

/* Read one configuration file. 1 with *text set (and its sha256, which the
 * audit trail's policy records carry), 0 when it is absent, 2 when it was
 * refused (reported), -ENOMEM. An empty *text for /dev/null. */
static int read_conf(struct loader_ctx *c, const char *path, char **text, size_t *len, char sha[65])
{
	char why[128];
	struct stat st;
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(why, sizeof(why), "cannot read: %s", strerror(errno));
		return refuse(c, path, why) ?: 2;
	}
	if (is_dev_null(&st)) {
		*text = strdup("");
		*len = 0;
		if (*text && sha256_hex("", 0, sha) < 0)
			sha[0] = '\0';
		return *text ? 1 : -ENOMEM;
	}
	if (!S_ISREG(st.st_mode))
		return refuse(c, path, "not a regular file") ?: 2;
	if (unsafe_owner(&st, why, sizeof(why)))
		return refuse(c, path, why) ?: 2;
	int r = read_full_fd(fd, POLICY_MAX_FILE, text, len);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		snprintf(why, sizeof(why), "cannot read: %s",
			 r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
		return refuse(c, path, why) ?: 2;
	}
	if (sha256_hex(*text, *len, sha) < 0)
		sha[0] = '\0';
	return 1;
}

static int load_settings(struct loader_ctx *c, struct policy_settings *s)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	struct policy_loaded *out = c->out;

	out->settings_path = under_root(c->root, policy_settings_file);
	if (!out->settings_path)
		return -ENOMEM;
	policy_settings_default(s);
	int r = read_conf(c, out->settings_path, &text, &len, out->settings_sha256);
	if (r <= 0)
		return r;
	out->settings_found = true;
	if (r == 2) {
		policy_settings_fail_closed(s);
		return 0;
	}
	size_t errors0 = out->diags.n_errors;
	r = policy_settings_parse(out->settings_path, text, len, s, &out->diags);
	if (r == 0 && out->diags.n_errors > errors0)
		r = policy_builder_refuse(c->b, &out->diags, out->settings_path,
					  "the settings have errors: the policy is refused");
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct name_list {
	char **v;
	size_t n, cap;
};

static int names_push(struct name_list *l, const char *s)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **v = reallocarray(l->v, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	if (!(l->v[l->n] = strdup(s)))
		return -ENOMEM;
	l->n++;
	return 0;
}

static void names_release(struct name_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	*l = (struct name_list){0};
}

static bool policy_name(const char *n)
{
	size_t len = strlen(n);
	return n[0] != '.' && len > 7 && streq(n + len - 7, ".policy");
}

/* The *.policy names of one directory, sorted. Absent: none. */
static int list_dir(struct loader_ctx *c, const char *dir, struct name_list *out)
{
	char why[128];
	struct stat st;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && (errno == ENOENT || errno == ENOTDIR))
		return 0;
	if (fd < 0 || fstat(fd, &st) < 0) {
		snprintf(why, sizeof(why), "cannot read: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return refuse(c, dir, why);
	}
	if (unsafe_owner(&st, why, sizeof(why))) {
		close(fd);
		return refuse(c, dir, why);
	}
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	int r = 0;
	struct dirent *e;
	while (r == 0 && (e = readdir(d)))
		if (policy_name(e->d_name))
			r = names_push(out, e->d_name);
	closedir(d);
	if (r == 0 && out->n)
		qsort(out->v, out->n, sizeof(*out->v), cmp_str);
	return r;
}

/* The directory holding policy.d must be safe too: whoever can write it can
 * swap policy.d itself. */
static int check_parent(struct loader_ctx *c, const char *dir)
{
	char why[128];
	struct stat st;
	_cleanup_free_ char *parent = strdup(dir);
	if (!parent)
		return -ENOMEM;
	char *slash = strrchr(parent, '/');
	if (!slash || slash == parent)
		return 0;
	*slash = '\0';
	if (stat(parent, &st) < 0)
		return 0;
	return unsafe_owner(&st, why, sizeof(why)) ? refuse(c, parent, why) : 0;
}

struct found {
	const char *name;
	size_t dir;
};

static int cmp_found(const void *a, const void *b)
{
	const struct found *x = a, *y = b;
	int r = strcmp(x->name, y->name);
	return r ? r : (x->dir > y->dir) - (x->dir < y->dir);
}

static int add_file(struct loader_ctx *c, const char *path)
{
	struct policy_loaded *out = c->out;
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	struct policy_file *v = reallocarray(out->files, out->n_files + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	out->files = v;
	v[out->n_files] = (struct policy_file){.path = strdup(path)};
	if (!v[out->n_files].path)
		return -ENOMEM;
	out->n_files++;
	int r = read_conf(c, path, &text, &len, v[out->n_files - 1].sha256);
	if (r == 1)
		r = policy_builder_add(c->b, path, text, len, &out->diags);
	return r < 0 ? r : 0;
}

static int add_masked(struct policy_file *f, const char *path)
{
	char **v = reallocarray(f->masked, f->n_masked + 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	f->masked = v;
	if (!(v[f->n_masked] = strdup(path)))
		return -ENOMEM;
	f->n_masked++;
	return 0;
}

/* Every name once, from the first directory that has it, in name order. */
static int read_in_order(struct loader_ctx *c, char *const dirs[3], struct name_list lists[3])
{
	size_t total = lists[0].n + lists[1].n + lists[2].n;
	_cleanup_free_ struct found *all = calloc(total ? total : 1, sizeof(*all));
	int r = 0;

	if (!all)
		return -ENOMEM;
	total = 0;
	for (size_t d = 0; d < 3; d++)
		for (size_t i = 0; i < lists[d].n; i++)
			all[total++] = (struct found){lists[d].v[i], d};
	qsort(all, total, sizeof(*all), cmp_found);
	for (size_t i = 0; r == 0 && i < total; i++) {
		_cleanup_free_ char *path = NULL;
		if (asprintf(&path, "%s/%s", dirs[all[i].dir], all[i].name) < 0)
			return -ENOMEM;
		if (i && streq(all[i].name, all[i - 1].name))
			r = add_masked(&c->out->files[c->out->n_files - 1], path);
		else
			r = add_file(c, path);
	}
	return r;
}

static int load_rules(struct loader_ctx *c)
{
	char *dirs[3] = {NULL, NULL, NULL};
	struct name_list lists[3] = {{0}};
	int r = 0;

	for (size_t d = 0; r == 0 && d < 3; d++) {
		dirs[d] = under_root(c->root, policy_rule_dirs[d]);
		if (!dirs[d])
			r = -ENOMEM;
		else if ((r = list_dir(c, dirs[d], &lists[d])) == 0 && lists[d].n)
			r = check_parent(c, dirs[d]);
	}
	if (r == 0)
		r = read_in_order(c, dirs, lists);
	for (size_t d = 0; d < 3; d++) {
		names_release(&lists[d]);
		free(dirs[d]);
	}
	return r;
}

static void apply_cmdline(struct policy_settings *s)
{
	_cleanup_free_ char *text = NULL;
	/* unreadable: no override, which is the safe side */
	if (kernel_read_file("/proc/cmdline", CMDLINE_MAX, &text, NULL) < 0)
		text = NULL;
	policy_settings_apply_cmdline(s, text);
}

int policy_load(const struct policy_load_opts *o, struct policy_loaded *out)
{
	struct loader_ctx c = {.out = out, .root = o->root && *o->root ? o->root : NULL};
	struct policy_settings s;

	*out = (struct policy_loaded){0};
	int r = policy_builder_new(&c.b);
	if (r < 0)
		return r;
	r = load_settings(&c, &s);
	if (r == 0)
		r = load_rules(&c);
	if (r < 0) {
		policy_builder_free(c.b);
		policy_loaded_release(out);
		return r;
	}
	if (o->cmdline)
		apply_cmdline(&s);
	else
		policy_settings_apply_cmdline(&s, NULL);
	r = policy_builder_finish(c.b, &s, &out->policy);
	if (r < 0)
		policy_loaded_release(out);
	return r;
}

void policy_loaded_release(struct policy_loaded *l)
{
	policy_free(l->policy);
	policy_diags_release(&l->diags);
	free(l->settings_path);
	for (size_t i = 0; i < l->n_files; i++) {
		for (size_t j = 0; j < l->files[i].n_masked; j++)
			free(l->files[i].masked[j]);
		free(l->files[i].masked);
		free(l->files[i].path);
	}
	free(l->files);
	*l = (struct policy_loaded){0};
}
