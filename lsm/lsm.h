/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel side of the gate, seen from the privileged parent.
 *
 * The BPF LSM program (modgate.bpf.c) is attached by `modgate lsm enable`,
 * which pins its links and maps under LSM_PIN_DIR so it outlives the command;
 * `modgate lsm disable` removes the pins, which detaches it. While it is
 * attached the kernel refuses every module load except a file the gate
 * registered for that load, and it records who asked for each autoload.
 *
 * The gate's calls (register, unregister, requester lookup, refusals) use
 * plain bpf(2) on the pinned maps and work in every build; only enabling
 * needs the program, which a build without clang/bpftool/libbpf lacks
 * (lsm_built() says which).
 *
 * Functions return 0 (or a documented positive value) or -errno; none logs.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "lsm/abi.h"

/* ---- for the gate (loader/) ---- */

/* Allow the kernel to load the file behind fd (the sealed memfd, which must
 * be on tmpfs/shmem) once, by this process. 1 registered, 0 nothing to do
 * (the program is not attached), -errno otherwise; the caller must not call
 * finit_module after an error, the kernel would refuse it anyway. */
int lsm_register_file(int fd);
/* Drop a registration (the kernel consumed it if the load read the file).
 * 0, or -errno when the map exists but the entry could not be removed. */
int lsm_unregister_file(int fd);

struct lsm_requester {
	uint32_t uid;	    /* in the initial user namespace */
	uint32_t pid;	    /* in the initial pid namespace */
	bool userns_other;  /* not the initial user namespace */
	bool mixed;	    /* several unlike requesters in one window: the record
			       holds the most restricted one */
	bool refused;	    /* the kernel refused the request already */
	uint64_t cgroup_id; /* cgroup v2 id; lsm_cgroup_path() names it */
	uint32_t count;	    /* requests merged into this record */
	uint64_t age_ns;    /* since the latest request */
	char comm[LSM_COMM_MAX + 1];
};

/* The requester of the autoload the kernel asked the helper for: name is the
 * helper's argument, exactly as request_module() formatted it. 0 found,
 * -ENOENT when the program is not attached, never saw it, or saw it longer
 * ago than LSM_REQ_WINDOW_NS (another request's requester must never speak
 * for this one). */
int lsm_requester_lookup(const char *name, struct lsm_requester *out);

/* The cgroup v2 path (as in /proc/PID/cgroup: "/", "/user.slice/...") of a
 * cgroup id. -ENOENT when no cgroup2 hierarchy is mounted or the cgroup is
 * gone, -ENAMETOOLONG when it does not fit. */
int lsm_cgroup_path(uint64_t cgroup_id, char *buf, size_t size);

/* A refusal counter that moved since the last fold, for one aggregated trail
 * record (refusals.c says how each is folded exactly once). */
struct lsm_refusal {
	enum lsm_counter counter;
	uint64_t count;	    /* refusals since the last fold */
	bool would;	    /* permissive: counted "would refuse", let through */
	bool autoload;	    /* a kernel_module_request refusal */
	const char *reason; /* "kernel: init_module", ... */
	/* The latest of them. Written by the program without a lock, so the
	 * fields may mix two events: a diagnostic, never used to decide. */
	uint64_t last_ns; /* CLOCK_MONOTONIC */
	uint32_t last_uid, last_pid;
	char comm[LSM_COMM_MAX + 1];
	char name[LSM_NAME_MAX + 1]; /* autoload: the name asked for; else "" */
};
/* Record one aggregate: 0, or -errno to leave it (and the rest) unfolded. */
typedef int (*lsm_refusal_fn)(const struct lsm_refusal *rf, void *data);
/* Call record for every refusal counter that moved since the last fold, with
 * other folds (other processes) locked out, and mark what it recorded. The
 * number of aggregates recorded; 0 when the program is not attached (one
 * failed open(), nothing else) or the caller is not root; -EPROTO for a
 * program of another ABI; record's error or the kernel's -errno. */
int lsm_refusals_fold(lsm_refusal_fn record, void *data);
/* Refusal counters (the ones a fold records). */
bool lsm_counter_is_refusal(enum lsm_counter c);

/* ---- for the administrator (tools/lsm.c) ---- */

/* Can this binary load the program? */
bool lsm_built(void);

struct lsm_settings {
	bool enforce;	    /* the gate's effective mode is enforce */
	bool refuse_userns; /* refuse autoloads from non-initial user namespaces */
};

/* Load, attach and pin, or (already attached) just write the settings.
 * 0 attached now, 1 it was attached and its settings are now s. -EOPNOTSUPP
 * when not built; the kernel's errno otherwise (lsm_last_log() then holds
 * libbpf's and the verifier's explanation, when there is one). */
int lsm_enable(const struct lsm_settings *s);
const char *lsm_last_log(void);

/* Unpin everything, which detaches the program unless another process still
 * holds a link. 0, or -ENOENT when nothing was pinned. */
int lsm_disable(void);

#define LSM_N_HOOKS 4
extern const char *const lsm_hook_names[LSM_N_HOOKS]; /* kernel_read_file, ... */
extern const char *const lsm_prog_names[LSM_N_HOOKS]; /* mg_read_file, ... */
extern const char *const lsm_link_pins[LSM_N_HOOKS];  /* link_read_file, ... */
extern const char *const lsm_map_pins[5];	      /* mg_files, ... */

struct lsm_status {
	bool pinned;		   /* LSM_PIN_DIR exists */
	unsigned int links_pinned; /* link pins that name our programs */
	int live_links;		   /* links of programs named like ours, pinned or not;
				      -errno when the kernel would not list them */
	bool abi_ok;		   /* mg_config speaks this build's LSM_ABI_VERSION */
	uint32_t abi;
	uint32_t flags; /* LSM_CFG_* */
	struct lsm_counter_val counters[LSM_CNT_MAX];
	uint64_t reported[LSM_CNT_MAX];
	unsigned int requests; /* records in mg_requests */
};

/* 0, with st->pinned false when not attached. */
int lsm_status_read(struct lsm_status *st);
/* Attached: every hook's link is pinned (live_links may add stray ones). */
bool lsm_status_attached(const struct lsm_status *st);
/* "file-refused", "requests", ... */
const char *lsm_counter_name(enum lsm_counter c);

/* Every requester record, for `modgate lsm status --requests`. The callback's
 * non-zero return stops the walk and is returned. */
typedef int (*lsm_requester_fn)(const char *name, const struct lsm_requester *r, void *data);
int lsm_requesters_foreach(lsm_requester_fn fn, void *data);
