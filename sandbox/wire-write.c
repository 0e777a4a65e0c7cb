// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The child side of the wire protocol (format in sandbox/wire.h).
 *
 * The writer refuses what the parent would refuse (an oversized message or
 * string, a NUL inside a string) so that a child with a bug fails with a clear
 * error of its own instead of sending a reply the parent throws away.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/macros.h"
#include "sandbox/wire.h"

#define WIRE_HEADER_SIZE sizeof(struct wire_header)

void wire_writer_init(struct wire_writer *w, enum wire_type type)
{
	*w = (struct wire_writer){.type = (uint32_t)type};
}

void wire_writer_release(struct wire_writer *w)
{
	free(w->buf);
	*w = (struct wire_writer){.type = w->type};
}

static void wire_fail(struct wire_writer *w, int err)
{
	if (!w->error)
		w->error = err;
}

/* Make room for `extra` more bytes. The header's space is reserved at the
 * front so that wire_send() writes one contiguous buffer. */
static int wire_reserve(struct wire_writer *w, size_t extra)
{
	size_t need;

	if (w->error)
		return w->error;
	if (!w->buf)
		w->len = WIRE_HEADER_SIZE;
	if (size_add_overflow(w->len, extra, &need) || need - WIRE_HEADER_SIZE > WIRE_MAX_MESSAGE) {
		wire_fail(w, -E2BIG);
		return w->error;
	}
	if (need <= w->cap && w->buf)
		return 0;

	size_t ncap = w->cap ? w->cap : 4096;
	while (ncap < need)
		ncap *= 2; /* bounded: need <= WIRE_MAX_MESSAGE + header */
	uint8_t *nb = realloc(w->buf, ncap);
	if (!nb) {
		wire_fail(w, -ENOMEM);
		return w->error;
	}
	w->buf = nb;
	w->cap = ncap;
	return 0;
}

/* Append one field made of up to two parts (a fixed prefix and a tail), so
 * symbols need no temporary buffer. */
static void wire_put2(struct wire_writer *w, enum wire_tag tag, const void *a, size_t alen,
		      const void *b, size_t blen)
{
	struct wire_field f = {.tag = (uint16_t)tag};
	size_t flen;

	if (size_add_overflow(alen, blen, &flen) || flen > UINT32_MAX) {
		wire_fail(w, -E2BIG);
		return;
	}
	if (wire_reserve(w, sizeof(f) + flen) < 0)
		return;
	f.len = (uint32_t)flen;
	memcpy(w->buf + w->len, &f, sizeof(f));
	w->len += sizeof(f);
	if (alen)
		memcpy(w->buf + w->len, a, alen);
	w->len += alen;
	if (blen)
		memcpy(w->buf + w->len, b, blen);
	w->len += blen;
}

void wire_put(struct wire_writer *w, enum wire_tag tag, const void *data, size_t len)
{
	wire_put2(w, tag, data, len, NULL, 0);
}

void wire_put_strn(struct wire_writer *w, enum wire_tag tag, const char *s, size_t n)
{
	if (n > WIRE_MAX_STRING) {
		wire_fail(w, -E2BIG);
		return;
	}
	if (n && memchr(s, '\0', n)) {
		wire_fail(w, -EINVAL);
		return;
	}
	wire_put(w, tag, s, n);
}

void wire_put_str(struct wire_writer *w, enum wire_tag tag, const char *s)
{
	wire_put_strn(w, tag, s, strlen(s));
}

void wire_put_u8(struct wire_writer *w, enum wire_tag tag, uint8_t v)
{
	wire_put(w, tag, &v, sizeof(v));
}

void wire_put_u16(struct wire_writer *w, enum wire_tag tag, uint16_t v)
{
	wire_put(w, tag, &v, sizeof(v));
}

void wire_put_u32(struct wire_writer *w, enum wire_tag tag, uint32_t v)
{
	wire_put(w, tag, &v, sizeof(v));
}

void wire_put_u64(struct wire_writer *w, enum wire_tag tag, uint64_t v)
{
	wire_put(w, tag, &v, sizeof(v));
}

void wire_put_symbol(struct wire_writer *w, enum wire_tag tag, const char *name, size_t name_len,
		     uint64_t crc, int has_crc, uint8_t bind)
{
	struct wire_symbol sym = {.crc = crc, .has_crc = has_crc ? 1 : 0, .bind = bind};

	if (name_len > WIRE_MAX_STRING) {
		wire_fail(w, -E2BIG);
		return;
	}
	if (name_len == 0 || memchr(name, '\0', name_len)) {
		wire_fail(w, -EINVAL);
		return;
	}
	wire_put2(w, tag, &sym, sizeof(sym), name, name_len);
}

int wire_send(struct wire_writer *w, int fd)
{
	struct wire_header h = {.magic = WIRE_MAGIC, .type = w->type};

	/* An empty message still needs its header space. */
	if (wire_reserve(w, 0) < 0)
		return w->error;
	h.len = (uint32_t)(w->len - WIRE_HEADER_SIZE);
	memcpy(w->buf, &h, sizeof(h));
	return write_all(fd, w->buf, w->len);
}
