/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading a trail directory: its files in chain order, their lines (bounded,
 * a torn last line reported as such) and a walk over every record with the
 * early-boot segments inlined where their trail-carry record stands. The
 * trail is treated as possibly tampered: no line longer than JSON_LINE_MAX is
 * buffered, and every failure names file:line.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit/json.h"

/* The main chain's files: rotated ones by first seq, then trail.jsonl. */
struct trail_files {
	char **names;
	uint64_t *first_seq; /* from the name; 0 for trail.jsonl */
	size_t n;
};

int trail_files_list(int dfd, struct trail_files *out);
void trail_files_free(struct trail_files *f);
/* early-*.jsonl names in dfd (sorted). */
int trail_segments_list(int dfd, struct trail_files *out);

struct line_reader {
	int fd;
	char *buf;
	size_t start, end;
	bool eof, skipping;
	uint64_t lineno; /* of the line last returned */
};

int line_reader_open(int dfd, const char *name, struct line_reader *lr);
void line_reader_close(struct line_reader *lr);
/* Next line, without its newline, valid until the next call. 1 with a line
 * (*torn: the file ended without a newline), 0 at end of file, -EMSGSIZE for
 * a line longer than JSON_LINE_MAX (skipped; the next call goes on after
 * it), or -errno. */
int line_reader_next(struct line_reader *lr, const char **line, size_t *len, bool *torn);

/* One record met by trail_walk. */
struct walk_record {
	const char *file;
	uint64_t line;
	const char *raw;
	size_t raw_len;
	const struct json_object *obj; /* NULL when the line is not a record */
	struct json_error err;
	bool torn;
	bool too_long;
	const char *segment_file; /* the early segment this record came from, or NULL */
};

/* Calls cb for every line of the main chain, and before each trail-carry
 * record for every line of the segment it names. A non-zero return from cb
 * stops the walk and is returned. -errno on I/O errors. */
int trail_walk(int dfd, int (*cb)(const struct walk_record *rec, void *data), void *data);
