/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Flood control for autoload denials. Any unprivileged user can make the
 * kernel ask for modules (sockets of absent families, AF_ALG names, tty line
 * disciplines), and each request is a fresh modprobe process: without a limit
 * a loop could fill the disk with fsync'd records and queue every real load
 * behind them.
 *
 * Subject to the limit: decision events in the autoload context whose
 * decision is deny or not-found (allowed loads, every other context, and
 * events that carry a count, which aggregate already, are always recorded).
 * Per identical request (op, module, requested, decision, reason, requester)
 * the first `burst` records of an interval are written; across all requests
 * at most `global` per interval. The rest are counted in
 * flood.state and written as one "flood" record per request (count, first,
 * last) when its interval has passed and the trail is next written; requests
 * over the global limit are counted in one aggregate without their names.
 *
 * So a flood writes at most about 3 * global + 1 records per interval: at most
 * `global` limited records per global interval, and one aggregate per slot
 * (a slot is only created for a recorded request, and lives one interval)
 * plus the global one. A suppressed request writes nothing to the trail: it
 * costs one lock and a read and write of flood.state, no fsync.
 *
 * flood.state is a cache, not a record: it is not fsync'd (a crash loses the
 * counts of the current interval) and a damaged one is reset.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "audit/event.h"

struct flood_limits {
	uint32_t interval_s;
	uint32_t burst;
	uint32_t global;
};

#define FLOOD_LIMITS_DEFAULT                                                                       \
	{                                                                                          \
		.interval_s = 60, .burst = 3, .global = 10                                         \
	}

#define FLOOD_SLOTS 64
#define FLOOD_STR   96

struct flood_slot {
	uint8_t used;
	uint8_t key[32];
	int64_t window_start;
	int64_t first_sec, last_sec;
	int32_t first_nsec, last_nsec;
	uint32_t recorded, suppressed;
	char op[16], decision[16], module[FLOOD_STR], requested[FLOOD_STR];
	char reason[FLOOD_STR], requester[FLOOD_STR];
};

/* Slot 0 counts every limited request of the current global interval. */
struct flood_table {
	char magic[8];
	uint32_t version, slots, slot_size, pad;
	struct flood_slot slot[FLOOD_SLOTS + 1];
};

/* Aggregates due to be written, and the strings their events point into. */
struct flood_due {
	size_t n;
	struct flood_slot slot[FLOOD_SLOTS + 1];
	struct audit_event ev[FLOOD_SLOTS + 1];
	char first[FLOOD_SLOTS + 1][32], last[FLOOD_SLOTS + 1][32];
};

bool flood_eligible(const struct audit_event *ev);

/* Load flood.state from the (locked) trail directory; when it does not
 * exist (*exists false) or is damaged the table is empty. 0 or -errno. */
int flood_load(int dfd, struct flood_table *ft, bool *exists);
int flood_save(int dfd, const struct flood_table *ft);

/* Account for ev (NULL: only expire) at time now: *suppress tells whether ev
 * is to be counted instead of written; aggregates that have come due
 * (expired or evicted slots) are appended to *due as AUDIT_EV_FLOOD events
 * timed `now`. 0 or -errno. */
int flood_decide(struct flood_table *ft, const struct flood_limits *lim,
		 const struct audit_event *ev, const struct timespec *now, struct flood_due *due,
		 bool *suppress);
