// SPDX-License-Identifier: LGPL-2.1-or-later
#define OPENSSL_SUPPRESS_DEPRECATED /* SHA256_Init: see audit/hash.c */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/sha.h>

#include "audit/flood.h"
#include "audit/hash.h"
#include "audit/record.h"
#include "audit/trail.h"
#include "common/fileio.h"

#define FLOOD_MAGIC   "MGFLOOD1"
#define FLOOD_VERSION 1

bool flood_eligible(const struct audit_event *ev)
{
	/* An event with a count aggregates many already (the kernel side's
	 * refusals, folded once by the gate): it is written whole. */
	return ev->type == AUDIT_EV_DECISION && !ev->count && streq(ev->context, "autoload") &&
	       (streq(ev->decision, "deny") || streq(ev->decision, "not-found"));
}

static void table_reset(struct flood_table *ft)
{
	memset(ft, 0, sizeof(*ft));
	memcpy(ft->magic, FLOOD_MAGIC, sizeof(ft->magic));
	ft->version = FLOOD_VERSION;
	ft->slots = FLOOD_SLOTS + 1;
	ft->slot_size = sizeof(struct flood_slot);
}

/* The file is root-owned but read as untrusted: strings are terminated
 * here, counts only ever become numbers in a record. */
static void table_sanitise(struct flood_table *ft)
{
	for (size_t i = 0; i <= FLOOD_SLOTS; i++) {
		struct flood_slot *s = &ft->slot[i];
		s->op[sizeof(s->op) - 1] = s->decision[sizeof(s->decision) - 1] = '\0';
		s->module[FLOOD_STR - 1] = s->requested[FLOOD_STR - 1] = '\0';
		s->reason[FLOOD_STR - 1] = s->requester[FLOOD_STR - 1] = '\0';
		if (s->first_nsec < 0 || s->first_nsec >= 1000000000)
			s->first_nsec = 0;
		if (s->last_nsec < 0 || s->last_nsec >= 1000000000)
			s->last_nsec = 0;
	}
}

int flood_load(int dfd, struct flood_table *ft, bool *exists)
{
	int fd = openat(dfd, TRAIL_FLOOD, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	ssize_t n;

	table_reset(ft);
	*exists = fd >= 0;
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		close(fd);
		return -EPERM;
	}
	do
		n = pread(fd, ft, sizeof(*ft), 0);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n != (ssize_t)sizeof(*ft) || memcmp(ft->magic, FLOOD_MAGIC, 8) != 0 ||
	    ft->version != FLOOD_VERSION || ft->slots != FLOOD_SLOTS + 1 ||
	    ft->slot_size != sizeof(struct flood_slot))
		table_reset(ft);
	table_sanitise(ft);
	return 0;
}

int flood_save(int dfd, const struct flood_table *ft)
{
	int fd = openat(dfd, TRAIL_FLOOD, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
			0600);
	struct stat st;
	int r;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EPERM;
	}
	r = write_all(fd, ft, sizeof(*ft));
	if (r == 0 && ftruncate(fd, sizeof(*ft)) < 0)
		r = -errno;
	close(fd);
	return r;
}

static int request_key(const struct audit_event *ev, uint8_t key[32])
{
	const char *parts[] = {ev->op,	     ev->module, ev->requested,
			       ev->decision, ev->reason, ev->requester};
	SHA256_CTX ctx;
	int ok;

	if (crypto_init_noconf() < 0)
		return -EIO;
	ok = SHA256_Init(&ctx);
	for (size_t i = 0; ok && i < ARRAY_SIZE(parts); i++) {
		/* A NUL separates parts and a leading byte tells NULL from "". */
		const char *p = parts[i] ? parts[i] : "";
		ok = SHA256_Update(&ctx, parts[i] ? "s" : "n", 1) &&
		     SHA256_Update(&ctx, p, strlen(p) + 1);
	}
	ok = ok && SHA256_Final(key, &ctx);
	return ok ? 0 : -EIO;
}

