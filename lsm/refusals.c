// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The program's refusals into the trail: each refusal counter that moved since
 * the last fold becomes one aggregated record, written by whoever folds next
 * (every gate run that reaches a decision, and `modgate lsm disable`).
 *
 * Exactly once. The program only ever adds to mg_counters (atomically, in
 * the kernel); what has reached the trail is a second number per counter, in
 * mg_reported, which only userspace writes. A fold is
 *
 *     lock; read both; record (count - reported); reported = count; unlock
 *
 * under flock(LOCK_EX) on the pin directory. Why a lock and not a
 * read-and-reset of the map itself:
 *  - resetting mg_counters from userspace loses increments: an array value
 *    cannot be deleted, and an update overwrites what the program added
 *    between our read and our write; a hash map's lookup-and-delete is atomic
 *    against other syscalls, but a program that looked the element up just
 *    before adds to an unlinked copy;
 *  - a token in a map (lookup-and-delete it to fold, put it back after) is
 *    atomic between gate runs, but a run killed while holding it would stop
 *    every later fold; the kernel drops a flock when its holder dies.
 * Two gate runs that race (udev's coldplug starts many) therefore fold one
 * after the other, and the second finds nothing new. The record is written
 * before mg_reported moves, so a run killed in between leaves the counts to
 * be recorded again by the next one (at least once), never lost.
 *
 * Cost when the program is not attached: one failed open() of the pin
 * directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "common/macros.h"
#include "lsm/internal.h"
#include "lsm/lsm.h"
#include "lsm/sysbpf.h"

static const char *const reasons[LSM_CNT_MAX] = {
	[LSM_CNT_FILE_REFUSED] = "kernel: finit_module of a file the gate did not register",
	[LSM_CNT_FILE_WOULD_REFUSE] = "kernel: finit_module of a file the gate did not register",
	[LSM_CNT_DATA_REFUSED] = "kernel: init_module",
	[LSM_CNT_DATA_WOULD_REFUSE] = "kernel: init_module",
	[LSM_CNT_USERNS_REFUSED] = "kernel: autoload from a non-initial user namespace",
	[LSM_CNT_USERNS_WOULD_REFUSE] = "kernel: autoload from a non-initial user namespace",
};

bool lsm_counter_is_refusal(enum lsm_counter c)
{
	return c < LSM_CNT_MAX && reasons[c] != NULL;
}

static bool would(enum lsm_counter c)
{
	return c == LSM_CNT_FILE_WOULD_REFUSE || c == LSM_CNT_DATA_WOULD_REFUSE ||
	       c == LSM_CNT_USERNS_WOULD_REFUSE;
}

static void describe(enum lsm_counter c, const struct lsm_counter_val *v, uint64_t delta,
		     struct lsm_refusal *out)
{
	*out = (struct lsm_refusal){
		.counter = c,
		.count = delta,
		.would = would(c),
		.autoload = c == LSM_CNT_USERNS_REFUSED || c == LSM_CNT_USERNS_WOULD_REFUSE,
		.reason = reasons[c],
		.last_ns = v->last_ns,
		.last_uid = v->last_uid,
		.last_pid = v->last_pid,
	};
	memcpy(out->comm, v->last_comm, LSM_COMM_MAX);
	out->comm[LSM_COMM_MAX] = '\0';
	memcpy(out->name, v->last_name, LSM_NAME_MAX);
	out->name[LSM_NAME_MAX] = '\0';
}

/* Under the lock: record each counter that moved, then mark exactly the value
 * recorded as folded (what the program added since is the next fold's). */
static int fold_locked(lsm_refusal_fn record, void *data)
{
	struct lsm_counter_val v;
	struct lsm_refusal rf;
	int n = 0, r;

	_cleanup_close_ int cnt = lsm_open_map(LSM_MAP_COUNTERS);
	if (cnt < 0)
		return cnt;
	_cleanup_close_ int rep = lsm_open_map(LSM_MAP_REPORTED);
	if (rep < 0)
		return rep;
	for (uint32_t i = 0; i < LSM_CNT_MAX; i++) {
		uint64_t reported;
		if (!lsm_counter_is_refusal(i))
			continue;
		if ((r = sysbpf_map_lookup(cnt, &i, &v)) < 0 ||
		    (r = sysbpf_map_lookup(rep, &i, &reported)) < 0)
			return r;
		if (v.count == reported)
			continue;
		/* counters only grow; a smaller one is a reset map: all of it is new */
		describe(i, &v, v.count > reported ? v.count - reported : v.count, &rf);
		r = record(&rf, data);
		if (r < 0)
			return r; /* not marked: the next fold records it */
		r = sysbpf_map_update(rep, &i, &v.count, BPF_ANY);
		if (r < 0)
			return r;
		n++;
	}
	return n;
}

/* `disable` may have emptied the directory while this waited for the lock. */
static int fold_locked_checked(lsm_refusal_fn record, void *data)
{
	struct lsm_config c;
	int r = lsm_config_read(&c);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (c.abi != LSM_ABI_VERSION)
		return -EPROTO;
	return fold_locked(record, data);
}

int lsm_refusals_fold(lsm_refusal_fn record, void *data)
{
	_cleanup_close_ int dir = open(lsm_pin_dir(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	/* not attached; or not root (bpffs is 0700), who cannot read the maps */
	if (dir < 0)
		return errno == ENOENT || errno == EACCES ? 0 : -errno;
	if (flock(dir, LOCK_EX) < 0)
		return -errno;
	int r = fold_locked_checked(record, data);
	/* explicitly: a child forked meanwhile would hold the descriptor, and
	 * with it the lock, past our close() */
	flock(dir, LOCK_UN);
	return r;
}
