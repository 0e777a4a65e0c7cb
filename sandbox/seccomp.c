// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The seccomp allowlist, as data. Each row: a syscall, the roles that may use
 * it, how its arguments are narrowed, and why the child needs it. The list
 * was found by tracing the children over the real Debian module trees
 * (strace -f, see sandbox/README.md); nothing is here "just in case".
 *
 * Not here, on purpose: open/openat (no file access at all), socket/connect,
 * clone/fork/execve (single-threaded, no new programs), ptrace, kill,
 * ioctl, fcntl, setuid & co (done before the filter), mprotect with
 * PROT_EXEC, and every "harmless" probe: a library that wants one dies, and
 * we learn about it in tests instead of granting it quietly.
 */
#include <errno.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/macros.h"
#include "sandbox/filter.h"
#include "sandbox/libseccomp-dl.h"

#define A SANDBOX_ROLE_DECOMPRESS
#define B SANDBOX_ROLE_PARSE

const struct sandbox_syscall sandbox_syscalls[] = {
	{"read", A | B, SB_ARGS_READ_FD,
	 "the input: the compressed file (A), the sealed module (B)"},
	{"pread64", A, SB_ARGS_READ_FD, "peek at the compression magic without moving the offset"},
	{"write", A | B, SB_ARGS_WRITE_FD,
	 "the reply pipe; the memfd the decompressed bytes go to (A)"},
	{"brk", A | B, SB_ARGS_ANY, "malloc's main heap"},
	{"mmap", A | B, SB_ARGS_MMAP, "large allocations; B maps the sealed module read-only"},
	{"munmap", A | B, SB_ARGS_ANY, "free of large allocations and of the module mapping"},
	{"mremap", A | B, SB_ARGS_ANY, "realloc of large blocks (cannot add PROT_EXEC)"},
	{"madvise", A | B, SB_ARGS_MADVISE, "malloc trimming freed memory (MADV_DONTNEED)"},
	{"exit_group", A | B, SB_ARGS_ANY, "_exit() after the reply"},
	{"sysinfo", B, SB_ARGS_ANY, "glibc's qsort() sizes its buffer by physical memory"},
	{"futex", B, SB_ARGS_FUTEX_WAKE,
	 "glibc's pthread_once() wakes waiters when an OpenSSL run-once set-up completes; the "
	 "parent no longer runs the ones a certificate inside a PKCS#7 blob needs"},
#if defined(__SANITIZE_ADDRESS__)
	/* Sanitizer builds only (never a release build): the ASan runtime's own
	 * bookkeeping inside the child. */
	{"madvise", A | B, SB_ARGS_ANY, "ASan allocator: MADV_NOHUGEPAGE on its shadow regions"},
	{"sigaltstack", A | B, SB_ARGS_ANY,
	 "ASan's _exit() interceptor tears down its signal stack"},
#endif
};

const size_t sandbox_n_syscalls = ARRAY_SIZE(sandbox_syscalls);

#undef A
#undef B

static int add_fd_rules(scmp_filter_ctx ctx, int nr, const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int r = libseccomp.seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
						    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)fds[i]));
		if (r < 0)
			return r;
	}
	return 0;
}

static int add_mmap_rules(scmp_filter_ctx ctx, int nr, const struct sandbox_fdset *fds)
{
	struct scmp_arg_cmp noexec = SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0);
	int r = libseccomp.seccomp_rule_add(
		ctx, SCMP_ACT_ALLOW, nr, 2, noexec,
		SCMP_A3(SCMP_CMP_MASKED_EQ, MAP_ANONYMOUS, MAP_ANONYMOUS));
	for (size_t i = 0; r >= 0 && i < fds->n_in; i++)
		r = libseccomp.seccomp_rule_add(
			ctx, SCMP_ACT_ALLOW, nr, 3, noexec,
			SCMP_A3(SCMP_CMP_MASKED_EQ, MAP_ANONYMOUS | MAP_SHARED, 0),
			SCMP_A4(SCMP_CMP_EQ, (scmp_datum_t)fds->in[i]));
	return r;
}

