// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Decompression of module files (zstd, xz, gzip). Runs only in child A, the
 * sandboxed decompressor: the input is untrusted and the libraries are big
 * parsers. Output goes to a file descriptor (the parent's memfd) and is
 * capped by us, byte by byte: a decoder's memory limit bounds its working
 * set, not its output, so a few KiB of input can otherwise expand to GiBs.
 * Every decoder runs single-threaded (the seccomp filter allows no clone).
 */
#include <errno.h>
#include <lzma.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "common/fileio.h"
#include "common/macros.h"
#include "sandbox/decode.h"
#include "sandbox/libz-dl.h"

/* xz -9 needs 65 MiB to decode; nothing Kbuild produces needs more. */
#define XZ_MEMLIMIT (96ull << 20)
/* 128 MiB windows: zstd's own default ceiling, spelled out so a library
 * update cannot raise it. */
#define ZSTD_WINDOWLOG_MAX 27
#define IN_CHUNK	   (32u << 10)
#define OUT_CHUNK	   (32u << 10)

struct magic {
	enum wire_compression kind;
	uint8_t len;
	uint8_t bytes[6];
};

static const struct magic magics[] = {
	{WIRE_COMP_ZSTD, 4, {0x28, 0xb5, 0x2f, 0xfd}},
	{WIRE_COMP_XZ, 6, {0xfd, '7', 'z', 'X', 'Z', 0x00}},
	{WIRE_COMP_GZIP, 2, {0x1f, 0x8b}},
};

enum wire_compression compression_detect(const uint8_t *head, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(magics); i++)
		if (len >= magics[i].len && memcmp(head, magics[i].bytes, magics[i].len) == 0)
			return magics[i].kind;
	return WIRE_COMP_NONE;
}

/* Messages that carry a number or a library's text. The child is
 * single-threaded and sends the message before the next call. */
static char why_buf[160];

static const char *why_fmt(const char *fmt, ...) _printf_(1, 2);
static const char *why_fmt(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why_buf, sizeof(why_buf), fmt, ap);
	va_end(ap);
	return why_buf;
}

/* Output sink with the cap: everything a decoder produces passes here. */
struct sink {
	int fd;
	uint64_t cap, written;
	const char **why;
};

static int sink_write(struct sink *s, const uint8_t *buf, size_t len)
{
	if (len > s->cap - s->written) {
		*s->why = why_fmt("decompressed size exceeds the cap of %llu bytes",
				  (unsigned long long)s->cap);
		return -EFBIG;
	}
	int r = write_all(s->fd, buf, len);
	if (r < 0) {
		*s->why = why_fmt("cannot write the decompressed bytes: %s", strerror(-r));
		return r;
	}
	s->written += len;
	return 0;
}

/* The input: the whole file mapped when the caller knows its size (one
 * mapping, populated at once: no copies into a buffer, no faults on it), or
 * read in chunks into buf. */
struct source {
	int fd;
	uint8_t *buf;
	const uint8_t *map;
	size_t map_len;
	bool map_given;
	const char **why;
};

/* The next piece of input in *p and its length; 0 at the end; -errno. */
static ssize_t source_next(struct source *src, const uint8_t **p)
{
	if (src->map) {
		if (src->map_given)
			return 0;
		src->map_given = true;
		*p = src->map;
		return (ssize_t)src->map_len;
	}
	for (;;) {
		ssize_t n = read(src->fd, src->buf, IN_CHUNK);
		if (n >= 0) {
			*p = src->buf;
			return n;
		}
		if (errno != EINTR) {
			int e = errno;
			*src->why = why_fmt("cannot read the compressed file: %s", strerror(e));
			return -e;
		}
	}
}

