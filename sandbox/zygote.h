/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The zygote: a small, already unprivileged process that creates the
 * sandboxed children, so that each child costs a fork of a small address
 * space plus its per-role steps (descriptors, rlimits, filter) instead of a
 * fork of the privileged parent plus every sandbox step.
 *
 * Who it is: a fork of the parent, made before the parent loads much (the
 * parent's half is inspect/spawn.c). Once, at birth, it does the steps every
 * child would otherwise repeat (sandbox/child.h steps 1, 3, 4 and OpenSSL's
 * set-up) and closes every descriptor but its socket and stderr. It never
 * reads a byte of a module: it holds the children's descriptors only between
 * receiving them and handing them to a new child.
 *
 * Protocol (a SOCK_SEQPACKET socketpair; only the parent holds the other
 * end): the parent sends one struct zygote_request (up to the last filter
 * instruction it uses, zygote_request_size()) with the child's
 * descriptors attached (SCM_RIGHTS); the zygote answers one struct
 * zygote_answer with the new child's pid or -errno. The child is created
 * with CLONE_PARENT, so it is the parent's own child: the parent reaps it,
 * kills it at the deadline and reads its exit status exactly as for a child
 * it forked itself. Function pointers in the request are valid because the
 * zygote is a fork of the same image (same mappings, no exec).
 *
 * In the child, each descriptor gets the number it has in the parent, so
 * the seccomp program the parent compiled for those numbers, and the job
 * structure (which names descriptors by number), hold unchanged.
 */
#pragma once

#include <linux/filter.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/macros.h"
#include "sandbox/child.h"

#define ZYGOTE_MAGIC	  0x7a79676fu /* "zygo" */
#define ZYGOTE_ARG_MAX	  256	      /* bytes of the job structure */
#define ZYGOTE_MAX_FDS	  16	      /* reply pipe, inputs, outputs */
#define ZYGOTE_FILTER_MAX 1024	      /* BPF instructions */
/* Children a zygote makes before it moves its image to huge pages
 * (sandbox/zygote-maps.h): the move costs ~2 ms (6 MiB copied, the code
 * faulted in to be read, three huge pages cleared; more when the kernel
 * must compact memory for them) and saves ~20 us a child, so a zygote that
 * makes a handful (one modprobe) never pays for it, and one that makes
 * thousands (verify) soon gets it back. */
#define ZYGOTE_HUGE_AFTER 64

struct zygote_request {
	uint32_t magic;
	uint32_t role; /* enum sandbox_role */
	sandbox_fn fn;
	int (*prepare)(void *arg);
	uint64_t fsize_limit;
	uint64_t as_headroom;
	uint32_t cpu_seconds;
	uint32_t keep_stderr;
	int32_t parent_pid; /* the child's parent-to-be, checked after PDEATHSIG */
	int32_t reply_fd;
	/* The attached descriptors, in order, and the number each must have in
	 * the child: distinct numbers, one per SCM_RIGHTS descriptor. */
	uint32_t n_attached;
	int32_t attached[ZYGOTE_MAX_FDS];
	uint32_t n_in, n_out;
	int32_t in_fds[ZYGOTE_MAX_FDS];
	int32_t out_fds[ZYGOTE_MAX_FDS];
	uint32_t arg_len;
	uint32_t filter_len; /* instructions in filter[] */
	_Alignas(16) uint8_t arg[ZYGOTE_ARG_MAX];
	struct sock_filter filter[ZYGOTE_FILTER_MAX];
};

/* A request is sent with only the filter instructions it uses: ~1 KiB on
 * the socket instead of the whole 8.5 KiB structure. */
static inline size_t zygote_request_size(uint32_t filter_len)
{
	return offsetof(struct zygote_request, filter) +
	       (size_t)filter_len * sizeof(struct sock_filter);
}

struct zygote_answer {
	uint32_t magic;
	int32_t pid; /* > 0: the child; < 0: -errno, no child */
};

/* The zygote's life, in the freshly forked process: set-up, then one child
 * per request until the parent closes its end. Never returns. */
_noreturn_ void sandbox_zygote_main(int sock);
