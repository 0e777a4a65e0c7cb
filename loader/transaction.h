/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * modprobe's transactions through the gate.
 *
 * gate_probe is one match of a lookup (each match of a multi-match alias is
 * its own plan, as kmod loads each independently):
 *
 *   plan     the load list, as libkmod 30 makes it (moddb/plan.h); entries
 *            already live or built in take no decision, spawn nothing and
 *            write nothing
 *   decide   every other entry: inspect, verify, decide, record (gate.h);
 *            an install command is decided as op=install with its text
 *   refuse   a required entry (the module or a hard dependency) denied:
 *            nothing of the plan is loaded, and the caller learns which and
 *            why; a denied softdep is only skipped
 *   load     in order, finit_module on the sealed bytes or the allowed
 *            install command, each result recorded
 *
 * No lock is held across the kernel calls: a module's init may trigger an
 * autoload, which is another modgate process.
 */
#pragma once

#include "loader/load.h"
#include "loader/probe.h"
#include "moddb/plan.h"
#include "policy/request.h"

/* loader_probe's contract (probe.h), through the gate: 0, PROBE_BLACKLISTED
 * or -errno; -EPERM with fail->step LOAD_STEP_DENIED when the gate refused
 * the plan. A dry run is loader_probe's (nothing is loaded, nothing decided). */
int gate_probe(struct plan *p, struct plan_mod *mod, const char *requested, unsigned int flags,
	       const char *extra_options, const struct loader_ui *ui, struct load_result *fail);

/* An install or remove command of modprobe.d, decided as op=install/remove
 * with the command text (after $CMDLINE_OPTS) as a fact, then run with a
 * cleared, fixed environment that passes the context on. The command's exit
 * status (0..255, 128 + signal), -EPERM when denied, -errno when it could
 * not start. */
int gate_command(enum policy_op op, const char *name, const char *cmd, const char *requested);

/* A lookup that found nothing: recorded as "not-found" in the autoload
 * context (where floods of them are rate-limited), nothing elsewhere. */
void gate_not_found(const char *requested);

/* A path asked of modprobe or insmod: refused in the autoload context (and
 * recorded). 0, or -EPERM with why set. */
int gate_check_path(const char *requested, struct strbuf *why);
