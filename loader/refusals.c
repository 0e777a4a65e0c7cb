// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Kernel refusals into the trail (refusals.h). lsm/refusals.c decides what
 * is new and guarantees it is handed out once; this file only words it.
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "loader/refusals.h"
#include "lsm/lsm.h"

/* CLOCK_MONOTONIC ns (the program's clock) to an RFC 3339 UTC time. */
static void mono_to_text(uint64_t ns, char *buf, size_t size)
{
	struct timespec mono, real;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	uint64_t now = (uint64_t)mono.tv_sec * 1000000000ull + (uint64_t)mono.tv_nsec;
	time_t t = real.tv_sec - (time_t)((now > ns ? now - ns : 0) / 1000000000ull);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int record_one(const struct lsm_refusal *rf, void *data)
{
	const struct audit_options *o = data;
	struct audit_event ev = AUDIT_EVENT_INIT(AUDIT_EV_DECISION);
	struct audit_status st;
	char who[96], last[32];

	snprintf(who, sizeof(who), "last: comm=%s pid=%u uid=%u", rf->comm, rf->last_pid,
		 rf->last_uid);
	mono_to_text(rf->last_ns, last, sizeof(last));
	ev.op = "load";
	ev.module = rf->name[0] ? rf->name : NULL;
	ev.decision = rf->would ? "would-deny" : "deny";
	ev.mode = rf->would ? "permissive" : "enforce";
	ev.context = rf->autoload ? "autoload" : NULL;
	ev.reason = rf->reason;
	ev.requester = who;
	ev.count = rf->count;
	ev.last = last;
	int r = audit_record(o, &ev, &st);
	if (r < 0)
		return r;
	/* best-effort and no trail took it: leave it for a fold that can */
	return st.recorded ? 0 : st.trail_error < 0 ? st.trail_error : -EIO;
}

int gate_fold_kernel_refusals(const struct audit_options *o)
{
	return lsm_refusals_fold(record_one, (void *)o);
}
