// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A cgroup v2 id to its path. The program records bpf_get_current_cgroup_id(),
 * which is the kernfs node id of the cgroup directory, i.e. the file handle
 * cgroupfs hands out: open_by_handle_at() on the cgroup2 mount finds the
 * directory without walking the hierarchy, and /proc/self/fd names it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "common/macros.h"
#include "lsm/lsm.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
/* include/linux/exportfs.h: kernfs's handle type (a u64 node id) */
#define FILEID_KERNFS 0xfe

static const char *const cgroup2_mounts[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};

static int open_cgroup2(const char **where)
{
	for (size_t i = 0; i < ARRAY_SIZE(cgroup2_mounts); i++) {
		struct statfs sf;
		int fd = open(cgroup2_mounts[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstatfs(fd, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC) {
			*where = cgroup2_mounts[i];
			return fd;
		}
		close(fd);
	}
	return -ENOENT;
}

int lsm_cgroup_path(uint64_t cgroup_id, char *buf, size_t size)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h;
	const char *mnt;
	char link[64], target[PATH_MAX];

	_cleanup_close_ int root = open_cgroup2(&mnt);
	if (root < 0)
		return root;
	h.fh.handle_bytes = sizeof(h.id);
	h.fh.handle_type = FILEID_KERNFS;
	memcpy(h.fh.f_handle, &cgroup_id, sizeof(cgroup_id));
	_cleanup_close_ int fd = open_by_handle_at(root, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ESTALE ? -ENOENT : -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return -errno;
	target[n] = '\0';
	size_t ml = strlen(mnt);
	if (strncmp(target, mnt, ml) != 0 || (target[ml] != '/' && target[ml] != '\0'))
		return -ENOENT; /* mounted elsewhere than we opened it: say nothing */
	const char *rel = target[ml] ? target + ml : "/";
	if (strlen(rel) >= size)
		return -ENAMETOOLONG;
	strcpy(buf, rel);
	return 0;
}
