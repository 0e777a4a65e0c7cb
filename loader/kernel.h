/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel seam: every interaction with the running kernel goes through
 * these functions, so tests can swap the real implementation (kernel-real.c)
 * for a fake (kernel-fake.c) that reads a fixture root and records each call.
 *
 * The fake is linked only into the test binary `modgate-test`, which is never
 * installed; nothing in the environment can redirect the real one.
 *
 * All functions return 0 (or a non-negative count) or a negative errno.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Kernel-provided files: /proc/modules, /proc/cmdline, /sys/module/..., the
 * lockdown/sig_enforce/modules_disabled knobs, /proc/sys/kernel/modprobe.
 * `path` is absolute. Output is NUL-terminated. */
int kernel_read_file(const char *path, size_t max, char **out, size_t *len);
/* Open a kernel-provided directory (e.g. /sys/module/x/holders) for reading:
 * an O_DIRECTORY fd or -errno. */
int kernel_open_dir(const char *path);
/* Does a kernel path exist? 1, 0, or -errno for other errors. */
int kernel_path_exists(const char *path);
/* uname(2) release string into buf. */
int kernel_release(char *buf, size_t size);
/* finit_module(2). `name` is the module name the caller established; the real
 * implementation ignores it, the fake uses it to update its fixture state. */
int kernel_finit_module(int fd, const char *name, const char *params, int flags);
/* delete_module(2) with O_NONBLOCK always set by the caller's flags. */
int kernel_delete_module(const char *name, unsigned int flags);
