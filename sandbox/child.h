/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The sandboxed child: what a freshly forked child does before it touches any
 * untrusted byte, then the role function it runs. The parent half (fork,
 * reading the reply, reaping) is inspect/spawn.h.
 *
 * Setup order (sandbox_enter), each step for a reason:
 *   1. signal handlers back to default, parent-death signal: no parent code
 *      runs in the child, no child outlives the parent
 *   2. close every descriptor but the role's inputs and outputs
 *   3. drop to an unprivileged uid/gid, clear capabilities and the bounding
 *      set (libcap-ng), where the process may (see sandbox_drop_privileges)
 *   4. non-dumpable (after 3: a uid change resets it), no_new_privs
 *   5. params->prepare(): e.g. OpenSSL initialisation, which reads files
 *   6. rlimits: address space, CPU time, file size = the output cap, no new
 *      processes or descriptors, no core dumps
 *   7. the seccomp filter for the role (sandbox/seccomp.c); failure is fatal.
 *      Compiled by the parent before the fork when it can (params->filter),
 *      else here between 5 and 6 (compiling needs a descriptor)
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/macros.h"
#include "sandbox/filter.h"

/* The role function: runs with the filter on, writes one reply to reply_fd.
 * 0 → the child exits 0; anything else → SANDBOX_EXIT_FN. */
typedef int (*sandbox_fn)(void *arg, int reply_fd);

struct sandbox_params {
	enum sandbox_role role;
	const int *in_fds; /* descriptors the child may read (and mmap) */
	size_t n_in_fds;
	const int *out_fds; /* descriptors it may write, besides the reply pipe */
	size_t n_out_fds;
	uint64_t fsize_limit;	   /* RLIMIT_FSIZE: what it may write to a file (0: nothing) */
	uint64_t as_headroom;	   /* RLIMIT_AS = what is mapped at fork + this; 0: no limit */
	unsigned int cpu_seconds;  /* RLIMIT_CPU soft limit; 0: none */
	uid_t uid;		   /* where the process may change ids: 0 → 65534 */
	gid_t gid;		   /* 0 → 65534 */
	int (*prepare)(void *arg); /* step 5; NULL: nothing; non-zero fails the child */
	/* The bytes of *arg the child reads, when arg holds no pointer (only
	 * numbers and descriptor numbers): then a zygote can copy it and create
	 * the child (sandbox/zygote.h). 0 with a non-NULL arg: the parent forks
	 * the child itself. */
	size_t arg_len;
	bool keep_stderr;	   /* debugging only: leave fd 2 open */
	/* Step 7's program, compiled by the parent for exactly this role and
	 * these descriptors (sandbox_compile_filter with the same reply_fd);
	 * NULL: the child compiles it itself. */
	const struct sock_fprog *filter;
};

/* Exit codes of a child that failed before or in its role function. The
 * parent names them (sandbox_exit_reason); a hostile child may fake one,
 * which only changes the wording of an error. */
enum sandbox_exit {
	SANDBOX_EXIT_FN = 1,
	SANDBOX_EXIT_SIGNALS = 110,
	SANDBOX_EXIT_FDS = 111,
	SANDBOX_EXIT_PRIVS = 112,
	SANDBOX_EXIT_PRCTL = 113,
	SANDBOX_EXIT_PREPARE = 114,
	SANDBOX_EXIT_RLIMIT = 115,
	SANDBOX_EXIT_SECCOMP = 116,
};

/* NULL for an unknown code. */
const char *sandbox_exit_reason(int code);

/* The filter a child with p and reply_fd installs, compiled (into *out,
 * release with sandbox_seccomp_release). 0 or -errno. */
int sandbox_compile_filter(const struct sandbox_params *p, int reply_fd, struct sock_fprog *out);

/* Steps 1-7 in the calling (freshly forked, single-threaded) process.
 * 0, or the enum sandbox_exit code of the step that failed. */
int sandbox_enter(const struct sandbox_params *p, int reply_fd, void *arg);

/* The zygote's share of sandbox_enter, done once in the zygote: steps 1, 3
 * (to nobody) and 4, and every descriptor closed but keep_fd and stderr.
 * 0 or an enum sandbox_exit code. */
int sandbox_enter_once(int keep_fd);

/* In the zygote, once its set-up is done and before its first child: its
 * size now is every child's size at birth, the base of their RLIMIT_AS. */
void sandbox_zygote_ready(void);

/* The rest, in a child the zygote created for `parent` (steps 2, the
 * parent-death signal, 5, 6, 7; p->filter is required). 0 or an enum
 * sandbox_exit code. */
int sandbox_enter_spawned(const struct sandbox_params *p, int reply_fd, void *arg, pid_t parent);

/* The whole child: sandbox_enter, then fn, then _exit. */
_noreturn_ void sandbox_child_main(const struct sandbox_params *p, int reply_fd, sandbox_fn fn,
				   void *arg);

/* Step 3 alone. Drops what the process may: uid/gid and supplementary groups
 * when it holds CAP_SETUID/CAP_SETGID; the bounding set with CAP_SETPCAP; all
 * capabilities always. Fails only when a drop the process should be able to
 * do does not happen: in the initial user namespace with CAP_SETUID, the ids
 * must change. -errno or 0. */
int sandbox_drop_privileges(uid_t uid, gid_t gid);
