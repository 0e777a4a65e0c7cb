/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The CPUs a tool's inspecting workers run on (verify, modinfo). A worker is
 * a chain: it asks its zygote for a child, waits for it, then works on the
 * reply. Left to the scheduler, the three processes of one chain land on
 * different CPUs and every hand-over is a cross-CPU wake-up (on a VM, an
 * interrupt to a halted vCPU); pinned, a chain stays on one CPU and the
 * chains of different workers never meet. The zygote and its children are
 * forked from the worker after the pin, so they inherit it.
 */
#pragma once

/* CPUs this process may run on (its affinity mask, so taskset and cpusets
 * are obeyed); at least 1. */
unsigned int workers_cpus(void);

/* Pin the calling worker, the k-th, to the (k mod n)-th of those CPUs.
 * Best effort: a failure leaves it to the scheduler, which only costs time. */
void workers_pin(unsigned int k);
