/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A reusable parse worker (depmod's pool, inspect/pool.c): one sandboxed
 * child that decompresses and parses module after module, instead of the
 * fresh pair of children per file that the load path uses.
 *
 * Why reuse is acceptable for depmod and not for a load: on the load path a
 * module's facts decide whether its bytes may enter the kernel, so one
 * hostile file must not be able to influence the facts of another, and each
 * file gets fresh children. depmod decides nothing: it writes an index of
 * what the modules of one root-owned tree claim about themselves (any module
 * can already claim any alias), and every load later re-inspects its module
 * with fresh children. A worker compromised by one file of the run could lie
 * about later files of the same run, which is no more than those files could
 * say themselves; the worker still runs under the same filter, uid drop and
 * limits, and holds nothing but its three descriptors.
 *
 * The channel (all descriptors made by the parent before the fork):
 *   job_fd   pipe, read: one struct worker_job per module; for an
 *            uncompressed module its `size` bytes follow (spliced by the
 *            parent from the page cache: one copy, into the worker's buffer)
 *   in_fd    memfd, read: a compressed module's bytes, copied by the parent
 *            (the decompressor reads a file, not a stream)
 *   out_fd   memfd, write/mmap: where a compressed module is decompressed
 *   reply    pipe: one WIRE_MSG_FACTS (only the fields depmod reads) or
 *            WIRE_MSG_ERROR per job, in order
 * The parent rewinds both memfds before each job (the input cut to the
 * file's size; the output keeps its pages, and the worker maps only the
 * bytes it wrote), and sends a job only after the reply to the previous one. End of input on
 * job_fd: the worker exits 0.
 */
#pragma once

#include <stdint.h>

#define WORKER_JOB_MAGIC 0x4a57474du /* "MGWJ" */

struct worker_job {
	uint32_t magic;
	uint32_t kind; /* enum wire_compression of the file, detected by the parent */
	uint64_t size; /* bytes of the file in in_fd */
};

struct worker_fds {
	int job_fd;
	int in_fd;
	int out_fd;
	uint64_t cap; /* decompressed size cap */
};

/* The role function (role SANDBOX_ROLE_DECOMPRESS | SANDBOX_ROLE_PARSE). */
int sandbox_worker_run(void *arg, int reply_fd);
