// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The zygote (sandbox/zygote.h), proved in a process of its own: it comes
 * with the third child, it is unprivileged and holds nothing but its socket,
 * its children are ours and keep their descriptor numbers, a dead or wedged
 * zygote costs speed and not answers, and its protocol refuses a request of
 * any length but the exact one. Under MODGATE_TEST_NO_ZYGOTE every test is
 * skipped (test-sandbox-nozygote proves the forked path).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "sandbox/zygote.h"
#include "tests/unit/test-sandbox-util.h"

static bool zygote_off(void)
{
	return getenv("MODGATE_TEST_NO_ZYGOTE") != NULL;
}

static pid_t ppid_seen;

static int prepare_ppid(void *arg)
{
	(void)arg;
	ppid_seen = getppid(); /* before the filter */
	return 0;
}

static int child_report_ppid(void *arg, int fd)
{
	(void)arg;
	return send_test(fd, "%d", (int)ppid_seen);
}

struct numbered_job {
	int fd;
};

static int child_read_numbered(void *arg, int fd)
{
	const struct numbered_job *job = arg;
	char buf[32] = {0};
	ssize_t n = read(job->fd, buf, sizeof(buf) - 1);
	return send_test(fd, "fd %d: %s", job->fd, n > 0 ? buf : "(nothing)");
}

static void test_zygote_children(void **state)
{
	(void)state;
	if (zygote_off())
		skip();
	assert_int_equal(child_zygote_start(), 0);
	pid_t z = child_zygote_pid();
	assert_true(z > 0);

	/* The zygote itself: unprivileged, holding nothing but its socket. */
	char path[64], *status = NULL;
	size_t len;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)z);
	assert_int_equal(read_full_file(path, 65536, &status, &len), 0);
	assert_non_null(strstr(status, "CapEff:\t0000000000000000"));
	assert_non_null(strstr(status, "CapPrm:\t0000000000000000"));
	assert_non_null(strstr(status, "NoNewPrivs:\t1"));
	if (expect_uid_drop()) {
		assert_non_null(strstr(status, "Uid:\t65534\t65534\t65534\t65534"));
		assert_non_null(strstr(status, "CapBnd:\t0000000000000000"));
	}
	free(status);
	/* Its descriptors, where we may look (a non-dumpable process's fd
	 * directory is root's: not ours under fakeroot as nobody). */
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)z);
	bool see_fds = access(path, R_OK | X_OK) == 0;
	int zfds = 0;
	for (int fd = 0; see_fds && fd < 1024; fd++) {
		char l[64], target[64];
		snprintf(l, sizeof(l), "/proc/%d/fd/%d", (int)z, fd);
		ssize_t k = readlink(l, target, sizeof(target) - 1);
		if (k < 0)
			continue;
		target[k] = '\0';
		zfds++;
		assert_true(fd == 2 || strncmp(target, "socket:", 7) == 0);
	}
	assert_true(!see_fds || (zfds >= 1 && zfds <= 2));

	/* Its children are ours: we reap them, they die with us. */
	struct sandbox_params p = {
		.role = SANDBOX_ROLE_PARSE, .prepare = prepare_ppid, .cpu_seconds = 10};
	struct outcome o = run_with(&p, child_report_ppid, NULL, 10000);
	assert_int_equal(o.r, 0);
	assert_int_equal(atoi(o.result), (int)getpid());
	assert_int_equal(child_zygote_pid(), z);

	/* Descriptors keep their numbers, the job is copied. */
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(write(pfd[1], "xyz", 3), 3);
	close(pfd[1]);
	struct numbered_job job = {.fd = 77};
	assert_int_equal(dup2(pfd[0], job.fd), job.fd);
	close(pfd[0]);
	struct sandbox_params q = {.role = SANDBOX_ROLE_PARSE,
				   .in_fds = &job.fd,
				   .n_in_fds = 1,
				   .cpu_seconds = 10,
				   .arg_len = sizeof(job)};
	o = run_with(&q, child_read_numbered, &job, 10000);
	close(job.fd);
	assert_int_equal(o.r, 0);
	assert_string_equal(o.result, "fd 77: xyz");
	assert_int_equal(child_zygote_pid(), z);

	/* A dead zygote costs speed, not answers: the next child is forked. */
	assert_int_equal(kill(z, SIGKILL), 0);
	o = run(child_hello, NULL);
	assert_int_equal(o.r, 0);
	assert_string_equal(o.result, "hello from the sandbox");
	assert_int_equal(child_zygote_pid(), -1);
	o = run_with(&p, child_report_ppid, NULL, 10000);
	assert_int_equal(atoi(o.result), (int)getpid());
	child_zygote_enable(true);
	assert_int_equal(child_zygote_start(), 0);
	pid_t z2 = child_zygote_pid();
	assert_true(z2 > 0 && z2 != z);

	/* A zygote that takes the request and never answers (stopped): given
	 * up after its grace time, the child forked here on a fresh pipe. */
	assert_int_equal(kill(z2, SIGSTOP), 0);
	o = run(child_hello, NULL);
	assert_int_equal(o.r, 0);
	assert_string_equal(o.result, "hello from the sandbox");
	assert_true(o.seconds >= 2.5 && o.seconds < 8); /* the grace, not the 10 s deadline */
	assert_int_equal(child_zygote_pid(), -1);
	child_zygote_enable(true);
}

