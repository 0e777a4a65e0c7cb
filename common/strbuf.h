/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A growable byte buffer, always NUL-terminated after its content so it can be
 * used as a C string. Allocation failure is reported, never ignored.
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include "common/macros.h"

struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
};

#define STRBUF_INIT {NULL, 0, 0}

void strbuf_release(struct strbuf *sb);
/* All return 0 or -ENOMEM. */
int strbuf_reserve(struct strbuf *sb, size_t extra);
int strbuf_append(struct strbuf *sb, const void *data, size_t len);
int strbuf_append_str(struct strbuf *sb, const char *s);
int strbuf_append_char(struct strbuf *sb, char c);
int strbuf_appendf(struct strbuf *sb, const char *fmt, ...) _printf_(2, 3);
/* Returns the C string (never NULL: "" when empty); valid until the next change. */
const char *strbuf_str(struct strbuf *sb);
/* Hands the buffer over to the caller (NULL-safe, "" when empty). */
char *strbuf_steal(struct strbuf *sb);
void strbuf_clear(struct strbuf *sb);

static inline void strbuf_releasep(struct strbuf *sb)
{
	strbuf_release(sb);
}
#define _cleanup_strbuf_ _cleanup_(strbuf_releasep)
