// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/reader.h"
#include "audit/trail.h"

/* Room for one maximal line, its newline, and a read's worth beyond. */
#define READER_BUF (2 * (JSON_LINE_MAX + 1))

void trail_files_free(struct trail_files *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->names[i]);
	free(f->names);
	free(f->first_seq);
	*f = (struct trail_files){0};
}

static int files_add(struct trail_files *f, const char *name, uint64_t seq)
{
	char **nn = realloc(f->names, (f->n + 1) * sizeof(*nn));
	if (!nn)
		return -ENOMEM;
	f->names = nn;
	uint64_t *ns = realloc(f->first_seq, (f->n + 1) * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	f->first_seq = ns;
	if (!(f->names[f->n] = strdup(name)))
		return -ENOMEM;
	f->first_seq[f->n++] = seq;
	return 0;
}

static int cmp_files(const void *a, const void *b, void *data)
{
	const struct trail_files *f = data;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	if (f->first_seq[i] != f->first_seq[j])
		return f->first_seq[i] < f->first_seq[j] ? -1 : 1;
	return strcmp(f->names[i], f->names[j]);
}

/* Sort names/first_seq together through an index permutation. */
static int files_sort(struct trail_files *f)
{
	if (f->n < 2)
		return 0;
	_cleanup_free_ size_t *idx = calloc(f->n, sizeof(*idx));
	_cleanup_free_ char **names = calloc(f->n, sizeof(*names));
	_cleanup_free_ uint64_t *seqs = calloc(f->n, sizeof(*seqs));

	if (!idx || !names || !seqs)
		return -ENOMEM;
	for (size_t i = 0; i < f->n; i++)
		idx[i] = i;
	qsort_r(idx, f->n, sizeof(*idx), cmp_files, f);
	for (size_t i = 0; i < f->n; i++) {
		names[i] = f->names[idx[i]];
		seqs[i] = f->first_seq[idx[i]];
	}
	memcpy(f->names, names, f->n * sizeof(*names));
	memcpy(f->first_seq, seqs, f->n * sizeof(*seqs));
	return 0;
}

static int list_dir(int dfd, bool segments, struct trail_files *out)
{
	int fd = openat(dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bool current = false;
	struct dirent *de;
	DIR *d;
	int r = 0;

	*out = (struct trail_files){0};
	if (fd < 0)
		return -errno;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return -errno;
	}
	while (r == 0 && (de = readdir(d))) {
		uint64_t seq;
		size_t n = strlen(de->d_name);
		if (segments) {
			if (n > 12 && strncmp(de->d_name, "early-", 6) == 0 &&
			    strcmp(de->d_name + n - 6, ".jsonl") == 0)
				r = files_add(out, de->d_name, 0);
		} else if (trail_parse_rotated_name(de->d_name, &seq)) {
			r = files_add(out, de->d_name, seq);
		} else if (streq(de->d_name, TRAIL_CURRENT)) {
			current = true;
		}
	}
	closedir(d);
	if (r == 0)
		r = files_sort(out);
	/* The current file follows every rotated one. */
	if (r == 0 && current)
		r = files_add(out, TRAIL_CURRENT, 0);
	if (r < 0)
		trail_files_free(out);
	return r;
}

int trail_files_list(int dfd, struct trail_files *out)
{
	return list_dir(dfd, false, out);
}

int trail_segments_list(int dfd, struct trail_files *out)
{
	return list_dir(dfd, true, out);
}

int line_reader_open(int dfd, const char *name, struct line_reader *lr)
{
	struct stat st;

	*lr = (struct line_reader){.fd = -1};
	lr->fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (lr->fd < 0)
		return -errno;
	if (fstat(lr->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		line_reader_close(lr);
		return -EINVAL;
	}
	if (!(lr->buf = malloc(READER_BUF))) {
		line_reader_close(lr);
		return -ENOMEM;
	}
	return 0;
}

void line_reader_close(struct line_reader *lr)
{
	closep(&lr->fd);
	lr->fd = -1;
	free(lr->buf);
	lr->buf = NULL;
}

static int fill(struct line_reader *lr)
{
	if (lr->start > 0) {
		memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
		lr->end -= lr->start;
		lr->start = 0;
	}
	while (!lr->eof && lr->end < READER_BUF) {
		ssize_t n = read(lr->fd, lr->buf + lr->end, READER_BUF - lr->end);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			lr->eof = true;
		lr->end += (size_t)n;
		if (memchr(lr->buf + lr->end - (size_t)n, '\n', (size_t)n))
			break;
	}
	return 0;
}

int line_reader_next(struct line_reader *lr, const char **line, size_t *len, bool *torn)
{
	for (;;) {
		char *nl = memchr(lr->buf + lr->start, '\n', lr->end - lr->start);
		size_t have = nl ? (size_t)(nl - (lr->buf + lr->start)) : lr->end - lr->start;
		int r;

		if (nl && lr->skipping) {
			lr->skipping = false;
			lr->start += have + 1;
			continue;
		}
		if (!nl && lr->skipping) {
			lr->start = lr->end;
		} else if (nl || (lr->eof && have > 0)) {
			if (have > JSON_LINE_MAX) {
				lr->lineno++;
				lr->skipping = !nl;
				lr->start += nl ? have + 1 : have;
				return -EMSGSIZE;
			}
			*line = lr->buf + lr->start;
			*len = have;
			*torn = !nl;
			lr->start += nl ? have + 1 : have;
			lr->lineno++;
			return 1;
		} else if (have > JSON_LINE_MAX) {
			lr->lineno++;
			lr->skipping = true;
			lr->start = lr->end;
			return -EMSGSIZE;
		}
		if (lr->eof && lr->start == lr->end)
			return 0;
		if ((r = fill(lr)) < 0)
			return r;
		if (lr->eof && lr->start == lr->end)
			return 0;
	}
}

struct walker {
	int dfd;
	int (*cb)(const struct walk_record *rec, void *data);
	void *data;
};

static int walk_file(struct walker *w, const char *name, const char *segment_file);

static int walk_line(struct walker *w, struct walk_record *rec, const char *segment_file)
{
	struct json_object obj;
	int r;

	rec->obj = NULL;
	if (json_parse_object(rec->raw, rec->raw_len, &obj, &rec->err) == 0)
		rec->obj = &obj;
	/* A carried segment's records happened before its carry record. */
	if (rec->obj && !segment_file && streq(json_get_str(rec->obj, "type"), "trail-carry")) {
		const char *f = json_get_str(rec->obj, "file");
		if (f && strncmp(f, "early-", 6) == 0 && !strchr(f, '/') &&
		    (r = walk_file(w, f, f)) != 0) {
			json_object_clear(&obj);
			return r;
		}
	}
	r = w->cb(rec, w->data);
	if (rec->obj)
		json_object_clear(&obj);
	rec->obj = NULL;
	return r;
}

static int walk_file(struct walker *w, const char *name, const char *segment_file)
{
	struct line_reader lr;
	int r = line_reader_open(w->dfd, name, &lr);

	if (r == -ENOENT && segment_file)
		return 0; /* `audit verify` reports it; show what there is */
	if (r < 0)
		return r;
	for (;;) {
		struct walk_record rec = {.file = name, .segment_file = segment_file};
		r = line_reader_next(&lr, &rec.raw, &rec.raw_len, &rec.torn);
		if (r == 0)
			break;
		rec.line = lr.lineno;
		if (r == -EMSGSIZE) {
			rec.too_long = true;
			rec.raw = "";
			rec.raw_len = 0;
			r = w->cb(&rec, w->data);
		} else if (r > 0) {
			r = walk_line(w, &rec, segment_file);
		}
		if (r != 0)
			break;
	}
	line_reader_close(&lr);
	return r;
}

int trail_walk(int dfd, int (*cb)(const struct walk_record *rec, void *data), void *data)
{
	struct walker w = {dfd, cb, data};
	struct trail_files files;
	int r = trail_files_list(dfd, &files);

	for (size_t i = 0; r == 0 && i < files.n; i++)
		r = walk_file(&w, files.names[i], NULL);
	trail_files_free(&files);
	return r;
}
