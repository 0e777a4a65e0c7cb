/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libcap-ng, for the capability drop of a sandboxed child (sandbox/child.c),
 * opened on first use (common/dlopen.h). The parent opens it before it makes
 * its first child (inspect/spawn.c), so a forked child and the zygote inherit
 * it ready; a process that makes no child (modprobe -R, lsmod, an
 * already-loaded module) never maps it nor runs its constructor. */
#pragma once

#include <cap-ng.h>

#include "common/dlopen.h"

#define LIBCAPNG_FUNCTIONS(X, t)                                                                   \
	X(t, capng_clear)                                                                          \
	X(t, capng_apply)

/* libcapng.<function> is valid once libcapng_load() returned 0; that is 0 or
 * -ELIBACC (reported once: the library or a symbol is missing). */
DL_API(libcapng, LIBCAPNG_FUNCTIONS);
