/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Who is asking, and in which context: autoload (the kernel's usermode
 * helper), udev, boot, or cli.
 *
 * Contexts are ordered by how much a policy should trust them to ask, the
 * narrowest first: autoload > udev > boot > cli. Every piece of evidence can
 * only move the result towards the narrow end, never back:
 *
 *   autoload  an ancestor of this process is a kernel thread (PF_KTHREAD in
 *             /proc/PID/stat): user space cannot make a kernel thread the
 *             parent of anything; request_module()'s helper (argv
 *             "-q -- NAME", fixed environment) is the routine case
 *   udev      an ancestor is udevd or one of its workers
 *   boot      modgate's modules-load unit (`modgate modules-load`, started
 *             by PID 1), or any invocation whose parent is PID 1 (a service
 *             such as modprobe@.service)
 *   cli       none of the above
 *
 * plus MODGATE_CONTEXT inherited from an outer modgate (install commands get
 * it in their fixed environment): taken only when narrower than what the
 * evidence shows, so setting it can never widen anything. The argv shape and
 * the helper's environment are not evidence: any user can reproduce them.
 *
 * The caller's identity is read from /proc/self (uid, loginuid, session,
 * controlling terminal) and the parent (its executable) through the kernel
 * seam where the file is kernel-provided.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy/request.h"

/* The environment variable an outer modgate passes to nested invocations. */
#define GATE_CONTEXT_ENV "MODGATE_CONTEXT"

/* How far up the parent chain evidence is looked for. */
#define CONTEXT_MAX_DEPTH 32

/* PF_KTHREAD in include/linux/sched.h: stable since 2.6.27. */
#define CONTEXT_PF_KTHREAD 0x00200000u

struct gate_context {
	enum policy_context context;
	char evidence[160]; /* one phrase: why this context */
	uint32_t uid;	    /* real uid: a setuid helper shows its caller */
	uint32_t auid;	    /* POLICY_AUID_UNSET when no login set it */
	int64_t ses;	    /* -1 when unset */
	pid_t pid, ppid;
	char *exe;    /* the parent's executable, or "[comm]" for a kernel thread */
	char tty[32]; /* "pts/3", "tty1", "ttyS0", "console", or "" */
};

/* The fields of /proc/PID/stat the detection needs. */
struct proc_stat {
	pid_t pid, ppid;
	char comm[32];
	unsigned int flags;
	unsigned int tty_nr;
};

/* Parse the text of /proc/PID/stat (the comm may hold spaces and ')').
 * 0 or -EINVAL. */
int proc_stat_parse(const char *text, struct proc_stat *out);

/* A tty device number as the audit system names terminals; "" for none or
 * an unknown device. */
void context_tty_name(unsigned int tty_nr, char *buf, size_t size);

/* "autoload", ...; and back (-1 for an unknown word). */
const char *context_name(enum policy_context c);
int context_from_name(const char *s);
/* Narrowness: autoload 3, udev 2, boot 1, cli 0. */
int context_rank(enum policy_context c);

/* Detect the context. boot_entry: this process is `modgate modules-load`.
 * Never fails. Evidence that cannot be read (no /proc, a permission error)
 * gives the narrowest context, autoload: not knowing is no reason to trust
 * more. An ancestor that exited during the walk ends it (its children were
 * reparented; a kernel thread waiting for its helper does not exit). */
void context_detect(bool boot_entry, struct gate_context *out);
void context_release(struct gate_context *c);