static int zstd_run(ZSTD_DCtx *dc, struct source *src, struct sink *s, uint8_t *out)
{
	size_t last = 1; /* ZSTD_decompressStream's hint; 0 = a frame just ended */
	ZSTD_inBuffer ib = {NULL, 0, 0};
	bool any = false, out_full = false;

	for (;;) {
		/* A full output buffer may leave output inside the decoder: drain
		 * it before asking for input, or the end of input looks early. */
		if (ib.pos == ib.size && !out_full) {
			const uint8_t *p;
			ssize_t n = source_next(src, &p);
			if (n < 0)
				return (int)n;
			if (n == 0)
				break;
			ib = (ZSTD_inBuffer){p, (size_t)n, 0};
			any = true;
		}
		ZSTD_outBuffer ob = {out, OUT_CHUNK, 0};
		last = ZSTD_decompressStream(dc, &ob, &ib);
		if (ZSTD_isError(last)) {
			if (ZSTD_getErrorCode(last) == ZSTD_error_frameParameter_windowTooLarge)
				*s->why = why_fmt("zstd: window larger than the limit of %u MiB",
						  1u << (ZSTD_WINDOWLOG_MAX - 20));
			else
				*s->why = why_fmt("zstd: %s", ZSTD_getErrorName(last));
			return ZSTD_getErrorCode(last) == ZSTD_error_memory_allocation ? -ENOMEM
										       : -EINVAL;
		}
		out_full = ob.pos == ob.size && last != 0;
		int r = sink_write(s, out, ob.pos);
		if (r < 0)
			return r;
	}
	/* Input ended: fine only between frames. */
	if (!any || last != 0) {
		*s->why = "truncated zstd stream";
		return -EINVAL;
	}
	return 0;
}

static int decompress_zstd(struct source *src, struct sink *s, uint8_t *out)
{
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	if (!dc) {
		*s->why = "zstd: out of memory";
		return -ENOMEM;
	}
	int r = 0;
	if (ZSTD_isError(ZSTD_DCtx_setParameter(dc, ZSTD_d_windowLogMax, ZSTD_WINDOWLOG_MAX))) {
		*s->why = "zstd: cannot set the window limit";
		r = -EINVAL;
	} else {
		r = zstd_run(dc, src, s, out);
	}
	ZSTD_freeDCtx(dc);
	return r;
}

static int xz_error(lzma_ret ret, const char **why)
{
	switch (ret) {
	case LZMA_MEM_ERROR:
		*why = "xz: out of memory";
		return -ENOMEM;
	case LZMA_MEMLIMIT_ERROR:
		*why = why_fmt("xz: decoder needs more than the limit of %llu MiB",
			       (unsigned long long)(XZ_MEMLIMIT >> 20));
		return -ENOMEM;
	case LZMA_FORMAT_ERROR:
		*why = "xz: not an xz stream";
		return -EINVAL;
	case LZMA_OPTIONS_ERROR:
		*why = "xz: unsupported compression options";
		return -EINVAL;
	case LZMA_DATA_ERROR:
		*why = "xz: corrupt data";
		return -EINVAL;
	case LZMA_BUF_ERROR:
		*why = "truncated xz stream";
		return -EINVAL;
	default:
		*why = why_fmt("xz: decoder error %d", (int)ret);
		return -EINVAL;
	}
}

static int decompress_xz(struct source *src, struct sink *s, uint8_t *out)
{
	lzma_stream st = LZMA_STREAM_INIT;
	lzma_action action = LZMA_RUN;
	/* CONCATENATED as kmod does: several streams and stream padding are valid
	 * xz; LZMA_FINISH at EOF then tells truncation from a clean end. */
	lzma_ret ret = lzma_stream_decoder(&st, XZ_MEMLIMIT, LZMA_CONCATENATED);
	int r = 0;

	if (ret != LZMA_OK)
		return xz_error(ret, s->why);
	for (;;) {
		if (st.avail_in == 0 && action == LZMA_RUN) {
			const uint8_t *p;
			ssize_t n = source_next(src, &p);
			if (n < 0) {
				r = (int)n;
				break;
			}
			st.next_in = p;
			st.avail_in = (size_t)n;
			if (n == 0)
				action = LZMA_FINISH;
		}
		st.next_out = out;
		st.avail_out = OUT_CHUNK;
		ret = lzma_code(&st, action);
		r = sink_write(s, out, OUT_CHUNK - st.avail_out);
		if (r < 0 || ret == LZMA_STREAM_END)
			break;
		if (ret != LZMA_OK) {
			r = xz_error(ret, s->why);
			break;
		}
	}
	lzma_end(&st);
	return r;
}

static int gzip_error(int zr, const z_stream *zs, const char **why)
{
	if (zr == Z_MEM_ERROR) {
		*why = "gzip: out of memory";
		return -ENOMEM;
	}
	*why = why_fmt("gzip: %s", zs->msg ? zs->msg : "corrupt data");
	return -EINVAL;
}

