/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The gate: every load, unload, install and remove command is decided here,
 * one item at a time, in the steps DESIGN.md draws:
 *
 *   inspect  sandboxed children turn the file into a sealed, read-only memfd
 *            and facts (inspect/)
 *   verify   the parent checks the signature over those bytes (verify/)
 *   decide   the policy's first matching rule, then the gate's own refusals:
 *            owner-ok=no in enforce mode, a forced load no rule names force
 *            for, an unsigned module the kernel will certainly refuse
 *   record   the decision goes to the trail (fsync'd) before anything else
 *            happens; with `audit required` a decision that could not be
 *            recorded is a deny
 *
 * and then, if the item may proceed, the kernel call on exactly those bytes
 * and a result record. transaction.c strings items together into modprobe's,
 * insmod's and rmmod's transactions.
 *
 * Configuration comes from fixed places only: the policy and settings
 * (loader/policy-load.h), the trust store (verify/truststore.h) and the
 * trail (audit/audit.h), all read once per process on the first decision,
 * never on a request that changes nothing. Nothing a load is given (-d, -C,
 * -S, MODPROBE_OPTIONS, --root) moves them.
 */
#pragma once

#include <stdbool.h>

#include "common/strbuf.h"
#include "inspect/inspect.h"
#include "loader/context.h"
#include "loader/policy-facts.h"
#include "policy/policy.h"
#include "verify/verify.h"

struct gate_options {
	bool boot_entry; /* `modgate modules-load` */
	/* where the plan came from (modprobe.d files, the module directory):
	 * checked for owner-ok when the first decision needs it */
	char *const *config_files;
	size_t n_config_files;
	const char *moddir;
	/* where the gate's own explanations go (a denied unload or remove
	 * command, a record that could not be written): prio as syslog's */
	void (*say)(void *ud, int prio, const char *msg);
	void *ud;
};

/* Before the first decision of the process (the tools call it once). */
void gate_configure(const struct gate_options *o);
/* This process is `modgate modules-load` (boot context evidence, with its
 * parent being PID 1); survives later gate_configure() calls. */
void gate_mark_boot_entry(void);
/* Say something through the tool's channel (gate_options.say), if any. */
void gate_say(int prio, const char *fmt, ...) _printf_(2, 3);

enum gate_verdict {
	GATE_ALLOW = 0,
	GATE_DENY,
	GATE_WOULD_DENY, /* permissive mode: recorded as a denial, proceeds */
};

/* What a request shares across its items. */
struct gate_request {
	const char *requested; /* the name, alias or path asked for */
	bool requester_known;  /* autoload, with the kernel side attached */
	uint32_t requester_uid;
	bool requester_userns_other;
	char requester_cgroup[256];
	char requester[640]; /* for the record: "uid=1000 pid=42 comm=x userns=init cgroup=/..." */
};

/* Fill the requester of an autoload from the kernel side (lsm/), when the
 * context is autoload and it is attached; otherwise unknown. */
void gate_request_init(struct gate_request *rq, const char *requested);

struct gate_item {
	/* the request for this item */
	const struct gate_request *rq;
	const char *name; /* the module, as the plan (or the file name) says */
	const char *path; /* the file, for op load */
	enum policy_op op;
	enum policy_reason reason;
	const char *params;  /* final parameter string, NULL for none */
	const char *command; /* install/remove command text */
	unsigned int kflags; /* LOAD_IGNORE_* asked for */
	bool force;	     /* --force / rmmod -f */
	bool required;	     /* a denial fails the whole request */

	/* the decision */
	struct inspected in; /* memfd_ro >= 0 after inspection */
	int inspect_err;     /* inspection failed: its -errno (the cause is in why) */
	int kernel_err;	     /* the kernel would certainly refuse: the -errno it would give */
	struct verify_result vr;
	struct module_policy_facts mf;
	bool have_facts;
	struct policy_decision d;
	bool by_policy; /* d holds the policy's decision */
	enum gate_verdict verdict;
	bool proceed;	 /* load, unload or run the command */
	bool impossible; /* denied in any mode: nothing to load, or the kernel would refuse */
	unsigned int kflags_granted;
	struct strbuf why;  /* a denial's cause, one sentence without the module name */
	struct strbuf warn; /* something the caller should say even when it proceeds */
};

void gate_item_init(struct gate_item *it, const struct gate_request *rq, const char *name,
		    enum policy_op op);
void gate_item_release(struct gate_item *it);

/* inspect (op load), verify, decide, record: it->proceed says what may
 * happen. Fails only on allocation failure (-ENOMEM), and then it is denied. */
int gate_decide(struct gate_item *it);

/* finit_module on the sealed bytes (registered with the kernel side while it
 * runs), and the result record. 0 or the kernel's -errno. */
int gate_kernel_load(struct gate_item *it);
/* delete_module (O_NONBLOCK, O_TRUNC when forced), and the result record. */
int gate_kernel_unload(struct gate_item *it);
/* The result record of anything else (an install/remove command's status,
 * as -errno or 0). */
void gate_record_result(struct gate_item *it, int err);

/* A decision for a request that found nothing, in the autoload context (the
 * trail's flood control counts these); no-op in other contexts. */
void gate_record_not_found(const struct gate_request *rq);
/* A path asked for in the autoload context: denied, recorded. -EPERM. */
int gate_refuse_autoload_path(const struct gate_request *rq, struct strbuf *why);

/* The -errno a denied item fails with: the kernel's own when it would
 * certainly have refused (so kmod's message stays the same), inspection's,
 * else -EPERM. */
int gate_item_errno(const struct gate_item *it);

/* The process's context (detected on first use). */
const struct gate_context *gate_context(void);

/* "allow", "deny", "would-deny". */
const char *gate_verdict_name(enum gate_verdict v);

/* The test binaries replace these (loader/gate-test.c): a configuration root
 * for fixture trees, and a hook between the decision and the kernel call.
 * The installed binary has neither: no environment variable moves the
 * configuration or reaches into a load. */
const char *gate_config_root(void);
void gate_test_hook(const char *point, const struct gate_item *it);
