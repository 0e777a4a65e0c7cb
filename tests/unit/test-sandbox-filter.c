// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The seccomp program compiled once in the parent (inspect/spawn.c) and the
 * one a child compiles itself (params->filter NULL) must be the same filter,
 * and the child must install exactly the program it is handed: a forbidden
 * syscall and another architecture kill it on both paths.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "common/macros.h"
#include "inspect/spawn.h"
#include "sandbox/child.h"
#include "sandbox/wire.h"
#include "tests/unit/test-sandbox-util.h"

static int child_getpid(void *arg, int fd)
{
	(void)arg;
	return send_test(fd, "getpid returned %ld", syscall(SYS_getpid));
}

static int child_pread(void *arg, int fd)
{
	const int *in = arg;
	char c;
	return send_test(fd, "pread returned %zd", pread(*in, &c, 1, 0));
}

#if defined(__x86_64__)
static int child_int80(void *arg, int fd)
{
	(void)arg;
	long ret = 20; /* __NR_getpid on i386 */
	__asm__ volatile("int $0x80" : "+a"(ret) : : "memory");
	return send_test(fd, "int 0x80 returned %ld", ret);
}
#endif

/* A child forked by hand, so the test chooses the program it gets: `as`
 * compiled for the reply pipe's write end, or none (the child compiles). */
static int run_manual(const struct sandbox_params *as, const struct sandbox_params *p,
		      sandbox_fn fn, void *arg, struct strbuf *err)
{
	struct sandbox_params cp = *p;
	struct sock_fprog prog = {0};
	struct child_proc c = {.pid = -1, .pidfd = -1, .timeout_ms = 10000};
	struct child_reply rep;
	int pfd[2];

	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	assert_int_equal(fcntl(pfd[0], F_SETFL, O_NONBLOCK), 0);
	if (as) {
		assert_int_equal(sandbox_compile_filter(as, pfd[1], &prog), 0);
		cp.filter = &prog;
	}
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	c.deadline_ns =
		(uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec + 10000ull * 1000000ull;
	c.pid = fork();
	assert_true(c.pid >= 0);
	if (c.pid == 0)
		sandbox_child_main(&cp, pfd[1], fn, arg);
	close(pfd[1]);
	c.reply_fd = pfd[0];
	sandbox_seccomp_release(&prog);
	int r = child_finish(&c, &rep, err);
	child_reply_release(&rep);
	return r;
}

static void expect_sigsys_manual(const struct sandbox_params *as, const struct sandbox_params *p,
				 sandbox_fn fn, void *arg)
{
	struct strbuf err = STRBUF_INIT;
	assert_int_equal(run_manual(as, p, fn, arg, &err), -ECHILD);
	assert_string_equal(strbuf_str(&err), "child killed by signal 31 (SIGSYS)");
	strbuf_release(&err);
}

static void expect_ok_manual(const struct sandbox_params *as, const struct sandbox_params *p,
			     sandbox_fn fn, void *arg)
{
	struct strbuf err = STRBUF_INIT;
	int r = run_manual(as, p, fn, arg, &err);
	if (r != 0)
		fail_msg("child failed: %s", strbuf_str(&err));
	strbuf_release(&err);
}

static const struct sandbox_params parse = {.role = SANDBOX_ROLE_PARSE, .cpu_seconds = 10};

/* The same role and descriptors give the same program, byte for byte, and a
 * descriptor is part of it: the cache key must include every one. */
static void test_compile_is_deterministic(void **state)
{
	(void)state;
	int in[2] = {7, 9};
	struct sandbox_params p = parse;
	struct sock_fprog a, b, c, d;

	p.in_fds = in;
	p.n_in_fds = 2;
	assert_int_equal(sandbox_compile_filter(&p, 4, &a), 0);
	assert_int_equal(sandbox_compile_filter(&p, 4, &b), 0);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.filter, b.filter, a.len * sizeof(*a.filter));
	assert_int_equal(sandbox_compile_filter(&p, 5, &c), 0);
	in[1] = 8;
	assert_int_equal(sandbox_compile_filter(&p, 4, &d), 0);
	assert_false(c.len == a.len && !memcmp(c.filter, a.filter, a.len * sizeof(*a.filter)));
	assert_false(d.len == a.len && !memcmp(d.filter, a.filter, a.len * sizeof(*a.filter)));
	sandbox_seccomp_release(&a);
	sandbox_seccomp_release(&b);
	sandbox_seccomp_release(&c);
	sandbox_seccomp_release(&d);
	assert_null(a.filter);
}

