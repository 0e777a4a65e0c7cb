// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>

#include "config.h"
#include "audit/audit.h"
#include "audit/change.h"
#include "audit/linux.h"
#include "audit/record.h"

int audit_dirs(const char *root, char *main_dir, char *early_dir, size_t size)
{
	const char *pre = root && !streq(root, "/") ? root : "";
	int a = snprintf(main_dir, size, "%s%s", pre, LOGDIR_MODGATE);
	int b = snprintf(early_dir, size, "%s%s", pre, RUNDIR_MODGATE);

	return a < 0 || b < 0 || (size_t)a >= size || (size_t)b >= size ? -ENAMETOOLONG : 0;
}

bool audit_in_initramfs(const char *root)
{
	char path[4096];
	struct statfs s;

	if (statfs(root, &s) < 0 || (s.f_type != RAMFS_MAGIC && s.f_type != TMPFS_MAGIC))
		return false;
	/* initramfs-tools runs /init; dracut and systemd mark the initrd. */
	snprintf(path, sizeof(path), "%s/init", root);
	if (access(path, F_OK) == 0)
		return true;
	snprintf(path, sizeof(path), "%s/etc/initrd-release", root);
	return access(path, F_OK) == 0;
}

/* Everything written in one attempt on one directory: a carried segment's
 * record, flood aggregates that came due, then the caller's events that
 * flood control did not suppress, in the caller's order. */
struct batch {
	struct flood_due due;
	struct trail_carry carry;
	const struct audit_event **evs;
	struct trail_anchor *anchors;
	size_t n;
	size_t *at;	/* caller's event i is evs[at[i]]; SIZE_MAX: not written */
	bool *suppress; /* caller's event i is counted by flood control */
};

static void batch_release(struct batch *b)
{
	free(b->evs);
	free(b->anchors);
	free(b->at);
	free(b->suppress);
	free(b);
}

static void batch_freep(struct batch **b)
{
	if (*b)
		batch_release(*b);
}

static struct batch *batch_new(size_t n)
{
	struct batch *b = calloc(1, sizeof(*b));
	size_t cap = FLOOD_SLOTS + 3 + n;

	if (!b)
		return NULL;
	b->evs = calloc(cap, sizeof(*b->evs));
	b->anchors = calloc(cap, sizeof(*b->anchors));
	b->at = calloc(n ? n : 1, sizeof(*b->at));
	b->suppress = calloc(n ? n : 1, sizeof(*b->suppress));
	if (!b->evs || !b->anchors || !b->at || !b->suppress) {
		batch_release(b);
		return NULL;
	}
	return b;
}

/* Flood accounting under the trail lock, for each of the caller's events in
 * order; the table is saved only once the batch is in the trail (or when
 * nothing needs writing). */
static int flood_step(struct trail *t, const struct audit_options *o,
		      const struct audit_event *const *evs, size_t n, const struct timespec *now,
		      struct batch *b, struct flood_table *ft, bool *use)
{
	bool exists, any = false;
	int r = 0;

	*use = false;
	if (flood_load(t->dfd, ft, &exists) < 0)
		return 0; /* an unreadable cache never stops a record */
	for (size_t i = 0; i < n; i++)
		any = any || flood_eligible(evs[i]);
	if (!exists && !any)
		return 0;
	*use = true;
	if (n == 0)
		return flood_decide(ft, &o->flood, NULL, now, &b->due, &(bool){false});
	for (size_t i = 0; r == 0 && i < n; i++)
		r = flood_decide(ft, &o->flood, evs[i], now, &b->due, &b->suppress[i]);
	return r;
}

/* Settings and policy records only when they changed (audit/change.h),
 * decided under the trail lock; an unreadable state writes them all. */
static void change_step(const struct trail *t, bool carried, const struct audit_event *const *evs,
			size_t n, struct batch *b, struct change_table *ct, bool *use)
{
	bool any = false;

	*use = false;
	for (size_t i = 0; i < n; i++)
		any = any || evs[i]->change_key;
	if (!any || change_load(t->dfd, ct) < 0)
		return;
	*use = true;
	/* a fresh chain or a carried segment: say it all again */
	if (carried || (t->tail.empty && !t->from_file[0]))
		change_forget(ct);
	for (size_t i = 0; i < n; i++)
		if (!b->suppress[i] && !change_decide(ct, evs[i]))
			b->suppress[i] = true;
}

