/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Running one sandboxed child and collecting its one reply, from the
 * privileged parent. The child side (what the child does before its role
 * function) is sandbox/child.h.
 *
 * The reply is read with read() from a pipe (a pipe carries no descriptors),
 * against a wall-clock deadline; past it the child is killed and reaped. A
 * reply counts only if the child exited 0 after writing exactly one message
 * whose framing and fields pass inspect/reply.c's rules; anything else is an
 * error sentence in `err`, and no reply.
 *
 * The caller must not ignore SIGCHLD (SIG_IGN reaps children behind our back).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/strbuf.h"
#include "sandbox/child.h"

struct child_reply {
	uint32_t type; /* enum wire_type */
	uint8_t *body; /* the message's fields, len bytes, validated by reply_check() */
	size_t len;
};

void child_reply_release(struct child_reply *r);

/* A started child, for callers that keep several running (depmod's pool). */
struct child_proc {
	pid_t pid;
	int pidfd; /* child_pidfd(): -1 until needed, or where pidfd_open is missing */
	bool pidfd_tried;
	int reply_fd; /* read end of the reply pipe, non-blocking */
	unsigned int timeout_ms;
	uint64_t deadline_ns; /* CLOCK_MONOTONIC */
};

/* The zygote that creates children (sandbox/zygote.h). Started for the third
 * child (one file takes one or two: for those it would cost a process more
 * than it saves); child_zygote_start() starts it earlier, while the process is small
 * (each child's fork copies the zygote's page tables, not ours). 0, or
 * -errno when there is none (children are then forked from here). */
int child_zygote_start(void);
/* Close its socket and reap it; the next child starts a new one. */
void child_zygote_stop(void);
/* false: stop it and fork every child here (tests; the fallback path). */
void child_zygote_enable(bool on);
/* Its pid, or -1 (tests). */
pid_t child_zygote_pid(void);

/* Start a child that runs sandbox_child_main(p, <pipe>, fn, arg): made by the
 * zygote when p->arg_len allows, else forked here. The deadline starts now. 0 or -errno (nothing to clean up then). */
int child_start(const struct sandbox_params *p, sandbox_fn fn, void *arg, unsigned int timeout_ms,
		struct child_proc *c);

/* A pidfd of c's child, opened on first use and closed with c; -1 where
 * the kernel has none (before Linux 5.3). */
int child_pidfd(struct child_proc *c);

/* Read the reply, reap the child, validate. Always reaps and closes c. */
int child_finish(struct child_proc *c, struct child_reply *out, struct strbuf *err);

/* Both. 0: *out holds a valid reply (any message type: check out->type).
 * -ETIMEDOUT (killed at the deadline), -ECHILD (killed by a signal, or a
 * non-zero exit), -EPROTO (no, an incomplete or an invalid reply), or -errno
 * of the fork itself; err says which in one sentence. */
int child_run_and_read(const struct sandbox_params *p, sandbox_fn fn, void *arg,
		       unsigned int timeout_ms, struct child_reply *out, struct strbuf *err);
