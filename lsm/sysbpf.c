// SPDX-License-Identifier: LGPL-2.1-or-later
/* bpf(2) without libbpf (see sysbpf.h). */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lsm/sysbpf.h"

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	long r = syscall(SYS_bpf, cmd, attr, sizeof(*attr));
	return r < 0 ? -errno : (int)r;
}

static uint64_t ptr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

int sysbpf_obj_get(const char *path)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.pathname = ptr(path);
	a.file_flags = 0;
	return sys_bpf(BPF_OBJ_GET, &a);
}

static int map_elem(int cmd, int fd, const void *key, const void *value, uint64_t flags)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = ptr(key);
	a.value = ptr(value);
	a.flags = flags;
	int r = sys_bpf(cmd, &a);
	return r < 0 ? r : 0;
}

int sysbpf_map_lookup(int fd, const void *key, void *value)
{
	return map_elem(BPF_MAP_LOOKUP_ELEM, fd, key, value, 0);
}

int sysbpf_map_update(int fd, const void *key, const void *value, uint64_t flags)
{
	return map_elem(BPF_MAP_UPDATE_ELEM, fd, key, value, flags);
}

int sysbpf_map_delete(int fd, const void *key)
{
	return map_elem(BPF_MAP_DELETE_ELEM, fd, key, NULL, 0);
}

int sysbpf_map_next_key(int fd, const void *key, void *next)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = ptr(key);
	a.next_key = ptr(next);
	int r = sys_bpf(BPF_MAP_GET_NEXT_KEY, &a);
	return r < 0 ? r : 0;
}

int sysbpf_obj_info(int fd, void *info, uint32_t *len)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = *len;
	a.info.info = ptr(info);
	int r = sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a);
	if (r < 0)
		return r;
	*len = a.info.info_len;
	return 0;
}

/* The id after id of one kind of object (cmd: BPF_*_GET_NEXT_ID). */
static int next_id(int cmd, uint32_t id, uint32_t *next)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.start_id = id;
	int r = sys_bpf(cmd, &a);
	if (r < 0)
		return r;
	*next = a.next_id;
	return 0;
}

int sysbpf_link_next_id(uint32_t id, uint32_t *next)
{
	return next_id(BPF_LINK_GET_NEXT_ID, id, next);
}

int sysbpf_prog_next_id(uint32_t id, uint32_t *next)
{
	return next_id(BPF_PROG_GET_NEXT_ID, id, next);
}

int sysbpf_link_fd_by_id(uint32_t id)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.link_id = id;
	return sys_bpf(BPF_LINK_GET_FD_BY_ID, &a);
}

int sysbpf_prog_fd_by_id(uint32_t id)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_id = id;
	return sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
}
