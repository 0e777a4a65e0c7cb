/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * modules.builtin.modinfo: kbuild's copy of the .modinfo of every module built
 * into the kernel image, as NUL-terminated "module.key=value" strings grouped
 * by module. Root-owned, written at kernel build time; parsed here in the
 * privileged process because it is a flat list of strings, not module bytes.
 */
#pragma once

#include <stddef.h>

/* The strings ("key=value") of modname's group, in file order, as one
 * allocation: free(*strings) releases everything.
 * -ENOENT: no such file; -ENOSYS: no group for modname (libkmod's code for
 * it, which modinfo reports); -EBADMSG: a string without a module prefix or
 * an unterminated last string before the module was found; other -errno. */
int builtin_modinfo_get(const char *path, const char *modname, char ***strings, size_t *n);

/* Same over a buffer already in memory (used by the file variant and tests). */
int builtin_modinfo_parse(const char *buf, size_t len, const char *modname, char ***strings,
			  size_t *n);
