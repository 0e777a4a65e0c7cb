// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Is the program attached, what has it counted, and removing it. Plain
 * bpf(2) on the pins, like gate.c, so a build without the BPF toolchain can
 * still report and disable a program another build attached.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/macros.h"
#include "lsm/internal.h"
#include "lsm/lsm.h"
#include "lsm/sysbpf.h"

/* How long `disable` waits for the kernel to let go of the links, then of
 * the programs (the second follows the first within the same worker). */
#define LSM_DETACH_WAIT_MS 2000
#define LSM_PROG_WAIT_MS   200

static void sleep_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

const char *const lsm_hook_names[LSM_N_HOOKS] = {
	"kernel_read_file",
	"kernel_post_read_file",
	"kernel_load_data",
	"kernel_module_request",
};
const char *const lsm_prog_names[LSM_N_HOOKS] = {
	"mg_read_file",
	"mg_post_read",
	"mg_load_data",
	"mg_mod_request",
};
const char *const lsm_link_pins[LSM_N_HOOKS] = {
	"link_read_file",
	"link_post_read",
	"link_load_data",
	"link_mod_request",
};
const char *const lsm_map_pins[5] = {
	LSM_MAP_FILES, LSM_MAP_REQUESTS, LSM_MAP_COUNTERS, LSM_MAP_REPORTED, LSM_MAP_CONFIG,
};

static const char *const counter_names[LSM_CNT_MAX] = {
	[LSM_CNT_FILE_REFUSED] = "file-refused",
	[LSM_CNT_FILE_WOULD_REFUSE] = "file-would-refuse",
	[LSM_CNT_DATA_REFUSED] = "init-module-refused",
	[LSM_CNT_DATA_WOULD_REFUSE] = "init-module-would-refuse",
	[LSM_CNT_USERNS_REFUSED] = "userns-autoload-refused",
	[LSM_CNT_USERNS_WOULD_REFUSE] = "userns-autoload-would-refuse",
	[LSM_CNT_FILE_ALLOWED] = "file-allowed",
	[LSM_CNT_REQUESTS] = "autoload-requests",
};

const char *lsm_counter_name(enum lsm_counter c)
{
	return c < LSM_CNT_MAX ? counter_names[c] : NULL;
}

/* The name of the program behind a link fd, or "" when it cannot be read. */
static void link_prog_name(int link_fd, char name[BPF_OBJ_NAME_LEN])
{
	struct bpf_link_info li;
	struct bpf_prog_info pi;
	uint32_t len = sizeof(li);

	name[0] = '\0';
	memset(&li, 0, sizeof(li));
	if (sysbpf_obj_info(link_fd, &li, &len) < 0 || li.type != BPF_LINK_TYPE_TRACING)
		return;
	_cleanup_close_ int prog = sysbpf_prog_fd_by_id(li.prog_id);
	if (prog < 0)
		return;
	memset(&pi, 0, sizeof(pi));
	len = sizeof(pi);
	if (sysbpf_obj_info(prog, &pi, &len) < 0 || pi.type != BPF_PROG_TYPE_LSM)
		return;
	memcpy(name, pi.name, BPF_OBJ_NAME_LEN);
	name[BPF_OBJ_NAME_LEN - 1] = '\0';
}

static int prog_index(const char *name)
{
	for (int i = 0; i < LSM_N_HOOKS; i++)
		if (streq(name, lsm_prog_names[i]))
			return i;
	return -1;
}

static unsigned int links_pinned(void)
{
	unsigned int n = 0;
	for (int i = 0; i < LSM_N_HOOKS; i++) {
		char path[PATH_MAX], name[BPF_OBJ_NAME_LEN];
		if (lsm_path(path, sizeof(path), lsm_pin_dir(), lsm_link_pins[i]) < 0)
			continue;
		_cleanup_close_ int fd = sysbpf_obj_get(path);
		if (fd < 0)
			continue;
		link_prog_name(fd, name);
		if (prog_index(name) == i)
			n++;
	}
	return n;
}

/* Every LSM link in the kernel whose program is named like one of ours,
 * pinned or held by some process: what `disable` must bring to zero. */
static int live_links(void)
{
	uint32_t id = 0;
	int n = 0;
	for (;;) {
		char name[BPF_OBJ_NAME_LEN];
		int r = sysbpf_link_next_id(id, &id);
		if (r == -ENOENT)
			return n;
		if (r < 0)
			return r;
		_cleanup_close_ int fd = sysbpf_link_fd_by_id(id);
		if (fd < 0)
			continue; /* gone meanwhile */
		link_prog_name(fd, name);
		if (prog_index(name) >= 0)
			n++;
	}
}

