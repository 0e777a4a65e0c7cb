// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/macros.h"
#include "loader/kernel.h"
#include "loader/loaded.h"

#define PROC_MODULES_MAX (64u << 20)

static int read_long(const char *path, long *out)
{
	_cleanup_free_ char *s = NULL;
	int r = kernel_read_file(path, 128, &s, NULL);
	if (r < 0)
		return r;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || errno)
		return -EINVAL;
	while (*end == '\n' || *end == ' ')
		end++;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

static char **read_holders(const char *name)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "/sys/module/%s/holders", name);
	int fd = kernel_open_dir(path);
	if (fd < 0)
		return NULL;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return NULL;
	}
	size_t n = 0;
	char **v = calloc(1, sizeof(char *));
	struct dirent *de;
	while (v && (de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		char **nv = realloc(v, (n + 2) * sizeof(char *));
		if (!nv || !(nv[n] = strdup(de->d_name))) {
			v = nv;
			break;
		}
		v = nv;
		v[++n] = NULL;
	}
	closedir(d);
	return v;
}

static int fill_one(struct loaded_module *m, const char *size_field)
{
	char path[PATH_MAX];
	long v;

	snprintf(path, sizeof(path), "/sys/module/%s", m->name);
	int e = kernel_path_exists(path);
	if (e <= 0) {
		/* kmod reports a module with no sysfs dir with negative numbers. */
		m->size = e < 0 ? e : -ENOENT;
	} else {
		snprintf(path, sizeof(path), "/sys/module/%s/coresize", m->name);
		if (read_long(path, &v) == 0)
			m->size = v;
		else
			m->size = strtol(size_field, NULL, 10);
	}
	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", m->name);
	int r = read_long(path, &v);
	m->refcnt = r < 0 ? r : (int)v;
	m->holders = read_holders(m->name);
	return 0;
}

int loaded_list_read(struct loaded_list *out, unsigned int *bad_line)
{
	_cleanup_free_ char *buf = NULL;
	int r = kernel_read_file("/proc/modules", PROC_MODULES_MAX, &buf, NULL);
	if (r < 0)
		return r;

	struct loaded_list l = {0};
	unsigned int lineno = 0;
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f_save = NULL;
		lineno++;
		char *name = strtok_r(line, " \t", &f_save);
		char *size = name ? strtok_r(NULL, " \t", &f_save) : NULL;
		if (!name || !size || strlen(name) >= 256 || strchr(name, '/')) {
			loaded_list_free(&l);
			*bad_line = lineno;
			return -EBADMSG;
		}
		struct loaded_module *nm = realloc(l.mods, (l.n + 1) * sizeof(*nm));
		if (!nm) {
			loaded_list_free(&l);
			return -ENOMEM;
		}
		l.mods = nm;
		struct loaded_module *m = &l.mods[l.n];
		*m = (struct loaded_module){.name = strdup(name)};
		if (!m->name) {
			loaded_list_free(&l);
			return -ENOMEM;
		}
		l.n++;
		fill_one(m, size);
	}
	*out = l;
	return 0;
}

void loaded_list_free(struct loaded_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->mods[i].name);
		if (l->mods[i].holders)
			for (char **h = l->mods[i].holders; *h; h++)
				free(*h);
		free(l->mods[i].holders);
	}
	free(l->mods);
	l->mods = NULL;
	l->n = 0;
}
