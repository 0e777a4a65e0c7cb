/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The local trail: the durable record. One directory holds
 *
 *   trail.jsonl            the current file, appended with O_APPEND
 *   trail-<seq>.jsonl      rotated files, named by their first seq (12 digits)
 *   early-<segment>.jsonl  early-boot segments carried over from /run/modgate
 *   trail.lock             the write lock (0600); never the trail itself
 *   flood.state            rate-limit counters (audit/flood.h)
 *   changes.state          the last settings/policy records' digests (audit/change.h)
 *
 * A writer takes an open-file-description write lock on trail.lock, reads the
 * last line of trail.jsonl (its seq and hash), appends its lines in one
 * write(), fdatasync()s, and drops the lock. Nothing else happens under the
 * lock, so no lock is held across finit_module. Readers never need the lock:
 * holding trail.jsonl open, or locking it, cannot stall a writer.
 *
 * The directory must be owned by the caller's euid and not writable by
 * group or others; the writer creates it 0700 and its files 0600.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/event.h"
#include "audit/hash.h"
#include "common/macros.h"

#define TRAIL_CURRENT "trail.jsonl"
#define TRAIL_LOCK    "trail.lock"
#define TRAIL_FLOOD   "flood.state"
/* 32 hex digits from getrandom(): an early-boot segment's id. */
#define SEGMENT_ID_LEN 32
/* Default size at which trail.jsonl is rotated. */
#define TRAIL_ROTATE_DEFAULT (16ull * 1024 * 1024)

/* Where a record landed: the anchor a remote collector keeps. */
struct trail_anchor {
	uint64_t seq;
	char hash[SHA256_HEX_LEN + 1];	  /* sha256 of the record's line */
	char segment[SEGMENT_ID_LEN + 1]; /* "" in the main trail */
};

/* What the last line of trail.jsonl says. */
struct trail_tail {
	bool empty;		       /* no record yet in this file */
	bool torn;		       /* ends without a newline (a crash mid-write) */
	uint64_t seq;		       /* of the last complete record */
	char hash[SHA256_HEX_LEN + 1]; /* of the last line, torn or not */
	uint64_t torn_len;
	/* The last complete record's type, and for a trail-carry its segment. */
	char type[24];
	char segment[SEGMENT_ID_LEN + 1];
	uint64_t segment_records;
};

/* A locked trail directory. */
struct trail {
	int dfd, lock_fd, fd;
	bool early;    /* an early-boot segment (no rotation, segment id) */
	uint64_t size; /* of trail.jsonl */
	struct trail_tail tail;
	char segment[SEGMENT_ID_LEN + 1];
	char from_file[64];    /* empty file continuing the chain of this rotated file */
	uint64_t rotate_bytes; /* 0: never */
};

#define TRAIL_INIT                                                                                 \
	{                                                                                          \
		.dfd = -1, .lock_fd = -1, .fd = -1                                                 \
	}

/* Open (creating it 0700 if missing) the directory `dir`, take its write
 * lock, open trail.jsonl and read its tail. On failure nothing is held.
 * 0 or -errno (-EBADMSG: the last record cannot be read, the chain cannot
 * continue; -EPERM: the directory is not private to the caller). */
int trail_open(const char *dir, bool early, struct trail *t);
/* Release the lock and every fd (NULL-safe, idempotent). */
void trail_close(struct trail *t);
static inline void trail_closep(struct trail *t)
{
	trail_close(t);
}
#define _cleanup_trail_ _cleanup_(trail_closep)

/* Append the n events in one write() and fdatasync(), chaining each to the
 * previous line; a trail-start (empty file), trail-rotate (first line after
 * rotation) or trail-recover (torn last line) record is written first when
 * needed. Events whose time is zero get the current time. Rotates first when
 * the file has reached t->rotate_bytes. anchors (NULL, or n entries) receive
 * where each event landed; they are valid only when this returns 0. */
int trail_append(struct trail *t, const struct audit_event *const *evs, size_t n,
		 struct trail_anchor *anchors);
/* Rotate now (still under the lock). 0 or -errno. */
int trail_rotate(struct trail *t);

/* The name a rotated file gets: "trail-%012llu.jsonl". 0 or -ENAMETOOLONG. */
int trail_rotated_name(uint64_t first_seq, char *buf, size_t size);
/* Parse such a name; true and *seq when it is one. */
bool trail_parse_rotated_name(const char *name, uint64_t *seq);
/* The largest first-seq of a rotated file in dfd, 0 when none. */
int trail_last_rotated(int dfd, uint64_t *seq);

/* Early boot (early.c): carrying the segment in an early directory into the
 * locked main trail. begin copies the segment into the main directory (as
 * early-<segment>.jsonl) and keeps the early directory locked; when
 * need_record, the caller writes `ev` (the trail-carry record) into the main
 * trail, and only then calls end, which removes the /run copy. */
struct trail_carry {
	struct trail early;
	bool pending;	  /* there is a segment to carry */
	bool need_record; /* its trail-carry record is not in the main trail yet */
	struct audit_event ev;
	char name[96];
};

/* 0 (c->pending tells whether there is anything) or -errno. */
int trail_carry_begin(struct trail *main, const char *early_dir, struct trail_carry *c);
int trail_carry_end(struct trail_carry *c);
void trail_carry_abort(struct trail_carry *c);
/* "early-<segment>.jsonl". 0 or -ENAMETOOLONG. */
int early_segment_name(const char *segment, char *buf, size_t size);
