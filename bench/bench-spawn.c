// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What one sandboxed child costs: fork (or fork+exec), the whole setup of
 * sandbox_enter (fds, privileges, rlimits, no_new_privs, the seccomp filter),
 * one small reply, exit, reap; the seccomp program compiled once in the
 * parent (inspect/spawn.c), or by each child. Prints median and 90th percentile per variant;
 * sandbox/README.md records the figures and the fork-vs-exec decision.
 *
 *   bench-spawn [rounds]          (default 300; run as root to include the uid drop)
 *
 * Not a test: timings depend on the machine and its load.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/macros.h"
#include "inspect/spawn.h"
#include "sandbox/child.h"
#include "sandbox/decode.h"

#define EXEC_CHILD_ARG "--exec-child"
#define EXEC_REPLY_FD  3

extern char **environ;

static int reply_hello(void *arg, int fd)
{
	struct wire_writer w;
	(void)arg;
	wire_writer_init(&w, WIRE_MSG_TEST);
	wire_put_str(&w, WT_TEST_RESULT, "hello");
	int r = wire_send(&w, fd);
	wire_writer_release(&w);
	return r;
}

static int prepare_crypto(void *arg)
{
	(void)arg;
	return decode_crypto_init();
}

static const struct sandbox_params plain = {.role = SANDBOX_ROLE_PARSE, .cpu_seconds = 10};
static const struct sandbox_params with_crypto = {
	.role = SANDBOX_ROLE_PARSE, .cpu_seconds = 10, .prepare = prepare_crypto};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int one_fork_only(void)
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(0);
	return waitpid(pid, NULL, 0) == pid ? 0 : -errno;
}

static int one_sandbox(const struct sandbox_params *p)
{
	struct child_reply rep;
	struct strbuf err = STRBUF_INIT;
	int r = child_run_and_read(p, reply_hello, NULL, 10000, &rep, &err);
	if (r < 0)
		fprintf(stderr, "bench-spawn: %s\n", strbuf_str(&err));
	child_reply_release(&rep);
	strbuf_release(&err);
	return r;
}

/* A child that compiles its seccomp program itself (params->filter NULL), as
 * every child did before spawn.c compiled it once in the parent. */
static int one_child_compiles(const struct sandbox_params *p)
{
	struct child_proc c = {.pid = -1, .pidfd = -1, .reply_fd = -1, .timeout_ms = 10000};
	struct child_reply rep;
	struct strbuf err = STRBUF_INIT;
	int pfd[2], r;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	c.deadline_ns = now_ns() + 10000ull * 1000000ull;
	c.pid = fork();
	if (c.pid < 0) {
		r = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return r;
	}
	if (c.pid == 0)
		sandbox_child_main(p, pfd[1], reply_hello, NULL);
	close(pfd[1]);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	c.reply_fd = pfd[0];
	r = child_finish(&c, &rep, &err);
	if (r < 0)
		fprintf(stderr, "bench-spawn: %s\n", strbuf_str(&err));
	child_reply_release(&rep);
	strbuf_release(&err);
	return r;
}

/* The alternative: a fresh program image (posix_spawn = vfork + exec), which
 * then sets itself up exactly as a forked child does. */
