// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <string.h>

#include "audit/json.h"

/* Length of the well-formed UTF-8 sequence at p (1-4), or 0 when the bytes
 * there are not one (RFC 3629: no overlongs, no surrogates, <= U+10FFFF). */
size_t utf8_seq_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t need;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 1;
	else if (c >= 0xe0 && c <= 0xef)
		need = 2;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 3;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < need + 1 || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i <= need; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return need + 1;
}

static int append_escape(struct strbuf *sb, unsigned char c)
{
	switch (c) {
	case '"':
		return strbuf_append(sb, "\\\"", 2);
	case '\\':
		return strbuf_append(sb, "\\\\", 2);
	case '\b':
		return strbuf_append(sb, "\\b", 2);
	case '\f':
		return strbuf_append(sb, "\\f", 2);
	case '\n':
		return strbuf_append(sb, "\\n", 2);
	case '\r':
		return strbuf_append(sb, "\\r", 2);
	case '\t':
		return strbuf_append(sb, "\\t", 2);
	default:
		return strbuf_appendf(sb, "\\u%04x", c);
	}
}

int json_append_string(struct strbuf *sb, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	int r = strbuf_append_char(sb, '"');

	for (size_t i = 0; r == 0 && i < len;) {
		unsigned char c = p[i];
		size_t n = c >= 0x80 ? utf8_seq_len(p + i, len - i) : 1;

		if (c == '"' || c == '\\' || c < 0x20 || c == 0x7f || n == 0) {
			r = append_escape(sb, c);
			i++;
		} else {
			r = strbuf_append(sb, p + i, n);
			i += n;
		}
	}
	return r < 0 ? r : strbuf_append_char(sb, '"');
}

int json_append_cstr(struct strbuf *sb, const char *s)
{
	return json_append_string(sb, s, strlen(s));
}

struct parser {
	const char *s;
	size_t len, pos;
	struct json_error *err;
};

static int fail(struct parser *p, const char *what)
{
	p->err->column = p->pos + 1;
	p->err->what = what;
	return -EBADMSG;
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len && strchr(" \t\r\n", p->s[p->pos]) && p->s[p->pos])
		p->pos++;
}

static int hex4(struct parser *p, unsigned *out)
{
	unsigned v = 0;

	if (p->len - p->pos < 4)
		return fail(p, "truncated \\u escape");
	for (int i = 0; i < 4; i++) {
		char c = p->s[p->pos + i];
		int d = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;
		if (d < 0)
			return fail(p, "bad hex digit in \\u escape");
		v = v << 4 | (unsigned)d;
	}
	p->pos += 4;
	*out = v;
	return 0;
}

/* \uXXXX (after the "\u"): U+0080..U+00FF is the raw byte the writer
 * escaped; other code points (a hand-edited or foreign trail) become UTF-8. */
static int decode_u(struct parser *p, struct strbuf *out)
{
	unsigned cp, lo;
	int r = hex4(p, &cp);

	if (r < 0)
		return r;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail(p, "lone low surrogate");
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (p->len - p->pos < 2 || p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u')
			return fail(p, "lone high surrogate");
		p->pos += 2;
		if ((r = hex4(p, &lo)) < 0)
			return r;
		if (lo < 0xdc00 || lo > 0xdfff)
			return fail(p, "bad surrogate pair");
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	if (cp == 0)
		return fail(p, "NUL in string");
	unsigned char b[4];
	size_t n;
	if (cp <= 0xff) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp <= 0x7ff) {
		b[0] = (unsigned char)(0xc0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp <= 0xffff) {
		b[0] = (unsigned char)(0xe0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | cp >> 18);
		b[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return strbuf_append(out, b, n);
}

static int parse_escape(struct parser *p, struct strbuf *out)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";

	if (p->pos >= p->len)
		return fail(p, "truncated escape");
	char c = p->s[p->pos++];
	if (c == 'u')
		return decode_u(p, out);
	const char *f = c ? strchr(from, c) : NULL;
	if (!f) {
		p->pos--;
		return fail(p, "unknown escape");
	}
	return strbuf_append_char(out, to[f - from]);
}

/* At the opening quote. */
static int parse_string(struct parser *p, char **str, size_t *len)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	int r = 0;

	p->pos++;
	while (r == 0) {
		if (p->pos >= p->len)
			return fail(p, "unterminated string");
		unsigned char c = (unsigned char)p->s[p->pos];
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(p, "control character in string");
		p->pos++;
		r = c == '\\' ? parse_escape(p, &sb) : strbuf_append_char(&sb, (char)c);
	}
	if (r < 0)
		return r;
	p->pos++;
	*len = sb.len;
	*str = strbuf_steal(&sb);
	return *str ? 0 : -ENOMEM;
}

static int parse_int(struct parser *p, int64_t *out)
{
	bool neg = p->s[p->pos] == '-';
	uint64_t v = 0;
	size_t start;

	if (neg)
		p->pos++;
	start = p->pos;
	while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(p->s[p->pos] - '0'), &v))
			return fail(p, "integer out of range");
		p->pos++;
	}
	if (p->pos == start)
		return fail(p, "bad number");
	if (p->pos - start > 1 && p->s[start] == '0')
		return fail(p, "leading zero in number");
	if (p->pos < p->len && strchr(".eE", p->s[p->pos]) && p->s[p->pos])
		return fail(p, "only integers are allowed");
	if (v > (uint64_t)INT64_MAX + neg)
		return fail(p, "integer out of range");
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

