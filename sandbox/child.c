// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Entering the sandbox in a freshly forked child (order and reasons in
 * sandbox/child.h). Runs before any untrusted byte is read, so it may use
 * files (/proc/self/uid_map) and libraries freely; the filter goes on last.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/fileio.h"
#include "sandbox/child.h"
#include "sandbox/libcapng-dl.h"

#define NOBODY	     65534
#define MAX_KEEP_FDS 16

static const char *const exit_reasons[] = {
	[SANDBOX_EXIT_FN] = "its role function failed",
	[SANDBOX_EXIT_SIGNALS] = "could not reset signal handlers",
	[SANDBOX_EXIT_FDS] = "could not close inherited descriptors",
	[SANDBOX_EXIT_PRIVS] = "could not drop privileges",
	[SANDBOX_EXIT_PRCTL] =
		"could not set no_new_privs, non-dumpable or the parent-death signal",
	[SANDBOX_EXIT_PREPARE] = "its preparation before the filter failed",
	[SANDBOX_EXIT_RLIMIT] = "could not set resource limits",
	[SANDBOX_EXIT_SECCOMP] = "could not install the seccomp filter",
};

const char *sandbox_exit_reason(int code)
{
	if (code < 0 || (size_t)code >= ARRAY_SIZE(exit_reasons))
		return NULL;
	return exit_reasons[code];
}

static int reset_signals(void)
{
	struct sigaction sa = {.sa_handler = SIG_DFL};
	sigset_t none;

	/* Handlers installed by the parent must not run here; ignored signals
	 * stay ignored by default too, which is not what a child wants either. */
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &sa, NULL); /* libc-reserved numbers refuse */
	sigemptyset(&none);
	return sigprocmask(SIG_SETMASK, &none, NULL) < 0 ? -errno : 0;
}

static void keep_insert(int *keep, size_t *n, int fd)
{
	size_t i = *n;
	while (i > 0 && keep[i - 1] > fd) {
		keep[i] = keep[i - 1];
		i--;
	}
	if (i > 0 && keep[i - 1] == fd) { /* duplicate: undo the shift */
		memmove(&keep[i], &keep[i + 1], (*n - i) * sizeof(int));
		return;
	}
	keep[i] = fd;
	(*n)++;
}

static int close_range_or_loop(unsigned int first, unsigned int last)
{
	if (syscall(SYS_close_range, first, last, 0) == 0)
		return 0;
	if (errno != ENOSYS)
		return -errno;
	/* Kernels before 5.9: walk up to the descriptor limit. */
	struct rlimit rl;
	unsigned int max = 65536;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < max)
		max = (unsigned int)rl.rlim_cur;
	for (unsigned int fd = first; fd <= last && fd < max; fd++)
		(void)close((int)fd);
	return 0;
}

static int close_other_fds(const struct sandbox_params *p, int reply_fd)
{
	int keep[MAX_KEEP_FDS];
	size_t n = 0;

	if (p->n_in_fds + p->n_out_fds + 2 > MAX_KEEP_FDS)
		return -E2BIG;
	keep_insert(keep, &n, reply_fd);
	for (size_t i = 0; i < p->n_in_fds; i++)
		keep_insert(keep, &n, p->in_fds[i]);
	for (size_t i = 0; i < p->n_out_fds; i++)
		keep_insert(keep, &n, p->out_fds[i]);
	if (p->keep_stderr)
		keep_insert(keep, &n, STDERR_FILENO);

	unsigned int next = 0;
	for (size_t i = 0; i < n; i++) {
		if (keep[i] < 0)
			return -EBADF;
		if ((unsigned int)keep[i] > next) {
			int r = close_range_or_loop(next, (unsigned int)keep[i] - 1);
			if (r < 0)
				return r;
		}
		next = (unsigned int)keep[i] + 1;
	}
	return close_range_or_loop(next, ~0u);
}

/* The initial user namespace maps all 2^32-1 ids onto themselves. Anywhere
 * else (unshare -r, a rootless container) an id change can fail for want of
 * a mapping, and that is not an attack. No /proc: assume the strict case. */
