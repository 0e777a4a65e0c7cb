/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test-only helpers for the sandbox proofs (test-sandbox.c and
 * test-sandbox-zygote.c): a child's one-line report, running a child through
 * child_run_and_read() and collecting what came back, and whether this
 * process is expected to change uids. Header-only (static inline).
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/macros.h"
#include "common/strbuf.h"
#include "inspect/reply.h"
#include "inspect/spawn.h"
#include "sandbox/child.h"

/* ---- child side ---- */

static inline int send_test(int fd, const char *fmt, ...) _printf_(2, 3);
static inline int send_test(int fd, const char *fmt, ...)
{
	char buf[4096];
	struct wire_writer w;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	wire_writer_init(&w, WIRE_MSG_TEST);
	wire_put_str(&w, WT_TEST_RESULT, buf);
	int r = wire_send(&w, fd);
	wire_writer_release(&w);
	return r;
}

/* ---- parent side ---- */

struct outcome {
	int r;
	char err[512];
	char result[4096]; /* the first WT_TEST_RESULT, if any */
	double seconds;
};

static inline double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline struct outcome run_with(const struct sandbox_params *p, sandbox_fn fn, void *arg,
				      unsigned int timeout_ms)
{
	struct outcome o = {0};
	struct child_reply rep;
	struct strbuf err = STRBUF_INIT;
	double t0 = now();

	o.r = child_run_and_read(p, fn, arg, timeout_ms, &rep, &err);
	o.seconds = now() - t0;
	snprintf(o.err, sizeof(o.err), "%s", strbuf_str(&err));
	if (o.r == 0) {
		struct wire_reader rd;
		struct wire_item it;
		assert_int_equal(rep.type, WIRE_MSG_TEST);
		wire_reader_init(&rd, &rep);
		if (wire_next(&rd, &it) && it.tag == WT_TEST_RESULT)
			snprintf(o.result, sizeof(o.result), "%.*s", (int)it.len,
				 (const char *)it.data);
	}
	child_reply_release(&rep);
	strbuf_release(&err);
	return o;
}

static inline struct outcome run(sandbox_fn fn, void *arg)
{
	struct sandbox_params p = {.role = SANDBOX_ROLE_PARSE, .cpu_seconds = 10};
	return run_with(&p, fn, arg, 10000);
}

static inline int child_hello(void *arg, int fd)
{
	(void)arg;
	return send_test(fd, "hello from %s", "the sandbox");
}

/* Allocates and touches *(size_t *)arg bytes: "allocated" or "malloc failed". */
static inline int child_allocate(void *arg, int fd)
{
	size_t len = *(const size_t *)arg;
	char *p = malloc(len);
	if (p)
		for (size_t i = 0; i < len; i += 4096)
			p[i] = 1;
	return send_test(fd, "%s", p ? "allocated" : "malloc failed");
}

/* With 64 MiB of headroom a child may allocate 16 MiB and not 256 MiB.
 * p->arg_len 0: forked here; sizeof(size_t): the zygote may make it. */
static inline void expect_address_space_limit(size_t arg_len)
{
	struct sandbox_params p = {.role = SANDBOX_ROLE_PARSE,
				   .as_headroom = 64u << 20,
				   .cpu_seconds = 10,
				   .arg_len = arg_len};
	size_t small = 16u << 20, big = 256u << 20;
	struct outcome o = run_with(&p, child_allocate, &small, 10000);
	assert_int_equal(o.r, 0);
	assert_string_equal(o.result, "allocated");
	o = run_with(&p, child_allocate, &big, 10000);
	assert_int_equal(o.r, 0);
	assert_string_equal(o.result, "malloc failed");
}

static inline bool expect_uid_drop(void)
{
	const char *env = getenv("MODGATE_TEST_EXPECT_DROP");
	if (env)
		return streq(env, "1");
	/* Independent of the implementation's own test: real root with the
	 * capabilities of the initial user namespace. */
	char *map = NULL, *status = NULL;
	size_t len;
	bool init_ns = read_full_file("/proc/self/uid_map", 4096, &map, &len) == 0 &&
		       strstr(map, "4294967295") != NULL;
	bool setuid_cap = false;
	if (read_full_file("/proc/self/status", 65536, &status, &len) == 0) {
		const char *eff = strstr(status, "CapEff:");
		setuid_cap = eff && (strtoull(eff + 7, NULL, 16) & (1ull << 7));
	}
	free(map);
	free(status);
	return init_ns && setuid_cap && getuid() == 0;
}