static int parse_word(struct parser *p, const char *w)
{
	size_t n = strlen(w);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, w, n) != 0)
		return fail(p, "unexpected value");
	p->pos += n;
	return 0;
}

static int parse_value(struct parser *p, struct json_member *m)
{
	if (p->pos >= p->len)
		return fail(p, "missing value");
	char c = p->s[p->pos];
	switch (c) {
	case '"':
		m->kind = JSON_STRING;
		return parse_string(p, &m->str, &m->len);
	case 't':
		m->kind = JSON_BOOL;
		m->num = 1;
		return parse_word(p, "true");
	case 'f':
		m->kind = JSON_BOOL;
		return parse_word(p, "false");
	case 'n':
		m->kind = JSON_NULL;
		return parse_word(p, "null");
	case '{':
	case '[':
		return fail(p, "nested values are not allowed");
	default:
		if (c == '-' || (c >= '0' && c <= '9')) {
			m->kind = JSON_INT;
			return parse_int(p, &m->num);
		}
		return fail(p, "unexpected character");
	}
}

static int parse_member(struct parser *p, struct json_object *obj)
{
	struct json_member *m = &obj->m[obj->n];
	size_t key_col = p->pos, klen;
	int r;

	if (p->pos >= p->len || p->s[p->pos] != '"')
		return fail(p, "expected a key");
	if ((r = parse_string(p, &m->key, &klen)) < 0)
		return r;
	obj->n++; /* owned by obj from here, freed by clear on failure */
	for (size_t i = 0; i + 1 < obj->n; i++)
		if (streq(obj->m[i].key, m->key)) {
			p->pos = key_col;
			return fail(p, "duplicate key");
		}
	skip_ws(p);
	if (p->pos >= p->len || p->s[p->pos] != ':')
		return fail(p, "expected ':'");
	p->pos++;
	skip_ws(p);
	return parse_value(p, m);
}

static int parse_members(struct parser *p, struct json_object *obj)
{
	int r;

	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == '}') {
		p->pos++;
		return 0;
	}
	for (;;) {
		if (obj->n == JSON_MEMBERS_MAX)
			return fail(p, "too many members");
		if ((r = parse_member(p, obj)) < 0)
			return r;
		skip_ws(p);
		if (p->pos >= p->len)
			return fail(p, "unterminated object");
		char c = p->s[p->pos++];
		if (c == '}')
			return 0;
		if (c != ',') {
			p->pos--;
			return fail(p, "expected ',' or '}'");
		}
		skip_ws(p);
	}
}

int json_parse_object(const char *line, size_t len, struct json_object *obj, struct json_error *err)
{
	struct parser p = {line, len, 0, err};
	int r;

	memset(obj, 0, sizeof(*obj));
	err->column = 0;
	err->what = NULL;
	if (len > JSON_LINE_MAX)
		return fail(&p, "line too long");
	skip_ws(&p);
	if (p.pos >= len || line[p.pos] != '{')
		r = fail(&p, "not a JSON object");
	else {
		p.pos++;
		r = parse_members(&p, obj);
	}
	if (r == 0) {
		skip_ws(&p);
		if (p.pos != len)
			r = fail(&p, "trailing characters after the object");
	}
	if (r < 0)
		json_object_clear(obj);
	return r;
}

void json_object_clear(struct json_object *obj)
{
	for (size_t i = 0; i < obj->n; i++) {
		free(obj->m[i].key);
		free(obj->m[i].str);
	}
	memset(obj, 0, sizeof(*obj));
}

const struct json_member *json_get(const struct json_object *obj, const char *key)
{
	for (size_t i = 0; i < obj->n; i++)
		if (streq(obj->m[i].key, key))
			return &obj->m[i];
	return NULL;
}

const char *json_get_str(const struct json_object *obj, const char *key)
{
	const struct json_member *m = json_get(obj, key);

	return m && m->kind == JSON_STRING ? m->str : NULL;
}