/* The program is libseccomp's with one instruction in front, which loads an
 * argument (so the kernel's action-cache emulation stops at once, see
 * sandbox/seccomp.c) and decides nothing: what follows loads over it before
 * any jump or return looks at the accumulator. */
static void test_cache_bypass_prefix(void **state)
{
	(void)state;
	struct sandbox_params p = parse;
	struct sock_fprog a;

	assert_int_equal(sandbox_compile_filter(&p, 4, &a), 0);
	assert_true(a.len > 2);
	assert_int_equal(a.filter[0].code, BPF_LD | BPF_W | BPF_ABS);
	assert_int_equal(a.filter[0].k, offsetof(struct seccomp_data, args[0]));
	assert_int_equal(a.filter[1].code, BPF_LD | BPF_W | BPF_ABS);
	assert_int_equal(a.filter[1].k, offsetof(struct seccomp_data, arch));
	sandbox_seccomp_release(&a);
}

/* Both paths: a compiled program handed over, and the child's own compile. */
static void test_both_paths_kill(void **state)
{
	(void)state;
	expect_ok_manual(&parse, &parse, child_hello, NULL);
	expect_ok_manual(NULL, &parse, child_hello, NULL);
	expect_sigsys_manual(&parse, &parse, child_getpid, NULL);
	expect_sigsys_manual(NULL, &parse, child_getpid, NULL);
#if defined(__x86_64__)
	expect_sigsys_manual(&parse, &parse, child_int80, NULL);
	expect_sigsys_manual(NULL, &parse, child_int80, NULL);
#endif
}

/* The child installs the program it is given, not one of its own: pread is
 * child A's, so a parse child handed A's program may pread; without it, the
 * parse role's own filter kills the same call. */
static void test_child_installs_the_given_program(void **state)
{
	(void)state;
	int pfd[2];
	assert_int_equal(pipe(pfd), 0);
	struct sandbox_params p = parse, a = parse;
	p.in_fds = a.in_fds = &pfd[0];
	p.n_in_fds = a.n_in_fds = 1;
	a.role = SANDBOX_ROLE_DECOMPRESS;
	expect_ok_manual(&a, &p, child_pread, &pfd[0]);
	expect_sigsys_manual(NULL, &p, child_pread, &pfd[0]);
	expect_sigsys_manual(&p, &p, child_pread, &pfd[0]);
	close(pfd[0]);
	close(pfd[1]);
}

/* The spawn path, with its cache: repeated children on the same and on new
 * descriptor sets (more sets than cache slots) are all filtered. */
static void test_spawn_cache(void **state)
{
	(void)state;
	struct strbuf err = STRBUF_INIT;
	struct child_reply rep;
	int fds[12];

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		assert_true((fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0);
	for (int round = 0; round < 2; round++)
		for (size_t i = 0; i < ARRAY_SIZE(fds); i++) {
			struct sandbox_params p = parse;
			p.in_fds = &fds[i];
			p.n_in_fds = 1;
			assert_int_equal(
				child_run_and_read(&p, child_hello, NULL, 10000, &rep, &err), 0);
			child_reply_release(&rep);
			assert_int_equal(
				child_run_and_read(&p, child_getpid, NULL, 10000, &rep, &err),
				-ECHILD);
			assert_string_equal(strbuf_str(&err), "child killed by signal 31 (SIGSYS)");
#if defined(__x86_64__)
			assert_int_equal(
				child_run_and_read(&p, child_int80, NULL, 10000, &rep, &err),
				-ECHILD);
			assert_string_equal(strbuf_str(&err), "child killed by signal 31 (SIGSYS)");
#endif
		}
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		close(fds[i]);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compile_is_deterministic),
		cmocka_unit_test(test_cache_bypass_prefix),
		cmocka_unit_test(test_both_paths_kill),
		cmocka_unit_test(test_child_installs_the_given_program),
		cmocka_unit_test(test_spawn_cache),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