static bool in_initial_userns(void)
{
	_cleanup_free_ char *map = NULL;
	size_t len;
	unsigned long inner, outer, count;

	if (read_full_file("/proc/self/uid_map", 4096, &map, &len) < 0)
		return true;
	if (sscanf(map, "%lu %lu %lu", &inner, &outer, &count) != 3)
		return true;
	const char *nl = strchr(map, '\n');
	bool one_line = !nl || nl[1] == '\0';
	return one_line && inner == 0 && outer == 0 && count == 4294967295ul;
}

/* Raw syscalls, not libc's wrappers: fakeroot's LD_PRELOAD fakes set*id and
 * get*id, and the sandbox must see (and change) the kernel's ids. */
static int change_ids(uid_t uid, gid_t gid)
{
	if (syscall(SYS_setgroups, 0, NULL) < 0 || syscall(SYS_setresgid, gid, gid, gid) < 0 ||
	    syscall(SYS_setresuid, uid, uid, uid) < 0)
		return -errno;
	return 0;
}

static int check_ids(uid_t uid, gid_t gid)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	if (syscall(SYS_getresuid, &r, &e, &s) < 0 || syscall(SYS_getresgid, &rg, &eg, &sg) < 0)
		return -errno;
	if (r != uid || e != uid || s != uid || rg != gid || eg != gid || sg != gid ||
	    syscall(SYS_getgroups, 0, NULL) != 0)
		return -EPERM;
	return 0;
}

/* The capability sets as the kernel has them, with one capget: libcap-ng's
 * own query re-reads /proc/self/status each time, which is most of what the
 * drop costs. libcap-ng does the dropping. */
struct capsets {
	uint64_t effective, permitted, inheritable;
};

static int get_caps(struct capsets *c)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct data[2] = {{0}};

	/* Fail closed: a failed query reads as every capability held. */
	*c = (struct capsets){~0ull, ~0ull, ~0ull};
	if (syscall(SYS_capget, &hdr, data) < 0)
		return errno ? -errno : -EPERM;
	c->effective = (uint64_t)data[1].effective << 32 | data[0].effective;
	c->permitted = (uint64_t)data[1].permitted << 32 | data[0].permitted;
	c->inheritable = (uint64_t)data[1].inheritable << 32 | data[0].inheritable;
	return 0;
}

static bool has_cap(const struct capsets *c, unsigned int cap)
{
	return c->effective & (1ull << cap);
}

static int check_no_caps(void)
{
	struct capsets c;
	int r = get_caps(&c);
	if (r < 0)
		return r;
	return c.effective || c.permitted || c.inheritable ? -EPERM : 0;
}

/* The whole bounding set, by hand: libcap-ng's capng_clear() and
 * capng_apply(CAPNG_SELECT_BOUNDS) read /proc/self/status three times to
 * learn what our own loop learns from the kernel's EINVAL past the last
 * capability (sandbox/README.md has the cost). */
static int drop_bounding_set(void)
{
	unsigned long cap;

	for (cap = 0; prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0; cap++)
		;
	/* EPERM (no CAP_SETPCAP after all) or a kernel that knows no
	 * capabilities at all: not cleared. */
	return errno == EINVAL && cap > CAP_SETPCAP ? 0 : -EPERM;
}

int sandbox_drop_privileges(uid_t uid, gid_t gid)
{
	struct capsets caps;
	if (get_caps(&caps) < 0)
		return -EPERM;
	bool setpcap = has_cap(&caps, CAP_SETPCAP);
	bool setid = has_cap(&caps, CAP_SETUID) && has_cap(&caps, CAP_SETGID);

	/* The bounding set first: dropping it needs CAP_SETPCAP, which the id
	 * change below takes away. */
	if (setpcap && drop_bounding_set() < 0)
		return -EPERM;
	if (setid) {
		int r = change_ids(uid, gid);
		if (r == 0)
			r = check_ids(uid, gid);
		if (r < 0 && in_initial_userns())
			return r;
	}
	/* Whatever survived (a failed id change in a user namespace, a non-root
	 * process with file capabilities): gone now. Dropping is always allowed.
	 * libcap-ng is loaded already where the parent made this child
	 * (child_start); loading it here otherwise is still before the filter. */
	if (libcapng_load() < 0)
		return -EPERM;
	libcapng.capng_clear(CAPNG_SELECT_CAPS);
	if (libcapng.capng_apply(CAPNG_SELECT_CAPS) < 0)
		return -EPERM;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	return check_no_caps();
}