static int one_exec(const char *self)
{
	posix_spawn_file_actions_t fa;
	struct child_proc c = {.pid = -1, .pidfd = -1, .reply_fd = -1, .timeout_ms = 10000};
	struct child_reply rep;
	struct strbuf err = STRBUF_INIT;
	char *argv[] = {(char *)self, EXEC_CHILD_ARG, NULL};
	int pfd[2], r;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], EXEC_REPLY_FD);
	r = -posix_spawn(&c.pid, self, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (r < 0) {
		close(pfd[0]);
		return r;
	}
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	c.reply_fd = pfd[0];
	c.deadline_ns = now_ns() + 10000ull * 1000000ull;
	r = child_finish(&c, &rep, &err);
	if (r < 0)
		fprintf(stderr, "bench-spawn: exec child: %s\n", strbuf_str(&err));
	child_reply_release(&rep);
	strbuf_release(&err);
	return r;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

enum variant { V_FORK, V_SANDBOX, V_SANDBOX_CHILD_FILTER, V_SANDBOX_CRYPTO, V_EXEC };

static int measure(const char *name, enum variant v, int rounds, const char *self)
{
	uint64_t *t = calloc((size_t)rounds, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (int i = 0; i < rounds; i++) {
		uint64_t t0 = now_ns();
		int r = v == V_FORK		      ? one_fork_only()
			: v == V_SANDBOX	      ? one_sandbox(&plain)
			: v == V_SANDBOX_CHILD_FILTER ? one_child_compiles(&plain)
			: v == V_SANDBOX_CRYPTO	      ? one_sandbox(&with_crypto)
						      : one_exec(self);
		if (r < 0) {
			free(t);
			return r;
		}
		t[i] = now_ns() - t0;
	}
	qsort(t, (size_t)rounds, sizeof(*t), cmp_u64);
	printf("%-58s median %7.0f us   p90 %7.0f us\n", name, (double)t[rounds / 2] / 1e3,
	       (double)t[rounds * 9 / 10] / 1e3);
	free(t);
	return 0;
}

/* A parent with a large, touched heap: fork copies its page tables. */
static char *grow_heap(size_t mib)
{
	size_t len = mib << 20;
	char *p = malloc(len);
	if (p)
		for (size_t i = 0; i < len; i += 4096)
			p[i] = 1;
	return p;
}

static int exec_child_main(void)
{
	/* what a helper mode of the real binary would do after exec */
	sandbox_child_main(&with_crypto, EXEC_REPLY_FD, reply_hello, NULL);
}

int main(int argc, char *argv[])
{
	if (argc > 1 && streq(argv[1], EXEC_CHILD_ARG))
		return exec_child_main();
	int rounds = argc > 1 ? atoi(argv[1]) : 300;
	if (rounds < 10)
		rounds = 10;
	const char *self = "/proc/self/exe";
	char path[4096];
	ssize_t n = readlink(self, path, sizeof(path) - 1);
	if (n > 0) {
		path[n] = '\0';
		self = path;
	}

	printf("bench-spawn: %d rounds, uid %d, %ld cores\n", rounds, (int)getuid(),
	       sysconf(_SC_NPROCESSORS_ONLN));
	/* The zygote first, while this process is small, as the tools do. */
	int r = child_zygote_start();
	if (!r)
		r = measure("sandboxed child, zygote", V_SANDBOX, rounds, self);
	if (!r)
		r = measure("sandboxed child, zygote, OpenSSL init in the zygote", V_SANDBOX_CRYPTO,
			    rounds, self);
	child_zygote_enable(false);
	if (!r)
		r = measure("fork + _exit + reap (no sandbox)", V_FORK, rounds, self);
	if (!r)
		r = measure("sandboxed child, fork", V_SANDBOX, rounds, self);
	if (!r)
		r = measure("sandboxed child, fork, filter compiled in the child",
			    V_SANDBOX_CHILD_FILTER, rounds, self);
	if (!r)
		r = measure("sandboxed child, fork, OpenSSL init in the child", V_SANDBOX_CRYPTO,
			    rounds, self);
	if (!r)
		r = measure("sandboxed child, fork+exec, OpenSSL init in the child", V_EXEC, rounds,
			    self);
	if (!r && decode_crypto_init() == 0)
		r = measure("sandboxed child, fork, OpenSSL init inherited", V_SANDBOX_CRYPTO,
			    rounds, self);
	child_zygote_enable(true);
	if (!r)
		r = child_zygote_start();
	static const size_t heaps[] = {64, 256};
	for (size_t i = 0; !r && i < ARRAY_SIZE(heaps); i++) {
		char name[96];
		char *heap = grow_heap(heaps[i]);
		if (!heap)
			return EXIT_FAILURE;
		snprintf(name, sizeof(name), "sandboxed child, zygote, parent heap %zu MiB",
			 heaps[i]);
		r = measure(name, V_SANDBOX_CRYPTO, rounds / 3, self);
		child_zygote_enable(false);
		snprintf(name, sizeof(name), "sandboxed child, fork, parent heap %zu MiB",
			 heaps[i]);
		if (!r)
			r = measure(name, V_SANDBOX_CRYPTO, rounds / 3, self);
		snprintf(name, sizeof(name), "sandboxed child, fork+exec, parent heap %zu MiB",
			 heaps[i]);
		if (!r)
			r = measure(name, V_EXEC, rounds / 3, self);
		child_zygote_enable(true);
		free(heap);
	}
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
