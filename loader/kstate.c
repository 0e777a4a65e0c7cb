// SPDX-License-Identifier: LGPL-2.1-or-later
/* Kernel module state through the seam (see kstate.h). */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/macros.h"
#include "loader/kernel.h"
#include "loader/kstate.h"

/* sysfs attributes are one short line; /proc/cmdline is at most a page or two */
#define ATTR_MAX	 4096
#define CMDLINE_FILE_MAX (64u << 10)

static int module_path(char *buf, size_t size, const char *name, const char *attr)
{
	if (!name || !*name || strchr(name, '/') || streq(name, ".") || streq(name, ".."))
		return -EINVAL;
	int n = snprintf(buf, size, "/sys/module/%s%s%s", name, attr ? "/" : "", attr ? attr : "");
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* A single-line attribute without its trailing newline. */
static int read_attr(const char *path, char **out)
{
	size_t len;
	int r = kernel_read_file(path, ATTR_MAX, out, &len);
	if (r < 0)
		return r;
	if (len && (*out)[len - 1] == '\n')
		(*out)[len - 1] = '\0';
	return 0;
}

int kstate_initstate(const char *name, char **unknown)
{
	char path[PATH_MAX];
	_cleanup_free_ char *s = NULL;
	int r = module_path(path, sizeof(path), name, "initstate");
	if (r < 0)
		return r;
	r = read_attr(path, &s);
	if (r < 0) {
		/* the directory appears before initstate while a module loads */
		if (module_path(path, sizeof(path), name, NULL) == 0) {
			int fd = kernel_open_dir(path);
			if (fd >= 0) {
				close(fd);
				return KSTATE_COMING;
			}
		}
		return r;
	}
	if (streq(s, "live"))
		return KSTATE_LIVE;
	if (streq(s, "coming"))
		return KSTATE_COMING;
	if (streq(s, "going"))
		return KSTATE_GOING;
	if (unknown)
		*unknown = TAKE_PTR(s);
	return -EINVAL;
}

int kstate_refcnt(const char *name)
{
	char path[PATH_MAX];
	_cleanup_free_ char *s = NULL;
	int r = module_path(path, sizeof(path), name, "refcnt");
	if (r < 0 || (r = read_attr(path, &s)) < 0)
		return r;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (end == s || *end || errno || v < 0 || v > INT_MAX)
		return -EINVAL;
	return (int)v;
}

void kstate_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

int kstate_holders(const char *name, char ***out)
{
	char path[PATH_MAX];
	int r = module_path(path, sizeof(path), name, "holders");
	if (r < 0)
		return r;
	int fd = kernel_open_dir(path);
	if (fd < 0)
		return fd;
	DIR *d = fdopendir(fd);
	if (!d) {
		r = -errno;
		close(fd);
		return r;
	}
	char **v = calloc(1, sizeof(char *));
	size_t n = 0;
	bool oom = !v;
	for (struct dirent *de; !oom && (de = readdir(d));) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		char **nv = reallocarray(v, n + 2, sizeof(char *));
		if (nv)
			v = nv;
		if (!nv || !(v[n] = strdup(de->d_name))) {
			oom = true;
			break;
		}
		v[++n] = NULL;
	}
	closedir(d);
	if (oom) {
		kstate_strv_free(v);
		return -ENOMEM;
	}
	*out = v;
	return 0;
}

int kstate_cmdline(char **out, size_t *len)
{
	return kernel_read_file("/proc/cmdline", CMDLINE_FILE_MAX, out, len);
}

static int read_bool(const char *path, const char *yes, const char *no)
{
	_cleanup_free_ char *s = NULL;
	int r = read_attr(path, &s);
	if (r < 0)
		return r;
	if (streq(s, yes))
		return 1;
	return streq(s, no) ? 0 : -EINVAL;
}

int kstate_modules_disabled(void)
{
	return read_bool("/proc/sys/kernel/modules_disabled", "1", "0");
}

int kstate_sig_enforce(void)
{
	return read_bool("/sys/module/module/parameters/sig_enforce", "Y", "N");
}

int kstate_lockdown(char **mode)
{
	_cleanup_free_ char *s = NULL;
	int r = read_attr("/sys/kernel/security/lockdown", &s);
	if (r < 0)
		return r;
	/* "none [integrity] confidentiality": the active one is bracketed */
	char *open = strchr(s, '['), *close = open ? strchr(open, ']') : NULL;
	if (!close)
		return -EINVAL;
	*mode = strndup(open + 1, (size_t)(close - open - 1));
	return *mode ? 0 : -ENOMEM;
}

int kstate_compression(char **out)
{
	return read_attr("/sys/module/compression", out);
}

int kstate_modprobe_path(char **out)
{
	return read_attr("/proc/sys/kernel/modprobe", out);
}
