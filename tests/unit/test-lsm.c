// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * lsm/'s userspace against maps laid out as the program's (abi.h), created
 * and pinned by the test in a bpffs directory of its own: registration keys,
 * the requester window, refusal folding, status and disable. The program
 * itself runs only in the VM tests (tests/vm/scenarios/lsm.sh): this
 * machine's kernel may refuse tracing programs, but it creates maps.
 *
 * Needs root and bpffs at /sys/fs/bpf; skipped otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/macros.h"
#include "lsm/internal.h"
#include "lsm/lsm.h"
#include "lsm/sysbpf.h"

static char dir[64];

static int map_create(enum bpf_map_type type, uint32_t key, uint32_t value, uint32_t max,
		      const char *name)
{
	union bpf_attr a;
	char path[128];
	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = key;
	a.value_size = value;
	a.max_entries = max;
	int fd = (int)syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a));
	if (fd < 0)
		return -errno;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	memset(&a, 0, sizeof(a));
	a.pathname = (uint64_t)(uintptr_t)path;
	a.bpf_fd = (uint32_t)fd;
	int r = (int)syscall(SYS_bpf, BPF_OBJ_PIN, &a, sizeof(a));
	close(fd);
	return r < 0 ? -errno : 0;
}

static int write_config(uint32_t abi, uint32_t flags)
{
	struct lsm_config c = {.abi = abi, .flags = flags};
	uint32_t zero = 0;
	int fd = lsm_open_map(LSM_MAP_CONFIG);
	if (fd < 0)
		return fd;
	int r = sysbpf_map_update(fd, &zero, &c, BPF_ANY);
	close(fd);
	return r;
}

/* The program's maps, empty, with this build's ABI in mg_config. */
static int make_maps(void)
{
	if (mkdir(dir, 0700) < 0)
		return -errno;
	int r = map_create(BPF_MAP_TYPE_HASH, sizeof(struct lsm_file_key),
			   sizeof(struct lsm_file_val), LSM_FILES_MAX, LSM_MAP_FILES);
	if (!r)
		r = map_create(BPF_MAP_TYPE_LRU_HASH, sizeof(struct lsm_req_key),
			       sizeof(struct lsm_req_val), LSM_REQUESTS_MAX, LSM_MAP_REQUESTS);
	if (!r)
		r = map_create(BPF_MAP_TYPE_ARRAY, 4, sizeof(struct lsm_counter_val), LSM_CNT_MAX,
			       LSM_MAP_COUNTERS);
	if (!r)
		r = map_create(BPF_MAP_TYPE_ARRAY, 4, 8, LSM_CNT_MAX, LSM_MAP_REPORTED);
	if (!r)
		r = map_create(BPF_MAP_TYPE_ARRAY, 4, sizeof(struct lsm_config), 1, LSM_MAP_CONFIG);
	if (!r)
		r = write_config(LSM_ABI_VERSION, LSM_CFG_ENFORCE);
	return r;
}

