/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The two role functions of the sandboxed children (they run after
 * sandbox_enter, with the filter on), and the job each is given. The parent
 * (inspect/inspect.c) fills the job before the fork; the child only reads it.
 */
#pragma once

#include <stdint.h>

/* Child A: decompress in_fd (a compressed module file) into out_fd (the
 * parent's memfd), at most cap bytes. Replies WIRE_MSG_DECOMP or _ERROR. */
struct decompress_job {
	int in_fd;
	int out_fd;
	uint64_t cap;
	uint64_t in_size; /* the file's size at the parent's fstat; 0: read it */
};
int sandbox_decompress_run(void *job, int reply_fd);
/* prepare for a child A given a gzip file: zlib, opened before the filter
 * (sandbox/libz-dl.h). */
int sandbox_gzip_prepare(void *job);
/* prepare for a depmod worker (sandbox/worker.h): zlib when it can be had,
 * then sandbox_parse_prepare. */
int sandbox_worker_prepare(void *job);

/* Child B: parse the size bytes of fd (the sealed, read-only memfd).
 * Replies WIRE_MSG_FACTS or _ERROR. prepare: OpenSSL set up before the filter. */
struct parse_job {
	int fd;
	uint64_t size;
	uint32_t scope; /* enum wire_scope */
};
int sandbox_parse_prepare(void *job);
int sandbox_parse_run(void *job, int reply_fd);
