// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * `modgate audit show|verify|export|flush|rotate|status`: the admin's view of
 * the trail, under `modgate --root DIR` when given. And, in the test binary
 * only, `modgate-test audit-emit`, which drives the writer the way the gate
 * will, so the trail can be tested before the gate exists.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "audit/linux.h"
#include "audit/query.h"
#include "audit/reader.h"
#include "audit/record.h"
#include "audit/verify.h"
#include "common/log.h"
#include "tools/tools.h"

#define MAX_ANCHORS 64

static int open_trail_dir(char *main_dir, char *early_dir, size_t size)
{
	int r = audit_dirs(tools_root(), main_dir, early_dir, size), fd;

	if (r < 0) {
		log_error("--root: %s\n", strerror(-r));
		return r;
	}
	fd = open(main_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		log_error("cannot open the trail directory %s: %s\n", main_dir, strerror(errno));
		return r;
	}
	return fd;
}

static const char *str_or(const struct json_object *o, const char *k, const char *dflt)
{
	const char *s = json_get_str(o, k);
	return s && *s ? s : dflt;
}

static int64_t int_or(const struct json_object *o, const char *k, int64_t dflt)
{
	const struct json_member *m = json_get(o, k);
	return m && m->kind == JSON_INT ? m->num : dflt;
}

/* What the DECISION column says: the decision, a result's errno, a mode. */
static const char *outcome(const struct json_object *o, char *buf, size_t size)
{
	const char *d = json_get_str(o, "decision");
	int64_t e = int_or(o, "errno", -1);

	if (d)
		return d;
	if (e == 0)
		return "ok";
	if (e > 0 && e < 4096) {
		const char *n = strerrorname_np((int)e);
		snprintf(buf, size, "%s", n ? n : "error");
		return buf;
	}
	return str_or(o, "mode", "-");
}

struct show {
	const struct audit_filter *filter;
	bool json, header_done;
	const char *dir;
	size_t shown, skipped;
};

static void warn_not_record(const struct show *s, const struct walk_record *rec)
{
	if (rec->too_long)
		log_warning("%s/%s:%llu: line too long, skipped\n", s->dir, rec->file,
			    (unsigned long long)rec->line);
	else if (rec->torn)
		log_warning("%s/%s:%llu: truncated line, skipped\n", s->dir, rec->file,
			    (unsigned long long)rec->line);
	else
		log_warning("%s/%s:%llu: not a record (%s at column %zu), skipped\n", s->dir,
			    rec->file, (unsigned long long)rec->line, rec->err.what,
			    rec->err.column);
}

/* Settings and policy records: no module, but a digest (its first 12 hex
 * digits, as `audit show --json` has it whole) and, for a refusal, why. */
static bool config_record(const char *type)
{
	return streq(type, "settings-load") || streq(type, "policy-load") ||
	       streq(type, "policy-refusal");
}

static int show_row(const struct walk_record *rec)
{
	_cleanup_strbuf_ struct strbuf row = STRBUF_INIT;
	const struct json_object *o = rec->obj;
	const char *time = str_or(o, "time", "-");
	bool config = config_record(str_or(o, "type", "-"));
	char seq[32], oc[32], digest[32];
	const char *cols[] = {
		str_or(o, "type", "-"),
		str_or(o, "op", "-"),
		str_or(o, "module", str_or(o, "requested", str_or(o, "path", "-"))),
		outcome(o, oc, sizeof(oc)),
		str_or(o, "context", "-"),
		str_or(o, config ? "reason" : "rule", "-"),
	};
	if (config) {
		snprintf(digest, sizeof(digest), "sha256:%.12s", str_or(o, "sha256", "-"));
		cols[2] = digest;
	}
	static const int width[] = {-14, -7, -24, -10, -8, 0};
	int r;

	snprintf(seq, sizeof(seq), "%s%lld", rec->segment_file ? "e" : "",
		 (long long)int_or(o, "seq", 0));
	r = strbuf_appendf(&row, "%.10s %.8s %7s", time, strlen(time) > 11 ? time + 11 : "", seq);
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(cols); i++) {
		size_t before = row.len + 1;
		r = strbuf_append_char(&row, ' ');
		if (r == 0)
			r = display_escape(&row, cols[i], strlen(cols[i]), false);
		while (r == 0 && (int)(row.len - before) < -width[i])
			r = strbuf_append_char(&row, ' ');
	}
	if (r == 0)
		puts(row.buf);
	return r;
}