/* Our LSM programs the kernel still has, attached or not. */
static int live_progs(void)
{
	uint32_t id = 0;
	int n = 0;
	for (;;) {
		struct bpf_prog_info pi;
		uint32_t len = sizeof(pi);
		int r = sysbpf_prog_next_id(id, &id);
		if (r == -ENOENT)
			return n;
		if (r < 0)
			return r;
		_cleanup_close_ int fd = sysbpf_prog_fd_by_id(id);
		if (fd < 0)
			continue; /* gone meanwhile */
		memset(&pi, 0, sizeof(pi));
		if (sysbpf_obj_info(fd, &pi, &len) < 0 || pi.type != BPF_PROG_TYPE_LSM)
			continue;
		pi.name[BPF_OBJ_NAME_LEN - 1] = '\0';
		if (prog_index(pi.name) >= 0)
			n++;
	}
}

static unsigned int count_requests(void)
{
	struct lsm_req_key k, next;
	unsigned int n = 0;
	_cleanup_close_ int map = lsm_open_map(LSM_MAP_REQUESTS);
	if (map < 0)
		return 0;
	const void *prev = NULL;
	while (n < LSM_REQUESTS_MAX && sysbpf_map_next_key(map, prev, &next) == 0) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

static int read_counters(struct lsm_status *st)
{
	_cleanup_close_ int cnt = lsm_open_map(LSM_MAP_COUNTERS);
	if (cnt < 0)
		return cnt;
	_cleanup_close_ int rep = lsm_open_map(LSM_MAP_REPORTED);
	for (uint32_t i = 0; i < LSM_CNT_MAX; i++) {
		int r = sysbpf_map_lookup(cnt, &i, &st->counters[i]);
		if (r < 0)
			return r;
		if (rep >= 0 && sysbpf_map_lookup(rep, &i, &st->reported[i]) < 0)
			st->reported[i] = 0;
	}
	return 0;
}

int lsm_status_read(struct lsm_status *st)
{
	struct lsm_config c;
	memset(st, 0, sizeof(*st));
	st->live_links = live_links();
	if (access(lsm_pin_dir(), F_OK) < 0)
		return errno == ENOENT ? 0 : -errno;
	st->pinned = true;
	st->links_pinned = links_pinned();
	int r = lsm_config_read(&c);
	if (r == 0) {
		st->abi = c.abi;
		st->flags = c.flags;
		st->abi_ok = c.abi == LSM_ABI_VERSION;
	}
	if (st->abi_ok) {
		r = read_counters(st);
		if (r < 0)
			return r;
		st->requests = count_requests();
	}
	return 0;
}

bool lsm_status_attached(const struct lsm_status *st)
{
	return st->pinned && st->links_pinned == LSM_N_HOOKS;
}

int lsm_disable(void)
{
	_cleanup_close_ int dir = open(lsm_pin_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -errno;
	/* Links first: the kernel stops calling the program before its maps go.
	 * Then everything else in the directory, ours or not: it is ours. */
	for (int i = 0; i < LSM_N_HOOKS; i++)
		if (unlinkat(dir, lsm_link_pins[i], 0) < 0 && errno != ENOENT)
			return -errno;
	DIR *d = fdopendir(dup(dir));
	if (!d)
		return -errno;
	int r = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (streq(e->d_name, ".") || streq(e->d_name, ".."))
			continue;
		if (unlinkat(dir, e->d_name, 0) < 0 && errno != ENOENT && r == 0)
			r = -errno;
	}
	closedir(d);
	if (r < 0)
		return r;
	if (rmdir(lsm_pin_dir()) < 0)
		return -errno;
	/* The kernel lets go of a link whose last pin went in a worker of its
	 * own, a little later: it frees the link's id, detaches the program,
	 * then drops it. A load right after `disable` could still be refused
	 * (seen under qemu's TCG). So wait until no link of ours is left, then
	 * until no program: a caller that returns from here may load. A link a
	 * process holds stays (the caller says so), and a program someone
	 * holds with no link calls nothing, so both waits are bounded. */
	for (int ms = 0; ms < LSM_DETACH_WAIT_MS && live_links() > 0; ms++)
		sleep_ms(1);
	for (int ms = 0; ms < LSM_PROG_WAIT_MS && live_progs() > 0; ms++)
		sleep_ms(1);
	return 0;
}