static int add_row(scmp_filter_ctx ctx, const struct sandbox_syscall *row,
		   const struct sandbox_fdset *fds)
{
	int nr = libseccomp.seccomp_syscall_resolve_name(row->name);
	if (nr == __NR_SCMP_ERROR)
		return 0; /* not a syscall on this architecture: nothing to allow */

	switch (row->args) {
	case SB_ARGS_ANY:
		return libseccomp.seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	case SB_ARGS_READ_FD:
		return add_fd_rules(ctx, nr, fds->in, fds->n_in);
	case SB_ARGS_WRITE_FD:
		return add_fd_rules(ctx, nr, fds->out, fds->n_out);
	case SB_ARGS_MMAP:
		return add_mmap_rules(ctx, nr, fds);
	case SB_ARGS_NOEXEC:
		return libseccomp.seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
						   SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	case SB_ARGS_MADVISE:
		return libseccomp.seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
						   SCMP_A2(SCMP_CMP_EQ, MADV_DONTNEED));
	case SB_ARGS_FUTEX_WAKE:
		return libseccomp.seccomp_rule_add(
			ctx, SCMP_ACT_ALLOW, nr, 1,
			SCMP_A1(SCMP_CMP_EQ, FUTEX_WAKE | FUTEX_PRIVATE_FLAG));
	}
	return -EINVAL;
}

/* libseccomp 2.5 exports only to a descriptor: a memfd, read back whole. */
static int export_program(scmp_filter_ctx ctx, struct sock_fprog *out)
{
	_cleanup_close_ int fd = (int)syscall(SYS_memfd_create, "modgate-bpf", MFD_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return -errno;
	int r = libseccomp.seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return r;
	if (fstat(fd, &st) < 0)
		return -errno;
	size_t len = (size_t)st.st_size, n = len / sizeof(struct sock_filter);
	if (len == 0 || len % sizeof(struct sock_filter) != 0 || n + 1 > BPF_MAXINSNS)
		return -EINVAL;
	struct sock_filter *insns = malloc(len + sizeof(*insns));
	if (!insns)
		return -ENOMEM;
	if (pread(fd, insns + 1, len, 0) != (ssize_t)len) {
		free(insns);
		return -EIO;
	}
	/* One instruction first, which changes no verdict: it loads an
	 * argument that the next one (libseccomp's arch check) overwrites.
	 * When a filter is attached, the kernel runs it through an emulator
	 * for every syscall number of every ABI to find the ones it always
	 * allows (its action cache), stopping at the first load of anything
	 * but the number or the arch. A child lives for a few dozen syscalls;
	 * that emulation, with interrupts off, was ~20 us of each one's
	 * seccomp() (sandbox/README.md). Starting with an argument load ends
	 * it at once; every syscall then runs the filter, tens of ns each.
	 * cBPF jumps are relative, so nothing after this moves. */
	insns[0] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						offsetof(struct seccomp_data, args[0]));
	*out = (struct sock_fprog){.len = (unsigned short)(n + 1), .filter = insns};
	return 0;
}

int sandbox_seccomp_compile(enum sandbox_role role, const struct sandbox_fdset *fds,
			    struct sock_fprog *out)
{
	scmp_filter_ctx ctx;
	int r;

	*out = (struct sock_fprog){0};
	if ((r = libseccomp_load()) < 0)
		return r;
	/* Default: kill the whole process, not just the thread, so the parent
	 * sees SIGSYS and no half-dead child is left writing a reply. */
	ctx = libseccomp.seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx)
		return -ENOMEM;
	/* seccomp_init() adds only the native architecture; any other ABI (i386
	 * via int 0x80, x32) gets this action before any rule is looked at. */
	r = libseccomp.seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	for (size_t i = 0; r >= 0 && i < sandbox_n_syscalls; i++)
		if (sandbox_syscalls[i].roles & (unsigned int)role)
			r = add_row(ctx, &sandbox_syscalls[i], fds);
	if (r >= 0)
		r = export_program(ctx, out);
	libseccomp.seccomp_release(ctx);
	return r < 0 ? r : 0;
}

void sandbox_seccomp_release(struct sock_fprog *prog)
{
	free(prog->filter);
	*prog = (struct sock_fprog){0};
}

int sandbox_seccomp_load(const struct sock_fprog *prog)
{
	if (!prog || !prog->filter || prog->len == 0)
		return -EINVAL;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, prog) < 0 ? -errno : 0;
}

int sandbox_seccomp_install(enum sandbox_role role, const struct sandbox_fdset *fds)
{
	struct sock_fprog prog;
	int r = sandbox_seccomp_compile(role, fds, &prog);

	if (r == 0)
		r = sandbox_seccomp_load(&prog);
	sandbox_seccomp_release(&prog);
	return r;
}