/* The zygote's side of its protocol, spoken by hand: a request of exactly
 * zygote_request_size() bytes with its descriptors attached makes a child;
 * any other length (more filter bytes than filter_len says, the whole
 * structure, a header alone) is refused, and the zygote goes on. */
static pid_t zygote_ask(int sock, const struct zygote_request *rq, size_t len, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = {.iov_base = (void *)rq, .iov_len = len};
	struct msghdr msg = {.msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf)};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	struct zygote_answer a = {0};

	memset(&ctl, 0, sizeof(ctl));
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	assert_int_equal(sendmsg(sock, &msg, MSG_NOSIGNAL), (ssize_t)len);
	assert_int_equal(recv(sock, &a, sizeof(a), 0), (ssize_t)sizeof(a));
	assert_int_equal(a.magic, ZYGOTE_MAGIC);
	return a.pid;
}

static void test_zygote_request_sizes(void **state)
{
	(void)state;
	if (zygote_off())
		skip();
	int sv[2], pfd[2], status;
	static struct zygote_request rq;
	struct sandbox_params p = {.role = SANDBOX_ROLE_PARSE, .cpu_seconds = 10};
	struct sock_fprog prog;

	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	assert_int_equal(sandbox_compile_filter(&p, pfd[1], &prog), 0);
	pid_t z = fork();
	assert_true(z >= 0);
	if (z == 0) {
		close(sv[0]);
		sandbox_zygote_main(sv[1]);
	}
	close(sv[1]);
	rq = (struct zygote_request){.magic = ZYGOTE_MAGIC,
				     .role = SANDBOX_ROLE_PARSE,
				     .fn = child_hello,
				     .cpu_seconds = 10,
				     .parent_pid = getpid(),
				     .reply_fd = pfd[1],
				     .n_attached = 1,
				     .attached = {pfd[1]},
				     .filter_len = prog.len};
	memcpy(rq.filter, prog.filter, prog.len * sizeof(*prog.filter));
	size_t len = zygote_request_size(rq.filter_len);
	assert_true(len < sizeof(rq));

	assert_true(zygote_ask(sv[0], &rq, len + sizeof(struct sock_filter), pfd[1]) < 0);
	assert_true(zygote_ask(sv[0], &rq, sizeof(rq), pfd[1]) < 0);
	assert_true(zygote_ask(sv[0], &rq, offsetof(struct zygote_request, filter), pfd[1]) < 0);
	pid_t c = zygote_ask(sv[0], &rq, len, pfd[1]);
	assert_true(c > 0);
	assert_int_equal(waitpid(c, &status, 0), c);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	close(pfd[1]);
	char buf[256];
	assert_true(read(pfd[0], buf, sizeof(buf)) > 0); /* the child's reply */
	close(pfd[0]);
	close(sv[0]);
	assert_int_equal(waitpid(z, &status, 0), z); /* its socket gone, the zygote ends */
	assert_true(WIFEXITED(status));
	sandbox_seccomp_release(&prog);
}

