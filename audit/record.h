/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One trail line: an event as a JSON object whose first members are always
 *
 *   {"seq":N,"prev":"<64 hex>","time":"YYYY-MM-DDTHH:MM:SS.uuuuuuZ","type":"<type>", ...}
 *
 * seq counts records from 1 (the trail-start record); prev is the sha256 of
 * the previous line's bytes without its newline (64 zeros for seq 1). Then
 * the event's fields in the order of audit_fields[], each present only when
 * set. The chain hash of a line is the sha256 of exactly the bytes between
 * the previous newline and its own newline.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "audit/event.h"
#include "audit/hash.h"
#include "common/strbuf.h"

/* prev of the first record of a chain. */
#define CHAIN_ZERO "0000000000000000000000000000000000000000000000000000000000000000"

/* Longest value of one string field in a record; longer values are cut (at
 * a UTF-8 boundary) and the record says "truncated":true. The sha256 of a
 * module or file is what identifies it; names and paths are for people. */
#define RECORD_FIELD_MAX 4096
/* Cap applied instead when a record with RECORD_FIELD_MAX fields would not
 * fit one line (JSON_LINE_MAX). */
#define RECORD_FIELD_MAX_TIGHT 512

enum audit_field_kind {
	AF_STR,	  /* const char * member */
	AF_ID,	  /* int64_t member, omitted when AUDIT_ID_UNSET */
	AF_U64,	  /* uint64_t member, omitted when 0 */
	AF_ERRNO, /* result_errno, present when has_result */
};

struct audit_field {
	const char *key;
	enum audit_field_kind kind;
	size_t offset;
};

/* The event fields in record order; NULL-key terminated. */
extern const struct audit_field audit_fields[];

/* Format ev as one line (no newline) into *line (cleared first). ev->time
 * must be set. 0, -EINVAL (bad type), -ENOMEM. */
int record_format(const struct audit_event *ev, uint64_t seq, const char *prev,
		  struct strbuf *line);

/* RFC 3339 UTC with microseconds: "2025-05-01T12:00:00.123456Z". */
#define TIME_STR_LEN 27
int format_time(const struct timespec *ts, char out[TIME_STR_LEN + 1]);
/* Parse what format_time writes (fraction optional). 0 or -EINVAL. */
int parse_time(const char *s, struct timespec *out);
