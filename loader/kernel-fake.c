// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The fake kernel seam, linked only into the test binary modgate-test.
 *
 * Reads every kernel path under the fixture root named by MODGATE_FAKE_ROOT
 * and appends one line per state-changing call to <root>/calls.log, so
 * integration tests can assert what would have reached the kernel:
 *   finit_module <name> flags=<n> params=<params>
 *   delete_module <name> flags=<n>
 * A file <root>/fake/errno/<name> holding a number makes the call fail with
 * that errno; otherwise a load adds the module to proc/modules and sys/module
 * and an unload removes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/macros.h"
#include "common/strbuf.h"
#include "loader/kernel.h"

static const char *fake_root(void)
{
	const char *r = getenv("MODGATE_FAKE_ROOT");
	return r && *r ? r : "/nonexistent-fake-root";
}

static int fake_path(const char *path, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s%s", fake_root(), path);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int kernel_read_file(const char *path, size_t max, char **out, size_t *len)
{
	char p[PATH_MAX];
	int r = fake_path(path, p, sizeof(p));
	return r < 0 ? r : read_full_file(p, max, out, len);
}

int kernel_open_dir(const char *path)
{
	char p[PATH_MAX];
	int r = fake_path(path, p, sizeof(p));
	if (r < 0)
		return r;
	int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int kernel_path_exists(const char *path)
{
	char p[PATH_MAX];
	struct stat st;
	int r = fake_path(path, p, sizeof(p));
	if (r < 0)
		return r;
	if (stat(p, &st) == 0)
		return 1;
	return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
}

int kernel_release(char *buf, size_t size)
{
	_cleanup_free_ char *rel = NULL;
	int r = kernel_read_file("/proc/sys/kernel/osrelease", 256, &rel, NULL);
	if (r < 0)
		return r;
	rel[strcspn(rel, "\n")] = '\0';
	if (strlen(rel) >= size)
		return -ENAMETOOLONG;
	strcpy(buf, rel);
	return 0;
}

static void record(const char *fmt, const char *name, unsigned int flags, const char *params)
{
	char p[PATH_MAX];
	if (fake_path("/calls.log", p, sizeof(p)) < 0)
		return;
	FILE *f = fopen(p, "ae");
	if (!f)
		return;
	fprintf(f, fmt, name, flags, params);
	fclose(f);
}

static int injected_errno(const char *name)
{
	char p[PATH_MAX];
	_cleanup_free_ char *v = NULL;
	if (snprintf(p, sizeof(p), "/fake/errno/%s", name) >= (int)sizeof(p))
		return 0;
	if (kernel_read_file(p, 64, &v, NULL) < 0)
		return 0;
	return atoi(v);
}

int kernel_finit_module(int fd, const char *name, const char *params, int flags)
{
	char p[PATH_MAX];
	(void)fd;
	record("finit_module %s flags=%u params=%s\n", name, (unsigned int)flags,
	       params ? params : "");
	int e = injected_errno(name);
	if (e)
		return -e;
	if (fake_path("/proc/modules", p, sizeof(p)) < 0)
		return -ENAMETOOLONG;
	FILE *f = fopen(p, "ae");
	if (!f)
		return -errno;
	fprintf(f, "%s 16384 0 - Live 0x0000000000000000\n", name);
	fclose(f);
	return 0;
}

int kernel_delete_module(const char *name, unsigned int flags)
{
	record("delete_module %s flags=%u%s\n", name, flags, "");
	int e = injected_errno(name);
	if (e)
		return -e;
	/* Drop the module's line from proc/modules. */
	char p[PATH_MAX];
	_cleanup_free_ char *buf = NULL;
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	int r = kernel_read_file("/proc/modules", 16 << 20, &buf, NULL);
	if (r < 0)
		return r;
	size_t nlen = strlen(name);
	bool found = false;
	for (char *line = buf; *line;) {
		char *nl = strchr(line, '\n');
		size_t l = nl ? (size_t)(nl - line + 1) : strlen(line);
		if (strncmp(line, name, nlen) == 0 && line[nlen] == ' ')
			found = true;
		else if (strbuf_append(&out, line, l) < 0)
			return -ENOMEM;
		line += l;
	}
	if (!found)
		return -ENOENT;
	if (fake_path("/proc/modules", p, sizeof(p)) < 0)
		return -ENAMETOOLONG;
	_cleanup_close_ int fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return write_all(fd, strbuf_str(&out), out.len);
}
