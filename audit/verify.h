/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `modgate audit verify`: check the chain over every file of a trail
 * directory and every early-boot segment it carried, and report the first
 * broken line and what is wrong with it.
 *
 * What the chain proves on its own: no record was edited, deleted, reordered
 * or truncated in the middle, and no file was removed from the start or the
 * middle. What it cannot prove: that the last records were not cut, or that
 * the whole chain was not rewritten; anchors (seq:hash pairs that Linux audit
 * records carried off the machine) prove that.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/hash.h"
#include "audit/trail.h"

enum verify_problem {
	VERIFY_OK,
	VERIFY_MALFORMED, /* not a record: an edit broke the line */
	VERIFY_EDITED,
	VERIFY_DELETED,
	VERIFY_REORDERED,
	VERIFY_TRUNCATED,	/* a line cut mid-way (no newline at the end) */
	VERIFY_CUT,		/* the trail ends before an anchor's seq */
	VERIFY_ANCHOR_MISMATCH, /* the anchor's record differs: edited or rewritten */
	VERIFY_START_MISSING,	/* the trail does not start with seq 1 */
	VERIFY_FILE_MISSING,	/* a rotated file or a carried segment is gone */
	VERIFY_IO,		/* a file could not be read */
};

/* SEQ:HASH for the main chain, SEGMENT:SEQ:HASH for an early segment. */
struct verify_anchor {
	char segment[SEGMENT_ID_LEN + 1];
	uint64_t seq;
	char hash[SHA256_HEX_LEN + 1];
};

/* 0 or -EINVAL. */
int verify_anchor_parse(const char *s, struct verify_anchor *a);

struct verify_result {
	enum verify_problem problem;
	char file[128];
	uint64_t line;
	char message[512];
	/* What was checked. */
	uint64_t records, first_seq, last_seq;
	char last_hash[SHA256_HEX_LEN + 1];
	size_t files, segments, recovered, anchors_checked;
	size_t orphan_segments; /* early-*.jsonl no carry record names */
};

/* Verify the trail in dfd. 0 with res->problem telling the outcome, or
 * -errno when the directory itself cannot be listed. */
int trail_verify(int dfd, const struct verify_anchor *anchors, size_t n_anchors,
		 struct verify_result *res);
const char *verify_problem_str(enum verify_problem p);
