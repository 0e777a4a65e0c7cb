// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Early boot: before /var/log is writable (initramfs, the first seconds) the
 * trail is written to /run/modgate as a segment: its own chain, starting with
 * a trail-start record that names a random segment id. The first writer that
 * finds /var/log/modgate writable carries the segment over:
 *
 *   1. the segment's bytes are copied verbatim to early-<segment>.jsonl in the
 *      main directory (temp file, fdatasync, rename, fsync of the directory);
 *   2. a trail-carry record is appended to the main chain, naming the file,
 *      the segment id, its record count and the hash of its last line;
 *   3. the /run file is removed.
 *
 * The main chain thus commits to every byte of the segment, and the segment's
 * records keep the seq and hash their Linux audit records carried as anchors.
 * A crash between the steps is repaired by the next carry: step 1 is
 * idempotent, and step 2 is skipped when the main trail's last record is
 * already the carry of this segment.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/trail.h"
#include "common/fileio.h"

/* The largest early segment carried; /run is a small tmpfs anyway. */
#define SEGMENT_MAX (64u * 1024 * 1024)

int early_segment_name(const char *segment, char *buf, size_t size)
{
	int n = snprintf(buf, size, "early-%s.jsonl", segment);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static int copy_segment(int src, uint64_t size, int dfd, const char *name)
{
	char tmp[128];
	_cleanup_free_ char *data = NULL;
	size_t len;
	int fd, r;

	if (size > SEGMENT_MAX)
		return -EFBIG;
	if (lseek(src, 0, SEEK_SET) < 0)
		return -errno;
	if ((r = read_full_fd(src, SEGMENT_MAX, &data, &len)) < 0)
		return r;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", name) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
		    0600);
	if (fd < 0)
		return -errno;
	r = write_all(fd, data, len);
	if (r == 0 && fdatasync(fd) < 0)
		r = -errno;
	close(fd);
	if (r == 0 && renameat(dfd, tmp, dfd, name) < 0)
		r = -errno;
	if (r == 0 && fsync(dfd) < 0)
		r = -errno;
	if (r < 0)
		unlinkat(dfd, tmp, 0);
	return r;
}

static bool already_carried(const struct trail *main, const struct trail *e)
{
	return streq(main->tail.type, "trail-carry") && streq(main->tail.segment, e->segment) &&
	       main->tail.segment_records == e->tail.seq;
}

int trail_carry_begin(struct trail *main, const char *early_dir, struct trail_carry *c)
{
	struct trail *e = &c->early;
	struct stat st;
	char path[4096];
	int r, n;

	*c = (struct trail_carry){.early = TRAIL_INIT};
	n = snprintf(path, sizeof(path), "%s/" TRAIL_CURRENT, early_dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	/* The common case: nothing to carry, and /run/modgate is not created. */
	if (stat(path, &st) < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	if (st.st_size == 0)
		return 0;
	if ((r = trail_open(early_dir, true, e)) < 0)
		return r;
	/* Terminate a torn last line (with a trail-recover record) so the
	 * segment carried is whole lines only. */
	if (!e->tail.empty && e->tail.torn)
		r = trail_append(e, NULL, 0, NULL);
	if (r == 0 && !e->tail.empty)
		r = early_segment_name(e->segment, c->name, sizeof(c->name));
	if (r < 0 || e->tail.empty) {
		trail_close(e);
		return r;
	}
	c->pending = true;
	c->need_record = !already_carried(main, e);
	c->ev = (struct audit_event)AUDIT_EVENT_INIT(AUDIT_EV_TRAIL_CARRY);
	c->ev.segment = e->segment;
	c->ev.segment_records = e->tail.seq;
	c->ev.segment_hash = e->tail.hash;
	c->ev.file = c->name;
	if (c->need_record && (r = copy_segment(e->fd, e->size, main->dfd, c->name)) < 0)
		trail_carry_abort(c);
	return r;
}

int trail_carry_end(struct trail_carry *c)
{
	int r = 0;

	if (c->pending) {
		if (unlinkat(c->early.dfd, TRAIL_CURRENT, 0) < 0 || fsync(c->early.dfd) < 0)
			r = -errno;
		else
			unlinkat(c->early.dfd, TRAIL_FLOOD, 0);
	}
	trail_carry_abort(c);
	return r;
}

void trail_carry_abort(struct trail_carry *c)
{
	trail_close(&c->early);
	c->pending = c->need_record = false;
}
