// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/json.h"
#include "audit/record.h"
#include "audit/trail.h"
#include "common/fileio.h"

/* Opening with O_NONBLOCK keeps a FIFO planted at the path from blocking
 * the gate; every file is then checked to be a regular one we own. */
#define OPEN_FLAGS (O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)

static int check_owned(int fd, bool dir)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode))
		return dir ? -ENOTDIR : -EINVAL;
	if (st.st_uid != geteuid())
		return -EPERM;
	if (dir && (st.st_mode & 022))
		return -EPERM;
	/* Our own file with a loose mode (an admin's chmod): tighten it. */
	if (!dir && (st.st_mode & 077) && fchmod(fd, 0600) < 0)
		return -errno;
	return 0;
}

static int open_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0 && errno == ENOENT) {
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -errno;
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	}
	if (fd < 0)
		return -errno;
	int r = check_owned(fd, true);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

static int open_file(int dfd, const char *name, int flags)
{
	int fd = openat(dfd, name, flags | OPEN_FLAGS, 0600);

	if (fd < 0)
		return -errno;
	int r = check_owned(fd, false);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

static int take_lock(int dfd)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	int fd = open_file(dfd, TRAIL_LOCK, O_RDWR | O_CREAT);

	if (fd < 0)
		return fd;
	while (fcntl(fd, F_OFD_SETLKW, &fl) < 0) {
		if (errno != EINTR) {
			int r = -errno;
			close(fd);
			return r;
		}
	}
	return fd;
}

static int pread_full(int fd, char *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, buf + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO;
		done += (size_t)n;
	}
	return 0;
}

/* seq (and type, segment) of a complete line, validated as a record header. */
static int line_info(const char *line, size_t len, struct trail_tail *tl)
{
	struct json_object obj;
	struct json_error err;
	const struct json_member *m, *n;
	const char *type, *seg;

	if (json_parse_object(line, len, &obj, &err) < 0)
		return -EBADMSG;
	m = json_get(&obj, "seq");
	type = json_get_str(&obj, "type");
	int r = m && m->kind == JSON_INT && m->num > 0 &&
				is_sha256_hex(json_get_str(&obj, "prev")) && type
			? 0
			: -EBADMSG;
	if (r == 0) {
		tl->seq = (uint64_t)m->num;
		snprintf(tl->type, sizeof(tl->type), "%s", type);
		seg = json_get_str(&obj, "segment");
		snprintf(tl->segment, sizeof(tl->segment), "%s", seg ? seg : "");
		n = json_get(&obj, "segment_records");
		tl->segment_records = n && n->kind == JSON_INT && n->num > 0 ? (uint64_t)n->num : 0;
	}
	json_object_clear(&obj);
	return r;
}

static int line_seq(const char *line, size_t len, uint64_t *seq)
{
	struct trail_tail tl;
	int r = line_info(line, len, &tl);

	if (r == 0)
		*seq = tl.seq;
	return r;
}

/* The last complete line ends at buf[end - 1] == '\n'. */
static int last_line_info(const char *buf, size_t end, bool whole, struct trail_tail *tl)
{
	size_t start = end - 1;

	while (start > 0 && buf[start - 1] != '\n')
		start--;
	if (start == 0 && !whole)
		return -EBADMSG; /* longer than any line the writer produces */
	return line_info(buf + start, end - 1 - start, tl);
}

static int read_tail(int fd, uint64_t size, struct trail_tail *tl)
{
	const size_t window = 2 * (JSON_LINE_MAX + 1);
	size_t w = size < window ? (size_t)size : window;
	_cleanup_free_ char *buf = NULL;
	int r;

	memset(tl, 0, sizeof(*tl));
	if (size == 0) {
		tl->empty = true;
		return 0;
	}
	if (!(buf = malloc(w)))
		return -ENOMEM;
	if ((r = pread_full(fd, buf, w, size - w)) < 0)
		return r;
	size_t end = w;
	if (buf[w - 1] != '\n') {
		tl->torn = true;
		while (end > 0 && buf[end - 1] != '\n')
			end--;
		if (end == 0 && w < size)
			return -EBADMSG;
		tl->torn_len = w - end;
		if ((r = sha256_hex(buf + end, w - end, tl->hash)) < 0)
			return r;
		/* A torn first line: the chain restarts after it at seq 1. */
		return end == 0 ? 0 : last_line_info(buf, end, w == size, tl);
	}
	size_t start = end - 1;
	while (start > 0 && buf[start - 1] != '\n')
		start--;
	if ((r = sha256_hex(buf + start, end - 1 - start, tl->hash)) < 0)
		return r;
	return last_line_info(buf, end, w == size, tl);
}

