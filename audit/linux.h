/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Linux audit forwarding (libaudit), best effort: the kernel drops user
 * messages silently when audit is disabled or its backlog is full, so an
 * acknowledged send is not a kept record; the local trail is the durable one.
 *
 * Record types (justified in SECURITY.md, "Audit records"):
 *   AUDIT_TRUSTED_APP (1121)           decisions, results, flood aggregates,
 *                                      the trail's own events
 *   AUDIT_USER_MAC_POLICY_LOAD (2310)  settings and policy loads, refusals
 *   AUDIT_USER_MAC_STATUS (2313)       mode changes, the command-line override
 *
 * Every record carries op=, the event's fields as key=value (untrusted strings
 * through audit_encode_nv_string), and the trail anchor trail_seq= trail_hash=
 * (trail_segment= for an early-boot segment), or trail=unrecorded. No DNS:
 * hostname and addr are NULL; the terminal is the event's tty when it is a
 * plain device name, else "?", never probed.
 */
#pragma once

#include <stdbool.h>

#include "audit/event.h"
#include "audit/trail.h"
#include "common/strbuf.h"

enum linux_audit_state {
	LINUX_AUDIT_ENABLED,
	LINUX_AUDIT_DISABLED,	   /* kernel audit present, audit_enabled == 0 */
	LINUX_AUDIT_NO_KERNEL,	   /* no audit in this kernel */
	LINUX_AUDIT_NOT_INIT_NS,   /* not in the initial user namespace */
	LINUX_AUDIT_NO_PERMISSION, /* lacking CAP_AUDIT_WRITE / CAP_AUDIT_CONTROL */
	LINUX_AUDIT_NO_LIBRARY,	   /* libaudit could not be loaded */
	LINUX_AUDIT_ERROR,
};

/* Ask the kernel (AUDIT_GET); for `modgate status` and `modgate audit status`. */
enum linux_audit_state linux_audit_probe(void);
const char *linux_audit_state_str(enum linux_audit_state s);

/* The record type an event goes out as. */
int linux_audit_type(enum audit_event_type t);
/* The message (without libaudit's exe/hostname/addr/terminal/res suffix).
 * anchor NULL: not in the trail. 0 or -ENOMEM. */
int linux_audit_format(const struct audit_event *ev, const struct trail_anchor *anchor,
		       struct strbuf *out);
/* Whether the operation the event describes succeeded (libaudit's res=). */
bool linux_audit_res(const struct audit_event *ev);
/* Send one record: 0 sent (the kernel may still drop it), -errno; audit
 * unavailable gives -ENOPROTOOPT (no kernel audit) or -ECONNREFUSED. */
int linux_audit_send(const struct audit_event *ev, const struct trail_anchor *anchor);