static int show_cb(const struct walk_record *rec, void *data)
{
	struct show *s = data;
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	int r;

	if (!rec->obj) {
		warn_not_record(s, rec);
		s->skipped++;
		return 0;
	}
	if (!filter_match(s->filter, rec->obj))
		return 0;
	s->shown++;
	if (s->json) {
		if ((r = json_serialize(&out, rec->obj)) < 0)
			return r;
		puts(out.buf);
		return 0;
	}
	if (!s->header_done) {
		printf("%-10s %-8s %7s %-14s %-7s %-24s %-10s %-8s %s\n", "DATE", "TIME", "SEQ",
		       "TYPE", "OP", "MODULE", "DECISION", "CONTEXT", "RULE");
		s->header_done = true;
	}
	return show_row(rec);
}

enum {
	OPT_SINCE = 0x100,
	OPT_UNTIL,
	OPT_MODULE,
	OPT_DECISION,
	OPT_CONTEXT,
	OPT_TYPE,
	OPT_JSON,
	OPT_FORMAT,
	OPT_ANCHOR
};

static const struct option filter_opts[] = {
	{"since", required_argument, NULL, OPT_SINCE},
	{"until", required_argument, NULL, OPT_UNTIL},
	{"module", required_argument, NULL, OPT_MODULE},
	{"decision", required_argument, NULL, OPT_DECISION},
	{"context", required_argument, NULL, OPT_CONTEXT},
	{"type", required_argument, NULL, OPT_TYPE},
	{"json", no_argument, NULL, OPT_JSON},
	{"format", required_argument, NULL, OPT_FORMAT},
	{"anchor", required_argument, NULL, OPT_ANCHOR},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* 1 handled, 0 not a filter option, -1 bad value (logged). */
static int filter_opt(int c, const char *arg, struct audit_filter *f)
{
	time_t now = time(NULL);

	switch (c) {
	case OPT_SINCE:
	case OPT_UNTIL: {
		struct timespec *t = c == OPT_SINCE ? &f->since : &f->until;
		if (parse_user_time(arg, now, t) < 0) {
			log_error("invalid time '%s' (YYYY-MM-DD[ HH:MM[:SS]], @EPOCH, -1h, now)\n",
				  arg);
			return -1;
		}
		*(c == OPT_SINCE ? &f->has_since : &f->has_until) = true;
		return 1;
	}
	case OPT_MODULE:
		f->module = arg;
		return 1;
	case OPT_DECISION:
		f->decision = arg;
		return 1;
	case OPT_CONTEXT:
		f->context = arg;
		return 1;
	case OPT_TYPE:
		f->type = arg;
		return 1;
	}
	return 0;
}

static void audit_usage(void)
{
	printf("Usage: modgate [--root DIR] audit COMMAND [options]\n\n"
	       "Commands:\n"
	       "  show [FILTERS] [--json]        the trail as a table (or JSON lines)\n"
	       "  verify [--anchor [SEGMENT:]SEQ:HASH]...\n"
	       "                                 check the hash chain over every file\n"
	       "  export --format csv|json [FILTERS]\n"
	       "  flush                          carry an early-boot segment from /run over\n"
	       "  rotate                         start a new trail file (the chain continues)\n"
	       "  status                         trail, early-boot segment, Linux audit\n\n"
	       "Filters: --since TIME --until TIME --module GLOB --decision D --context C --type "
	       "T\n"
	       "TIME: YYYY-MM-DD[ HH:MM[:SS]] (UTC), @EPOCH, -Ns/-Nm/-Nh/-Nd, now\n");
}

static int audit_show(int argc, char *argv[])
{
	struct audit_filter f = {0};
	struct show s = {.filter = &f};
	char main_dir[4096], early_dir[4096];
	int c, r, dfd;

	while ((c = getopt_long(argc, argv, "h", filter_opts, NULL)) != -1) {
		if ((r = filter_opt(c, optarg, &f)) < 0)
			return EXIT_FAILURE;
		if (r == 1)
			continue;
		if (c == OPT_JSON) {
			s.json = true;
		} else if (c == 'h') {
			audit_usage();
			return EXIT_SUCCESS;
		} else {
			log_error("show: unexpected option\n");
			return EXIT_FAILURE;
		}
	}
	if ((dfd = open_trail_dir(main_dir, early_dir, sizeof(main_dir))) < 0)
		return EXIT_FAILURE;
	s.dir = main_dir;
	r = trail_walk(dfd, show_cb, &s);
	close(dfd);
	if (r < 0) {
		log_error("reading the trail in %s: %s\n", main_dir, strerror(-r));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

static int parse_anchors(int argc, char *argv[], struct verify_anchor *a, size_t *n)
{
	int c;

	*n = 0;
	while ((c = getopt_long(argc, argv, "h", filter_opts, NULL)) != -1) {
		if (c == OPT_ANCHOR && *n < MAX_ANCHORS &&
		    verify_anchor_parse(optarg, &a[*n]) == 0) {
			(*n)++;
			continue;
		}
		if (c == 'h') {
			audit_usage();
			return 1;
		}
		if (c == OPT_ANCHOR)
			log_error("invalid anchor '%s': expected SEQ:HASH or SEGMENT:SEQ:HASH "
				  "(at most %d)\n",
				  optarg, MAX_ANCHORS);
		else
			log_error("verify: unexpected option\n");
		return -1;
	}
	return 0;
}

static void pending_early(const char *early_dir)
{
	char path[4200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", early_dir, TRAIL_CURRENT);
	if (stat(path, &st) == 0 && st.st_size > 0)
		printf("note: an early-boot segment in %s is not carried over yet "
		       "(modgate audit flush)\n",
		       early_dir);
}

static void print_verified(const char *dir, const struct verify_result *v, size_t n_anchors)
{
	if (v->records == 0)
		printf("%s: no records yet\n", dir);
	else
		printf("%s: intact: %llu records (seq %llu to %llu) in %zu file%s, %zu early-boot "
		       "segment%s\nlast anchor: %llu:%s\n",
		       dir, (unsigned long long)v->records, (unsigned long long)v->first_seq,
		       (unsigned long long)v->last_seq, v->files, v->files == 1 ? "" : "s",
		       v->segments, v->segments == 1 ? "" : "s", (unsigned long long)v->last_seq,
		       v->last_hash);
	if (n_anchors)
		printf("anchors: %zu of %zu matched%s\n", v->anchors_checked, n_anchors,
		       v->anchors_checked < n_anchors
			       ? " (the others name segments not carried here)"
			       : "");
	if (v->recovered)
		printf("note: %zu line%s torn by a crash and closed by a trail-recover record\n",
		       v->recovered, v->recovered == 1 ? "" : "s");
	if (v->orphan_segments)
		printf("note: %zu early-*.jsonl file%s not named by any trail-carry record\n",
		       v->orphan_segments, v->orphan_segments == 1 ? "" : "s");
}

/* A writer appending right now can leave the last line half-visible to a
 * reader that takes no lock. Before calling that truncation, wait for the
 * writer: a read lock on the writers' lock file is granted once the write
 * in flight has been fsync'd (and is released at once). */
static bool wait_for_writer(int dfd)
{
	struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
	int fd = openat(dfd, TRAIL_LOCK, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	bool ok;

	if (fd < 0)
		return false;
	ok = fcntl(fd, F_OFD_SETLKW, &fl) == 0;
	close(fd);
	return ok;
}

static int audit_verify(int argc, char *argv[])
{
	struct verify_anchor anchors[MAX_ANCHORS];
	struct verify_result v;
	char main_dir[4096], early_dir[4096];
	size_t n;
	int r, dfd;

	if ((r = parse_anchors(argc, argv, anchors, &n)) != 0)
		return r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	if ((dfd = open_trail_dir(main_dir, early_dir, sizeof(main_dir))) < 0)
		return EXIT_FAILURE;
	r = trail_verify(dfd, anchors, n, &v);
	if (r == 0 && v.problem == VERIFY_TRUNCATED && streq(v.file, TRAIL_CURRENT) &&
	    wait_for_writer(dfd))
		r = trail_verify(dfd, anchors, n, &v);
	close(dfd);
	if (r < 0) {
		log_error("cannot list %s: %s\n", main_dir, strerror(-r));
		return EXIT_FAILURE;
	}
	if (v.problem != VERIFY_OK) {
		if (v.line)
			log_error("%s/%s:%llu: %s: %s\n", main_dir, v.file,
				  (unsigned long long)v.line, verify_problem_str(v.problem),
				  v.message);
		else
			log_error("%s/%s: %s: %s\n", main_dir, v.file,
				  verify_problem_str(v.problem), v.message);
		return EXIT_FAILURE;
	}
	print_verified(main_dir, &v, n);
	pending_early(early_dir);
	return EXIT_SUCCESS;
}

struct export
{
	const struct audit_filter *filter;
	bool csv;
	size_t n;
};

static int csv_member(struct strbuf *out, const struct json_member *m)
{
	if (!m)
		return 0;
	switch (m->kind) {
	case JSON_STRING:
		return csv_field(out, m->str, m->len);
	case JSON_INT:
		return strbuf_appendf(out, "%lld", (long long)m->num);
	case JSON_BOOL:
		return strbuf_append_str(out, m->num ? "true" : "false");
	case JSON_NULL:
		return 0;
	}
	return -EINVAL;
}

static int export_csv_row(struct strbuf *out, const struct walk_record *rec, const char *hash)
{
	static const char *const head[] = {"seq", "time", "type"};
	static const char *const tail[] = {"truncated", "prev"};
	int r = 0;

	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(head); i++)
		if ((r = csv_member(out, json_get(rec->obj, head[i]))) == 0)
			r = strbuf_append_char(out, ',');
	for (const struct audit_field *f = audit_fields; r == 0 && f->key; f++)
		if ((r = csv_member(out, json_get(rec->obj, f->key))) == 0)
			r = strbuf_append_char(out, ',');
	for (size_t i = 0; r == 0 && i < ARRAY_SIZE(tail); i++)
		if ((r = csv_member(out, json_get(rec->obj, tail[i]))) == 0)
			r = strbuf_append_char(out, ',');
	if (r == 0)
		r = strbuf_appendf(out, "%s,", hash);
	if (r == 0)
		r = csv_field(out, rec->file, strlen(rec->file));
	return r < 0 ? r : strbuf_appendf(out, ",%llu", (unsigned long long)rec->line);
}

static void export_csv_header(void)
{
	fputs("seq,time,type", stdout);
	for (const struct audit_field *f = audit_fields; f->key; f++)
		printf(",%s", f->key);
	puts(",truncated,prev,hash,source_file,source_line");
}

static int export_cb(const struct walk_record *rec, void *data)
{
	struct export *e = data;
	_cleanup_strbuf_ struct strbuf out = STRBUF_INIT;
	char hash[SHA256_HEX_LEN + 1];
	int r;

	if (!rec->obj || !filter_match(e->filter, rec->obj))
		return 0;
	if ((r = sha256_hex(rec->raw, rec->raw_len, hash)) < 0)
		return r;
	if (e->csv) {
		r = export_csv_row(&out, rec, hash);
	} else {
		r = json_serialize(&out, rec->obj);
		if (r == 0) {
			out.buf[--out.len] = '\0'; /* reopen the object */
			r = strbuf_appendf(&out, ",\"hash\":\"%s\",\"source_file\":", hash);
		}
		if (r == 0 && (r = json_append_cstr(&out, rec->file)) == 0)
			r = strbuf_appendf(&out, ",\"source_line\":%llu}",
					   (unsigned long long)rec->line);
	}
	if (r < 0)
		return r;
	printf("%s%s\n", !e->csv && e->n ? "," : "", out.buf);
	e->n++;
	return 0;
}

static int audit_export(int argc, char *argv[])
{
	struct audit_filter f = {0};
	struct export e = {.filter = &f};
	char main_dir[4096], early_dir[4096];
	const char *format = NULL;
	int c, r, dfd;

	while ((c = getopt_long(argc, argv, "h", filter_opts, NULL)) != -1) {
		if ((r = filter_opt(c, optarg, &f)) < 0)
			return EXIT_FAILURE;
		if (r == 1)
			continue;
		if (c != OPT_FORMAT) {
			log_error("export: unexpected option\n");
			return EXIT_FAILURE;
		}
		format = optarg;
	}
	if (!streq(format, "csv") && !streq(format, "json")) {
		log_error("export: --format csv or --format json is required\n");
		return EXIT_FAILURE;
	}
	e.csv = streq(format, "csv");
	if ((dfd = open_trail_dir(main_dir, early_dir, sizeof(main_dir))) < 0)
		return EXIT_FAILURE;
	if (e.csv)
		export_csv_header();
	else
		puts("[");
	r = trail_walk(dfd, export_cb, &e);
	close(dfd);
	if (!e.csv)
		puts("]");
	if (r < 0) {
		log_error("reading the trail in %s: %s\n", main_dir, strerror(-r));
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}

static int audit_flush_cmd(void)
{
	struct audit_options o = AUDIT_OPTIONS_DEFAULT;
	struct audit_status st;
	char main_dir[4096], early_dir[4096];
	int r;

	o.root = tools_root();
	if ((r = audit_dirs(o.root, main_dir, early_dir, sizeof(main_dir))) < 0)
		return EXIT_FAILURE;
	r = audit_flush(&o, &st);
	if (st.trail_error) {
		log_error("cannot write the trail in %s: %s\n", main_dir,
			  strerror(-st.trail_error));
		return EXIT_FAILURE;
	}
	if (r < 0) {
		log_error("cannot carry the early-boot segment from %s: %s\n", early_dir,
			  strerror(-r));
		return EXIT_FAILURE;
	}
	printf("%s\n", st.carried ? "carried the early-boot segment into the trail"
				  : "no early-boot segment to carry");
	return EXIT_SUCCESS;
}

static int audit_rotate_cmd(void)
{
	_cleanup_trail_ struct trail t = TRAIL_INIT;
	char main_dir[4096], early_dir[4096];
	int r;

	if (audit_dirs(tools_root(), main_dir, early_dir, sizeof(main_dir)) < 0)
		return EXIT_FAILURE;
	if ((r = trail_open(main_dir, false, &t)) < 0) {
		log_error("cannot open the trail in %s: %s\n", main_dir, strerror(-r));
		return EXIT_FAILURE;
	}
	if (t.tail.empty) {
		printf("nothing to rotate: %s/%s has no records\n", main_dir, TRAIL_CURRENT);
		return EXIT_SUCCESS;
	}
	if ((r = trail_rotate(&t)) < 0) {
		log_error("cannot rotate %s/%s: %s\n", main_dir, TRAIL_CURRENT, strerror(-r));
		return EXIT_FAILURE;
	}
	printf("rotated: %s/%s continues from %s\n", main_dir, TRAIL_CURRENT,
	       t.from_file[0] ? t.from_file : "the previous file");
	return EXIT_SUCCESS;
}

static void status_dir(const char *label, const char *dir, bool early)
{
	_cleanup_trail_ struct trail t = TRAIL_INIT;
	struct stat st;
	int r;

	/* Do not create the directory just to report on it. */
	if (stat(dir, &st) < 0) {
		printf("%-12s %s: %s\n", label, dir, strerror(errno));
		return;
	}
	if ((r = trail_open(dir, early, &t)) < 0) {
		printf("%-12s %s: %s\n", label, dir, strerror(-r));
		return;
	}
	if (t.tail.empty && !t.from_file[0])
		printf("%-12s %s: no records\n", label, dir);
	else
		printf("%-12s %s: last seq %llu, hash %s%s%s%s\n", label, dir,
		       (unsigned long long)t.tail.seq, t.tail.hash, early ? ", segment " : "",
		       early ? t.segment : "", t.tail.torn ? " (last line torn)" : "");
}

static int audit_status_cmd(void)
{
	char main_dir[4096], early_dir[4096];

	if (audit_dirs(tools_root(), main_dir, early_dir, sizeof(main_dir)) < 0)
		return EXIT_FAILURE;
	status_dir("trail:", main_dir, false);
	status_dir("early boot:", early_dir, true);
	printf("%-12s %s\n", "linux audit:", linux_audit_state_str(linux_audit_probe()));
	return EXIT_SUCCESS;
}

int tool_audit(int argc, char *argv[])
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (!cmd || streq(cmd, "help") || streq(cmd, "--help") || streq(cmd, "-h")) {
		audit_usage();
		return cmd ? EXIT_SUCCESS : EXIT_FAILURE;
	}
	/* Each command parses its own options from argv[1]. */
	argc--;
	argv++;
	optind = 0;
	if (streq(cmd, "show"))
		return audit_show(argc, argv);
	if (streq(cmd, "verify"))
		return audit_verify(argc, argv);
	if (streq(cmd, "export"))
		return audit_export(argc, argv);
	if (argc > 1) {
		log_error("%s takes no arguments\n", cmd);
		return EXIT_FAILURE;
	}
	if (streq(cmd, "flush"))
		return audit_flush_cmd();
	if (streq(cmd, "rotate"))
		return audit_rotate_cmd();
	if (streq(cmd, "status"))
		return audit_status_cmd();
	log_error("unknown audit command '%s'\n", cmd);
	audit_usage();
	return EXIT_FAILURE;
}

#ifdef MODGATE_TEST_BUILD
/*
 * modgate-test [--root DIR] audit-emit [--<field> VALUE]... [options]
 * Records one event (or --repeat N of them) through audit_record(), exactly
 * as the gate will, and prints where each landed. Fields are the trail's keys
 * (--module, --decision, --rule, ..., --uid N, --errno N); --type names the
 * event type. Options: --time TIME, --step-ms N (added per repeat),
 * --required | --best-effort, --no-linux, --no-syslog, --no-early,
 * --flood-interval S, --flood-burst N, --flood-global N, --rotate-bytes N.
 */
struct emit {
	struct audit_event ev;
	struct audit_options o;
	unsigned long repeat, step_ms;
};

static int emit_field(struct emit *e, const char *key, const char *v)
{
	for (const struct audit_field *f = audit_fields; f->key; f++) {
		if (!streq(f->key, key))
			continue;
		char *base = (char *)&e->ev + f->offset, *end;
		if (f->kind == AF_STR) {
			*(const char **)base = v;
			return 0;
		}
		errno = 0;
		long long n = strtoll(v, &end, 10);
		if (errno || *end || end == v)
			return -EINVAL;
		if (f->kind == AF_ID)
			*(int64_t *)base = n;
		else if (f->kind == AF_U64)
			*(uint64_t *)base = (uint64_t)n;
		else {
			e->ev.has_result = true;
			e->ev.result_errno = (int)n;
		}
		return 0;
	}
	return -ENOENT;
}

static int emit_number(const char *v, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(v, &end, 10);
	return errno || *end || end == v ? -EINVAL : 0;
}

static int emit_option(struct emit *e, const char *name, const char *v)
{
	unsigned long n = 0;

	if (streq(name, "type")) {
		int t = audit_event_type_from_name(v);
		if (t < 0)
			return -EINVAL;
		e->ev.type = t;
		return 0;
	}
	if (streq(name, "time"))
		return parse_time(v, &e->ev.time) == 0
			       ? 0
			       : parse_user_time(v, time(NULL), &e->ev.time);
	if (emit_number(v, &n) < 0)
		return emit_field(e, name, v);
	if (streq(name, "repeat"))
		e->repeat = n;
	else if (streq(name, "step-ms"))
		e->step_ms = n;
	else if (streq(name, "flood-interval"))
		e->o.flood.interval_s = (uint32_t)n;
	else if (streq(name, "flood-burst"))
		e->o.flood.burst = (uint32_t)n;
	else if (streq(name, "flood-global"))
		e->o.flood.global = (uint32_t)n;
	else if (streq(name, "rotate-bytes"))
		e->o.rotate_bytes = n;
	else
		return emit_field(e, name, v);
	return 0;
}

static int emit_parse(struct emit *e, int argc, char *argv[])
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "--", 2) != 0)
			return -EINVAL;
		a += 2;
		if (streq(a, "required") || streq(a, "best-effort"))
			e->o.required = streq(a, "required");
		else if (streq(a, "no-linux"))
			e->o.linux_audit = false;
		else if (streq(a, "no-syslog"))
			e->o.syslog = false;
		else if (streq(a, "no-early"))
			e->o.early_fallback = false;
		else if (i + 1 >= argc || emit_option(e, a, argv[++i]) < 0) {
			log_error("audit-emit: bad option or value: --%s\n", a);
			return -EINVAL;
		}
	}
	return 0;
}