/* One file makes one or two children: those are forked here; the zygote
 * comes with the third. Runs first, in a process that made none yet. */
static void test_zygote_from_the_third_child(void **state)
{
	(void)state;
	if (zygote_off())
		skip();
	for (int i = 0; i < 2; i++) {
		struct outcome o = run(child_hello, NULL);
		assert_int_equal(o.r, 0);
		assert_int_equal(child_zygote_pid(), -1);
	}
	struct outcome o = run(child_hello, NULL);
	assert_int_equal(o.r, 0);
	assert_true(child_zygote_pid() > 0);
}

/* Relocated read-only data: in .data.rel.ro, so the loader writes it and
 * then makes it read-only (RELRO), like libcrypto's tables. Not const, so a
 * child may write it once it made the page writable. */
static const char *relro_probe[2] __attribute__((section(".data.rel.ro"))) = {"original", "other"};

static int prepare_scribble(void *arg)
{
	(void)arg;
	uintptr_t page = (uintptr_t)&relro_probe[0] & ~(uintptr_t)(sysconf(_SC_PAGESIZE) - 1);
	if (mprotect((void *)page, (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE) < 0)
		return -1;
	*(const char *volatile *)&relro_probe[0] = "scribbled";
	return 0;
}

static int child_report_probe(void *arg, int fd)
{
	(void)arg;
	return send_test(fd, "%s", *(const char *volatile *)&relro_probe[0]);
}

/* Whether the zygote's mapping that holds addr is its sealed RELRO copy;
 * -1 where its maps cannot be read (nobody's, from a non-root test). */
static int zygote_maps_relro_copy(pid_t z, const void *addr)
{
	char path[64], *maps = NULL;
	size_t len;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)z);
	if (read_full_file(path, 1u << 20, &maps, &len) < 0)
		return -1;
	int found = 0;
	for (char *line = maps; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		unsigned long a, b;
		if (sscanf(line, "%lx-%lx", &a, &b) == 2 && (uintptr_t)addr >= a &&
		    (uintptr_t)addr < b) {
			char *eol = strchr(line, '\n');
			if (eol)
				*eol = '\0';
			found = strstr(line, "r--p") && strstr(line, "modgate-relro") ? 1 : 0;
			break;
		}
	}
	free(maps);
	return found;
}

/* The zygote moves relocated read-only data into a sealed file mapped
 * privately over it, so a clone copies no page table entries for it: the
 * children still read the same bytes, and one that writes to its copy does
 * not change what the zygote or any later child sees. */
static void test_zygote_relro_is_a_private_copy(void **state)
{
	(void)state;
	if (zygote_off())
		skip();
	assert_int_equal(child_zygote_start(), 0);
	pid_t z = child_zygote_pid();
	struct sandbox_params plain = {.role = SANDBOX_ROLE_PARSE, .cpu_seconds = 10};
	/* a child answered: the zygote is past its set-up */
	struct outcome o = run_with(&plain, child_report_probe, NULL, 10000);
	assert_int_equal(o.r, 0);
	assert_string_equal(o.result, "original");
	int mapped = zygote_maps_relro_copy(z, &relro_probe[0]);
	assert_true(mapped != 0); /* 1, or -1 where the test may not look */

	struct sandbox_params scribble = {
		.role = SANDBOX_ROLE_PARSE, .prepare = prepare_scribble, .cpu_seconds = 10};
	o = run_with(&scribble, child_report_probe, NULL, 10000);
	assert_int_equal(o.r, 0);
	assert_string_equal(o.result, "scribbled");
	o = run_with(&plain, child_report_probe, NULL, 10000);
	assert_int_equal(o.r, 0);
	assert_string_equal(o.result, "original");
	assert_int_equal(child_zygote_pid(), z); /* all three from the same zygote */
	assert_string_equal(relro_probe[0], "original");
}

