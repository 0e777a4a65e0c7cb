// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "audit/reader.h"
#include "audit/record.h"
#include "audit/verify.h"

/* The record being checked and the ones read ahead of it: enough to tell
 * two swapped records (or a short run moved) from deleted ones. */
#define WINDOW 17

struct entry {
	size_t file;
	uint64_t line;
	bool ok, torn, too_long;
	size_t len;
	struct json_error err;
	uint64_t seq, count, seg_records;
	char prev[SHA256_HEX_LEN + 1], hash[SHA256_HEX_LEN + 1];
	char type[24], from_file[64];
	char segment[SEGMENT_ID_LEN + 1], seg_hash[SHA256_HEX_LEN + 1], seg_file[96];
};

struct carry {
	char file[96], segment[SEGMENT_ID_LEN + 1], hash[SHA256_HEX_LEN + 1], at_file[64];
	uint64_t records, at_line;
};

struct chain {
	int dfd;
	struct trail_files files;
	const char *segment; /* NULL for the main chain */
	struct verify_result *res;
	const struct verify_anchor *anchors;
	size_t n_anchors;
	/* reading */
	size_t fi;
	struct line_reader lr;
	bool lr_open;
	struct entry win[WINDOW];
	size_t head, count;
	/* checking */
	bool have_prev;
	uint64_t prev_seq;
	char prev_hash[SHA256_HEX_LEN + 1];
	struct entry last;
	struct carry *carries;
	size_t n_carries;
};

const char *verify_problem_str(enum verify_problem p)
{
	static const char *const s[] = {
		[VERIFY_OK] = "intact",
		[VERIFY_MALFORMED] = "malformed",
		[VERIFY_EDITED] = "edited",
		[VERIFY_DELETED] = "deleted",
		[VERIFY_REORDERED] = "reordered",
		[VERIFY_TRUNCATED] = "truncated",
		[VERIFY_CUT] = "cut at the end",
		[VERIFY_ANCHOR_MISMATCH] = "anchor mismatch",
		[VERIFY_START_MISSING] = "start missing",
		[VERIFY_FILE_MISSING] = "file missing",
		[VERIFY_IO] = "unreadable",
	};
	return (unsigned)p < ARRAY_SIZE(s) ? s[p] : "unknown";
}

