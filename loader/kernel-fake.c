// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The fake kernel seam, linked only into the test binary modgate-test.
 *
 * Reads every kernel path under the fixture root named by MODGATE_FAKE_ROOT
 * and appends one line per state-changing call to <root>/calls.log, so
 * integration tests can assert what would have reached the kernel:
 *   finit_module <name> flags=<n> fd=<kind> size=<bytes> params=<params>
 *   delete_module <name> flags=<n>
 * <kind> says what the descriptor was: sealed-memfd (read-only, all four
 * seals: what the load path must hand over), writable-memfd, memfd (unsealed),
 * file, or other.
 *
 * A file <root>/fake/errno/<name> holding a number makes the call fail with
 * that errno. Otherwise the fake behaves as the kernel does towards what the
 * tools read: a load of a live module fails with EEXIST; a load adds the
 * module to proc/modules and sys/module/<name>/{initstate,refcnt,holders/},
 * and for each module named in <root>/fake/uses/<name> (one per line) adds
 * <name> to that module's holders and raises its refcnt. An unload of a
 * module that is not loaded fails with ENOENT, of one whose refcnt is not 0
 * with EWOULDBLOCK (unless forced with O_TRUNC); otherwise it undoes all that.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

static void record(const char *line)
{
	char p[PATH_MAX];
	if (fake_path("/calls.log", p, sizeof(p)) < 0)
		return;
	FILE *f = fopen(p, "ae");
	if (!f)
		return;
	fputs(line, f);
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

static const char *fd_kind(int fd, long long *size)
{
	struct stat st;
	*size = -1;
	if (fstat(fd, &st) < 0)
		return "other";
	*size = (long long)st.st_size;
	int seals = fcntl(fd, F_GET_SEALS);
	int acc = fcntl(fd, F_GETFL) & O_ACCMODE;
	const int all = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
	if (seals >= 0 && (seals & all) == all)
		return acc == O_RDONLY ? "sealed-memfd" : "writable-memfd";
	if (seals >= 0)
		return "memfd";
	return S_ISREG(st.st_mode) ? "file" : "other";
}

/* Write `content` to a path under the fixture root, creating nothing else. */
static int put(const char *rel, const char *content)
{
	char p[PATH_MAX];
	int r = fake_path(rel, p, sizeof(p));
	if (r < 0)
		return r;
	_cleanup_close_ int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	return write_all(fd, content, strlen(content));
}

static int mkdir_fake(const char *rel)
{
	char p[PATH_MAX];
	int r = fake_path(rel, p, sizeof(p));
	if (r < 0)
		return r;
	return mkdir(p, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

/* refcnt of sys/module/<name> changed by delta (missing file: from 0). */
static int bump_refcnt(const char *name, int delta)
{
	char rel[PATH_MAX], num[32];
	_cleanup_free_ char *v = NULL;
	snprintf(rel, sizeof(rel), "/sys/module/%s/refcnt", name);
	int cur = kernel_read_file(rel, 64, &v, NULL) < 0 ? 0 : atoi(v);
	snprintf(num, sizeof(num), "%d\n", cur + delta < 0 ? 0 : cur + delta);
	return put(rel, num);
}

/* The modules the test says this one uses: each gets it as a holder. */
static int add_uses(const char *name)
{
	char rel[PATH_MAX];
	_cleanup_free_ char *list = NULL;
	snprintf(rel, sizeof(rel), "/fake/uses/%s", name);
	if (kernel_read_file(rel, 1 << 20, &list, NULL) < 0)
		return 0;
	char *save = NULL;
	for (char *dep = strtok_r(list, " \t\n", &save); dep; dep = strtok_r(NULL, " \t\n", &save)) {
		snprintf(rel, sizeof(rel), "/sys/module/%s/holders", dep);
		int r = mkdir_fake(rel);
		if (r == 0) {
			snprintf(rel, sizeof(rel), "/sys/module/%s/holders/%s", dep, name);
			r = put(rel, "");
		}
		if (r == 0)
			r = bump_refcnt(dep, 1);
		if (r < 0)
			return r;
	}
	return 0;
}

int kernel_finit_module(int fd, const char *name, const char *params, int flags)
{
	char line[PATH_MAX * 2], rel[PATH_MAX];
	long long size;
	const char *kind = fd_kind(fd, &size);
	snprintf(line, sizeof(line), "finit_module %s flags=%u fd=%s size=%lld params=%s\n", name,
		 (unsigned int)flags, kind, size, params ? params : "");
	record(line);
	int e = injected_errno(name);
	if (e)
		return -e;
	snprintf(rel, sizeof(rel), "/sys/module/%s/initstate", name);
	if (kernel_path_exists(rel) == 1)
		return -EEXIST;
	if (fake_path("/proc/modules", rel, sizeof(rel)) < 0)
		return -ENAMETOOLONG;
	FILE *f = fopen(rel, "ae");
	if (!f)
		return -errno;
	fprintf(f, "%s 16384 0 - Live 0x0000000000000000\n", name);
	fclose(f);
	snprintf(rel, sizeof(rel), "/sys/module/%s", name);
	int r = mkdir_fake(rel);
	snprintf(rel, sizeof(rel), "/sys/module/%s/holders", name);
	if (r == 0)
		r = mkdir_fake(rel);
	snprintf(rel, sizeof(rel), "/sys/module/%s/refcnt", name);
	if (r == 0)
		r = put(rel, "0\n");
	snprintf(rel, sizeof(rel), "/sys/module/%s/initstate", name);
	if (r == 0)
		r = put(rel, "live\n");
	return r < 0 ? r : add_uses(name);
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path) < 0 ? -1 : 0;
}

/* Drop <name> from every module's holders, lowering their refcnt. */
static int drop_uses(const char *name)
{
	char rel[PATH_MAX], p[PATH_MAX];
	if (fake_path("/sys/module", p, sizeof(p)) < 0)
		return -ENAMETOOLONG;
	DIR *d = opendir(p);
	if (!d)
		return 0;
	int r = 0;
	for (struct dirent *de; r == 0 && (de = readdir(d));) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(rel, sizeof(rel), "/sys/module/%s/holders/%s", de->d_name, name);
		if (kernel_path_exists(rel) != 1 || fake_path(rel, p, sizeof(p)) < 0)
			continue;
		r = unlink(p) < 0 ? -errno : bump_refcnt(de->d_name, -1);
	}
	closedir(d);
	return r;
}

static int drop_proc_line(const char *name)
{
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

int kernel_delete_module(const char *name, unsigned int flags)
{
	char line[PATH_MAX], rel[PATH_MAX], p[PATH_MAX];
	_cleanup_free_ char *v = NULL;
	snprintf(line, sizeof(line), "delete_module %s flags=%u\n", name, flags);
	record(line);
	int e = injected_errno(name);
	if (e)
		return -e;
	snprintf(rel, sizeof(rel), "/sys/module/%s/refcnt", name);
	if (!(flags & O_TRUNC) && kernel_read_file(rel, 64, &v, NULL) == 0 && atoi(v) > 0)
		return -EWOULDBLOCK;
	int r = drop_proc_line(name);
	if (r < 0)
		return r;
	snprintf(rel, sizeof(rel), "/sys/module/%s", name);
	if (fake_path(rel, p, sizeof(p)) == 0)
		nftw(p, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return drop_uses(name);
}