static int set_limit(int resource, uint64_t value)
{
	struct rlimit rl = {.rlim_cur = value, .rlim_max = value};
	return setrlimit(resource, &rl) < 0 ? -errno : 0;
}

/* Pages mapped now, the first field of /proc/self/statm; 0 if unknown.
 * Read into the stack and parsed by hand: a child spawned by the zygote
 * shares its heap copy-on-write, and malloc (which may consolidate the
 * inherited free lists) or stdio would copy pages for nothing. */
static uint64_t mapped_pages(void)
{
	char buf[128];
	ssize_t n;
	uint64_t pages = 0;
	int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0 || buf[0] < '0' || buf[0] > '9')
		return 0;
	for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
		if (__builtin_mul_overflow(pages, 10u, &pages) ||
		    __builtin_add_overflow(pages, (uint64_t)(buf[i] - '0'), &pages))
			return 0;
	return pages;
}

/* A zygote's size, taken once when it is ready (sandbox_zygote_ready): its
 * loop maps nothing, so every child it clones starts at this size, and the
 * child is spared a procfs open, read and close (verify-all of the 6.1
 * tree: 947 -> 911 ms). 0: unknown, the child reads its own. */
static uint64_t zygote_pages;

void sandbox_zygote_ready(void)
{
	zygote_pages = mapped_pages();
}

/* The child inherits the parent's whole address space (libraries, heap):
 * its limit is that plus the role's headroom. */
static int set_as_limit(uint64_t headroom)
{
	uint64_t pages, limit;

	/* ASan reserves terabytes of shadow address space up front; an address
	 * space limit would fail its every mapping. Sanitizer builds go without. */
#if defined(__SANITIZE_ADDRESS__)
	return 0;
#endif
	if (!headroom)
		return 0;
	pages = zygote_pages ? zygote_pages : mapped_pages();
	if (!pages)
		return 0; /* no /proc: the other limits and the filter still hold */
	if (__builtin_mul_overflow(pages, (uint64_t)sysconf(_SC_PAGESIZE), &limit) ||
	    __builtin_add_overflow(limit, headroom, &limit))
		return 0;
	return set_limit(RLIMIT_AS, limit);
}

static int set_rlimits(const struct sandbox_params *p)
{
	int r = set_as_limit(p->as_headroom);

	if (r == 0 && p->cpu_seconds) {
		/* SIGXCPU at the soft limit, SIGKILL one second later. */
		struct rlimit rl = {.rlim_cur = p->cpu_seconds, .rlim_max = p->cpu_seconds + 1};
		r = setrlimit(RLIMIT_CPU, &rl) < 0 ? -errno : 0;
	}
	/* A memfd counts as a file: the decompressor's cap is also its limit. */
	if (r == 0)
		r = set_limit(RLIMIT_FSIZE, p->fsize_limit);
	if (r == 0)
		r = set_limit(RLIMIT_NPROC, 0);
	if (r == 0)
		r = set_limit(RLIMIT_NOFILE, 0);
	if (r == 0)
		r = set_limit(RLIMIT_CORE, 0);
	if (r == 0)
		r = set_limit(RLIMIT_MEMLOCK, 0);
	return r;
}