static int write_trail(const char *dir, const char *carry_from, const struct audit_options *o,
		       const struct audit_event *const *evs, size_t n, const struct timespec *now,
		       struct batch *b, struct audit_status *st)
{
	_cleanup_trail_ struct trail t = TRAIL_INIT;
	_cleanup_free_ struct flood_table *ft = malloc(sizeof(*ft));
	struct change_table ct;
	bool use_flood, use_change;
	int r;

	b->n = b->due.n = 0;
	memset(b->suppress, 0, (n ? n : 1) * sizeof(*b->suppress));
	b->carry = (struct trail_carry){.early = TRAIL_INIT};
	if (!ft)
		return -ENOMEM;
	if ((r = trail_open(dir, !carry_from, &t)) < 0)
		return r;
	if (carry_from) {
		t.rotate_bytes = o->rotate_bytes;
		st->carry_error = trail_carry_begin(&t, carry_from, &b->carry);
		if (b->carry.need_record)
			b->evs[b->n++] = &b->carry.ev;
	}
	if ((r = flood_step(&t, o, evs, n, now, b, ft, &use_flood)) < 0)
		goto out;
	change_step(&t, b->carry.need_record, evs, n, b, &ct, &use_change);
	for (size_t i = 0; i < b->due.n; i++)
		b->evs[b->n++] = &b->due.ev[i];
	for (size_t i = 0; i < n; i++) {
		b->at[i] = b->suppress[i] ? SIZE_MAX : b->n;
		if (!b->suppress[i])
			b->evs[b->n++] = evs[i];
	}
	/* one write() and one fdatasync() for all of them (trail_append) */
	if (b->n > 0 && (r = trail_append(&t, b->evs, b->n, b->anchors)) < 0)
		goto out;
	if (use_flood)
		flood_save(t.dfd, ft); /* a lost update only re-counts a window */
	if (use_change && ct.dirty)
		change_save(t.dfd, &ct); /* a lost update only repeats a record */
	if (b->carry.pending) {
		st->carry_error = trail_carry_end(&b->carry);
		st->carried = st->carry_error == 0;
	}
out:
	trail_carry_abort(&b->carry);
	return r;
}

static int syslog_summary(const struct audit_event *ev, const struct trail_anchor *anchor)
{
	_cleanup_strbuf_ struct strbuf line = STRBUF_INIT;
	int r = audit_summary(ev, anchor, &line);
	int prio = linux_audit_res(ev) ? LOG_NOTICE : LOG_WARNING;

	if (r == 0)
		syslog(LOG_AUTHPRIV | prio, "%s", line.buf);
	return r;
}

static int forward_one(const struct audit_options *o, const struct audit_event *ev,
		       const struct trail_anchor *a)
{
	int r = o->linux_audit ? linux_audit_send(ev, a) : 0;
	if (o->syslog)
		syslog_summary(ev, a);
	return r;
}

/* The best-effort sinks, for each record of the batch; when it reached no
 * trail, for each of the caller's events (the remote copies are all there
 * is). */
static void forward(const struct audit_options *o, const struct batch *b, bool in_trail,
		    const struct audit_event *const *evs, size_t n, struct audit_status *st)
{
	if (!in_trail) {
		for (size_t i = 0; i < n; i++)
			st[i].linux_error = forward_one(o, evs[i], NULL);
		return;
	}
	for (size_t k = 0; k < b->n; k++) {
		int r = forward_one(o, b->evs[k], &b->anchors[k]);
		for (size_t i = 0; i < n; i++)
			if (b->at[i] == k)
				st[i].linux_error = r;
	}
}

static int record_or_flush(const struct audit_options *o, const struct audit_event *const *evs,
			   size_t n, struct audit_status *st)
{
	char main_dir[4096], early_dir[4096];
	_cleanup_(batch_freep) struct batch *b = batch_new(n);
	struct audit_status common = {0};
	struct timespec now;
	int r;

	for (size_t i = 0; i < n; i++)
		memset(&st[i], 0, sizeof(st[i]));
	if (!b)
		return -ENOMEM;
	if ((r = audit_dirs(o->root, main_dir, early_dir, sizeof(main_dir))) < 0)
		return r;
	now = n ? evs[n - 1]->time : (struct timespec){0};
	if (now.tv_sec == 0 && now.tv_nsec == 0)
		clock_gettime(CLOCK_REALTIME, &now);
	/* In an initramfs, /var/log is on the rootfs that switch_root throws
	 * away, while /run moves to the real root: write the early segment. */
	if (!o->root && audit_in_initramfs("/"))
		r = -EROFS;
	else
		r = write_trail(main_dir, early_dir, o, evs, n, &now, b, &common);
	if (r < 0) {
		common.trail_error = r;
		if (o->early_fallback) {
			common.early_error =
				write_trail(early_dir, NULL, o, evs, n, &now, b, &common);
			common.early = common.early_error == 0;
		}
	}
	bool in_trail = r == 0 || common.early;
	for (size_t i = 0; i < n; i++) {
		st[i] = common;
		st[i].suppressed = in_trail && b->suppress[i];
		st[i].recorded = in_trail && !b->suppress[i];
		if (st[i].recorded)
			st[i].anchor = b->anchors[b->at[i]];
	}
	if (n == 0)
		*st = common;
	if (!in_trail)
		b->n = 0;
	bool all_suppressed = n > 0;
	for (size_t i = 0; i < n; i++)
		all_suppressed = all_suppressed && st[i].suppressed;
	/* a suppressed request costs no remote record either (audit/flood.h) */
	if (!all_suppressed)
		forward(o, b, in_trail, evs, n, st);
	return in_trail ? 0 : r;
}