static void emit_report(const struct emit *e, const struct audit_status *st, int r)
{
	if (st->suppressed)
		puts("suppressed");
	else if (st->recorded)
		printf("recorded seq=%llu hash=%s%s%s%s linux=%s\n",
		       (unsigned long long)st->anchor.seq, st->anchor.hash,
		       st->anchor.segment[0] ? " segment=" : "", st->anchor.segment,
		       st->early ? " early" : "",
		       st->linux_error ? strerrorname_np(-st->linux_error) : "ok");
	else
		printf("unrecorded linux=%s\n",
		       st->linux_error ? strerrorname_np(-st->linux_error) : "ok");
	if (st->recorded || st->suppressed)
		return;
	/* The messages the gate gives for the two settings. */
	if (r < 0)
		log_error("the decision could not be recorded in the audit trail (%s); denied "
			  "because audit is required\n",
			  strerror(-st->trail_error));
	else
		log_warning("the decision could not be recorded in the audit trail (%s); allowed "
			    "because audit is best-effort\n",
			    strerror(-st->trail_error));
	(void)e;
}

int tool_audit_emit(int argc, char *argv[])
{
	struct emit e = {
		.ev = AUDIT_EVENT_INIT(AUDIT_EV_DECISION), .o = AUDIT_OPTIONS_DEFAULT, .repeat = 1};
	int rc = EXIT_SUCCESS;

	e.o.root = tools_root();
	if (emit_parse(&e, argc, argv) < 0)
		return EXIT_FAILURE;
	for (unsigned long i = 0; i < e.repeat; i++) {
		struct audit_event ev = e.ev;
		struct audit_status st;
		if (ev.time.tv_sec || ev.time.tv_nsec) {
			uint64_t ns =
				(uint64_t)ev.time.tv_nsec + (uint64_t)(i * e.step_ms) * 1000000u;
			ev.time.tv_sec += (time_t)(ns / 1000000000u);
			ev.time.tv_nsec = (long)(ns % 1000000000u);
		}
		int r = audit_record(&e.o, &ev, &st);
		emit_report(&e, &st, r);
		if (r < 0)
			rc = EXIT_FAILURE;
	}
	return rc;
}
#endif