/* A zygote's child takes its size at birth from the zygote's one reading
 * (sandbox_zygote_ready) instead of reading procfs itself: the limit it
 * sets from it must still leave the headroom and stop at it. */
static void test_zygote_address_space_limit(void **state)
{
	(void)state;
#if defined(__SANITIZE_ADDRESS__)
	skip(); /* no address space limit under ASan (sandbox/README.md) */
#else
	if (zygote_off())
		skip();
	assert_int_equal(child_zygote_start(), 0);
	pid_t z = child_zygote_pid();
	expect_address_space_limit(sizeof(size_t));
	assert_int_equal(child_zygote_pid(), z); /* both came from the zygote */
#endif
}

/* ---- the image in huge pages (sandbox/zygote-maps.h) ---- */

#define HUGE_BYTES (2ul << 20)

struct span {
	unsigned long start, end;
};

/* Where the zygote's image should be in huge pages, from our own maps (the
 * zygote is our fork, its mappings ours): in each stretch of adjacent,
 * private, never writable mappings of one file that holds code, the whole
 * 2 MiB blocks, as one span. */
static size_t expected_spans(struct span *out, size_t max)
{
	char *maps = NULL;
	size_t len, n = 0;
	struct span run = {0};
	char run_file[64] = "";
	bool code = false;

	assert_int_equal(read_full_file("/proc/self/maps", 1u << 20, &maps, &len), 0);
	for (char *line = maps; line;) {
		char *eol = strchr(line, '\n');
		unsigned long a = 0, b = 0, off, inode = 0;
		char perms[5] = "", dev[16] = "", file[64];
		bool movable = *line &&
			       sscanf(line, "%lx-%lx %4s %lx %15s %lu", &a, &b, perms, &off, dev,
				      &inode) == 6 &&
			       perms[0] == 'r' && perms[1] == '-' && perms[3] == 'p' && inode != 0;
		snprintf(file, sizeof(file), "%s %lu", dev, inode);
		if (!movable || a != run.end || !streq(file, run_file)) { /* the stretch ended */
			unsigned long lo = (run.start + HUGE_BYTES - 1) & ~(HUGE_BYTES - 1);
			unsigned long hi = run.end & ~(HUGE_BYTES - 1);
			if (code && hi > lo && n < max)
				out[n++] = (struct span){lo, hi};
			run = (struct span){a, a};
			snprintf(run_file, sizeof(run_file), "%s", file);
			code = false;
		}
		if (movable) {
			run.end = b;
			code = code || perms[2] == 'x';
		} else {
			run = (struct span){0};
		}
		line = eol ? eol + 1 : NULL;
	}
	free(maps);
	return n;
}

static bool thp_enabled(void)
{
	char *s = NULL;
	if (read_full_file("/sys/kernel/mm/transparent_hugepage/enabled", 4096, &s, NULL) < 0)
		return false;
	bool on = strstr(s, "[always]") || strstr(s, "[madvise]");
	free(s);
	return on;
}

enum span_state {
	SPAN_UNREADABLE = -1, /* nobody's smaps, from a non-root test */
	SPAN_ORIGINAL,	      /* still the file mappings it was */
	SPAN_HUGE,	      /* one anonymous mapping, read and execute, exactly sp, all huge */
	SPAN_OTHER,	      /* moved, but not like that */
};

/* What the zygote has at sp. */
static enum span_state zygote_span_state(pid_t z, const struct span *sp)
{
	char path[64], *smaps = NULL;
	size_t len;
	enum span_state state = SPAN_OTHER;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)z);
	if (read_full_file(path, 8u << 20, &smaps, &len) < 0 || len == 0) {
		free(smaps);
		return SPAN_UNREADABLE;
	}
	for (char *line = smaps; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		unsigned long a, b, off, inode, kb;
		char perms[5], dev[16];
		if (sscanf(line, "%lx-%lx %4s %lx %15s %lu", &a, &b, perms, &off, dev, &inode) !=
			    6 ||
		    sp->start < a || sp->start >= b)
			continue;
		char *field = strstr(line, "AnonHugePages:");
		if (inode != 0)
			state = SPAN_ORIGINAL;
		else if (a == sp->start && b == sp->end && streq(perms, "r-xp") && field &&
			 sscanf(field, "AnonHugePages: %lu kB", &kb) == 1 &&
			 kb * 1024 == sp->end - sp->start)
			state = SPAN_HUGE;
		break;
	}
	free(smaps);
	return state;
}

