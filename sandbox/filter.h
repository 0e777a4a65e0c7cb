/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The seccomp allowlist of the sandboxed children: one table (seccomp.c), a
 * reason per syscall, a column of roles that may use it. Anything not in the
 * table kills the whole child (SCMP_ACT_KILL_PROCESS, seen by the parent as
 * SIGSYS), as does a syscall of another architecture or ABI.
 *
 * Not named seccomp.h: meson puts this directory on the include path, where
 * it would shadow libseccomp's <seccomp.h>.
 */
#pragma once

#include <linux/filter.h>
#include <stddef.h>

/* What a child does decides which rows of the table it gets. */
enum sandbox_role {
	SANDBOX_ROLE_DECOMPRESS = 1u << 0, /* child A: compressed file -> memfd */
	SANDBOX_ROLE_PARSE = 1u << 1,	   /* child B: sealed module -> facts */
};

/* How a row narrows a syscall's arguments. */
enum sandbox_arg_rule {
	SB_ARGS_ANY,	  /* no argument check */
	SB_ARGS_READ_FD,  /* arg0 is one of the child's input descriptors */
	SB_ARGS_WRITE_FD, /* arg0 is one of the child's output descriptors */
	SB_ARGS_MMAP,	  /* no PROT_EXEC; anonymous, or of an input descriptor */
	SB_ARGS_NOEXEC,	  /* arg2 (prot) without PROT_EXEC */
	SB_ARGS_MADVISE,  /* only advice that gives memory back */
	SB_ARGS_FUTEX_WAKE, /* FUTEX_WAKE_PRIVATE only: no waiting, no shared futexes */
};

struct sandbox_syscall {
	const char *name;
	unsigned int roles; /* enum sandbox_role bits */
	enum sandbox_arg_rule args;
	const char *why;
};

extern const struct sandbox_syscall sandbox_syscalls[];
extern const size_t sandbox_n_syscalls;

/* The descriptors the argument rules refer to. */
struct sandbox_fdset {
	const int *in; /* read-only inputs */
	size_t n_in;
	const int *out; /* outputs, the reply pipe among them */
	size_t n_out;
};

/* Compile the table's rows for role into a BPF program (libseccomp: the
 * architecture check, the rules, KILL_PROCESS as the default), in *out,
 * malloc'd. Needs a descriptor (a memfd the program is exported through), so
 * a child calls it before its rlimits; the parent calls it once per role and
 * descriptor set (inspect/spawn.c) and every child inherits the result.
 * 0 or -errno. */
int sandbox_seccomp_compile(enum sandbox_role role, const struct sandbox_fdset *fds,
			    struct sock_fprog *out);
void sandbox_seccomp_release(struct sock_fprog *prog);

/* Load a compiled program into the calling process with seccomp(2) and no
 * flags, as libseccomp's own seccomp_load() does with its default
 * attributes. no_new_privs must already be set. 0 or -errno. */
int sandbox_seccomp_load(const struct sock_fprog *prog);

/* Both, in the calling process. 0 or -errno. */
int sandbox_seccomp_install(enum sandbox_role role, const struct sandbox_fdset *fds);
