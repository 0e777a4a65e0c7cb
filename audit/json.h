/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The trail's JSON: a string escaper for the writer and a strict reader for
 * one flat object per line (`modgate audit show|verify|export`).
 *
 * Escaping: `"` and `\` are backslash-escaped; control bytes (0x00-0x1f, 0x7f)
 * become \b \f \n \r \t or \u00XX; well-formed UTF-8 passes through; every
 * other byte (a lone continuation byte, an overlong form, a surrogate, a
 * truncated sequence) becomes \u00XX with XX >= 80. Since well-formed UTF-8 is
 * never escaped, \u0080..\u00ff in a trail always stands for that one raw
 * byte, which the reader restores: module names and paths round-trip exactly.
 *
 * The reader accepts only what the writer produces plus ordinary JSON
 * spellings of it: one object, string keys, values that are strings, integers
 * (no fraction or exponent), true, false or null. The trail is root-owned but
 * read as possibly tampered: every failure names its column, nothing nests.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/strbuf.h"

/* Longest line the reader accepts and the writer produces. */
#define JSON_LINE_MAX (64 * 1024)
/* Most members one object may have. */
#define JSON_MEMBERS_MAX 64

/* Length of the well-formed UTF-8 sequence at p (n > 0 bytes left): 1 for
 * ASCII, 2-4, or 0 when the bytes there are not one (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF). */
size_t utf8_seq_len(const unsigned char *p, size_t n);

/* Append `len` bytes of `s` as a quoted JSON string. 0 or -ENOMEM. */
int json_append_string(struct strbuf *sb, const char *s, size_t len);
/* Same for a C string. */
int json_append_cstr(struct strbuf *sb, const char *s);

enum json_kind {
	JSON_STRING,
	JSON_INT,
	JSON_BOOL,
	JSON_NULL,
};

struct json_member {
	char *key;
	enum json_kind kind;
	char *str;   /* JSON_STRING: decoded, NUL-terminated (NUL itself is refused) */
	size_t len;  /* of str */
	int64_t num; /* JSON_INT; JSON_BOOL: 0 or 1 */
};

struct json_object {
	struct json_member m[JSON_MEMBERS_MAX];
	size_t n;
};

struct json_error {
	size_t column; /* 1-based byte column of the problem */
	const char *what;
};

/* Parse `len` bytes (no trailing newline) as one object. On failure the
 * object is left empty and *err says where and what. 0 or -EBADMSG, -ENOMEM. */
int json_parse_object(const char *line, size_t len, struct json_object *obj,
		      struct json_error *err);
void json_object_clear(struct json_object *obj);
/* Member by key, or NULL. */
const struct json_member *json_get(const struct json_object *obj, const char *key);
/* String value by key, or NULL when absent or not a string. */
const char *json_get_str(const struct json_object *obj, const char *key);