static int setup(void **state)
{
	struct statfs sf;
	(void)state;
	snprintf(dir, sizeof(dir), "/sys/fs/bpf/modgate_test_%d", (int)getpid());
	lsm_set_pin_dir_for_tests(dir);
	if (geteuid() != 0 || statfs("/sys/fs/bpf", &sf) < 0 || sf.f_type != 0xcafe4a11)
		return 0;
	int r = make_maps();
	if (r < 0) {
		lsm_disable();
		fprintf(stderr, "# cannot create maps: %s\n", strerror(-r));
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	lsm_disable();
	return 0;
}

static void need_maps(void)
{
	if (access(dir, F_OK) < 0)
		skip();
}

static void test_kdev(void **state)
{
	(void)state;
	/* the kernel's MKDEV: major above 20 bits of minor */
	assert_int_equal(lsm_kdev(makedev(0, 45)), 45);
	assert_int_equal(lsm_kdev(makedev(8, 17)), (8u << 20) | 17u);
	assert_int_equal(lsm_kdev(makedev(259, 0x12345)), (259u << 20) | 0x12345u);
	/* glibc's encoding of the same pair is something else */
	assert_int_not_equal(lsm_kdev(makedev(8, 17)), (uint32_t)makedev(8, 17));
}

static int never_called(const struct lsm_refusal *rf, void *data)
{
	(void)rf;
	(void)data;
	fail_msg("a fold with nothing attached recorded something");
	return 0;
}

static void test_not_attached(void **state)
{
	struct lsm_requester rq;
	struct lsm_status st;
	(void)state;
	lsm_set_pin_dir_for_tests("/sys/fs/bpf/modgate_test_absent");
	int fd = memfd_create("t", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(lsm_register_file(fd), 0);
	assert_int_equal(lsm_unregister_file(fd), 0);
	assert_int_equal(lsm_requester_lookup("net-pf-38", &rq), -ENOENT);
	assert_int_equal(lsm_refusals_fold(never_called, NULL), 0);
	assert_int_equal(lsm_status_read(&st), 0);
	assert_false(st.pinned);
	assert_false(lsm_status_attached(&st));
	assert_int_equal(lsm_disable(), -ENOENT);
	close(fd);
	lsm_set_pin_dir_for_tests(dir);
}

static void test_register(void **state)
{
	struct lsm_file_key k;
	struct lsm_file_val v;
	struct stat st, ns;
	(void)state;
	need_maps();
	int fd = memfd_create("module", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_true(fd >= 0);
	assert_int_equal(lsm_register_file(fd), 1);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(stat("/proc/self/ns/pid", &ns), 0);
	memset(&k, 0, sizeof(k));
	k.ino = st.st_ino;
	k.dev = lsm_kdev(st.st_dev);
	int map = lsm_open_map(LSM_MAP_FILES);
	assert_true(map >= 0);
	assert_int_equal(sysbpf_map_lookup(map, &k, &v), 0);
	assert_int_equal(v.tgid, (uint32_t)getpid());
	assert_int_equal(v.pidns_ino, ns.st_ino);
	assert_int_equal(v.pidns_dev, lsm_kdev(ns.st_dev));
	assert_int_equal(lsm_unregister_file(fd), 0);
	assert_int_equal(sysbpf_map_lookup(map, &k, &v), -ENOENT);
	/* the kernel consumed it: unregistering again is fine */
	assert_int_equal(lsm_unregister_file(fd), 0);
	close(map);
	close(fd);
}

static void test_register_refuses(void **state)
{
	(void)state;
	need_maps();
	/* not shmem: its st_dev need not be the superblock's */
	int fd = open("/proc/version", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(lsm_register_file(fd), -EINVAL);
	close(fd);
	/* a program of another ABI: its maps are not written */
	fd = memfd_create("module", MFD_CLOEXEC);
	assert_int_equal(write_config(LSM_ABI_VERSION + 1, LSM_CFG_ENFORCE), 0);
	assert_int_equal(lsm_register_file(fd), -EPROTO);
	assert_int_equal(write_config(LSM_ABI_VERSION, LSM_CFG_ENFORCE), 0);
	assert_int_equal(lsm_register_file(fd), 1);
	assert_int_equal(lsm_unregister_file(fd), 0);
	close(fd);
}

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void put_request(const char *name, uint64_t last_ns, uint32_t uid, uint32_t flags)
{
	struct lsm_req_key k;
	struct lsm_req_val v = {.first_ns = last_ns,
				.last_ns = last_ns,
				.cgroup_id = 77,
				.uid = uid,
				.pid = 4242,
				.count = 2,
				.flags = flags};
	memset(&k, 0, sizeof(k));
	strcpy(k.name, name);
	memcpy(v.comm, "0123456789abcdef", LSM_COMM_MAX); /* full, not terminated */
	int fd = lsm_open_map(LSM_MAP_REQUESTS);
	assert_true(fd >= 0);
	assert_int_equal(sysbpf_map_update(fd, &k, &v, BPF_ANY), 0);
	close(fd);
}

static int count_cb(const char *name, const struct lsm_requester *r, void *data)
{
	(void)r;
	if (streq(name, "net-pf-38") || streq(name, "fs-cramfs"))
		(*(int *)data)++;
	return 0;
}

static void test_requester(void **state)
{
	struct lsm_requester rq;
	(void)state;
	need_maps();
	uint64_t now = mono_ns();
	put_request("net-pf-38", now, 100000, LSM_REQ_USERNS_OTHER | LSM_REQ_REFUSED);
	assert_int_equal(lsm_requester_lookup("net-pf-38", &rq), 0);
	assert_int_equal(rq.uid, 100000);
	assert_int_equal(rq.pid, 4242);
	assert_true(rq.userns_other);
	assert_true(rq.refused);
	assert_false(rq.mixed);
	assert_int_equal(rq.cgroup_id, 77);
	assert_int_equal(rq.count, 2);
	assert_string_equal(rq.comm, "0123456789abcdef");
	assert_true(rq.age_ns < LSM_REQ_WINDOW_NS);
	/* an older request's requester never speaks for this one */
	put_request("fs-cramfs", now - LSM_REQ_WINDOW_NS - 1000000000ull, 0, 0);
	assert_int_equal(lsm_requester_lookup("fs-cramfs", &rq), -ENOENT);
	assert_int_equal(lsm_requester_lookup("fs-absent", &rq), -ENOENT);
	char longname[LSM_NAME_MAX + 8];
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(lsm_requester_lookup(longname, &rq), -ENOENT);
	int seen = 0;
	assert_int_equal(lsm_requesters_foreach(count_cb, &seen), 0);
	assert_int_equal(seen, 2);
}

static void set_count(uint32_t i, uint64_t n)
{
	struct lsm_counter_val v;
	memset(&v, 0, sizeof(v));
	v.count = n;
	v.last_uid = 1000;
	int fd = lsm_open_map(LSM_MAP_COUNTERS);
	assert_true(fd >= 0);
	assert_int_equal(sysbpf_map_update(fd, &i, &v, BPF_ANY), 0);
	close(fd);
}

/* What one fold handed to its recorder. */
struct folded {
	unsigned int calls;
	uint64_t count[LSM_CNT_MAX];
	struct lsm_refusal last[LSM_CNT_MAX];
	int fail_at; /* counter whose record fails (-EIO), or -1 */
	pid_t racer; /* a child started while this fold held the lock */
};

static int collect(const struct lsm_refusal *rf, void *data)
{
	struct folded *f = data;
	if ((int)rf->counter == f->fail_at)
		return -EIO;
	f->calls++;
	f->count[rf->counter] += rf->count;
	f->last[rf->counter] = *rf;
	return 0;
}

static int fold(struct folded *f, int fail_at)
{
	memset(f, 0, sizeof(*f));
	f->fail_at = fail_at;
	return lsm_refusals_fold(collect, f);
}

static void test_refusals(void **state)
{
	struct folded f;
	(void)state;
	need_maps();
	/* requests and allowed loads are not refusals */
	set_count(LSM_CNT_REQUESTS, 9);
	set_count(LSM_CNT_FILE_ALLOWED, 3);
	assert_int_equal(fold(&f, -1), 0);
	assert_int_equal(f.calls, 0);
	set_count(LSM_CNT_FILE_REFUSED, 5);
	assert_int_equal(fold(&f, -1), 1);
	assert_int_equal(f.count[LSM_CNT_FILE_REFUSED], 5);
	assert_int_equal(f.last[LSM_CNT_FILE_REFUSED].last_uid, 1000);
	assert_false(f.last[LSM_CNT_FILE_REFUSED].would);
	assert_false(f.last[LSM_CNT_FILE_REFUSED].autoload);
	assert_string_equal(f.last[LSM_CNT_FILE_REFUSED].reason,
			    "kernel: finit_module of a file the gate did not register");
	/* consumed: a second fold finds nothing */
	assert_int_equal(fold(&f, -1), 0);
	assert_int_equal(f.calls, 0);
	/* only what came after, one record per counter that moved */
	set_count(LSM_CNT_FILE_REFUSED, 7);
	set_count(LSM_CNT_USERNS_WOULD_REFUSE, 1);
	assert_int_equal(fold(&f, -1), 2);
	assert_int_equal(f.count[LSM_CNT_FILE_REFUSED], 2);
	assert_int_equal(f.count[LSM_CNT_USERNS_WOULD_REFUSE], 1);
	assert_true(f.last[LSM_CNT_USERNS_WOULD_REFUSE].would);
	assert_true(f.last[LSM_CNT_USERNS_WOULD_REFUSE].autoload);
	/* a record that fails leaves its counter (and the rest) for the next
	 * fold; what was recorded before it stays folded */
	set_count(LSM_CNT_FILE_REFUSED, 8);
	set_count(LSM_CNT_USERNS_REFUSED, 4);
	assert_int_equal(fold(&f, LSM_CNT_USERNS_REFUSED), -EIO);
	assert_int_equal(f.count[LSM_CNT_FILE_REFUSED], 1);
	assert_int_equal(fold(&f, -1), 1);
	assert_int_equal(f.count[LSM_CNT_FILE_REFUSED], 0);
	assert_int_equal(f.count[LSM_CNT_USERNS_REFUSED], 4);
	/* the status sees everything folded */
	struct lsm_status st;
	assert_int_equal(lsm_status_read(&st), 0);
	assert_int_equal(st.reported[LSM_CNT_USERNS_REFUSED], 4);
	assert_int_equal(st.reported[LSM_CNT_FILE_REFUSED], 8);
}

/* The recorder of the first fold starts a second fold in another process
 * and gives it time to run before returning: the second must wait for the
 * first to mark what it recorded, and then find nothing. */
static int start_racer(const struct lsm_refusal *rf, void *data)
{
	struct folded *f = data;
	collect(rf, data);
	f->racer = fork();
	if (f->racer == 0) {
		struct folded mine;
		int n = fold(&mine, -1);
		_exit(n < 0 ? 100 : n);
	}
	usleep(300 * 1000);
	return 0;
}

static void test_refusals_race(void **state)
{
	struct folded f;
	int status;
	(void)state;
	need_maps();
	set_count(LSM_CNT_DATA_REFUSED, 3);
	memset(&f, 0, sizeof(f));
	f.fail_at = -1;
	assert_int_equal(lsm_refusals_fold(start_racer, &f), 1);
	assert_int_equal(f.count[LSM_CNT_DATA_REFUSED], 3);
	assert_true(f.racer > 0);
	assert_int_equal(waitpid(f.racer, &status, 0), f.racer);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0); /* no second record */
}

static void test_status_and_disable(void **state)
{
	struct lsm_status st;
	(void)state;
	need_maps();
	set_count(LSM_CNT_DATA_REFUSED, 4);
	assert_int_equal(lsm_status_read(&st), 0);
	assert_true(st.pinned);
	assert_true(st.abi_ok);
	assert_int_equal(st.flags, LSM_CFG_ENFORCE);
	assert_int_equal(st.counters[LSM_CNT_DATA_REFUSED].count, 4);
	/* maps without links: not attached */
	assert_int_equal(st.links_pinned, 0);
	assert_false(lsm_status_attached(&st));
	assert_int_equal(lsm_disable(), 0);
	assert_int_equal(access(dir, F_OK), -1);
	assert_int_equal(lsm_status_read(&st), 0);
	assert_false(st.pinned);
	assert_int_equal(lsm_disable(), -ENOENT);
}

static void test_cgroup_path(void **state)
{
	struct {
		struct file_handle fh;
		uint64_t id;
	} h;
	static const char *const mounts[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};
	char path[256];
	int mount_id;
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct statfs sf;
		if (statfs(mounts[i], &sf) < 0 || sf.f_type != 0x63677270)
			continue;
		/* the root cgroup's id is its directory's handle */
		h.fh.handle_bytes = sizeof(h.id);
		if (name_to_handle_at(AT_FDCWD, mounts[i], &h.fh, &mount_id, 0) < 0)
			skip();
		uint64_t id;
		memcpy(&id, h.fh.f_handle, sizeof(id));
		assert_int_equal(lsm_cgroup_path(id, path, sizeof(path)), 0);
		assert_string_equal(path, "/");
		assert_int_equal(lsm_cgroup_path(id, path, 1), -ENAMETOOLONG);
		assert_int_equal(lsm_cgroup_path(~0ull, path, sizeof(path)), -ENOENT);
		return;
	}
	skip();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kdev),
		cmocka_unit_test(test_not_attached),
		cmocka_unit_test(test_register),
		cmocka_unit_test(test_register_refuses),
		cmocka_unit_test(test_requester),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_refusals_race),
		cmocka_unit_test(test_status_and_disable),
		cmocka_unit_test(test_cgroup_path),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
