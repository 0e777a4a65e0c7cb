// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * inspect_file(): a module file in, sealed bytes and validated facts out,
 * without parsing anything here (inspect/inspect.h has the steps).
 *
 * Why each privileged step is safe:
 *  - open: O_RDONLY, no controlling tty, O_NONBLOCK so a FIFO planted in a
 *    module tree cannot hang us; anything but a regular file is refused;
 *  - compression_detect: a fixed-size memcmp of at most 6 bytes we pread;
 *  - the uncompressed copy: sendfile of bytes we never look at, capped;
 *  - the memfd: created MFD_ALLOW_SEALING, written only by child A (which
 *    is reaped before sealing) or by our copy; then sealed against write,
 *    grow, shrink and further seal changes, and reopened read-only through
 *    /proc/self/fd, after which no writable descriptor to it exists anywhere
 *    (the kernel refuses finit_module with ETXTBSY otherwise);
 *  - replies: only through child_run_and_read() and inspect/reply.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/macros.h"
#include "inspect/inspect.h"
#include "inspect/reply.h"
#include "inspect/spawn.h"
#include "sandbox/decode.h"
#include "sandbox/libcapng-dl.h"
#include "sandbox/libseccomp-dl.h"
#include "sandbox/libz-dl.h"
#include "sandbox/roles.h"

#define ALL_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)
/* Decoder state, buffers and the reply, beyond what a child inherits. */
#define DECOMPRESS_HEADROOM (256ull << 20)
#define PARSE_HEADROOM	    (512ull << 20)

const struct inspect_limits inspect_default_limits = {
	.max_module_bytes = 512ull << 20,
	.timeout_ms = 30000,
};