/* The zygote's bytes at sp against ours, read through /proc/PID/mem: -1
 * where we may not (the zygote is non-dumpable: root only). */
static int zygote_span_same_bytes(pid_t z, const struct span *sp)
{
	char path[64];
	size_t len = sp->end - sp->start;
	int same = -1;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)z);
	int theirs = open(path, O_RDONLY | O_CLOEXEC);
	int ours = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	char *a = malloc(len), *b = malloc(len);
	assert_true(ours >= 0 && a && b);
	if (theirs >= 0 && pread(theirs, a, len, (off_t)sp->start) == (ssize_t)len) {
		assert_int_equal(pread(ours, b, len, (off_t)sp->start), (ssize_t)len);
		same = memcmp(a, b, len) == 0;
	}
	if (theirs >= 0)
		close(theirs);
	close(ours);
	free(a);
	free(b);
	return same;
}

/* After ZYGOTE_HUGE_AFTER children the zygote has its code, and the read-only
 * data in the same 2 MiB blocks, in huge pages where the kernel gives them:
 * anonymous, read and execute, byte for byte the binary's, and the children
 * it makes from them run and keep their address space limit. Where huge
 * pages are off, nothing moved. */
/* A read-only data file mapped right below the first span's stretch, the way
 * a library's data file (the locale archive) can land next to a library:
 * not code, not to be moved with it. The span, or {0, 0} where that place
 * is taken. */
static struct span map_neighbour(const struct span *first)
{
	char path[] = "/tmp/modgate-test-neighbour.XXXXXX";
	size_t len = 4ul << 20;
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(ftruncate(fd, (off_t)len), 0);
	/* the stretch's first mapping starts at or below the span, within 2 MiB */
	char *maps = NULL;
	size_t mlen;
	unsigned long start = 0;
	assert_int_equal(read_full_file("/proc/self/maps", 1u << 20, &maps, &mlen), 0);
	for (char *line = maps; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		unsigned long a, b;
		if (sscanf(line, "%lx-%lx", &a, &b) == 2 && b > first->start - HUGE_BYTES &&
		    a <= first->start) {
			start = a;
			break;
		}
	}
	free(maps);
	void *p = start > len ? mmap((void *)(start - len), len, PROT_READ,
				     MAP_PRIVATE | MAP_FIXED_NOREPLACE, fd, 0)
			      : MAP_FAILED;
	close(fd);
	if (p == MAP_FAILED || (unsigned long)p != start - len) {
		if (p != MAP_FAILED)
			munmap(p, len);
		return (struct span){0, 0};
	}
	return (struct span){start - len, start};
}

static void test_zygote_image_in_huge_pages(void **state)
{
	(void)state;
	if (zygote_off())
		skip();
	struct span spans[16], neighbour = {0, 0};
	size_t n = expected_spans(spans, ARRAY_SIZE(spans));
	bool thp = thp_enabled();

	/* a zygote of its own, with the neighbour in place when it forks */
	child_zygote_stop();
	if (n > 0)
		neighbour = map_neighbour(&spans[0]);
	assert_int_equal(child_zygote_start(), 0);
	pid_t z = child_zygote_pid();
	/* the move comes after the ZYGOTE_HUGE_AFTER-th child, and before the
	 * next is answered */
	for (int i = 0; i < ZYGOTE_HUGE_AFTER + 2; i++) {
		struct outcome o = run(child_hello, NULL);
		assert_int_equal(o.r, 0);
		assert_string_equal(o.result, "hello from the sandbox");
	}
	assert_int_equal(child_zygote_pid(), z);
	print_message("huge pages %s, %zu span(s) of the image in whole 2 MiB blocks\n",
		      thp ? "on" : "off", n);
	for (size_t i = 0; i < n; i++) {
		enum span_state st = zygote_span_state(z, &spans[i]);
		if (st == SPAN_UNREADABLE)
			break; /* not ours to read */
		assert_int_equal(st, thp ? SPAN_HUGE : SPAN_ORIGINAL);
		assert_int_not_equal(zygote_span_same_bytes(z, &spans[i]), 0);
	}
	if (neighbour.end) {
		print_message("a data file mapped right below the first span's file: stays\n");
		assert_int_not_equal(zygote_span_state(z, &neighbour), SPAN_HUGE);
		assert_int_not_equal(zygote_span_state(z, &neighbour), SPAN_OTHER);
		munmap((void *)neighbour.start, neighbour.end - neighbour.start);
	}
#if !defined(__SANITIZE_ADDRESS__)
	expect_address_space_limit(sizeof(size_t));
#endif
	assert_int_equal(child_zygote_pid(), z);
}

