/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libseccomp, opened when the first filter is compiled (common/dlopen.h):
 * in the parent before the fork (inspect/spawn.c), so a child never needs
 * to open it. Processes that spawn no child (modprobe -R, lsmod, an
 * already-loaded module) never load it. */
#pragma once

#include <seccomp.h>

#include "common/dlopen.h"

#define LIBSECCOMP_FUNCTIONS(X, t)                                                                 \
	X(t, seccomp_init)                                                                         \
	X(t, seccomp_attr_set)                                                                     \
	X(t, seccomp_syscall_resolve_name)                                                         \
	X(t, seccomp_rule_add)                                                                     \
	X(t, seccomp_export_bpf)                                                                   \
	X(t, seccomp_release)

/* libseccomp.<function> is valid once libseccomp_load() returned 0; that is
 * 0 or -ELIBACC (reported once: the library or a symbol is missing). */
DL_API(libseccomp, LIBSECCOMP_FUNCTIONS);