static int fail(struct strbuf *err, int r, const char *fmt, ...) _printf_(3, 4);
static int fail(struct strbuf *err, int r, const char *fmt, ...)
{
	char tmp[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	strbuf_clear(err);
	strbuf_append_str(err, tmp);
	return r;
}

static unsigned int cpu_seconds(const struct inspect_limits *lim)
{
	return lim->timeout_ms / 1000 + 1;
}

/* Uncompressed module: the parent moves the bytes, looking at none. */
static int copy_capped(int fd, const struct stat *st, int memfd, uint64_t cap, struct strbuf *err)
{
	uint64_t total = 0;

	cap = MIN(cap, UINT64_MAX / 2); /* so cap + 1 below cannot wrap */
	if ((uint64_t)st->st_size > cap)
		return fail(err, -EFBIG, "module size %llu exceeds the cap of %llu bytes",
			    (unsigned long long)st->st_size, (unsigned long long)cap);
	for (;;) {
		off_t off = (off_t)total;
		/* one byte past the cap tells a file that grew meanwhile */
		uint64_t want = MIN(cap + 1 - total, (uint64_t)(1u << 30));
		ssize_t n = sendfile(memfd, fd, &off, (size_t)want);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(err, -errno, "cannot copy the module: %s", strerror(errno));
		if (n == 0)
			return 0;
		total += (uint64_t)n;
		if (total > cap)
			return fail(err, -EFBIG, "module size exceeds the cap of %llu bytes",
				    (unsigned long long)cap);
	}
}

static int child_error(const struct child_reply *rep, struct strbuf *err)
{
	if (rep->type == WIRE_MSG_ERROR)
		return reply_to_error(rep, err);
	return fail(err, -EPROTO, "invalid reply: unexpected message type %u", rep->type);
}

/* Child A: decompress fd into memfd; the size it claims is checked against
 * the memfd after sealing. */
static int run_decompress(int fd, const struct stat *st, int memfd, enum wire_compression kind,
			  const struct inspect_limits *lim, uint64_t *claimed, struct strbuf *err)
{
	struct decompress_job job = {.in_fd = fd,
				     .out_fd = memfd,
				     .cap = lim->max_module_bytes,
				     .in_size = st->st_size > 0 ? (uint64_t)st->st_size : 0};
	struct sandbox_params p = {
		.role = SANDBOX_ROLE_DECOMPRESS,
		.in_fds = &job.in_fd,
		.n_in_fds = 1,
		.out_fds = &job.out_fd,
		.n_out_fds = 1,
		.fsize_limit = lim->max_module_bytes,
		.as_headroom = DECOMPRESS_HEADROOM,
		.cpu_seconds = cpu_seconds(lim),
		.prepare = kind == WIRE_COMP_GZIP ? sandbox_gzip_prepare : NULL,
		.arg_len = sizeof(job),
	};
	struct child_reply rep;
	enum wire_compression got = WIRE_COMP_NONE;

	/* zlib is opened on first use, by the child before its filter; here
	 * first, so that a missing library is named where stderr is open. */
	if (kind == WIRE_COMP_GZIP && libz_load() < 0)
		return fail(err, -ELIBACC, "gzip: zlib could not be loaded");
	int r = child_run_and_read(&p, sandbox_decompress_run, &job, lim->timeout_ms, &rep, err);
	if (r < 0)
		return r;
	if (rep.type != WIRE_MSG_DECOMP)
		r = child_error(&rep, err);
	else
		r = reply_to_decomp(&rep, &got, claimed, err);
	child_reply_release(&rep);
	if (r == 0 && got != kind)
		r = fail(err, -EPROTO, "invalid reply: decompressor reports format %u, file is %u",
			 got, kind);
	if (r == 0 && *claimed > lim->max_module_bytes)
		r = fail(err, -EPROTO, "invalid reply: decompressed size beyond the cap");
	return r;
}

/* Seal, reopen read-only, close the writable descriptor, check. */
static int seal_and_reopen(int *memfd, int *ro_out, uint64_t *size, struct strbuf *err)
{
	char path[64];
	struct stat st_rw, st_ro;

	if (fcntl(*memfd, F_ADD_SEALS, ALL_SEALS) < 0)
		return fail(err, -errno, "cannot seal the module bytes: %s", strerror(errno));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", *memfd);
	_cleanup_close_ int ro = open(path, O_RDONLY | O_CLOEXEC);
	if (ro < 0)
		return fail(err, -errno, "cannot reopen the sealed bytes read-only: %s",
			    strerror(errno));
	if (fstat(*memfd, &st_rw) < 0 || fstat(ro, &st_ro) < 0)
		return fail(err, -errno, "cannot stat the sealed bytes: %s", strerror(errno));
	closep(memfd);
	*memfd = -1;
	if (st_rw.st_dev != st_ro.st_dev || st_rw.st_ino != st_ro.st_ino)
		return fail(err, -EBADF, "the reopened descriptor is not the sealed memfd");
	int seals = fcntl(ro, F_GET_SEALS);
	int mode = fcntl(ro, F_GETFL);
	if (seals < 0 || mode < 0 || (seals & ALL_SEALS) != ALL_SEALS ||
	    (mode & O_ACCMODE) != O_RDONLY)
		return fail(err, -EBADF, "the module bytes are not sealed read-only");
	*size = (uint64_t)st_ro.st_size;
	*ro_out = TAKE_FD(ro);
	return 0;
}

/* Child B: facts about exactly the sealed bytes. */
static int run_parse(int ro, uint64_t size, enum wire_scope scope, const struct inspect_limits *lim,
		     struct module_facts *facts, struct strbuf *err)
{
	struct parse_job job = {.fd = ro, .size = size, .scope = scope};
	struct sandbox_params p = {
		.role = SANDBOX_ROLE_PARSE,
		.in_fds = &job.fd,
		.n_in_fds = 1,
		.as_headroom = PARSE_HEADROOM + size,
		.cpu_seconds = cpu_seconds(lim),
		.prepare = sandbox_parse_prepare,
		.arg_len = sizeof(job),
	};
	struct child_reply rep;

	/* OpenSSL's lazy set-up (algorithm tables, error strings; our own
	 * constant data only, no module byte) done once and inherited by every
	 * child B, whose own call then returns at once: 0.4 ms a child. A
	 * zygote did it in itself; before there is one, it is done here (and
	 * a zygote started later inherits it). */
	int r = child_zygote_pid() > 0 ? 0 : decode_crypto_init();
	if (r < 0)
		return fail(err, r, "cannot initialise OpenSSL: %s", strerror(-r));
	r = child_run_and_read(&p, sandbox_parse_run, &job, lim->timeout_ms, &rep, err);
	if (r < 0)
		return r;
	if (rep.type != WIRE_MSG_FACTS)
		r = child_error(&rep, err);
	else
		r = reply_to_facts(&rep, facts, err);
	child_reply_release(&rep);
	/* The signed content is a prefix of the bytes the child was given. */
	if (r == 0 && facts->sig.content_len > size)
		r = fail(err, -EPROTO, "invalid reply: signed content length past the module end");
	/* Facts of what was asked, and of nothing else. */
	if (r == 0 && !module_facts_of_scope(facts, scope))
		r = fail(err, -EPROTO, "invalid reply: facts of another scope than asked");
	if (r < 0)
		module_facts_free(facts);
	return r;
}

/* Open, check it is a regular file, read the magic. */
static int open_module(int dirfd, const char *path, int *fd_out, struct stat *st,
		       enum wire_compression *kind, struct strbuf *err)
{
	uint8_t head[6];
	ssize_t n;

	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		return fail(err, -errno, "cannot open the module: %s", strerror(errno));
	if (fstat(fd, st) < 0)
		return fail(err, -errno, "cannot stat the module: %s", strerror(errno));
	if (!S_ISREG(st->st_mode))
		return fail(err, -EINVAL, "not a regular file");
	do
		n = pread(fd, head, sizeof(head), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return fail(err, -errno, "cannot read the module: %s", strerror(errno));
	*kind = compression_detect(head, (size_t)n);
	*fd_out = TAKE_FD(fd);
	return 0;
}

static int inspect_scoped(int dirfd, const char *path, enum wire_scope scope,
			  const struct inspect_limits *lim, struct inspected *out,
			  struct strbuf *err)
{
	enum wire_compression kind = WIRE_COMP_NONE;
	uint64_t claimed = 0, size = 0;
	_cleanup_close_ int fd = -1;
	_cleanup_close_ int memfd = -1;
	_cleanup_close_ int ro = -1;
	struct stat st;
	struct inspect_limits eff = lim ? *lim : inspect_default_limits;
	int r;

	*out = (struct inspected){.memfd_ro = -1};
	strbuf_clear(err);
	/* a zero means "the default", never "nothing allowed" or "no time" */
	if (!eff.max_module_bytes)
		eff.max_module_bytes = inspect_default_limits.max_module_bytes;
	if (!eff.timeout_ms)
		eff.timeout_ms = inspect_default_limits.timeout_ms;
	lim = &eff;
	r = open_module(dirfd, path, &fd, &st, &kind, err);
	if (r < 0)
		return r;
	memfd = memfd_create("modgate-module", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (memfd < 0)
		return fail(err, -errno, "cannot create a memfd: %s", strerror(errno));
	/* A memfd is created 0777: anyone who can name it in /proc could open it
	 * for writing (writes fail once sealed, but the open alone makes
	 * finit_module fail with ETXTBSY). Owner read-only leaves that to root.
	 * The syscall itself: fakeroot's fchmod() keeps owner write access. */
	if (syscall(SYS_fchmod, memfd, 0400) < 0)
		return fail(err, -errno, "cannot restrict the memfd: %s", strerror(errno));
	if (kind == WIRE_COMP_NONE)
		r = copy_capped(fd, &st, memfd, lim->max_module_bytes, err);
	else
		r = run_decompress(fd, &st, memfd, kind, lim, &claimed, err);
	if (r < 0)
		return r;
	closep(&fd);
	fd = -1;
	r = seal_and_reopen(&memfd, &ro, &size, err);
	if (r < 0)
		return r;
	if (kind != WIRE_COMP_NONE && size != claimed)
		return fail(err, -EPROTO,
			    "invalid reply: decompressor claims %llu bytes, the memfd holds %llu",
			    (unsigned long long)claimed, (unsigned long long)size);
	r = run_parse(ro, size, scope, lim, &out->facts, err);
	if (r < 0)
		return r;
	out->memfd_ro = TAKE_FD(ro);
	out->size = size;
	out->compression = kind;
	return 0;
}

int inspect_file(int dirfd, const char *path, const struct inspect_limits *lim,
		 struct inspected *out, struct strbuf *err)
{
	return inspect_scoped(dirfd, path, WIRE_SCOPE_MODULE, lim, out, err);
}

int inspect_signature(int dirfd, const char *path, const struct inspect_limits *lim,
		      struct inspected *out, struct strbuf *err)
{
	return inspect_scoped(dirfd, path, WIRE_SCOPE_SIGNATURE, lim, out, err);
}

int inspect_prepare(void)
{
	int r = libcapng_load();
	if (r == 0)
		r = libseccomp_load();
	if (r == 0)
		r = decode_crypto_init();
	return r;
}

void inspected_release(struct inspected *in)
{
	if (!in)
		return;
	closep(&in->memfd_ro);
	module_facts_free(&in->facts);
	*in = (struct inspected){.memfd_ro = -1};
}