static void copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static void due_add(struct flood_due *due, const struct flood_slot *s, const struct timespec *now,
		    bool global)
{
	struct flood_slot *c;
	struct audit_event *ev;
	struct timespec t;

	if (due->n > FLOOD_SLOTS)
		return;
	c = &due->slot[due->n];
	ev = &due->ev[due->n];
	*c = *s;
	*ev = (struct audit_event)AUDIT_EVENT_INIT(AUDIT_EV_FLOOD);
	ev->time = *now;
	ev->context = "autoload";
	ev->count = c->suppressed;
	t = (struct timespec){c->first_sec, c->first_nsec};
	if (format_time(&t, due->first[due->n]) == 0)
		ev->first = due->first[due->n];
	t = (struct timespec){c->last_sec, c->last_nsec};
	if (format_time(&t, due->last[due->n]) == 0)
		ev->last = due->last[due->n];
	if (global) {
		ev->reason = "autoload denials over the global rate limit";
	} else {
#define SET(f) ev->f = c->f[0] ? c->f : NULL
		SET(op);
		SET(decision);
		SET(module);
		SET(requested);
		SET(reason);
		SET(requester);
#undef SET
	}
	due->n++;
}

static bool window_over(const struct flood_slot *s, const struct flood_limits *lim, int64_t now)
{
	return now < s->window_start || now - s->window_start >= (int64_t)lim->interval_s;
}

static void expire(struct flood_table *ft, const struct flood_limits *lim,
		   const struct timespec *now, struct flood_due *due)
{
	for (size_t i = 0; i <= FLOOD_SLOTS; i++) {
		struct flood_slot *s = &ft->slot[i];
		if (!s->used || !window_over(s, lim, now->tv_sec))
			continue;
		if (s->suppressed)
			due_add(due, s, now, i == 0);
		memset(s, 0, sizeof(*s));
	}
}

static void count_suppressed(struct flood_slot *s, const struct timespec *now)
{
	if (s->suppressed == 0) {
		s->first_sec = now->tv_sec;
		s->first_nsec = (int32_t)now->tv_nsec;
	}
	if (s->suppressed < UINT32_MAX)
		s->suppressed++;
	s->last_sec = now->tv_sec;
	s->last_nsec = (int32_t)now->tv_nsec;
}

static struct flood_slot *new_slot(struct flood_table *ft, const struct timespec *now,
				   struct flood_due *due)
{
	struct flood_slot *oldest = NULL;

	for (size_t i = 1; i <= FLOOD_SLOTS; i++) {
		struct flood_slot *s = &ft->slot[i];
		if (!s->used)
			return s;
		if (!oldest || s->window_start < oldest->window_start)
			oldest = s;
	}
	if (oldest->suppressed)
		due_add(due, oldest, now, false);
	memset(oldest, 0, sizeof(*oldest));
	return oldest;
}

static struct flood_slot *find_slot(struct flood_table *ft, const uint8_t key[32])
{
	for (size_t i = 1; i <= FLOOD_SLOTS; i++)
		if (ft->slot[i].used && memcmp(ft->slot[i].key, key, 32) == 0)
			return &ft->slot[i];
	return NULL;
}

static void fill_slot(struct flood_slot *s, const uint8_t key[32], const struct audit_event *ev,
		      const struct timespec *now)
{
	s->used = 1;
	memcpy(s->key, key, 32);
	s->window_start = now->tv_sec;
	copy_str(s->op, sizeof(s->op), ev->op);
	copy_str(s->decision, sizeof(s->decision), ev->decision);
	copy_str(s->module, FLOOD_STR, ev->module);
	copy_str(s->requested, FLOOD_STR, ev->requested);
	copy_str(s->reason, FLOOD_STR, ev->reason);
	copy_str(s->requester, FLOOD_STR, ev->requester);
}

int flood_decide(struct flood_table *ft, const struct flood_limits *lim,
		 const struct audit_event *ev, const struct timespec *now, struct flood_due *due,
		 bool *suppress)
{
	struct flood_slot *global = &ft->slot[0], *s;
	uint8_t key[32];
	int r;

	*suppress = false;
	expire(ft, lim, now, due);
	if (!ev || !flood_eligible(ev))
		return 0;
	if ((r = request_key(ev, key)) < 0)
		return r;
	if (!global->used) {
		global->used = 1;
		global->window_start = now->tv_sec;
	}
	s = find_slot(ft, key);
	if (global->recorded >= lim->global || (s && s->recorded >= lim->burst)) {
		count_suppressed(s ? s : global, now);
		*suppress = true;
		return 0;
	}
	if (!s) {
		s = new_slot(ft, now, due);
		fill_slot(s, key, ev, now);
	}
	s->recorded++;
	global->recorded++;
	return 0;
}
