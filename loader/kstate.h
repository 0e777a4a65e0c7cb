/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the running kernel says about modules and module loading, read through
 * the kernel seam (loader/kernel.h): per-module sysfs state as libkmod reads
 * it, and the knobs that decide whether a load can succeed at all.
 *
 * Everything here is kernel-provided text, parsed strictly: a module name
 * that could leave /sys/module (a '/', or "." / "..") is -EINVAL, never a path.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum kstate_init {
	KSTATE_LIVE = 1,
	KSTATE_COMING,
	KSTATE_GOING,
};

/* /sys/module/<name>/initstate. Without the file a module directory means
 * COMING (libkmod's reading; built-in modules are the caller's business).
 * -ENOENT when the kernel does not know the module; -EINVAL for text that is
 * none of live/coming/going (*unknown, if not NULL, gets a copy of it). */
int kstate_initstate(const char *name, char **unknown);
/* /sys/module/<name>/refcnt: >= 0, or -errno (-ENOENT: no such file). */
int kstate_refcnt(const char *name);
/* /sys/module/<name>/holders entries in directory order, NULL-terminated
 * (free with kstate_strv_free). -errno when the directory cannot be read. */
int kstate_holders(const char *name, char ***out);
void kstate_strv_free(char **v);

/* /proc/cmdline, whole (NUL-terminated; *len without it). */
int kstate_cmdline(char **out, size_t *len);
/* /proc/sys/kernel/modules_disabled: 1, 0 or -errno. */
int kstate_modules_disabled(void);
/* /sys/module/module/parameters/sig_enforce: 1 (Y), 0 (N) or -errno. */
int kstate_sig_enforce(void);
/* The active mode of /sys/kernel/security/lockdown ("none", "integrity",
 * "confidentiality"), or -errno (-ENOENT: no lockdown LSM). Free *mode. */
int kstate_lockdown(char **mode);
/* /sys/module/compression ("xz", "zstd", "gzip"): the kernel's in-kernel
 * decompression, or -ENOENT without it. Free *out. */
int kstate_compression(char **out);
/* /proc/sys/kernel/modprobe: the helper the kernel runs for autoload. */
int kstate_modprobe_path(char **out);
