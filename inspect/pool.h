/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A pool of reusable sandboxed parse workers, for depmod only: facts for many
 * module files of one run, parsed in parallel (one worker per core). Why a
 * worker may be reused here and never on the load path: sandbox/worker.h.
 *
 * The parent side: it opens each file (regular files only), copies its bytes
 * into the worker's input memfd without looking at them beyond the fixed
 * 6-byte compression magic, and treats every reply as hostile (the same
 * checks as inspect_file's). A worker that crashes, times out or sends an
 * invalid reply is killed and replaced; the job it was on fails with a
 * sentence saying why, the others go on.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "inspect/inspect.h"
#include "inspect/spawn.h"

/* Called once per job, in completion order, from inside inspect_pool_run.
 * err 0: facts is a WIRE_MSG_FACTS reply that passed reply_check(), holding
 * only what depmod reads (ELF identity, alias/softdep/weakdep strings,
 * exports, needs: sandbox/worker.h), valid during the call; read it with
 * wire_next(). Otherwise err is -errno and why one sentence without the
 * path. */
typedef void (*pool_done_fn)(void *ctx, size_t job, int err, const struct child_reply *facts,
			     const char *why);

/* Test seams, NULL unless a test binary sets them: called right before and
 * right after a job is handed to a worker (the tests stop that worker before,
 * so it cannot finish the job first, and kill it after, to prove a crashed
 * or hung worker fails its job only). */
extern void (*inspect_pool_test_dispatching)(pid_t worker, size_t job);
extern void (*inspect_pool_test_dispatched)(pid_t worker, size_t job);

/* Inspect paths[0..n) with `workers` workers (0: one per online CPU, never
 * more than n). 0 once every job was reported, or -errno when no worker
 * could be started at all (nothing reported then). */
int inspect_pool_run(const char *const *paths, size_t n, unsigned int workers,
		     const struct inspect_limits *lim, pool_done_fn done, void *ctx);
