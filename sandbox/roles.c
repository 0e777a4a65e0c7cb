// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Role functions: the code a sandboxed child runs over untrusted bytes. Each
 * ends in exactly one reply; a failure is a WIRE_MSG_ERROR the parent can show,
 * not a silent exit.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "common/macros.h"
#include "sandbox/decode.h"
#include "sandbox/libz-dl.h"
#include "sandbox/roles.h"
#include "sandbox/wire.h"

static int send_error(int reply_fd, int err, const char *why)
{
	struct wire_writer w;
	int r;

	wire_writer_init(&w, WIRE_MSG_ERROR);
	wire_put_u32(&w, WT_ERR_ERRNO, (uint32_t)(err > 0 ? err : -err));
	wire_put_str(&w, WT_ERR_MESSAGE, why ? why : strerror(err > 0 ? err : -err));
	r = wire_send(&w, reply_fd);
	wire_writer_release(&w);
	return r;
}

int sandbox_decompress_run(void *arg, int reply_fd)
{
	const struct decompress_job *job = arg;
	enum wire_compression kind = WIRE_COMP_NONE;
	const char *why = NULL;
	struct wire_writer w;
	int r;

	int64_t n = decompress_fd(job->in_fd, job->in_size, job->out_fd, job->cap, &kind, &why);
	if (n < 0)
		return send_error(reply_fd, (int)n, why);
	wire_writer_init(&w, WIRE_MSG_DECOMP);
	wire_put_u32(&w, WT_DECOMP_KIND, (uint32_t)kind);
	wire_put_u64(&w, WT_DECOMP_SIZE, (uint64_t)n);
	r = wire_send(&w, reply_fd);
	wire_writer_release(&w);
	return r;
}

int sandbox_gzip_prepare(void *arg)
{
	(void)arg;
	return libz_load();
}

int sandbox_worker_prepare(void *arg)
{
	/* Any module of the tree may be gzip; without zlib, only those fail. */
	libz_load();
	return sandbox_parse_prepare(arg);
}

int sandbox_parse_prepare(void *arg)
{
	(void)arg;
	return decode_crypto_init();
}

int sandbox_parse_run(void *arg, int reply_fd)
{
	const struct parse_job *job = arg;
	const uint8_t *buf = (const uint8_t *)"";
	void *map = MAP_FAILED;
	const char *why = NULL;
	struct wire_writer w;
	int r;

	if (job->size > SIZE_MAX)
		return send_error(reply_fd, EFBIG, "module too large for this address space");
	if (job->size > 0) {
		/* Private and read-only: the memfd is sealed, and even a bug here
		 * cannot write through to the bytes the parent will load. */
		map = mmap(NULL, (size_t)job->size, PROT_READ, MAP_PRIVATE, job->fd, 0);
		if (map == MAP_FAILED)
			return send_error(reply_fd, errno, "cannot map the module bytes");
		buf = map;
	}
	wire_writer_init(&w, WIRE_MSG_FACTS);
	r = module_decode(buf, (size_t)job->size, (enum wire_scope)job->scope, &w, &why);
	if (r < 0) {
		wire_writer_release(&w);
		return send_error(reply_fd, r, why);
	}
	if (w.error) {
		int e = w.error;
		wire_writer_release(&w);
		return send_error(reply_fd, e, "the facts do not fit the wire protocol's limits");
	}
	r = wire_send(&w, reply_fd);
	wire_writer_release(&w);
	return r;
}