int audit_record_batch(const struct audit_options *o, const struct audit_event *const *evs,
		       size_t n, struct audit_status *st)
{
	_cleanup_free_ struct audit_event *e = calloc(n ? n : 1, sizeof(*e));
	_cleanup_free_ const struct audit_event **pe = calloc(n ? n : 1, sizeof(*pe));
	struct timespec now;
	int fail = 0;

	if (!e || !pe) {
		for (size_t i = 0; i < n; i++)
			st[i] = (struct audit_status){.trail_error = -ENOMEM};
		return o->required && n ? -ENOMEM : 0;
	}
	clock_gettime(CLOCK_REALTIME, &now);
	for (size_t i = 0; i < n; i++) {
		e[i] = *evs[i];
		if (e[i].time.tv_sec == 0 && e[i].time.tv_nsec == 0)
			e[i].time = now;
		pe[i] = &e[i];
	}
	int r = record_or_flush(o, pe, n, st);
	for (size_t i = 0; i < n; i++) {
		if (r == -ENOMEM && !st[i].trail_error)
			st[i].trail_error = r;
		if (!st[i].recorded && !st[i].suppressed && o->required && !fail)
			fail = st[i].trail_error ? st[i].trail_error : -EIO;
	}
	return fail;
}

int audit_record(const struct audit_options *o, const struct audit_event *ev,
		 struct audit_status *st)
{
	return audit_record_batch(o, &ev, 1, st);
}

int audit_flush(const struct audit_options *o, struct audit_status *st)
{
	struct audit_options fo = *o;

	/* Flushing into /run would carry nothing anywhere. */
	fo.early_fallback = false;
	int r = record_or_flush(&fo, NULL, 0, st);
	return r < 0 ? r : st->carry_error;
}

/* Bytes a reader of the system log should see as they are. */
static bool summary_plain(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '\\';
}

static int append_escaped(struct strbuf *out, const char *s)
{
	int r = 0;

	for (const unsigned char *p = (const unsigned char *)s; r == 0 && *p; p++)
		r = summary_plain(*p) ? strbuf_append_char(out, (char)*p)
				      : strbuf_appendf(out, "\\x%02x", *p);
	return r;
}

int audit_summary(const struct audit_event *ev, const struct trail_anchor *anchor,
		  struct strbuf *out)
{
	int r = strbuf_appendf(out, "%s", audit_event_type_name(ev->type));

	for (const struct audit_field *f = audit_fields; r == 0 && f->key; f++) {
		const char *base = (const char *)ev + f->offset;
		if (f->kind == AF_STR && *(const char *const *)base) {
			r = strbuf_appendf(out, " %s=", f->key);
			if (r == 0)
				r = append_escaped(out, *(const char *const *)base);
		} else if (f->kind == AF_ID && *(const int64_t *)base != AUDIT_ID_UNSET) {
			r = strbuf_appendf(out, " %s=%lld", f->key,
					   (long long)*(const int64_t *)base);
		} else if (f->kind == AF_U64 && *(const uint64_t *)base) {
			r = strbuf_appendf(out, " %s=%llu", f->key,
					   (unsigned long long)*(const uint64_t *)base);
		} else if (f->kind == AF_ERRNO && ev->has_result) {
			r = strbuf_appendf(out, " errno=%d", ev->result_errno);
		}
	}
	if (r < 0)
		return r;
	if (!anchor)
		return strbuf_append_str(out, " trail=unrecorded");
	return strbuf_appendf(out, " seq=%llu%s%s", (unsigned long long)anchor->seq,
			      anchor->segment[0] ? " segment=" : "", anchor->segment);
}
