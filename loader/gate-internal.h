/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared between the gate's files (gate.c, gate-record.c, transaction.c). */
#pragma once

#include "audit/audit.h"
#include "loader/gate.h"
#include "loader/policy-load.h"
#include "verify/truststore.h"

/* The process-wide state decisions rest on (gate.c). */
struct gate_session {
	struct gate_options opt;
	bool ready, ctx_ready;
	const char *root; /* test binaries only (gate_config_root) */
	struct policy_loaded pl;
	struct trust_store ts;
	int trust_err; /* 1 not read yet, 0 read, -errno */
	struct strbuf trust_why;
	struct gate_context ctx;
	char release[256];
	int modules_disabled, sig_enforce;
	char *lockdown;
	struct audit_options ao;
	int cfg_owner; /* -1 not checked yet, 0 no, 1 yes */
	char cfg_owner_bad[512];
	bool override_recorded;
};

extern struct gate_session gate_S;

/* Read the policy, settings, kernel state and context, once. */
void gate_decide_prepare(void);
/* mode, context and who: the invoking process's fields of every record the
 * gate writes (gate-record.c). */
void gate_event_who(struct audit_event *ev);
/* Record the settings and the policy read, when they changed since the
 * trail's last record of them (policy-audit.c). */
void gate_record_policy(void);
enum policy_mode gate_mode(void);

bool gate_locked_down(void);
bool gate_rule_names_force(const char *text);

/* owner-ok of the plan's sources (gate_options): 1 or 0 (gate-record.c). */
bool gate_config_owner_ok(void);
/* One phrase naming the first path that is not root-owned or is writable by
 * others: the module file, a directory above it, or a source of the plan. */
const char *gate_owner_problem(const char *module_path);

/* Record it's decision (gate-record.c); under `audit required` a failure
 * turns it into a denial. 0 or the trail's -errno. */
int gate_record_decision(struct gate_item *it);

/* From now on, hold decision records (and with `results`, result records
 * too) instead of writing each: a plan writes its decisions as one trail
 * batch (gate_records_flush, before any kernel call) and its results as
 * another (gate_results_flush, after the loads). Both flushes end their
 * holding; a flush that fails under `audit required` denies each held
 * decision, as a single record would. 0 or the trail's -errno. */
void gate_records_hold(bool results);
int gate_records_flush(void);
int gate_results_flush(void);

/* Run an allowed install/remove command (gate-command.c) and record its
 * result: command_run()'s contract (exit status, 128 + signal, -errno). */
int gate_command_run(struct gate_item *it);
/* A result record with a note (a command's exit status). */
void gate_record_result_note(struct gate_item *it, int err, const char *note);
