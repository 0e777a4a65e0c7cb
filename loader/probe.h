/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * modprobe's two transactions over a plan (moddb/plan.h):
 *
 *   loader_probe   libkmod 30's kmod_module_probe_insert_module: the module's
 *                  load list, each entry skipped when live, run as its install
 *                  command or loaded through loader_load()
 *   loader_remove  kmod 30 modprobe's rmmod_do_module: post-softdeps, holders
 *                  (--remove-holders), the module (or its remove command),
 *                  dependencies left unused, pre-softdeps
 *
 * Messages go through the caller's loader_ui in the words kmod prints; the
 * caller decides which to show (and, for the tool's own fatal messages,
 * whether to stop the process as kmod does).
 */
#pragma once

#include <stdbool.h>

#include "loader/load.h"
#include "moddb/plan.h"

enum probe_flags {
	PROBE_FORCE_VERMAGIC = 1u << 0,
	PROBE_FORCE_MODVERSION = 1u << 1,
	PROBE_IGNORE_COMMAND = 1u << 2, /* -i: no install command, no softdeps for the module */
	PROBE_IGNORE_LOADED = 1u << 3,	/* -D: do not ask the kernel what is live */
	PROBE_DRY_RUN = 1u << 4,
	PROBE_FAIL_ON_LOADED = 1u << 5, /* --first-time */
	PROBE_BLACKLIST = 1u << 6,	/* -b */
	PROBE_BLACKLIST_ALIAS_ONLY = 1u << 7,
};

/* loader_probe's positive result: the module is blacklisted (not an error). */
#define PROBE_BLACKLISTED 1

/* Priority of a message in the tool's own LOG() (FATAL, or WARNING with -a). */
#define LOADER_LOG_TOOL (-1)

struct loader_ui {
	/* prio: LOADER_LOG_TOOL, or a syslog priority (3 error, 4 warning, 6 info) */
	void (*log)(void *ud, int prio, const char *msg);
	/* modprobe's print_action: before each load or install command */
	void (*action)(void *ud, struct plan *p, struct plan_mod *m, bool install,
		       const char *options);
	/* modprobe's SHOW() lines: "rmmod x", "remove x cmd" */
	void (*show)(void *ud, const char *line);
	void *ud;
};

/* Hand one formatted message to ui->log (nothing when there is no ui). */
void loader_say(const struct loader_ui *ui, int prio, const char *fmt, ...) _printf_(3, 4);

struct plan;
struct plan_mod;
/* libkmod's module_is_inkernel(): built in, or live in /sys/module. */
bool loader_in_kernel(struct plan *p, struct plan_mod *m, const struct loader_ui *ui);

/* 0, PROBE_BLACKLISTED, or -errno (-EEXIST: live with --first-time). On a
 * failed load `fail` says which module, at which step and why. */
int loader_probe(struct plan *p, struct plan_mod *mod, unsigned int flags,
		 const char *extra_options, const struct loader_ui *ui, struct load_result *fail);

struct remove_opts {
	bool ignore_commands;	      /* -i */
	bool ignore_loaded;	      /* -D */
	bool first_time;	      /* --first-time */
	bool force;		      /* -f: O_TRUNC */
	bool dry_run;		      /* -n */
	bool holders;		      /* --remove-holders */
	unsigned long long wait_msec; /* -w */
};

/* 0 or -errno. */
int loader_remove(struct plan *p, struct plan_mod *mod, const struct remove_opts *o,
		  const struct loader_ui *ui);
