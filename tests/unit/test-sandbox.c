// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Sandbox proofs. The hostile child payloads live here, in a test binary, so
 * the release binary contains none. Each payload runs as a real sandboxed
 * child through child_run_and_read(): forbidden syscalls must kill it with
 * SIGSYS, a hang must end at the deadline, every malformed reply must be
 * refused with a clear sentence, privileges must be gone before the filter.
 *
 * The zygote's own proofs are in test-sandbox-zygote.c.
 *
 * Run as root this checks the uid/capability drop; tests/integration/
 * test-sandbox.sh runs the same binary under fakeroot and `unshare -r`, where
 * MODGATE_TEST_EXPECT_DROP=0 says the uid cannot change but everything else
 * (capabilities, no_new_privs, the filter) must still hold.
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
#include <linux/futex.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/fileio.h"
#include "common/macros.h"
#include "inspect/reply.h"
#include "inspect/spawn.h"
#include "sandbox/child.h"
#include "tests/unit/test-sandbox-util.h"

/* ---- child side helpers ---- */

static int raw_header(int fd, uint32_t magic, uint32_t type, uint32_t len)
{
	struct wire_header h = {.magic = magic, .type = type, .len = len};
	return write_all(fd, &h, sizeof(h));
}

/* ---- parent side helpers ---- */

static void expect_error(const struct outcome *o, int r, const char *err)
{
	if (o->r != r || strcmp(o->err, err) != 0)
		fail_msg("got %d '%s', wanted %d '%s'", o->r, o->err, r, err);
}

static void expect_sigsys(sandbox_fn fn, void *arg)
{
	struct outcome o = run(fn, arg);
	expect_error(&o, -ECHILD, "child killed by signal 31 (SIGSYS)");
}

/* ---- a well-behaved child: the control for every hostile one ---- */

static void test_well_behaved_child(void **state)
{
	(void)state;
	struct outcome o = run(child_hello, NULL);
	assert_int_equal(o.r, 0);
	assert_string_equal(o.result, "hello from the sandbox");
}

/* A reply far larger than a pipe's buffer, streamed while the child writes. */
static int child_big_reply(void *arg, int fd)
{
	(void)arg;
	struct wire_writer w;
	static char chunk[100000];
	memset(chunk, 'q', sizeof(chunk));
	wire_writer_init(&w, WIRE_MSG_TEST);
	for (int i = 0; i < 80; i++)
		wire_put_strn(&w, WT_TEST_RESULT, chunk, sizeof(chunk));
	int r = wire_send(&w, fd);
	wire_writer_release(&w);
	return r;
}

static void test_large_reply(void **state)
{
	(void)state;
	struct outcome o = run(child_big_reply, NULL);
	assert_int_equal(o.r, 0);
	assert_int_equal(strlen(o.result), sizeof(o.result) - 1);
}

/* ---- forbidden syscalls after the filter ---- */

static int child_open(void *arg, int fd)
{
	(void)arg;
	int f = open("/etc/passwd", O_RDONLY);
	return send_test(fd, "open returned %d", f);
}

static int child_socket(void *arg, int fd)
{
	(void)arg;
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	return send_test(fd, "socket returned %d", s);
}

static int child_execve(void *arg, int fd)
{
	(void)arg;
	char *argv[] = {"/bin/true", NULL};
	execve("/bin/true", argv, NULL);
	return send_test(fd, "execve returned");
}

static int child_ptrace(void *arg, int fd)
{
	(void)arg;
	long r = ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	return send_test(fd, "ptrace returned %ld", r);
}

static int child_fork(void *arg, int fd)
{
	(void)arg;
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	return send_test(fd, "fork returned %d", (int)pid);
}

static int child_exec_mapping(void *arg, int fd)
{
	(void)arg;
	void *p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return send_test(fd, "mmap returned %p", p);
}

static int child_write_to_input(void *arg, int fd)
{
	const int *in = arg;
	ssize_t n = write(*in, "x", 1);
	return send_test(fd, "write to an input returned %zd", n);
}

/* futex: only FUTEX_WAKE_PRIVATE (glibc's pthread_once); waiting, or waking
 * a shared futex, is not for a sandboxed child. */
static uint32_t futex_word;

static int child_futex_wait(void *arg, int fd)
{
	(void)arg;
	long r = syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0);
	return send_test(fd, "futex wait returned %ld", r);
}

static int child_futex_shared_wake(void *arg, int fd)
{
	(void)arg;
	long r = syscall(SYS_futex, &futex_word, FUTEX_WAKE, 1, NULL, NULL, 0);
	return send_test(fd, "shared futex wake returned %ld", r);
}