#ifndef PR_SET_MDWE
#define PR_SET_MDWE		 65 /* Linux 6.3 */
#define PR_MDWE_REFUSE_EXEC_GAIN 1
#endif

enum refusal { REFUSE_THP, REFUSE_EXEC_GAIN };

/* In a process of its own, which passes the setting on to its zygote: no
 * huge pages for it (PR_SET_THP_DISABLE), or no mapping turned executable
 * (PR_SET_MDWE, what systemd's MemoryDenyWriteExecute= asks of the kernel
 * where it can). 0: every child made, by one zygote, whose image stayed
 * the file mappings it was; 77: the setting is not there; else the step
 * that failed. No cmocka assertion here: it would return into the test
 * runner in the forked copy. */
static int image_stays(enum refusal how)
{
	struct span spans[16];
	size_t n = expected_spans(spans, ARRAY_SIZE(spans));

	if (how == REFUSE_THP && prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) < 0)
		return 77;
	if (how == REFUSE_EXEC_GAIN && prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) < 0)
		return 77;
	if (child_zygote_start() < 0)
		return 2;
	pid_t z = child_zygote_pid();
	for (int i = 0; i < ZYGOTE_HUGE_AFTER + 2; i++) {
		struct sandbox_params p = {.role = SANDBOX_ROLE_PARSE, .cpu_seconds = 10};
		struct child_reply rep;
		struct strbuf err = STRBUF_INIT;
		int r = child_run_and_read(&p, child_hello, NULL, 10000, &rep, &err);
		child_reply_release(&rep);
		strbuf_release(&err);
		if (r < 0)
			return 3;
	}
	if (child_zygote_pid() != z)
		return 4;
	for (size_t i = 0; i < n; i++) {
		enum span_state st = zygote_span_state(z, &spans[i]);
		if (st != SPAN_ORIGINAL && st != SPAN_UNREADABLE)
			return 5;
	}
	child_zygote_stop();
	return 0;
}

/* Where the move cannot be made, the zygote keeps its image as it was and
 * goes on making children: no huge pages to be had, or no executable
 * anonymous memory allowed. */
static void test_zygote_image_stays_when_refused(void **state)
{
	(void)state;
	if (zygote_off())
		skip();
	const enum refusal hows[] = {REFUSE_THP, REFUSE_EXEC_GAIN};
	for (size_t i = 0; i < ARRAY_SIZE(hows); i++) {
		int status;
		fflush(NULL);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			_exit(image_stays(hows[i]));
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		if (WEXITSTATUS(status) == 77) {
			print_message("%s: not on this kernel\n",
				      hows[i] == REFUSE_THP ? "PR_SET_THP_DISABLE" : "PR_SET_MDWE");
			continue;
		}
		assert_int_equal(WEXITSTATUS(status), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zygote_from_the_third_child),
		cmocka_unit_test(test_zygote_request_sizes),
		cmocka_unit_test(test_zygote_children),
		cmocka_unit_test(test_zygote_address_space_limit),
		cmocka_unit_test(test_zygote_relro_is_a_private_copy),
		cmocka_unit_test(test_zygote_image_in_huge_pages),
		cmocka_unit_test(test_zygote_image_stays_when_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
