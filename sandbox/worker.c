// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The reusable parse worker's loop (see worker.h). Runs sandboxed, with the
 * union of child A's and child B's syscalls and nothing more: read on its
 * inputs, write on the output memfd and the reply pipe, private read-only
 * mappings of its descriptors, memory management.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/macros.h"
#include "sandbox/decode.h"
#include "sandbox/wire.h"
#include "sandbox/worker.h"

static int send_error(int reply_fd, int err, const char *why)
{
	struct wire_writer w;
	int e = err < 0 ? -err : err;

	wire_writer_init(&w, WIRE_MSG_ERROR);
	wire_put_u32(&w, WT_ERR_ERRNO, (uint32_t)e);
	wire_put_str(&w, WT_ERR_MESSAGE, why ? why : strerror(e));
	int r = wire_send(&w, reply_fd);
	wire_writer_release(&w);
	return r;
}

/* Read exactly len bytes. 1: done; 0: end of input before any; -errno. */
static int read_all(int fd, void *dst, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, (char *)dst + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return got == 0 ? 0 : -EPIPE;
		got += (size_t)n;
	}
	return 1;
}

/* 1: a job; 0: end of input; -errno: a broken channel. */
static int next_job(int fd, struct worker_job *job)
{
	int r = read_all(fd, job, sizeof(*job));
	if (r <= 0)
		return r;
	return job->magic == WORKER_JOB_MAGIC ? 1 : -EPROTO;
}

/* An uncompressed module's bytes, from the job pipe into a buffer kept from
 * job to job (the largest module sets its size). */
static int receive(const struct worker_fds *f, uint64_t size, uint8_t **buf, size_t *cap)
{
	if (size > f->cap || size > SIZE_MAX)
		return -EFBIG;
	if (size > *cap) {
		uint8_t *nb = realloc(*buf, (size_t)size);
		if (!nb)
			return -ENOMEM;
		*buf = nb;
		*cap = (size_t)size;
	}
	int r = size ? read_all(f->job_fd, *buf, (size_t)size) : 1;
	return r == 1 ? 0 : r == 0 ? -EPIPE : r;
}

/* Does depmod use this modinfo string? Its key (up to the first '=', or the
 * whole string) is alias, softdep or weakdep: the parent's rule, restated. */
static bool depmod_modinfo(const char *kv, size_t len)
{
	static const char *const keys[] = {"alias", "softdep", "weakdep"};
	const char *eq = memchr(kv, '=', len);
	size_t keylen = eq ? (size_t)(eq - kv) : len;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (strlen(keys[i]) == keylen && memcmp(kv, keys[i], keylen) == 0)
			return true;
	return false;
}

/* Keep only what depmod reads (the ELF identity the protocol requires,
 * alias/softdep/weakdep strings, exports, needs): a reply a third of the
 * size, and a third of the parent's checking, for thousands of modules.
 * The fields stay as the decoder wrote them, in order. */
static void keep_depmod_fields(struct wire_writer *w)
{
	size_t in = sizeof(struct wire_header), out = in;
	while (in + sizeof(struct wire_field) <= w->len) {
		struct wire_field f;
		memcpy(&f, w->buf + in, sizeof(f));
		size_t total = sizeof(f) + f.len;
		bool keep;
		switch (f.tag) {
		case WT_ELF_CLASS:
		case WT_ELF_DATA:
		case WT_ELF_MACHINE:
		case WT_ELF_ABSENT:
		case WT_EXPORT:
		case WT_NEED:
			keep = true;
			break;
		case WT_MODINFO:
			keep = depmod_modinfo((const char *)w->buf + in + sizeof(f), f.len);
			break;
		default:
			keep = false;
		}
		if (keep) {
			memmove(w->buf + out, w->buf + in, total);
			out += total;
		}
		in += total;
	}
	w->len = out;
}

static int parse(const uint8_t *buf, size_t len, int reply_fd)
{
	struct wire_writer w;
	const char *why = NULL;

	wire_writer_init(&w, WIRE_MSG_FACTS);
	int r = module_decode(buf, len, WIRE_SCOPE_MODULE, &w, &why);
	if (r == 0 && w.error)
		r = w.error, why = "the facts do not fit the wire protocol's limits";
	if (r == 0)
		keep_depmod_fields(&w);
	r = r < 0 ? send_error(reply_fd, r, why) : wire_send(&w, reply_fd);
	wire_writer_release(&w);
	return r;
}

/* < 0 only when the channel broke (the worker then exits). */
static int one_job(const struct worker_fds *f, const struct worker_job *job, int reply_fd)
{
	static uint8_t *buf;
	static size_t cap;
	const char *why = NULL;

	if (job->kind == WIRE_COMP_NONE) {
		int r = receive(f, job->size, &buf, &cap);
		if (r < 0)
			return r;
		return parse(buf ? buf : (const uint8_t *)"", (size_t)job->size, reply_fd);
	}
	enum wire_compression kind;
	int64_t n = decompress_fd(f->in_fd, 0, f->out_fd, f->cap, &kind, &why);
	if (n < 0)
		return send_error(reply_fd, (int)n, why);
	uint64_t len = (uint64_t)n;
	if (len > SIZE_MAX)
		return send_error(reply_fd, EFBIG, "module too large for this address space");
	if (len == 0)
		return parse((const uint8_t *)"", 0, reply_fd);
	/* Private and read-only: nothing here can write through to a file. */
	void *map = mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, f->out_fd, 0);
	if (map == MAP_FAILED)
		return send_error(reply_fd, errno, "cannot map the module bytes");
	int r = parse(map, (size_t)len, reply_fd);
	munmap(map, (size_t)len);
	return r;
}

int sandbox_worker_run(void *arg, int reply_fd)
{
	const struct worker_fds *f = arg;
	struct worker_job job;
	int r;

	while ((r = next_job(f->job_fd, &job)) > 0) {
		r = one_job(f, &job, reply_fd);
		if (r < 0)
			return r;
	}
	return r;
}