static int child_futex_private_wake(void *arg, int fd)
{
	(void)arg;
	long r = syscall(SYS_futex, &futex_word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	return send_test(fd, "private futex wake returned %ld", r);
}

#if defined(__x86_64__)
/* getpid through the i386 ABI: another architecture as far as seccomp is
 * concerned, refused by the arch check before any rule. */
static int child_int80(void *arg, int fd)
{
	(void)arg;
	long ret = 20; /* __NR_getpid on i386 */
	__asm__ volatile("int $0x80" : "+a"(ret) : : "memory");
	return send_test(fd, "int 0x80 returned %ld", ret);
}
#endif

static void test_forbidden_syscalls_kill(void **state)
{
	(void)state;
	expect_sigsys(child_open, NULL);
	expect_sigsys(child_socket, NULL);
	expect_sigsys(child_execve, NULL);
	expect_sigsys(child_ptrace, NULL);
	expect_sigsys(child_fork, NULL);
	expect_sigsys(child_exec_mapping, NULL);
	expect_sigsys(child_futex_wait, NULL);
	expect_sigsys(child_futex_shared_wake, NULL);
	/* the one futex call allowed: a private wake, nobody waiting */
	struct outcome o = run(child_futex_private_wake, NULL);
	assert_int_equal(o.r, 0);
	assert_string_equal(o.result, "private futex wake returned 0");
#if defined(__x86_64__)
	expect_sigsys(child_int80, NULL);
#endif
}

static void test_write_only_to_outputs(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	struct sandbox_params params = {
		.role = SANDBOX_ROLE_PARSE, .in_fds = &p[1], .n_in_fds = 1, .cpu_seconds = 10};
	struct outcome o = run_with(&params, child_write_to_input, &p[1], 10000);
	expect_error(&o, -ECHILD, "child killed by signal 31 (SIGSYS)");
	close(p[0]);
	close(p[1]);
}

/* ---- hangs ---- */

static int child_spin(void *arg, int fd)
{
	(void)arg;
	(void)fd;
	for (volatile unsigned long i = 0;; i++)
		;
	return 0;
}

static int child_block_on_read(void *arg, int fd)
{
	const int *in = arg;
	char c;
	(void)fd;
	return read(*in, &c, 1) < 0;
}

static void test_hang_is_killed_at_the_deadline(void **state)
{
	(void)state;
	struct sandbox_params p = {.role = SANDBOX_ROLE_PARSE, .cpu_seconds = 10};
	struct outcome o = run_with(&p, child_spin, NULL, 300);
	expect_error(&o, -ETIMEDOUT, "child timed out after 300 ms and was killed");
	assert_true(o.seconds >= 0.29 && o.seconds < 2.0);

	/* blocked, not spinning: only the parent's deadline can end it */
	int pipefd[2];
	assert_int_equal(pipe(pipefd), 0);
	p.in_fds = &pipefd[0];
	p.n_in_fds = 1;
	o = run_with(&p, child_block_on_read, &pipefd[0], 300);
	expect_error(&o, -ETIMEDOUT, "child timed out after 300 ms and was killed");
	assert_true(o.seconds < 2.0);
	close(pipefd[0]);
	close(pipefd[1]);
}

/* CPU time is bounded even with a generous wall-clock deadline. */
static void test_cpu_limit(void **state)
{
	(void)state;
	struct sandbox_params p = {.role = SANDBOX_ROLE_PARSE, .cpu_seconds = 1};
	struct outcome o = run_with(&p, child_spin, NULL, 20000);
	expect_error(&o, -ECHILD, "child killed by signal 24 (SIGXCPU)");
}

/* A child may write exactly its file-size limit (a memfd counts as a file). */
static int child_write_past_fsize(void *arg, int fd)
{
	const int *out = arg;
	static char block[4096];
	ssize_t a = write(*out, block, sizeof(block)); /* at the limit: fine */
	ssize_t b = write(*out, block, 1);	       /* past it: SIGXFSZ */
	return send_test(fd, "wrote %zd then %zd", a, b);
}

static void test_file_size_limit(void **state)
{
	(void)state;
	int memfd = memfd_create("out", MFD_CLOEXEC);
	assert_true(memfd >= 0);
	struct sandbox_params p = {
		.role = SANDBOX_ROLE_DECOMPRESS,
		.out_fds = &memfd,
		.n_out_fds = 1,
		.fsize_limit = 4096,
		.cpu_seconds = 10,
	};
	struct outcome o = run_with(&p, child_write_past_fsize, &memfd, 10000);
	expect_error(&o, -ECHILD, "child killed by signal 25 (SIGXFSZ)");
	assert_int_equal(lseek(memfd, 0, SEEK_END), 4096);
	close(memfd);
}

static void test_address_space_limit(void **state)
{
	(void)state;
#if defined(__SANITIZE_ADDRESS__)
	skip(); /* no address space limit under ASan (sandbox/README.md) */
#else
	expect_address_space_limit(0);
#endif
}

/* ---- malformed replies ---- */

static int child_garbage(void *arg, int fd)
{
	(void)arg;
	return write_all(fd, "hello world, no header here", 27);
}

static int child_oversized(void *arg, int fd)
{
	(void)arg;
	return raw_header(fd, WIRE_MAGIC, WIRE_MSG_TEST, WIRE_MAX_MESSAGE + 1);
}

static int child_truncated(void *arg, int fd)
{
	(void)arg;
	int r = raw_header(fd, WIRE_MAGIC, WIRE_MSG_TEST, 100);
	return r ? r : write_all(fd, "0123456789", 10);
}

static int child_short_header(void *arg, int fd)
{
	(void)arg;
	return write_all(fd, "MGW", 3);
}

static int child_trailing_bytes(void *arg, int fd)
{
	(void)arg;
	int r = send_test(fd, "fine");
	return r ? r : write_all(fd, "!", 1);
}

static int child_nul_in_string(void *arg, int fd)
{
	(void)arg;
	struct wire_field f = {.tag = WT_TEST_RESULT, .len = 3};
	int r = raw_header(fd, WIRE_MAGIC, WIRE_MSG_TEST, sizeof(f) + 3);
	if (!r)
		r = write_all(fd, &f, sizeof(f));
	return r ? r : write_all(fd, "a\0b", 3);
}

static int child_duplicate_tag(void *arg, int fd)
{
	(void)arg;
	struct wire_writer w;
	wire_writer_init(&w, WIRE_MSG_ERROR);
	wire_put_u32(&w, WT_ERR_ERRNO, EINVAL);
	wire_put_u32(&w, WT_ERR_ERRNO, ENOENT);
	wire_put_str(&w, WT_ERR_MESSAGE, "pick one");
	int r = wire_send(&w, fd);
	wire_writer_release(&w);
	return r;
}

static int child_unknown_tag(void *arg, int fd)
{
	(void)arg;
	struct wire_writer w;
	wire_writer_init(&w, WIRE_MSG_TEST);
	wire_put_u32(&w, (enum wire_tag)91, 1);
	int r = wire_send(&w, fd);
	wire_writer_release(&w);
	return r;
}

static int child_silent(void *arg, int fd)
{
	(void)arg;
	(void)fd;
	return 0;
}

static int child_fails(void *arg, int fd)
{
	(void)arg;
	(void)fd;
	return -1;
}

static int child_reply_then_crash(void *arg, int fd)
{
	(void)arg;
	send_test(fd, "all is well");
	raise(SIGSEGV); /* rt_sigprocmask/tgkill are not allowed: SIGSYS would do too */
	return 0;
}

static void test_malformed_replies(void **state)
{
	(void)state;
	struct outcome o = run(child_garbage, NULL);
	expect_error(&o, -EPROTO, "invalid reply: bad magic 0x6c6c6568");
	o = run(child_oversized, NULL);
	expect_error(&o, -EPROTO,
		     "invalid reply: message length 67108865 exceeds the cap of 67108864 bytes");
	o = run(child_truncated, NULL);
	expect_error(&o, -EPROTO, "incomplete reply: 10 of 100 message bytes");
	o = run(child_short_header, NULL);
	expect_error(&o, -EPROTO, "incomplete reply: 3 of 12 header bytes");
	o = run(child_trailing_bytes, NULL);
	expect_error(&o, -EPROTO, "invalid reply: bytes after the message");
	o = run(child_nul_in_string, NULL);
	expect_error(&o, -EPROTO, "invalid reply: NUL inside string field 90");
	o = run(child_duplicate_tag, NULL);
	expect_error(&o, -EPROTO, "invalid reply: field 1 repeated");
	o = run(child_unknown_tag, NULL);
	expect_error(&o, -EPROTO, "invalid reply: unknown field 91 in message type 99");
}

static void test_exits_without_a_reply(void **state)
{
	(void)state;
	struct outcome o = run(child_silent, NULL);
	expect_error(&o, -EPROTO, "child exited without a reply");
	o = run(child_fails, NULL);
	expect_error(&o, -ECHILD, "child exited with status 1 (its role function failed)");
	o = run(child_reply_then_crash, NULL);
	assert_int_equal(o.r, -ECHILD);
	assert_non_null(strstr(o.err, "child killed by signal"));
}

/* ---- what the child is left with, read before the filter goes on ---- */

static char status_snapshot[4096];

static void snapshot_line(struct strbuf *sb, const char *status, const char *key)
{
	const char *p = strstr(status, key);
	if (!p)
		return;
	const char *end = strchr(p, '\n');
	strbuf_append(sb, p, end ? (size_t)(end - p) : strlen(p));
	strbuf_append_char(sb, '\n');
}

static int count_open_fds(void)
{
	int n = 0;
	/* fd numbers are small here: everything else was closed */
	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

static int prepare_snapshot(void *arg)
{
	(void)arg;
	struct strbuf sb = STRBUF_INIT;
	char *status = NULL;
	size_t len;
	int fds = count_open_fds(); /* before read_full_file opens one */

	if (read_full_file("/proc/self/status", 65536, &status, &len) < 0)
		return -1;
	static const char *const keys[] = {"Uid:",    "Gid:",	 "Groups:", "CapInh:",	  "CapPrm:",
					   "CapEff:", "CapBnd:", "CapAmb:", "NoNewPrivs:"};
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		snapshot_line(&sb, status, keys[i]);
	strbuf_appendf(&sb, "Dumpable:\t%d\nOpenFds:\t%d\n", prctl(PR_GET_DUMPABLE), fds);
	snprintf(status_snapshot, sizeof(status_snapshot), "%s", strbuf_str(&sb));
	free(status);
	strbuf_release(&sb);
	return 0;
}

static int child_report_snapshot(void *arg, int fd)
{
	(void)arg;
	return send_test(fd, "%s", status_snapshot);
}

static void test_privileges_are_gone(void **state)
{
	(void)state;
	int extra = open("/dev/null", O_RDONLY); /* inherited, not CLOEXEC: must be closed */
	assert_true(extra >= 0);
	struct sandbox_params p = {
		.role = SANDBOX_ROLE_PARSE, .prepare = prepare_snapshot, .cpu_seconds = 10};
	struct outcome o = run_with(&p, child_report_snapshot, NULL, 10000);
	close(extra);
	if (o.r != 0)
		fail_msg("%s", o.err);
	print_message("%s", o.result);

	assert_non_null(strstr(o.result, "CapEff:\t0000000000000000"));
	assert_non_null(strstr(o.result, "CapPrm:\t0000000000000000"));
	assert_non_null(strstr(o.result, "CapInh:\t0000000000000000"));
	assert_non_null(strstr(o.result, "CapAmb:\t0000000000000000"));
	assert_non_null(strstr(o.result, "NoNewPrivs:\t1"));
	assert_non_null(strstr(o.result, "Dumpable:\t0"));
	assert_non_null(strstr(o.result, "OpenFds:\t1")); /* the reply pipe, nothing else */
	if (expect_uid_drop()) {
		assert_non_null(strstr(o.result, "Uid:\t65534\t65534\t65534\t65534"));
		assert_non_null(strstr(o.result, "Gid:\t65534\t65534\t65534\t65534"));
		/* no supplementary groups; the kernel may pad the empty list */
		assert_true(strstr(o.result, "Groups:\t\n") || strstr(o.result, "Groups:\t \n"));
		assert_non_null(strstr(o.result, "CapBnd:\t0000000000000000"));
	}
}

static void test_exit_reasons_are_named(void **state)
{
	(void)state;
	assert_string_equal(sandbox_exit_reason(SANDBOX_EXIT_SECCOMP),
			    "could not install the seccomp filter");
	assert_null(sandbox_exit_reason(0));
	assert_null(sandbox_exit_reason(200));
	assert_null(sandbox_exit_reason(-1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_well_behaved_child),
		cmocka_unit_test(test_large_reply),
		cmocka_unit_test(test_forbidden_syscalls_kill),
		cmocka_unit_test(test_write_only_to_outputs),
		cmocka_unit_test(test_hang_is_killed_at_the_deadline),
		cmocka_unit_test(test_cpu_limit),
		cmocka_unit_test(test_file_size_limit),
		cmocka_unit_test(test_address_space_limit),
		cmocka_unit_test(test_malformed_replies),
		cmocka_unit_test(test_exits_without_a_reply),
		cmocka_unit_test(test_privileges_are_gone),
		cmocka_unit_test(test_exit_reasons_are_named),
	};
	/* Run once with the zygote (the default) and once without it: both
	 * paths must give every child the same sandbox. */
	if (getenv("MODGATE_TEST_NO_ZYGOTE"))
		child_zygote_enable(false);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
