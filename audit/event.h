/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One audit event: what the gate (loader/) fills in and audit/ records. audit/
 * knows nothing of policy internals; every field is plain data, NULL or
 * AUDIT_ID_UNSET when not known (and then left out of every record).
 *
 * The gate emits one AUDIT_EV_DECISION per module per request before asking
 * the kernel, and one AUDIT_EV_RESULT after (errno). Settings and policy
 * loads, policy refusals, mode changes and uses of the kernel-command-line
 * override are events too. A request that changes nothing (already live,
 * builtin) is not an event. The AUDIT_EV_TRAIL_* and AUDIT_EV_FLOOD events are
 * written by audit/ itself.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

enum audit_event_type {
	AUDIT_EV_DECISION,
	AUDIT_EV_RESULT,
	AUDIT_EV_SETTINGS_LOAD,
	AUDIT_EV_POLICY_LOAD,
	AUDIT_EV_POLICY_REFUSAL,
	AUDIT_EV_MODE_CHANGE,
	AUDIT_EV_CMDLINE_OVERRIDE,
	/* written by audit/ itself */
	AUDIT_EV_FLOOD,		/* aggregate of rate-limited autoload denials */
	AUDIT_EV_TRAIL_START,	/* first record of a trail or early-boot segment */
	AUDIT_EV_TRAIL_ROTATE,	/* first record of a file after rotation */
	AUDIT_EV_TRAIL_CARRY,	/* an early-boot segment joined the trail */
	AUDIT_EV_TRAIL_RECOVER, /* the previous line was torn (crash mid-write) */
	AUDIT_EV_MAX,
};

#define AUDIT_ID_UNSET (-1)

struct audit_event {
	enum audit_event_type type;
	/* When it happened; zero means "now" (filled by the writer). */
	struct timespec time;

	/* The request and the module. */
	const char *op;	       /* load, unload, install, remove */
	const char *module;    /* normalised name the parent established */
	const char *requested; /* what the caller asked for: name, alias, path */
	const char *path;      /* the file opened (or policy/settings file) */
	const char *params;    /* module parameters passed to the kernel */

	/* Facts the parent established. */
	const char *sha256; /* hex digest of the sealed bytes (or config file) */
	const char *sig;    /* valid, invalid, unsigned, ... */
	const char *signer;
	const char *key_id;
	const char *cert; /* the allowlisted certificate that verified it */

	/* The decision. */
	const char *decision;	   /* allow, deny, would-deny, not-found */
	const char *rule;	   /* file:line of the matching rule */
	const char *mode;	   /* enforce, permissive */
	const char *previous_mode; /* mode changes */
	const char *context;	   /* cli, udev, boot, autoload */
	const char *reason;

	/* Who asked. */
	const char *requester; /* autoload: the requesting task (from lsm/) */
	int64_t uid, auid, ses, pid;
	const char *exe; /* executable of the process that invoked the tool */
	const char *tty;

	/* Kernel state at decision time. */
	const char *lockdown;	 /* none, integrity, confidentiality */
	const char *sig_enforce; /* Y, N */

	/* AUDIT_EV_RESULT: 0 or the positive errno the kernel returned. */
	bool has_result;
	int result_errno;

	/* Written by audit/ for its own events. */
	uint64_t count;		  /* flood: requests aggregated */
	const char *first, *last; /* flood: window, RFC 3339 */
	const char *segment;	  /* start/carry: early-boot segment id */
	uint64_t segment_records;
	const char *segment_hash; /* carry: hash of the segment's last line */
	const char *file;	  /* rotate: the previous file; carry: the segment file */

	/* Settings and policy loads, refusals (sha256 is then their digest). */
	const char *files;    /* "<sha256> <path>" of each file read, "; " between */
	const char *settings; /* the effective settings, in modgate.conf's words */
	/* Not recorded: write the event only when (type, sha256) differs from
	 * the last one written under this key (audit/change.h). */
	const char *change_key;
};

/* An event with every id unset. */
#define AUDIT_EVENT_INIT(t)                                                                        \
	{                                                                                          \
		.type = (t), .uid = AUDIT_ID_UNSET, .auid = AUDIT_ID_UNSET, .ses = AUDIT_ID_UNSET, \
		.pid = AUDIT_ID_UNSET                                                              \
	}

/* "decision", "result", ...; NULL for an out-of-range type. */
const char *audit_event_type_name(enum audit_event_type t);
/* -1 when unknown. */
int audit_event_type_from_name(const char *name);