/* The segment id from an early file's first record. */
static int read_segment(int fd, uint64_t size, char out[SEGMENT_ID_LEN + 1])
{
	size_t w = size < JSON_LINE_MAX + 1 ? (size_t)size : JSON_LINE_MAX + 1;
	_cleanup_free_ char *buf = malloc(w ? w : 1);
	struct json_object obj;
	struct json_error err;
	int r;

	if (!buf)
		return -ENOMEM;
	if ((r = pread_full(fd, buf, w, 0)) < 0)
		return r;
	char *nl = memchr(buf, '\n', w);
	if (!nl || json_parse_object(buf, (size_t)(nl - buf), &obj, &err) < 0)
		return -EBADMSG;
	const char *seg = json_get_str(&obj, "segment");
	r = seg && strlen(seg) == SEGMENT_ID_LEN &&
			    strspn(seg, "0123456789abcdef") == SEGMENT_ID_LEN
		    ? 0
		    : -EBADMSG;
	if (r == 0)
		memcpy(out, seg, SEGMENT_ID_LEN + 1);
	json_object_clear(&obj);
	return r;
}

int trail_rotated_name(uint64_t first_seq, char *buf, size_t size)
{
	int n = snprintf(buf, size, "trail-%012llu.jsonl", (unsigned long long)first_seq);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

bool trail_parse_rotated_name(const char *name, uint64_t *seq)
{
	size_t n = strlen(name), digits;
	uint64_t v = 0;

	if (n < 12 || strncmp(name, "trail-", 6) != 0 || strcmp(name + n - 6, ".jsonl") != 0)
		return false;
	digits = n - 12;
	if (digits < 12 || digits > 19)
		return false;
	for (size_t i = 6; i < n - 6; i++) {
		if (name[i] < '0' || name[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(name[i] - '0');
	}
	*seq = v;
	return v > 0;
}

int trail_last_rotated(int dfd, uint64_t *seq)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *de;
	uint64_t s;

	if (fd < 0)
		return -errno;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return -errno;
	}
	*seq = 0;
	while ((de = readdir(d)))
		if (trail_parse_rotated_name(de->d_name, &s) && s > *seq)
			*seq = s;
	closedir(d);
	return 0;
}

/* An empty main file continues from the newest rotated one, if any. */
static int continue_from_rotated(struct trail *t)
{
	uint64_t first;
	char name[64];
	struct stat st;
	int r = trail_last_rotated(t->dfd, &first);

	if (r < 0 || first == 0)
		return r;
	if ((r = trail_rotated_name(first, name, sizeof(name))) < 0)
		return r;
	int fd = open_file(t->dfd, name, O_RDONLY);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if ((r = read_tail(fd, (uint64_t)st.st_size, &t->tail)) == 0 &&
		 (t->tail.empty || t->tail.torn))
		r = -EBADMSG;
	close(fd);
	if (r == 0) {
		t->tail.empty = true;
		snprintf(t->from_file, sizeof(t->from_file), "%s", name);
	}
	return r;
}

static int new_segment_id(char out[SEGMENT_ID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[SEGMENT_ID_LEN / 2];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return -EIO;
	for (size_t i = 0; i < sizeof(b); i++) {
		out[2 * i] = hex[b[i] >> 4];
		out[2 * i + 1] = hex[b[i] & 15];
	}
	out[SEGMENT_ID_LEN] = '\0';
	return 0;
}

static int open_current(struct trail *t)
{
	struct stat st;
	int r;

	t->fd = open_file(t->dfd, TRAIL_CURRENT, O_RDWR | O_APPEND | O_CREAT);
	if (t->fd < 0)
		return t->fd;
	if (fstat(t->fd, &st) < 0)
		return -errno;
	t->size = (uint64_t)st.st_size;
	t->from_file[0] = '\0';
	if ((r = read_tail(t->fd, t->size, &t->tail)) < 0)
		return r;
	if (t->early)
		return t->tail.empty ? new_segment_id(t->segment)
				     : read_segment(t->fd, t->size, t->segment);
	return t->tail.empty ? continue_from_rotated(t) : 0;
}

int trail_open(const char *dir, bool early, struct trail *t)
{
	int r;

	*t = (struct trail)TRAIL_INIT;
	t->early = early;
	t->rotate_bytes = early ? 0 : TRAIL_ROTATE_DEFAULT;
	if ((t->dfd = open_dir(dir)) < 0)
		r = t->dfd;
	else if ((t->lock_fd = take_lock(t->dfd)) < 0)
		r = t->lock_fd;
	else
		r = open_current(t);
	if (r < 0)
		trail_close(t);
	return r;
}

void trail_close(struct trail *t)
{
	/* Closing the lock's only file description releases the OFD lock. */
	closep(&t->fd);
	closep(&t->lock_fd);
	closep(&t->dfd);
	t->fd = t->lock_fd = t->dfd = -1;
}

/* Append one formatted line to buf, advancing the chain. */
static int chain_line(struct strbuf *buf, struct audit_event *ev, uint64_t *seq, char *prev,
		      struct strbuf *line)
{
	int r;

	if (ev->time.tv_sec == 0 && ev->time.tv_nsec == 0)
		clock_gettime(CLOCK_REALTIME, &ev->time);
	if (__builtin_add_overflow(*seq, 1, seq))
		return -EOVERFLOW;
	if ((r = record_format(ev, *seq, prev, line)) < 0)
		return r;
	if ((r = sha256_hex(line->buf, line->len, prev)) < 0)
		return r;
	if ((r = strbuf_append(buf, line->buf, line->len)) < 0)
		return r;
	return strbuf_append_char(buf, '\n');
}

/* The record a file needs before any event: start, rotate or recover. */
static int lead_record(struct trail *t, struct strbuf *buf, uint64_t *seq, char *prev,
		       struct strbuf *line)
{
	char torn[32];
	struct audit_event ev = AUDIT_EVENT_INIT(AUDIT_EV_TRAIL_START);

	if (t->tail.torn) {
		int r = strbuf_append_char(buf, '\n');
		if (r < 0)
			return r;
		ev.type = AUDIT_EV_TRAIL_RECOVER;
		ev.count = t->tail.torn_len;
		snprintf(torn, sizeof(torn), "torn line of %llu bytes",
			 (unsigned long long)t->tail.torn_len);
		ev.reason = torn;
	} else if (!t->tail.empty) {
		return 0;
	} else if (t->from_file[0]) {
		ev.type = AUDIT_EV_TRAIL_ROTATE;
		ev.file = t->from_file;
	} else {
		*seq = 0;
		memcpy(prev, CHAIN_ZERO, SHA256_HEX_LEN + 1);
	}
	if (t->early && ev.type == AUDIT_EV_TRAIL_START)
		ev.segment = t->segment;
	return chain_line(buf, &ev, seq, prev, line);
}

int trail_append(struct trail *t, const struct audit_event *const *evs, size_t n,
		 struct trail_anchor *anchors)
{
	_cleanup_strbuf_ struct strbuf buf = STRBUF_INIT, line = STRBUF_INIT;
	char prev[SHA256_HEX_LEN + 1];
	uint64_t seq;
	bool created;
	int r = 0;

	if (t->rotate_bytes && t->size >= t->rotate_bytes && !t->tail.torn && !t->tail.empty &&
	    (r = trail_rotate(t)) < 0)
		return r;
	seq = t->tail.seq;
	created = t->size == 0;
	memcpy(prev, t->tail.hash, sizeof(prev));
	if (t->tail.empty && !t->from_file[0])
		memcpy(prev, CHAIN_ZERO, sizeof(prev));
	r = lead_record(t, &buf, &seq, prev, &line);
	for (size_t i = 0; r == 0 && i < n; i++) {
		struct audit_event ev = *evs[i];
		r = chain_line(&buf, &ev, &seq, prev, &line);
		if (r == 0 && anchors) {
			anchors[i].seq = seq;
			memcpy(anchors[i].hash, prev, sizeof(prev));
			snprintf(anchors[i].segment, sizeof(anchors[i].segment), "%s",
				 t->early ? t->segment : "");
		}
	}
	if (r < 0 || buf.len == 0)
		return r;
	if ((r = write_all(t->fd, buf.buf, buf.len)) < 0)
		return r;
	if (fdatasync(t->fd) < 0 || (created && fsync(t->dfd) < 0))
		return -errno;
	t->size += buf.len;
	t->tail = (struct trail_tail){.seq = seq};
	memcpy(t->tail.hash, prev, sizeof(prev));
	if (n > 0) {
		const struct audit_event *e = evs[n - 1];
		snprintf(t->tail.type, sizeof(t->tail.type), "%s", audit_event_type_name(e->type));
		snprintf(t->tail.segment, sizeof(t->tail.segment), "%s",
			 e->segment ? e->segment : "");
		t->tail.segment_records = e->segment_records;
	}
	t->from_file[0] = '\0';
	return 0;
}

static int first_seq(int fd, uint64_t size, uint64_t *seq)
{
	size_t w = size < JSON_LINE_MAX + 1 ? (size_t)size : JSON_LINE_MAX + 1;
	_cleanup_free_ char *buf = malloc(w ? w : 1);
	int r;

	if (!buf)
		return -ENOMEM;
	if ((r = pread_full(fd, buf, w, 0)) < 0)
		return r;
	char *nl = memchr(buf, '\n', w);
	return nl ? line_seq(buf, (size_t)(nl - buf), seq) : -EBADMSG;
}

int trail_rotate(struct trail *t)
{
	char name[64];
	uint64_t first = 0;
	int r;

	if (t->early || t->tail.empty || t->tail.torn)
		return -EINVAL;
	if ((r = first_seq(t->fd, t->size, &first)) < 0 ||
	    (r = trail_rotated_name(first, name, sizeof(name))) < 0)
		return r;
	if (renameat2(t->dfd, TRAIL_CURRENT, t->dfd, name, RENAME_NOREPLACE) < 0 ||
	    fsync(t->dfd) < 0)
		return -errno;
	closep(&t->fd);
	t->fd = open_file(t->dfd, TRAIL_CURRENT, O_RDWR | O_APPEND | O_CREAT);
	if (t->fd < 0)
		return t->fd;
	/* The new file opens with a trail-rotate record chained to the old
	 * file's last line, so it is never empty and never unchained. */
	t->size = 0;
	t->tail.empty = true;
	snprintf(t->from_file, sizeof(t->from_file), "%s", name);
	return trail_append(t, NULL, 0, NULL);
}
