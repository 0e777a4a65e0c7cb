// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/query.h"
#include "audit/record.h"

static int parse_ago(const char *s, time_t now, struct timespec *out)
{
	char *end;
	unsigned long long n, mul;

	errno = 0;
	n = strtoull(s + 1, &end, 10);
	if (errno || end == s + 1 || end[0] == '\0' || end[1] != '\0')
		return -EINVAL;
	switch (*end) {
	case 's':
		mul = 1;
		break;
	case 'm':
		mul = 60;
		break;
	case 'h':
		mul = 3600;
		break;
	case 'd':
		mul = 86400;
		break;
	default:
		return -EINVAL;
	}
	if (__builtin_mul_overflow(n, mul, &n) || n > (unsigned long long)now)
		return -EINVAL;
	*out = (struct timespec){now - (time_t)n, 0};
	return 0;
}

/* "YYYY-MM-DD" with an optional " HH:MM[:SS]" or "THH:MM[:SS]" and "Z". */
static int parse_date(const char *s, struct timespec *out)
{
	char buf[40];
	size_t n = strlen(s);

	if (n == 10)
		snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
	else if (n >= 16 && (s[10] == ' ' || s[10] == 'T') && n < 30) {
		snprintf(buf, sizeof(buf), "%s", s);
		buf[10] = 'T';
		if (buf[n - 1] == 'Z')
			buf[--n] = '\0';
		if (n == 16)
			strcat(buf, ":00");
		strcat(buf, "Z");
	} else {
		return -EINVAL;
	}
	return parse_time(buf, out);
}

int parse_user_time(const char *s, time_t now, struct timespec *out)
{
	char *end;

	if (streq(s, "now")) {
		*out = (struct timespec){now, 0};
		return 0;
	}
	if (s[0] == '-')
		return parse_ago(s, now, out);
	if (s[0] == '@') {
		errno = 0;
		long long v = strtoll(s + 1, &end, 10);
		if (errno || end == s + 1 || *end || v < 0)
			return -EINVAL;
		*out = (struct timespec){(time_t)v, 0};
		return 0;
	}
	return parse_date(s, out);
}

static int ts_cmp(const struct timespec *a, const struct timespec *b)
{
	if (a->tv_sec != b->tv_sec)
		return a->tv_sec < b->tv_sec ? -1 : 1;
	return a->tv_nsec < b->tv_nsec ? -1 : a->tv_nsec > b->tv_nsec;
}

static bool str_match(const char *want, const struct json_object *obj, const char *key)
{
	return !want || streq(json_get_str(obj, key), want);
}

bool filter_match(const struct audit_filter *f, const struct json_object *obj)
{
	if (f->has_since || f->has_until) {
		struct timespec t;
		const char *s = json_get_str(obj, "time");
		if (!s || parse_time(s, &t) < 0)
			return false;
		if ((f->has_since && ts_cmp(&t, &f->since) < 0) ||
		    (f->has_until && ts_cmp(&t, &f->until) > 0))
			return false;
	}
	if (f->module) {
		const char *m = json_get_str(obj, "module");
		if (!m || fnmatch(f->module, m, 0) != 0)
			return false;
	}
	return str_match(f->decision, obj, "decision") && str_match(f->context, obj, "context") &&
	       str_match(f->type, obj, "type");
}

/* Length of a well-formed multi-byte UTF-8 sequence at p that is not a C1
 * control (U+0080..U+009F, which some terminals obey), else 0. */
static size_t utf8_printable(const unsigned char *p, size_t n)
{
	size_t len = utf8_seq_len(p, n);

	if (len < 2 || (p[0] == 0xc2 && p[1] < 0xa0))
		return 0;
	return len;
}

int display_escape(struct strbuf *out, const char *s, size_t len, bool utf8)
{
	const unsigned char *p = (const unsigned char *)s;
	int r = 0;

	for (size_t i = 0; r == 0 && i < len;) {
		size_t n = utf8 && p[i] >= 0x80 ? utf8_printable(p + i, len - i) : 0;
		if (n) {
			r = strbuf_append(out, p + i, n);
			i += n;
			continue;
		}
		if (p[i] == '\\')
			r = strbuf_append(out, "\\\\", 2);
		else if (p[i] >= 0x20 && p[i] < 0x7f)
			r = strbuf_append_char(out, (char)p[i]);
		else
			r = strbuf_appendf(out, "\\x%02x", p[i]);
		i++;
	}
	return r;
}

int json_serialize(struct strbuf *out, const struct json_object *obj)
{
	int r = strbuf_append_char(out, '{');

	for (size_t i = 0; r == 0 && i < obj->n; i++) {
		const struct json_member *m = &obj->m[i];
		if (i > 0 && (r = strbuf_append_char(out, ',')) < 0)
			break;
		if ((r = json_append_cstr(out, m->key)) < 0 ||
		    (r = strbuf_append_char(out, ':')) < 0)
			break;
		switch (m->kind) {
		case JSON_STRING:
			r = json_append_string(out, m->str, m->len);
			break;
		case JSON_INT:
			r = strbuf_appendf(out, "%lld", (long long)m->num);
			break;
		case JSON_BOOL:
			r = strbuf_append_str(out, m->num ? "true" : "false");
			break;
		case JSON_NULL:
			r = strbuf_append_str(out, "null");
			break;
		}
	}
	return r < 0 ? r : strbuf_append_char(out, '}');
}

int csv_field(struct strbuf *out, const char *s, size_t len)
{
	_cleanup_strbuf_ struct strbuf esc = STRBUF_INIT;
	int r = strbuf_append_char(out, '"');

	if (r == 0 && len > 0 && strchr("=+-@\t\r", s[0]))
		r = strbuf_append_char(out, '\'');
	if (r == 0)
		r = display_escape(&esc, s, len, true);
	for (size_t i = 0; r == 0 && i < esc.len; i++)
		r = esc.buf[i] == '"' ? strbuf_append(out, "\"\"", 2)
				      : strbuf_append_char(out, esc.buf[i]);
	return r < 0 ? r : strbuf_append_char(out, '"');
}
