/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * modinfo over many files: inspect them on every CPU while the tool prints in
 * argument order.
 *
 * Inspecting a module (decompress in one sandboxed child, parse in another)
 * dominates modinfo's time and is independent per file. Worker processes,
 * forked copies of the tool with no more privilege than it has, each run
 * modinfo_inspect() on every K-th file and send the resulting entries back
 * over a pipe; the tool takes them in order and prints exactly as it would
 * have inline. Workers print nothing, so output order and wording do not
 * depend on them.
 */
#pragma once

#include <stddef.h>

#include "common/strbuf.h"
#include "tools/modinfo.h"

/* What modinfo needs from one module file: its entries (.modinfo strings
 * and signature), or -errno with a cause sentence in err. Logs nothing. */
int modinfo_inspect(const char *path, struct modinfo_list *l, struct strbuf *err);

struct prefetch;

/* Start up to `workers` processes over paths[0..n). NULL when not worth it or
 * not possible (the caller then inspects inline). paths must outlive it. */
struct prefetch *prefetch_start(char *const *paths, size_t n, unsigned int workers);
/* The result for paths[i]; i must go 0, 1, 2, ... If a worker fails, the
 * file is inspected inline instead, so the answer is the same either way. */
int prefetch_take(struct prefetch *p, size_t i, struct modinfo_list *l, struct strbuf *err);
/* Kill and reap what is left. NULL-safe. */
void prefetch_stop(struct prefetch *p);
