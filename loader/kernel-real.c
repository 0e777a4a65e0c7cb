// SPDX-License-Identifier: LGPL-2.1-or-later
/* The real kernel seam: direct system calls and the real /proc and /sys. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/fileio.h"
#include "loader/kernel.h"

int kernel_read_file(const char *path, size_t max, char **out, size_t *len)
{
	return read_full_file(path, max, out, len);
}

int kernel_open_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int kernel_path_exists(const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0)
		return 1;
	return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
}

int kernel_release(char *buf, size_t size)
{
	struct utsname u;
	if (uname(&u) < 0)
		return -errno;
	size_t n = strlen(u.release);
	if (n >= size)
		return -ENAMETOOLONG;
	memcpy(buf, u.release, n + 1);
	return 0;
}

int kernel_finit_module(int fd, const char *name, const char *params, int flags)
{
	(void)name;
	if (syscall(SYS_finit_module, fd, params ? params : "", flags) < 0)
		return -errno;
	return 0;
}

int kernel_delete_module(const char *name, unsigned int flags)
{
	if (syscall(SYS_delete_module, name, flags) < 0)
		return -errno;
	return 0;
}
