// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "audit/json.h"
#include "audit/record.h"

#define F(k, kind, m)                                                                              \
	{                                                                                          \
		k, kind, offsetof(struct audit_event, m)                                           \
	}
const struct audit_field audit_fields[] = {
	F("op", AF_STR, op),
	F("module", AF_STR, module),
	F("requested", AF_STR, requested),
	F("path", AF_STR, path),
	F("params", AF_STR, params),
	F("sha256", AF_STR, sha256),
	F("sig", AF_STR, sig),
	F("signer", AF_STR, signer),
	F("key_id", AF_STR, key_id),
	F("cert", AF_STR, cert),
	F("decision", AF_STR, decision),
	F("rule", AF_STR, rule),
	F("mode", AF_STR, mode),
	F("previous_mode", AF_STR, previous_mode),
	F("context", AF_STR, context),
	F("reason", AF_STR, reason),
	F("requester", AF_STR, requester),
	F("uid", AF_ID, uid),
	F("auid", AF_ID, auid),
	F("ses", AF_ID, ses),
	F("pid", AF_ID, pid),
	F("exe", AF_STR, exe),
	F("tty", AF_STR, tty),
	F("lockdown", AF_STR, lockdown),
	F("sig_enforce", AF_STR, sig_enforce),
	F("errno", AF_ERRNO, result_errno),
	F("count", AF_U64, count),
	F("first", AF_STR, first),
	F("last", AF_STR, last),
	F("segment", AF_STR, segment),
	F("segment_records", AF_U64, segment_records),
	F("segment_hash", AF_STR, segment_hash),
	F("file", AF_STR, file),
	F("files", AF_STR, files),
	F("settings", AF_STR, settings),
	{NULL, 0, 0},
};
#undef F

/* Cut at `max` bytes without splitting a UTF-8 sequence. */
static size_t cut_len(const char *s, size_t max, bool *cut)
{
	size_t n = strlen(s);

	if (n <= max)
		return n;
	*cut = true;
	n = max;
	for (int i = 0; i < 3 && n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80; i++)
		n--;
	return n;
}

static int append_field(struct strbuf *line, const struct audit_event *ev,
			const struct audit_field *f, size_t max, bool *cut)
{
	const char *base = (const char *)ev + f->offset;
	int r;

	switch (f->kind) {
	case AF_STR: {
		const char *s = *(const char *const *)base;
		if (!s)
			return 0;
		if ((r = strbuf_appendf(line, ",\"%s\":", f->key)) < 0)
			return r;
		return json_append_string(line, s, cut_len(s, max, cut));
	}
	case AF_ID: {
		int64_t v = *(const int64_t *)base;
		return v == AUDIT_ID_UNSET
			       ? 0
			       : strbuf_appendf(line, ",\"%s\":%lld", f->key, (long long)v);
	}
	case AF_U64: {
		uint64_t v = *(const uint64_t *)base;
		return v == 0 ? 0
			      : strbuf_appendf(line, ",\"%s\":%llu", f->key, (unsigned long long)v);
	}
	case AF_ERRNO:
		return ev->has_result ? strbuf_appendf(line, ",\"%s\":%d", f->key, ev->result_errno)
				      : 0;
	}
	return -EINVAL;
}

static int format_capped(const struct audit_event *ev, uint64_t seq, const char *prev, size_t max,
			 struct strbuf *line)
{
	const char *type = audit_event_type_name(ev->type);
	char when[TIME_STR_LEN + 1];
	bool cut = false;
	int r;

	if (!type || !is_sha256_hex(prev) || format_time(&ev->time, when) < 0)
		return -EINVAL;
	strbuf_clear(line);
	r = strbuf_appendf(line, "{\"seq\":%llu,\"prev\":\"%s\",\"time\":\"%s\",\"type\":\"%s\"",
			   (unsigned long long)seq, prev, when, type);
	for (const struct audit_field *f = audit_fields; r == 0 && f->key; f++)
		r = append_field(line, ev, f, max, &cut);
	if (r == 0 && cut)
		r = strbuf_append_str(line, ",\"truncated\":true");
	return r < 0 ? r : strbuf_append_char(line, '}');
}

int record_format(const struct audit_event *ev, uint64_t seq, const char *prev, struct strbuf *line)
{
	int r = format_capped(ev, seq, prev, RECORD_FIELD_MAX, line);

	if (r == 0 && line->len > JSON_LINE_MAX)
		r = format_capped(ev, seq, prev, RECORD_FIELD_MAX_TIGHT, line);
	return r == 0 && line->len > JSON_LINE_MAX ? -E2BIG : r;
}

int format_time(const struct timespec *ts, char out[TIME_STR_LEN + 1])
{
	struct tm tm;
	time_t t = ts->tv_sec;

	if (ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000 || !gmtime_r(&t, &tm))
		return -EINVAL;
	if (tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
		return -EINVAL;
	char buf[64];
	int n = snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
			 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			 tm.tm_sec, ts->tv_nsec / 1000);
	if (n != TIME_STR_LEN)
		return -EINVAL;
	memcpy(out, buf, TIME_STR_LEN + 1);
	return 0;
}

/* "YYYY-MM-DDTHH:MM:SS": digits and separators exactly where they belong. */
static bool time_shape_ok(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";

	for (size_t i = 0; shape[i]; i++) {
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return false;
	}
	return true;
}

int parse_time(const char *s, struct timespec *out)
{
	struct tm tm = {0};
	int n = 0, len = (int)strlen(s);
	long frac = 0;

	if (len < 19 || !time_shape_ok(s))
		return -EINVAL;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n != 19)
		return -EINVAL;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -EINVAL;
	if (s[n] == '.') {
		int digits = 0;
		for (n++; s[n] >= '0' && s[n] <= '9' && digits < 9; n++, digits++)
			frac = frac * 10 + (s[n] - '0');
		if (digits == 0)
			return -EINVAL;
		for (; digits < 9; digits++)
			frac *= 10;
	}
	if (s[n] != 'Z' || n + 1 != len)
		return -EINVAL;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	out->tv_sec = timegm(&tm);
	out->tv_nsec = frac;
	return 0;
}
