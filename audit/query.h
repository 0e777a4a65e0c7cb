/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Selecting and presenting trail records for `modgate audit show|export`.
 * Values from the trail are untrusted: everything printed to a terminal or a
 * CSV file goes through the escapers here.
 */
#pragma once

#include <stdbool.h>
#include <time.h>

#include "audit/json.h"
#include "common/strbuf.h"

struct audit_filter {
	bool has_since, has_until;
	struct timespec since, until;
	const char *module; /* fnmatch(3) glob */
	const char *decision;
	const char *context;
	const char *type;
};

/* A time given by a user, all UTC: "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]",
 * "YYYY-MM-DDTHH:MM[:SS][.frac][Z]", "@EPOCH", "now", "-N{s,m,h,d}" (ago).
 * 0 or -EINVAL. */
int parse_user_time(const char *s, time_t now, struct timespec *out);

/* Does a parsed record pass the filter? (Lines that are not records never do.) */
bool filter_match(const struct audit_filter *f, const struct json_object *obj);

/* Append s for a terminal: printable ASCII as is (with '\' doubled), other
 * bytes as \xNN; with utf8, well-formed UTF-8 outside C0/C1 controls too. */
int display_escape(struct strbuf *out, const char *s, size_t len, bool utf8);

/* Re-serialise a parsed object as one JSON line (no newline): the writer's
 * escaping, whatever the stored line looked like. */
int json_serialize(struct strbuf *out, const struct json_object *obj);

/* One CSV field, always quoted; a leading = + - @ TAB or CR gets a "'"
 * prefix so spreadsheets do not run it as a formula. */
int csv_field(struct strbuf *out, const char *s, size_t len);