static int set_process_flags(void)
{
	/* After the id change, which resets both the dumpable flag (to
	 * fs.suid_dumpable) and the parent-death signal. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 ||
	    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}

int sandbox_compile_filter(const struct sandbox_params *p, int reply_fd, struct sock_fprog *out)
{
	int outs[MAX_KEEP_FDS];

	*out = (struct sock_fprog){0};
	if (p->n_out_fds + 1 > MAX_KEEP_FDS)
		return -E2BIG;
	outs[0] = reply_fd;
	if (p->n_out_fds)
		memcpy(&outs[1], p->out_fds, p->n_out_fds * sizeof(int));
	struct sandbox_fdset fds = {
		.in = p->in_fds, .n_in = p->n_in_fds, .out = outs, .n_out = p->n_out_fds + 1};
	return sandbox_seccomp_compile(p->role, &fds, out);
}

/* Steps 5-7, the ones that depend on the role. */
static int enter_role(const struct sandbox_params *p, int reply_fd, void *arg)
{
	struct sock_fprog own = {0};
	const struct sock_fprog *filter = p->filter;

	if (p->prepare && p->prepare(arg) != 0)
		return SANDBOX_EXIT_PREPARE;
	/* Before the rlimits: no descriptor may be opened after them. */
	if (!filter) {
		if (sandbox_compile_filter(p, reply_fd, &own) < 0)
			return SANDBOX_EXIT_SECCOMP;
		filter = &own;
	}
	if (set_rlimits(p) < 0)
		return SANDBOX_EXIT_RLIMIT;
	/* Nothing is freed after the load: free() may madvise or munmap, and
	 * the child exits soon anyway. */
	if (sandbox_seccomp_load(filter) < 0)
		return SANDBOX_EXIT_SECCOMP;
	return 0;
}

int sandbox_enter(const struct sandbox_params *p, int reply_fd, void *arg)
{
	if (reset_signals() < 0)
		return SANDBOX_EXIT_SIGNALS;
	if (close_other_fds(p, reply_fd) < 0)
		return SANDBOX_EXIT_FDS;
	if (sandbox_drop_privileges(p->uid ? p->uid : NOBODY, p->gid ? p->gid : NOBODY) < 0)
		return SANDBOX_EXIT_PRIVS;
	if (set_process_flags() < 0)
		return SANDBOX_EXIT_PRCTL;
	return enter_role(p, reply_fd, arg);
}

int sandbox_enter_once(int keep_fd)
{
	int keep[2] = {MIN(keep_fd, STDERR_FILENO), MAX(keep_fd, STDERR_FILENO)};
	unsigned int next = 0;

	if (reset_signals() < 0)
		return SANDBOX_EXIT_SIGNALS;
	for (size_t i = 0; i < ARRAY_SIZE(keep); i++) {
		if (keep[i] < 0)
			return SANDBOX_EXIT_FDS;
		if ((unsigned int)keep[i] > next &&
		    close_range_or_loop(next, (unsigned int)keep[i] - 1) < 0)
			return SANDBOX_EXIT_FDS;
		next = (unsigned int)keep[i] + 1;
	}
	if (close_range_or_loop(next, ~0u) < 0)
		return SANDBOX_EXIT_FDS;
	if (sandbox_drop_privileges(NOBODY, NOBODY) < 0)
		return SANDBOX_EXIT_PRIVS;
	if (set_process_flags() < 0)
		return SANDBOX_EXIT_PRCTL;
	return 0;
}

int sandbox_enter_spawned(const struct sandbox_params *p, int reply_fd, void *arg, pid_t parent)
{
	if (!p->filter)
		return SANDBOX_EXIT_SECCOMP;
	if (close_other_fds(p, reply_fd) < 0)
		return SANDBOX_EXIT_FDS;
	/* The parent-death signal does not survive a fork; the check after it
	 * closes the race with a parent that died before it was set. The
	 * dumpable flag and no_new_privs are inherited from the zygote. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent)
		return SANDBOX_EXIT_PRCTL;
	if (check_no_caps() < 0)
		return SANDBOX_EXIT_PRIVS;
	return enter_role(p, reply_fd, arg);
}

void sandbox_child_main(const struct sandbox_params *p, int reply_fd, sandbox_fn fn, void *arg)
{
	int code = sandbox_enter(p, reply_fd, arg);
	if (code == 0)
		code = fn(arg, reply_fd) == 0 ? 0 : SANDBOX_EXIT_FN;
	/* _exit: no atexit handlers, no stdio flush of buffers inherited from the
	 * parent (they would be written twice), and no syscalls the filter lacks. */
	_exit(code);
}