int verify_anchor_parse(const char *s, struct verify_anchor *a)
{
	const char *c1 = strchr(s, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	const char *seq = s, *hash;
	char *end;

	memset(a, 0, sizeof(*a));
	if (!c1)
		return -EINVAL;
	if (c2) {
		if (c1 - s != SEGMENT_ID_LEN || strspn(s, "0123456789abcdef") != SEGMENT_ID_LEN)
			return -EINVAL;
		memcpy(a->segment, s, SEGMENT_ID_LEN);
		seq = c1 + 1;
		hash = c2 + 1;
	} else {
		hash = c1 + 1;
	}
	if (*seq < '1' || *seq > '9')
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(seq, &end, 10);
	if (errno || *end != ':' || !is_sha256_hex(hash))
		return -EINVAL;
	a->seq = v;
	memcpy(a->hash, hash, SHA256_HEX_LEN + 1);
	return 0;
}

static int fail_at(struct chain *ch, enum verify_problem p, const struct entry *e, const char *fmt,
		   ...) _printf_(4, 5);
static int fail_at(struct chain *ch, enum verify_problem p, const struct entry *e, const char *fmt,
		   ...)
{
	va_list ap;

	ch->res->problem = p;
	snprintf(ch->res->file, sizeof(ch->res->file), "%s", e ? ch->files.names[e->file] : "");
	ch->res->line = e ? e->line : 0;
	va_start(ap, fmt);
	vsnprintf(ch->res->message, sizeof(ch->res->message), fmt, ap);
	va_end(ap);
	return 1;
}

static void str_field(const struct json_object *o, const char *k, char *dst, size_t size)
{
	const char *v = json_get_str(o, k);
	snprintf(dst, size, "%s", v ? v : "");
}

static uint64_t u64_field(const struct json_object *o, const char *k)
{
	const struct json_member *m = json_get(o, k);
	return m && m->kind == JSON_INT && m->num > 0 ? (uint64_t)m->num : 0;
}

static void parse_entry(struct entry *e, const char *line, size_t len)
{
	struct json_object o;

	e->len = len;
	if (sha256_hex(line, len, e->hash) < 0 || e->torn)
		return;
	if (json_parse_object(line, len, &o, &e->err) < 0)
		return;
	e->seq = u64_field(&o, "seq");
	str_field(&o, "prev", e->prev, sizeof(e->prev));
	str_field(&o, "type", e->type, sizeof(e->type));
	e->ok = e->seq > 0 && is_sha256_hex(e->prev) && e->type[0];
	if (!e->ok) {
		e->err.column = 1;
		e->err.what = "missing seq, prev or type";
	}
	str_field(&o, "file", e->from_file, sizeof(e->from_file));
	str_field(&o, "file", e->seg_file, sizeof(e->seg_file));
	str_field(&o, "segment", e->segment, sizeof(e->segment));
	str_field(&o, "segment_hash", e->seg_hash, sizeof(e->seg_hash));
	e->seg_records = u64_field(&o, "segment_records");
	e->count = u64_field(&o, "count");
	json_object_clear(&o);
}

/* Read the next line of the chain into *e: 1, 0 at the end, -errno. */
static int read_entry(struct chain *ch, struct entry *e)
{
	const char *line;
	size_t len;

	while (ch->fi < ch->files.n) {
		int r;
		if (!ch->lr_open) {
			if ((r = line_reader_open(ch->dfd, ch->files.names[ch->fi], &ch->lr)) < 0)
				return r;
			ch->lr_open = true;
		}
		memset(e, 0, sizeof(*e));
		r = line_reader_next(&ch->lr, &line, &len, &e->torn);
		if (r == 0) {
			line_reader_close(&ch->lr);
			ch->lr_open = false;
			ch->fi++;
			continue;
		}
		e->file = ch->fi;
		e->line = ch->lr.lineno;
		if (r == -EMSGSIZE)
			e->too_long = true;
		else if (r < 0)
			return r;
		else
			parse_entry(e, line, len);
		return 1;
	}
	return 0;
}

static int fill_window(struct chain *ch)
{
	while (ch->count < WINDOW) {
		int r = read_entry(ch, &ch->win[(ch->head + ch->count) % WINDOW]);
		if (r <= 0)
			return r;
		ch->count++;
	}
	return 0;
}

static const struct entry *ahead(const struct chain *ch, size_t i)
{
	return i < ch->count ? &ch->win[(ch->head + i) % WINDOW] : NULL;
}

static bool first_of_file(const struct chain *ch, const struct entry *e)
{
	return e->line == 1;
}

static int check_file_start(struct chain *ch, const struct entry *e)
{
	const char *name = ch->files.names[e->file];
	uint64_t named = ch->files.first_seq[e->file];

	if (named && e->seq != named)
		return fail_at(ch, VERIFY_EDITED, e,
			       "the file's name says it starts at seq %llu but its first record is "
			       "seq %llu: renamed or edited",
			       (unsigned long long)named, (unsigned long long)e->seq);
	if (e->file == 0 || ch->segment)
		return 0;
	if (!streq(e->type, "trail-rotate"))
		return fail_at(ch, VERIFY_EDITED, e,
			       "%s follows a rotated file but does not start with a trail-rotate "
			       "record",
			       name);
	if (!streq(e->from_file, ch->files.names[e->file - 1]))
		return fail_at(
			ch, VERIFY_FILE_MISSING, e,
			"this file continues %s, but the file before it is %s: %s is missing",
			e->from_file, ch->files.names[e->file - 1], e->from_file);
	return 0;
}

static int check_start(struct chain *ch, const struct entry *e)
{
	if (e->seq == 1 && streq(e->prev, CHAIN_ZERO) && streq(e->type, "trail-start")) {
		if (ch->segment && !streq(e->segment, ch->segment))
			return fail_at(ch, VERIFY_EDITED, e,
				       "the segment starts with id %s, the carry record names %s",
				       e->segment, ch->segment);
		return 0;
	}
	if (streq(e->type, "trail-rotate"))
		return fail_at(ch, VERIFY_START_MISSING, e,
			       "the trail starts at seq %llu with a trail-rotate record continuing "
			       "%s, which is missing: the records before seq %llu were removed",
			       (unsigned long long)e->seq, e->from_file,
			       (unsigned long long)e->seq);
	return fail_at(ch, VERIFY_START_MISSING, e,
		       "the trail starts at seq %llu, not with its trail-start record: the "
		       "records before it were removed",
		       (unsigned long long)e->seq);
}

/* seq is right but prev does not link: which line changed? */
static int check_broken_link(struct chain *ch, const struct entry *e)
{
	const struct entry *next = ahead(ch, 1), *p = &ch->last;
	const char *pf = ch->files.names[p->file];

	if (!ch->last.line) /* after a recovered torn line */
		return fail_at(ch, VERIFY_EDITED, e, "seq %llu was edited: its prev does not match",
			       (unsigned long long)e->seq);
	if (next && next->ok && streq(next->prev, e->hash))
		return fail_at(
			ch, VERIFY_EDITED, p,
			"seq %llu was edited: its hash no longer matches the prev recorded in "
			"seq %llu (%s:%llu)",
			(unsigned long long)p->seq, (unsigned long long)e->seq,
			ch->files.names[e->file], (unsigned long long)e->line);
	if (!next)
		return fail_at(
			ch, VERIFY_EDITED, e,
			"seq %llu (%s:%llu) or seq %llu was edited: the last link of the chain "
			"does not match",
			(unsigned long long)p->seq, pf, (unsigned long long)p->line,
			(unsigned long long)e->seq);
	return fail_at(ch, VERIFY_EDITED, e,
		       "seq %llu was edited: it neither links to seq %llu nor is linked by the "
		       "record after it",
		       (unsigned long long)e->seq, (unsigned long long)p->seq);
}

static int check_link(struct chain *ch, const struct entry *e)
{
	uint64_t exp = ch->prev_seq + 1;

	if (e->seq == exp)
		return streq(e->prev, ch->prev_hash) ? 0 : check_broken_link(ch, e);
	if (e->seq < exp)
		return fail_at(ch, VERIFY_REORDERED, e,
			       "seq %llu comes after seq %llu: records reordered or duplicated",
			       (unsigned long long)e->seq, (unsigned long long)ch->prev_seq);
	for (size_t i = 1; i < ch->count; i++) {
		const struct entry *a = ahead(ch, i);
		if (a->ok && a->seq == exp)
			return fail_at(
				ch, VERIFY_REORDERED, e,
				"seq %llu comes before seq %llu (line %llu): records reordered",
				(unsigned long long)e->seq, (unsigned long long)exp,
				(unsigned long long)a->line);
	}
	if (streq(e->prev, ch->prev_hash))
		return fail_at(
			ch, VERIFY_EDITED, e,
			"seq jumps from %llu to %llu but the hashes link: the seq was edited",
			(unsigned long long)ch->prev_seq, (unsigned long long)e->seq);
	if (e->seq - exp == 1)
		return fail_at(ch, VERIFY_DELETED, e, "seq %llu is missing: the record was deleted",
			       (unsigned long long)exp);
	return fail_at(ch, VERIFY_DELETED, e,
		       "seq %llu to %llu are missing: %llu records were deleted",
		       (unsigned long long)exp, (unsigned long long)e->seq - 1,
		       (unsigned long long)(e->seq - exp));
}

static bool anchor_is_ours(const struct chain *ch, const struct verify_anchor *a)
{
	return ch->segment ? streq(a->segment, ch->segment) : a->segment[0] == '\0';
}

static int check_anchors(struct chain *ch, const struct entry *e)
{
	for (size_t i = 0; i < ch->n_anchors; i++) {
		const struct verify_anchor *a = &ch->anchors[i];
		if (!anchor_is_ours(ch, a) || a->seq != e->seq)
			continue;
		if (!streq(a->hash, e->hash))
			return fail_at(
				ch, VERIFY_ANCHOR_MISMATCH, e,
				"seq %llu does not match the anchor %llu:%.12s...: the record "
				"was edited or the chain rewritten",
				(unsigned long long)e->seq, (unsigned long long)a->seq, a->hash);
		ch->res->anchors_checked++;
	}
	return 0;
}

static int note_carry(struct chain *ch, const struct entry *e)
{
	struct carry *c;

	if (ch->segment || !streq(e->type, "trail-carry"))
		return 0;
	if (!(c = realloc(ch->carries, (ch->n_carries + 1) * sizeof(*c))))
		return -ENOMEM;
	ch->carries = c;
	c += ch->n_carries++;
	snprintf(c->file, sizeof(c->file), "%s", e->seg_file);
	snprintf(c->segment, sizeof(c->segment), "%s", e->segment);
	snprintf(c->hash, sizeof(c->hash), "%s", e->seg_hash);
	snprintf(c->at_file, sizeof(c->at_file), "%s", ch->files.names[e->file]);
	c->records = e->seg_records;
	c->at_line = e->line;
	return 0;
}

/* A line that is not a record: a crash's torn line that the next writer
 * closed with a trail-recover record, or damage. */
static int check_not_record(struct chain *ch, const struct entry *e)
{
	const struct entry *next = ahead(ch, 1);

	if (e->too_long)
		return fail_at(ch, VERIFY_MALFORMED, e,
			       "line longer than %d bytes: not written by modgate", JSON_LINE_MAX);
	if (e->torn)
		return fail_at(ch, VERIFY_TRUNCATED, e,
			       "truncated mid-line: the file ends without a newline");
	if (next && next->ok && streq(next->type, "trail-recover") && streq(next->prev, e->hash) &&
	    next->count == e->len) {
		ch->res->recovered++;
		if (!ch->have_prev)
			ch->have_prev = true; /* a torn first record: the chain restarts */
		memcpy(ch->prev_hash, e->hash, sizeof(ch->prev_hash));
		memset(&ch->last, 0, sizeof(ch->last));
		return 0;
	}
	return fail_at(ch, VERIFY_MALFORMED, e, "not a valid record (%s at column %zu): edited",
		       e->err.what ? e->err.what : "unreadable", e->err.column);
}

static int check_entry(struct chain *ch, const struct entry *e)
{
	int r;

	if (!e->ok)
		return check_not_record(ch, e);
	if (first_of_file(ch, e) && (r = check_file_start(ch, e)) != 0)
		return r;
	r = ch->have_prev ? check_link(ch, e) : check_start(ch, e);
	if (r == 0)
		r = check_anchors(ch, e);
	if (r == 0)
		r = note_carry(ch, e);
	if (r != 0)
		return r;
	if (ch->res->records++ == 0)
		ch->res->first_seq = e->seq;
	ch->have_prev = true;
	ch->prev_seq = e->seq;
	memcpy(ch->prev_hash, e->hash, sizeof(ch->prev_hash));
	ch->last = *e;
	return 0;
}

static int check_end(struct chain *ch)
{
	ch->res->last_seq = ch->prev_seq;
	memcpy(ch->res->last_hash, ch->prev_hash, sizeof(ch->prev_hash));
	for (size_t i = 0; i < ch->n_anchors; i++) {
		const struct verify_anchor *a = &ch->anchors[i];
		if (!anchor_is_ours(ch, a) || a->seq <= ch->prev_seq)
			continue;
		if (!ch->have_prev)
			return fail_at(
				ch, VERIFY_CUT, NULL,
				"the trail is empty but an anchor names seq %llu: it was cut",
				(unsigned long long)a->seq);
		return fail_at(ch, VERIFY_CUT, &ch->last,
			       "the trail ends at seq %llu but an anchor names seq %llu: the last "
			       "records were cut",
			       (unsigned long long)ch->prev_seq, (unsigned long long)a->seq);
	}
	return 0;
}

/* Walk one chain; 0 intact, 1 problem (in res), -errno. */
static int run_chain(struct chain *ch)
{
	int r = 0;

	for (;;) {
		if ((r = fill_window(ch)) < 0)
			break;
		if (ch->count == 0) {
			r = check_end(ch);
			break;
		}
		if ((r = check_entry(ch, &ch->win[ch->head])) != 0)
			break;
		ch->head = (ch->head + 1) % WINDOW;
		ch->count--;
	}
	if (ch->lr_open)
		line_reader_close(&ch->lr);
	ch->lr_open = false;
	if (r < 0) {
		const char *f = ch->fi < ch->files.n ? ch->files.names[ch->fi] : "";
		ch->res->problem = r == -ENOENT ? VERIFY_FILE_MISSING : VERIFY_IO;
		snprintf(ch->res->file, sizeof(ch->res->file), "%s", f);
		snprintf(ch->res->message, sizeof(ch->res->message), "cannot read %s: %s", f,
			 strerror(-r));
		r = 1;
	}
	return r;
}

static int verify_segment(struct chain *main, const struct carry *c)
{
	struct verify_result *res = main->res, sub = {0};
	struct chain ch = {.dfd = main->dfd,
			   .segment = c->segment,
			   .res = &sub,
			   .anchors = main->anchors,
			   .n_anchors = main->n_anchors};
	uint64_t zero = 0;
	char file[sizeof(c->file)], *name = file;
	int r;

	memcpy(file, c->file, sizeof(file));

	if (strchr(c->file, '/') || strncmp(c->file, "early-", 6) != 0) {
		snprintf(res->message, sizeof(res->message), "bad segment file name '%s'", c->file);
		res->problem = VERIFY_EDITED;
	} else {
		ch.files = (struct trail_files){.names = &name, .first_seq = &zero, .n = 1};
		r = run_chain(&ch);
		if (r == 0 && (sub.records != c->records || !streq(sub.last_hash, c->hash)))
			fail_at(&ch, VERIFY_CUT, &ch.last,
				"the segment has %llu records ending with hash %.12s..., the carry "
				"record says %llu ending with %.12s...: it was cut or rewritten",
				(unsigned long long)sub.records, sub.last_hash,
				(unsigned long long)c->records, c->hash);
		res->anchors_checked += sub.anchors_checked;
		res->recovered += sub.recovered;
		if (sub.problem == VERIFY_OK)
			return 0;
		char where[128];
		res->problem = sub.problem;
		snprintf(where, sizeof(where), " (carried at %s:%llu)", c->at_file,
			 (unsigned long long)c->at_line);
		size_t room =
			sizeof(res->message) - 1 - MIN(strlen(where), sizeof(res->message) - 1);
		snprintf(res->message, sizeof(res->message), "%.*s%s", (int)room, sub.message,
			 where);
	}
	snprintf(res->file, sizeof(res->file), "%s", c->file);
	res->line = sub.line;
	return 1;
}

static size_t count_orphans(struct chain *ch)
{
	struct trail_files segs;
	size_t orphans = 0;

	if (trail_segments_list(ch->dfd, &segs) < 0)
		return 0;
	for (size_t i = 0; i < segs.n; i++) {
		bool named = false;
		for (size_t j = 0; j < ch->n_carries && !named; j++)
			named = streq(segs.names[i], ch->carries[j].file);
		orphans += !named;
	}
	trail_files_free(&segs);
	return orphans;
}

int trail_verify(int dfd, const struct verify_anchor *anchors, size_t n_anchors,
		 struct verify_result *res)
{
	struct chain ch = {.dfd = dfd, .res = res, .anchors = anchors, .n_anchors = n_anchors};
	int r;

	memset(res, 0, sizeof(*res));
	if ((r = trail_files_list(dfd, &ch.files)) < 0)
		return r;
	res->files = ch.files.n;
	r = run_chain(&ch);
	for (size_t i = 0; r == 0 && i < ch.n_carries; i++) {
		r = verify_segment(&ch, &ch.carries[i]);
		res->segments++;
	}
	if (r == 0)
		res->orphan_segments = count_orphans(&ch);
	free(ch.carries);
	trail_files_free(&ch.files);
	return r < 0 ? r : 0;
}
