/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test-only view of the fields a decoder wrote into a wire_writer, so tests
 * can check facts without the parent's reader. Trusts the writer (our own
 * code under test), but still never reads past w->len.
 */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sandbox/wire.h"

struct wf {
	uint16_t tag;
	uint32_t len;
	const uint8_t *data;
};

struct wf_list {
	struct wf *f;
	size_t n;
};

/* Fields in write order; aborts on a framing error (a writer bug). */
static inline struct wf_list wf_collect(const struct wire_writer *w)
{
	struct wf_list l = {0};
	size_t off = sizeof(struct wire_header), cap = 0;

	while (w->buf && off < w->len) {
		struct wire_field h;

		if (w->len - off < sizeof(h))
			abort();
		memcpy(&h, w->buf + off, sizeof(h));
		off += sizeof(h);
		if (h.len > w->len - off)
			abort();
		if (l.n == cap) {
			cap = cap ? cap * 2 : 64;
			l.f = realloc(l.f, cap * sizeof(*l.f));
			if (!l.f)
				abort();
		}
		l.f[l.n++] = (struct wf){h.tag, h.len, w->buf + off};
		off += h.len;
	}
	return l;
}

static inline void wf_free(struct wf_list *l)
{
	free(l->f);
	*l = (struct wf_list){0};
}

/* The nth (0-based) field with this tag, or NULL. */
static inline const struct wf *wf_get(const struct wf_list *l, uint16_t tag, size_t nth)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->f[i].tag == tag && nth-- == 0)
			return &l->f[i];
	return NULL;
}

static inline size_t wf_count(const struct wf_list *l, uint16_t tag)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		n += l->f[i].tag == tag;
	return n;
}

static inline uint64_t wf_uint(const struct wf *f)
{
	uint64_t v = 0;

	if (!f)
		return UINT64_MAX;
	switch (f->len) {
	case 1: {
		uint8_t x;
		memcpy(&x, f->data, 1);
		v = x;
		break;
	}
	case 2: {
		uint16_t x;
		memcpy(&x, f->data, 2);
		v = x;
		break;
	}
	case 4: {
		uint32_t x;
		memcpy(&x, f->data, 4);
		v = x;
		break;
	}
	case 8:
		memcpy(&v, f->data, 8);
		break;
	default:
		abort();
	}
	return v;
}

/* A string field as a NUL-terminated copy (caller frees); NULL if absent. */
static inline char *wf_str(const struct wf *f)
{
	char *s;

	if (!f)
		return NULL;
	s = malloc(f->len + 1);
	if (!s)
		abort();
	memcpy(s, f->data, f->len);
	s[f->len] = '\0';
	return s;
}

struct wf_sym {
	uint64_t crc;
	int has_crc;
	uint8_t bind;
	char name[512];
};

static inline struct wf_sym wf_symbol(const struct wf *f)
{
	struct wf_sym s = {0};
	struct wire_symbol ws;
	size_t n;

	if (!f || f->len < sizeof(ws))
		abort();
	memcpy(&ws, f->data, sizeof(ws));
	n = f->len - sizeof(ws);
	if (n >= sizeof(s.name))
		n = sizeof(s.name) - 1;
	memcpy(s.name, f->data + sizeof(ws), n);
	s.crc = ws.crc;
	s.has_crc = ws.has_crc;
	s.bind = ws.bind;
	return s;
}

/* "AB:CD:..." as modinfo prints byte strings: with wrap, a line break and two
 * tabs after every 20th byte's ':' as kmod 30 does. */
static inline void wf_hex(const struct wf *f, char *out, size_t size, int wrap)
{
	size_t o = 0;

	out[0] = '\0';
	for (uint32_t i = 0; f && i < f->len && o + 8 < size; i++) {
		o += (size_t)snprintf(out + o, size - o, "%02X", f->data[i]);
		if (i + 1 < f->len)
			o += (size_t)snprintf(out + o, size - o,
					      wrap && (i + 1) % 20 == 0 ? ":\n\t\t" : ":");
	}
}
