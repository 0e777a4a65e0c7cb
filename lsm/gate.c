// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The gate's side of the pinned maps: register the sealed memfd around
 * finit_module, look up who asked for an autoload (refusals.c folds the
 * program's refusals into the trail). Plain bpf(2) (sysbpf.c), no libbpf,
 * so every build can do it.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "common/macros.h"
#include "lsm/internal.h"
#include "lsm/lsm.h"
#include "lsm/sysbpf.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

uint32_t lsm_kdev(dev_t d)
{
	/* The kernel's dev_t is MAJOR << 20 | MINOR (MINORBITS 20), which is
	 * what the program reads from i_sb->s_dev; stat(2) hands out glibc's
	 * encoding of the same pair. */
	return (uint32_t)(major(d) << 20) | (uint32_t)(minor(d) & 0xfffff);
}

int lsm_path(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static const char *pin_dir = LSM_PIN_DIR;

const char *lsm_pin_dir(void)
{
	return pin_dir;
}

void lsm_set_pin_dir_for_tests(const char *dir)
{
	pin_dir = dir;
}

int lsm_open_map(const char *name)
{
	char path[PATH_MAX];
	int r = lsm_path(path, sizeof(path), pin_dir, name);
	return r < 0 ? r : sysbpf_obj_get(path);
}

int lsm_config_read(struct lsm_config *c)
{
	_cleanup_close_ int fd = lsm_open_map(LSM_MAP_CONFIG);
	uint32_t zero = 0;
	if (fd < 0)
		return fd;
	return sysbpf_map_lookup(fd, &zero, c);
}

/* The files map of a program this build speaks to. -ENOENT: not attached. */
static int open_files_map(void)
{
	struct lsm_config c;
	int r = lsm_config_read(&c);
	if (r < 0)
		return r;
	if (c.abi != LSM_ABI_VERSION)
		return -EPROTO;
	return lsm_open_map(LSM_MAP_FILES);
}

static int file_key(int fd, struct lsm_file_key *k)
{
	struct stat st;
	struct statfs sf;
	if (fstat(fd, &st) < 0 || fstatfs(fd, &sf) < 0)
		return -errno;
	/* Only shmem reports i_sb->s_dev as st_dev for sure (btrfs and overlayfs
	 * do not); the gate only ever loads its sealed memfd. */
	if (sf.f_type != TMPFS_MAGIC || !S_ISREG(st.st_mode))
		return -EINVAL;
	*k = (struct lsm_file_key){.ino = st.st_ino, .dev = lsm_kdev(st.st_dev)};
	return 0;
}

static int self_val(struct lsm_file_val *v)
{
	struct stat ns;
	if (stat("/proc/self/ns/pid", &ns) < 0)
		return -errno;
	*v = (struct lsm_file_val){
		.pidns_ino = ns.st_ino,
		.pidns_dev = lsm_kdev(ns.st_dev),
		.tgid = (uint32_t)getpid(),
	};
	return 0;
}

int lsm_register_file(int fd)
{
	struct lsm_file_key k;
	struct lsm_file_val v;
	int r = file_key(fd, &k);
	if (r < 0)
		return r;
	r = self_val(&v);
	if (r < 0)
		return r;
	_cleanup_close_ int map = open_files_map();
	/* Not attached; or a caller without root, whom the kernel refuses
	 * anyway (registering can only ever let a load through), with the
	 * errno kmod's users know. */
	if (map == -ENOENT || map == -EACCES || map == -EPERM)
		return 0;
	if (map < 0)
		return map;
	r = sysbpf_map_update(map, &k, &v, BPF_ANY);
	return r < 0 ? r : 1;
}

int lsm_unregister_file(int fd)
{
	struct lsm_file_key k;
	int r = file_key(fd, &k);
	if (r < 0)
		return r;
	_cleanup_close_ int map = lsm_open_map(LSM_MAP_FILES);
	if (map == -ENOENT)
		return 0;
	if (map < 0)
		return map;
	r = sysbpf_map_delete(map, &k);
	/* the kernel consumes the entry once it has read the bytes */
	return r == -ENOENT ? 0 : r;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void lsm_requester_from(const struct lsm_req_val *v, uint64_t now, struct lsm_requester *out)
{
	*out = (struct lsm_requester){
		.uid = v->uid,
		.pid = v->pid,
		.userns_other = v->flags & LSM_REQ_USERNS_OTHER,
		.mixed = v->flags & LSM_REQ_MIXED,
		.refused = v->flags & LSM_REQ_REFUSED,
		.cgroup_id = v->cgroup_id,
		.count = v->count,
		.age_ns = now > v->last_ns ? now - v->last_ns : 0,
	};
	memcpy(out->comm, v->comm, LSM_COMM_MAX);
	out->comm[LSM_COMM_MAX] = '\0';
}

int lsm_requester_lookup(const char *name, struct lsm_requester *out)
{
	struct lsm_req_key k;
	struct lsm_req_val v;
	size_t n = strlen(name);
	if (n >= sizeof(k.name))
		return -ENOENT; /* request_module() never formats one this long */
	memset(&k, 0, sizeof(k));
	memcpy(k.name, name, n);
	_cleanup_close_ int map = lsm_open_map(LSM_MAP_REQUESTS);
	if (map < 0)
		return map;
	int r = sysbpf_map_lookup(map, &k, &v);
	if (r < 0)
		return r;
	uint64_t now = monotonic_ns();
	if (now > v.last_ns && now - v.last_ns > LSM_REQ_WINDOW_NS)
		return -ENOENT;
	lsm_requester_from(&v, now, out);
	return 0;
}

int lsm_requesters_foreach(lsm_requester_fn fn, void *data)
{
	struct lsm_req_key k, next;
	struct lsm_req_val v;
	struct lsm_requester rq;
	_cleanup_close_ int map = lsm_open_map(LSM_MAP_REQUESTS);
	if (map < 0)
		return map;
	uint64_t now = monotonic_ns();
	const void *prev = NULL;
	/* An LRU map may lose the previous key while walking: the walk then
	 * restarts at the first key, so it is bounded by the map size. */
	for (unsigned int i = 0; i < 2 * LSM_REQUESTS_MAX; i++) {
		int r = sysbpf_map_next_key(map, prev, &next);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return r;
		k = next;
		prev = &k;
		if (sysbpf_map_lookup(map, &k, &v) < 0)
			continue;
		char name[LSM_NAME_MAX + 1];
		memcpy(name, k.name, LSM_NAME_MAX);
		name[LSM_NAME_MAX] = '\0';
		lsm_requester_from(&v, now, &rq);
		r = fn(name, &rq, data);
		if (r)
			return r;
	}
	return 0;
}
