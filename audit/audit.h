/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Recording an event: the entry point for the gate (loader/) and for the
 * settings/policy loaders. The sinks, in order:
 *
 *   1. the local trail (audit/trail.h), the durable record: fsync'd before
 *      this returns; /var/log/modgate, or /run/modgate in early boot (and
 *      whenever /var/log/modgate cannot be written), carried over later;
 *   2. Linux audit (audit/linux.h), best effort, with the trail anchor;
 *   3. syslog (LOG_AUTHPRIV), one readable summary line.
 *
 * With `required` (modgate.conf `audit required`) an event that did not reach
 * the trail makes audit_record() fail, and the caller must deny; with
 * best-effort it returns 0 and the status says what failed, for the caller
 * to report.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "audit/event.h"
#include "audit/flood.h"
#include "audit/trail.h"
#include "common/strbuf.h"

struct audit_options {
	/* Prefix of /var/log/modgate and /run/modgate. NULL in the real gate:
	 * the directories are fixed, never taken from the environment. */
	const char *root;
	bool required;
	bool linux_audit;
	bool syslog;
	/* Fall back to /run/modgate when /var/log/modgate cannot be written. */
	bool early_fallback;
	struct flood_limits flood;
	uint64_t rotate_bytes;
};

#define AUDIT_OPTIONS_DEFAULT                                                                      \
	{                                                                                          \
		.root = NULL, .required = true, .linux_audit = true, .syslog = true,               \
		.early_fallback = true, .flood = FLOOD_LIMITS_DEFAULT,                             \
		.rotate_bytes = TRAIL_ROTATE_DEFAULT                                               \
	}

struct audit_status {
	bool recorded;	 /* the event's line is in a trail, fsync'd */
	bool early;	 /* ... in /run/modgate */
	bool suppressed; /* counted by flood control, or unchanged (audit/change.h) */
	int trail_error; /* 0, or why the main trail could not be written */
	int early_error; /* 0, or why the early fallback failed too */
	int carry_error; /* 0, or why an early segment could not be carried */
	bool carried;	 /* an early segment joined the main trail */
	int linux_error; /* 0 sent, or -errno (see linux_audit_send) */
	struct trail_anchor anchor;
};

/* Record ev. 0 when the caller may go on; the trail's -errno when
 * o->required and the event reached no trail. */
int audit_record(const struct audit_options *o, const struct audit_event *ev,
		 struct audit_status *st);

/* Record n events as one batch: one lock, one write(), one fdatasync() of
 * the trail, the events chained in order exactly as n single records would
 * be (each still passes flood control). All of them reach the trail or none
 * does: a reader sees the whole batch or, after a crash mid-write, a torn
 * last line that the next writer marks with a trail-recover record.
 * st[i] is event i's status. 0 when the caller may go on; the trail's
 * -errno when o->required and an event that was not suppressed reached no
 * trail. */
int audit_record_batch(const struct audit_options *o, const struct audit_event *const *evs,
		       size_t n, struct audit_status *st);

/* Carry an early segment over and write flood aggregates that are due,
 * without an event (`modgate audit flush`, a boot unit). 0 or -errno. */
int audit_flush(const struct audit_options *o, struct audit_status *st);

/* Is `root` an initramfs (a ramfs or tmpfs holding /init or
 * /etc/initrd-release)? There the real gate writes /run/modgate only: records
 * under the initramfs's /var/log would vanish at switch_root. */
bool audit_in_initramfs(const char *root);

/* root + "/var/log/modgate" and root + "/run/modgate". 0 or -ENAMETOOLONG. */
int audit_dirs(const char *root, char *main_dir, char *early_dir, size_t size);

/* The syslog summary line of an event (also used by `audit show`'s tests).
 * Untrusted bytes are escaped as \xNN. 0 or -ENOMEM. */
int audit_summary(const struct audit_event *ev, const struct trail_anchor *anchor,
		  struct strbuf *out);
