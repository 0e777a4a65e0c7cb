/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The command-line faces of the multi-call binary. */
#pragma once

#include <stdio.h>

struct tool {
	const char *name;
	int (*run)(int argc, char *argv[]);
	const char *help;
};

/* kmod-compatible tools, reachable by argv[0] (symlink) or `modgate <tool>`. */
int tool_lsmod(int argc, char *argv[]);
int tool_depmod(int argc, char *argv[]);
int tool_modprobe(int argc, char *argv[]);
int tool_insmod(int argc, char *argv[]);
int tool_rmmod(int argc, char *argv[]);
int tool_modinfo(int argc, char *argv[]);
int tool_not_built(int argc, char *argv[]);

/* `modgate verify` and `modgate keys`. */
int tool_verify(int argc, char *argv[]);
int tool_keys(int argc, char *argv[]);

/* `modgate policy` (check, show, test, generate). */
int tool_policy(int argc, char *argv[]);

/* `modgate audit`; `audit-emit` exists only in the test binary. */
int tool_audit(int argc, char *argv[]);
int tool_audit_emit(int argc, char *argv[]);

/* `modgate lsm`; lsm_status_summary() prints the kernel side's part of
 * `modgate status` (1 attached, 0 not, -errno unknown). */
int tool_lsm(int argc, char *argv[]);
int lsm_status_summary(FILE *out);

/* `modgate status [--json]` and `modgate modules-load` (the boot unit's). */
int tool_status(int argc, char *argv[]);
int tool_modules_load(int argc, char *argv[]);

/* `modgate --root DIR`: admin subcommands read configuration, trust store and
 * module trees under DIR. NULL when not given. */
const char *tools_root(void);

/* The registry, defined in main.c. NULL-name terminated. */
extern const struct tool compat_tools[];
extern const struct tool admin_tools[];
