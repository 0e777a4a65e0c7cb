// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * This build has no BPF program: clang, bpftool or libbpf was missing when it
 * was configured. The gate's calls (gate.c) and status/disable (state.c)
 * still work with a program another build attached.
 */
#include <errno.h>

#include "lsm/lsm.h"

bool lsm_built(void)
{
	return false;
}

const char *lsm_last_log(void)
{
	return NULL;
}

int lsm_enable(const struct lsm_settings *s)
{
	(void)s;
	return -EOPNOTSUPP;
}
