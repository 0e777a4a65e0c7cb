/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The contract between the BPF program (modgate.bpf.c, in the kernel) and the
 * privileged userspace that loads it and talks to its pinned maps (the C files of lsm/).
 * Both sides include this file: only fixed-width __u8/__u32/__u64 types, which
 * each side declares before including it (<linux/types.h> in userspace,
 * kernel-types.h in the BPF object), and explicit padding so the layout is the
 * same for the BPF target and the host.
 *
 * Pinned objects live in LSM_PIN_DIR. A change of any layout here bumps
 * LSM_ABI_VERSION: userspace refuses to write maps of a program it does not
 * know (`modgate lsm disable` then `enable` replaces it).
 */
#pragma once

#define LSM_ABI_VERSION 1

#define LSM_PIN_DIR "/sys/fs/bpf/modgate"

/* Map and program names (BPF object names are at most 15 characters). */
#define LSM_MAP_FILES	 "mg_files"
#define LSM_MAP_REQUESTS "mg_requests"
#define LSM_MAP_COUNTERS "mg_counters"
#define LSM_MAP_CONFIG	 "mg_config"
#define LSM_MAP_REPORTED "mg_reported"

#define LSM_FILES_MAX	 64
#define LSM_REQUESTS_MAX 1024

/* A file the gate registered for one finit_module. dev is the kernel's own
 * encoding of the superblock's s_dev (MAJOR << 20 | MINOR), not glibc's
 * st_dev: see lsm_kdev() in pins.c. */
struct lsm_file_key {
	__u64 ino;
	__u32 dev;
	__u32 pad;
};

/* Who may pass it: only the registering process, named by its tgid in its own
 * pid namespace and that namespace's nsfs dev (kernel encoding) and inode, so
 * another root process holding the same memfd (through /proc/PID/fd) cannot
 * load it, and a gate inside a pid namespace still works. */
struct lsm_file_val {
	__u64 pidns_ino;
	__u32 pidns_dev;
	__u32 tgid;
};

/* kernel_module_request: the requester of one autoload, by module name as
 * request_module() formatted it (the helper gets the same string as argv). */
#define LSM_NAME_MAX 64
#define LSM_COMM_MAX 16

struct lsm_req_key {
	char name[LSM_NAME_MAX];
};

#define LSM_REQ_USERNS_OTHER 0x1u /* the requester's user namespace is not the initial one */
#define LSM_REQ_MIXED	     0x2u /* several requesters inside one window, not all alike */
#define LSM_REQ_REFUSED	     0x4u /* the program refused this request in the kernel */

struct lsm_req_val {
	__u64 first_ns;	 /* bpf_ktime_get_ns (CLOCK_MONOTONIC) of the first request */
	__u64 last_ns;	 /* ... and of the latest */
	__u64 cgroup_id; /* cgroup v2 id of the requester's cgroup */
	__u32 uid;	 /* the requester's uid in the initial user namespace */
	__u32 pid;	 /* its tgid in the initial pid namespace */
	__u32 count;	 /* requests recorded inside the window */
	__u32 flags;	 /* LSM_REQ_* */
	char comm[LSM_COMM_MAX];
};

/* A record older than this is another request: it is replaced, not merged.
 * The usermode helper starts within milliseconds; 10 s leaves room for a slow
 * boot without letting an old requester speak for a new one. */
#define LSM_REQ_WINDOW_NS 10000000000ull

/* Counters, one array slot each. */
enum lsm_counter {
	LSM_CNT_FILE_REFUSED = 0,      /* finit_module of a file the gate did not register */
	LSM_CNT_FILE_WOULD_REFUSE = 1, /* the same, permissive: let through */
	LSM_CNT_DATA_REFUSED = 2,      /* init_module */
	LSM_CNT_DATA_WOULD_REFUSE = 3,
	LSM_CNT_USERNS_REFUSED = 4, /* autoload from a non-initial user namespace */
	LSM_CNT_USERNS_WOULD_REFUSE = 5,
	LSM_CNT_FILE_ALLOWED = 6, /* finit_module of a registered file */
	LSM_CNT_REQUESTS = 7,	  /* autoload requests seen */
	LSM_CNT_MAX = 8,
};

/* The last event of a counter, for the status and the trail's aggregate.
 * Written without a lock: a reader may see a mix of two events' fields,
 * which is acceptable for a diagnostic and never used for a decision.
 *
 * What the gate already folded into its trail is kept apart, in mg_reported
 * (one __u64 per counter, written by userspace only): a syscall update of
 * this value would overwrite increments the program made meanwhile. */
struct lsm_counter_val {
	__u64 count; /* incremented atomically by the program */
	__u64 last_ns;
	__u32 last_uid;
	__u32 last_pid;
	char last_comm[LSM_COMM_MAX];
	char last_name[LSM_NAME_MAX]; /* module name (autoload) or empty */
};

/* mg_config[0]. Written by `modgate lsm enable`. */
#define LSM_CFG_ENFORCE	      0x1u /* refuse; without it, count "would refuse" and allow */
#define LSM_CFG_REFUSE_USERNS 0x2u /* refuse autoload from non-initial user namespaces */

struct lsm_config {
	__u32 abi;   /* LSM_ABI_VERSION of the program; 0 until userspace set the flags */
	__u32 flags; /* LSM_CFG_* */
};