/* One gzip member after another, as gzip(1) writes them with `cat a.gz b.gz`;
 * anything after the last member that is not another member is refused. */
static int gzip_run(z_stream *zs, struct source *src, struct sink *s, uint8_t *out)
{
	bool in_member = true, out_full = false;

	for (;;) {
		if (zs->avail_in == 0 && !out_full) {
			const uint8_t *p;
			ssize_t n = source_next(src, &p);
			if (n < 0)
				return (int)n;
			if (n == 0)
				break;
			/* zlib only reads through next_in (const without ZLIB_CONST) */
			zs->next_in = (Bytef *)(uintptr_t)p;
			zs->avail_in = (uInt)n;
		}
		if (!in_member) {
			if (zs->avail_in == 0)
				continue; /* drained; read on */
			if (zs->next_in[0] != 0x1f) {
				*s->why = "gzip: trailing data after the stream";
				return -EINVAL;
			}
			libz.inflateReset(zs);
			in_member = true;
		}
		zs->next_out = out;
		zs->avail_out = OUT_CHUNK;
		int zr = libz.inflate(zs, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
			return gzip_error(zr, zs, s->why);
		out_full = zs->avail_out == 0 && zr != Z_STREAM_END;
		int r = sink_write(s, out, OUT_CHUNK - zs->avail_out);
		if (r < 0)
			return r;
		if (zr == Z_STREAM_END)
			in_member = false;
	}
	if (in_member) {
		*s->why = "truncated gzip stream";
		return -EINVAL;
	}
	return 0;
}

static int decompress_gzip(struct source *src, struct sink *s, uint8_t *out)
{
	z_stream zs = {0};
	/* Never opened here: past the filter, that would be a SIGSYS. */
	if (!libz_loaded()) {
		*s->why = "gzip: zlib was not loaded before the sandbox";
		return -ELIBACC;
	}
	/* 16 + 15: gzip wrapper only (no raw zlib), 32 KiB window, the maximum. */
	int zr = libz_inflate_init2(&zs, 16 + MAX_WBITS);
	if (zr != Z_OK)
		return gzip_error(zr, &zs, s->why);
	int r = gzip_run(&zs, src, s, out);
	libz.inflateEnd(&zs);
	return r;
}

int64_t decompress_fd(int in_fd, uint64_t in_size, int out_fd, uint64_t cap,
		      enum wire_compression *kind, const char **why)
{
	static uint8_t in[IN_CHUNK], out[OUT_CHUNK];
	struct sink s = {.fd = out_fd, .cap = cap, .why = why};
	struct source src = {.fd = in_fd, .buf = in, .why = why};
	uint8_t head[6];
	ssize_t n;
	int r;

	*why = NULL;
	/* pread: the descriptor's offset stays at 0 for the decoder's reads. */
	do
		n = pread(in_fd, head, sizeof(head), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		int e = errno;
		*why = why_fmt("cannot read the compressed file: %s", strerror(e));
		return -e;
	}
	*kind = compression_detect(head, (size_t)n);
	/* Mapped, not read, when the size is known: private and read-only, so
	 * nothing reaches the file. Any failure (the address-space limit, a file
	 * that cannot be mapped) leaves the read path. A file cut shorter after
	 * the parent's fstat makes the access past its end a SIGBUS: the child
	 * dies and the parent reports that, as for any short input. */
	if (*kind != WIRE_COMP_NONE && in_size > 0 && in_size <= SIZE_MAX) {
		void *map = mmap(NULL, (size_t)in_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE,
				 in_fd, 0);
		if (map != MAP_FAILED) {
			src.map = map;
			src.map_len = (size_t)in_size;
		}
	}
	switch (*kind) {
	case WIRE_COMP_ZSTD:
		r = decompress_zstd(&src, &s, out);
		break;
	case WIRE_COMP_XZ:
		r = decompress_xz(&src, &s, out);
		break;
	case WIRE_COMP_GZIP:
		r = decompress_gzip(&src, &s, out);
		break;
	default:
		*why = "unknown compression format";
		return -EINVAL;
	}
	if (src.map)
		munmap((void *)(uintptr_t)src.map, src.map_len);
	if (r < 0)
		return r;
	return (int64_t)s.written;
}
