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

/* Everything written in one attempt on one directory. */
struct batch {
	struct flood_due due;
	struct trail_carry carry;
	const struct audit_event *evs[FLOOD_SLOTS + 3];
	struct trail_anchor anchors[FLOOD_SLOTS + 3];
	size_t n;
	bool has_event; /* the caller's event is evs[n - 1] */
};

/* Flood accounting under the trail lock; the table is saved only once the
 * batch is in the trail (or when nothing needs writing). */
static int flood_step(struct trail *t, const struct audit_options *o, const struct audit_event *ev,
		      const struct timespec *now, struct batch *b, struct flood_table *ft,
		      bool *use, bool *suppress)
{
	bool exists;

	*use = *suppress = false;
	if (flood_load(t->dfd, ft, &exists) < 0)
		return 0; /* an unreadable cache never stops a record */
	if (!exists && !(ev && flood_eligible(ev)))
		return 0;
	*use = true;
	return flood_decide(ft, &o->flood, ev, now, &b->due, suppress);
}

static int write_trail(const char *dir, const char *carry_from, const struct audit_options *o,
		       const struct audit_event *ev, const struct timespec *now, struct batch *b,
		       struct audit_status *st)
{
	_cleanup_trail_ struct trail t = TRAIL_INIT;
	_cleanup_free_ struct flood_table *ft = malloc(sizeof(*ft));
	bool use_flood, suppress;
	int r;

	b->n = b->due.n = 0;
	b->has_event = false;
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
	if ((r = flood_step(&t, o, ev, now, b, ft, &use_flood, &suppress)) < 0)
		goto out;
	for (size_t i = 0; i < b->due.n; i++)
		b->evs[b->n++] = &b->due.ev[i];
	if (ev && !suppress) {
		b->evs[b->n++] = ev;
		b->has_event = true;
	}
	st->suppressed = suppress;
	if (b->n > 0 && (r = trail_append(&t, b->evs, b->n, b->anchors)) < 0)
		goto out;
	if (use_flood)
		flood_save(t.dfd, ft); /* a lost update only re-counts a window */
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

/* The best-effort sinks, for each record of the batch. */
static void forward(const struct audit_options *o, const struct batch *b, bool in_trail,
		    const struct audit_event *ev, struct audit_status *st)
{
	for (size_t i = 0; i < b->n; i++) {
		const struct trail_anchor *a = in_trail ? &b->anchors[i] : NULL;
		int r = o->linux_audit ? linux_audit_send(b->evs[i], a) : 0;
		if (b->has_event && i == b->n - 1)
			st->linux_error = r;
		if (o->syslog)
			syslog_summary(b->evs[i], a);
	}
	/* Not in any trail: the remote copies are all there is. */
	if (!in_trail && ev) {
		st->linux_error = o->linux_audit ? linux_audit_send(ev, NULL) : 0;
		if (o->syslog)
			syslog_summary(ev, NULL);
	}
}

static int record_or_flush(const struct audit_options *o, const struct audit_event *ev,
			   struct audit_status *st)
{
	char main_dir[4096], early_dir[4096];
	_cleanup_free_ struct batch *b = calloc(1, sizeof(*b));
	struct timespec now;
	int r;

	memset(st, 0, sizeof(*st));
	if (!b)
		return -ENOMEM;
	if ((r = audit_dirs(o->root, main_dir, early_dir, sizeof(main_dir))) < 0)
		return r;
	now = ev ? ev->time : (struct timespec){0};
	if (now.tv_sec == 0 && now.tv_nsec == 0)
		clock_gettime(CLOCK_REALTIME, &now);
	/* In an initramfs, /var/log is on the rootfs that switch_root throws
	 * away, while /run moves to the real root: write the early segment. */
	if (!o->root && audit_in_initramfs("/"))
		r = -EROFS;
	else
		r = write_trail(main_dir, early_dir, o, ev, &now, b, st);
	if (r < 0) {
		st->trail_error = r;
		if (o->early_fallback) {
			st->early_error = write_trail(early_dir, NULL, o, ev, &now, b, st);
			st->early = st->early_error == 0;
		}
	}
	bool in_trail = r == 0 || st->early;
	st->recorded = in_trail && b->has_event;
	if (st->recorded)
		st->anchor = b->anchors[b->n - 1];
	if (!in_trail)
		b->n = 0;
	if (!st->suppressed)
		forward(o, b, in_trail, in_trail ? NULL : ev, st);
	return in_trail ? 0 : r;
}

int audit_record(const struct audit_options *o, const struct audit_event *ev,
		 struct audit_status *st)
{
	struct audit_event e = *ev;

	if (e.time.tv_sec == 0 && e.time.tv_nsec == 0)
		clock_gettime(CLOCK_REALTIME, &e.time);
	int r = record_or_flush(o, &e, st);
	if (r == -ENOMEM && !st->trail_error)
		st->trail_error = r;
	if (st->recorded || st->suppressed || !o->required)
		return 0;
	return st->trail_error ? st->trail_error : -EIO;
}

int audit_flush(const struct audit_options *o, struct audit_status *st)
{
	struct audit_options fo = *o;

	/* Flushing into /run would carry nothing anywhere. */
	fo.early_fallback = false;
	int r = record_or_flush(&fo, NULL, st);
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
