// SPDX-License-Identifier: LGPL-2.1-or-later
/* The trail's JSON escaper and reader, the record format, times, and the
 * escapers that stand between a (possibly tampered) trail and a terminal. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "audit/audit.h"
#include "audit/json.h"
#include "audit/linux.h"
#include "audit/query.h"
#include "audit/record.h"

static char *escaped(const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(json_append_string(&sb, s, len), 0);
	return strbuf_steal(&sb);
}

static void expect_escape(const char *in, size_t len, const char *want)
{
	_cleanup_free_ char *got = escaped(in, len);
	assert_string_equal(got, want);
}

static void test_escape_specials(void **state)
{
	(void)state;
	expect_escape("plain", 5, "\"plain\"");
	expect_escape("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	expect_escape("\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"");
	expect_escape("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
	expect_escape("\x1b[31m", 5, "\"\\u001b[31m\"");
	expect_escape("", 0, "\"\"");
	expect_escape("nul\0x", 5, "\"nul\\u0000x\"");
}

static void test_escape_utf8(void **state)
{
	(void)state;
	/* well-formed UTF-8 passes through */
	expect_escape("caf\xc3\xa9", 5, "\"caf\xc3\xa9\"");
	expect_escape("\xe6\x97\xa5\xe6\x9c\xac", 6, "\"\xe6\x97\xa5\xe6\x9c\xac\"");
	expect_escape("\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\"");
	/* everything else is one raw byte each */
	expect_escape("\x80", 1, "\"\\u0080\"");
	expect_escape("\xc0\xaf", 2, "\"\\u00c0\\u00af\"");			  /* overlong '/' */
	expect_escape("\xed\xa0\x80", 3, "\"\\u00ed\\u00a0\\u0080\"");		  /* surrogate */
	expect_escape("\xf4\x90\x80\x80", 4, "\"\\u00f4\\u0090\\u0080\\u0080\""); /* > U+10FFFF */
	expect_escape("\xe2\x82", 2, "\"\\u00e2\\u0082\"");			  /* truncated */
	expect_escape("\xff", 1, "\"\\u00ff\"");
}

static void parse_ok(const char *line, struct json_object *o)
{
	struct json_error err;
	int r = json_parse_object(line, strlen(line), o, &err);
	if (r != 0)
		fail_msg("'%s': %s at %zu", line, err.what, err.column);
}

static void parse_bad(const char *line, size_t len, const char *what, size_t column)
{
	struct json_object o;
	struct json_error err;
	assert_int_equal(json_parse_object(line, len, &o, &err), -EBADMSG);
	assert_int_equal(o.n, 0);
	assert_string_equal(err.what, what);
	if (column)
		assert_int_equal(err.column, column);
}

/* Escape random byte strings and read them back: the exact bytes return. */
static void test_roundtrip_random(void **state)
{
	(void)state;
	srand(8);
	for (int i = 0; i < 5000; i++) {
		char in[64];
		size_t len = (size_t)(rand() % 63);
		for (size_t j = 0; j < len; j++) {
			in[j] = (char)(rand() % 255 + 1); /* strings never hold NUL */
			if (rand() % 4 == 0)		  /* bias towards multi-byte lead bytes */
				in[j] = (char)(0xc2 + rand() % 0x33);
		}
		_cleanup_strbuf_ struct strbuf line = STRBUF_INIT;
		assert_int_equal(strbuf_append_str(&line, "{\"k\":"), 0);
		assert_int_equal(json_append_string(&line, in, len), 0);
		assert_int_equal(strbuf_append_char(&line, '}'), 0);
		/* the escaped form is plain text: no control byte survives */
		for (size_t j = 0; j < line.len; j++)
			assert_true((unsigned char)line.buf[j] >= 0x20 && line.buf[j] != 0x7f);
		struct json_object o;
		parse_ok(line.buf, &o);
		assert_int_equal(o.m[0].len, len);
		assert_memory_equal(o.m[0].str, in, len);
		json_object_clear(&o);
	}
}

static void test_parse_values(void **state)
{
	(void)state;
	struct json_object o;
	parse_ok(" { \"a\" : \"x\\u00e9\\u4e2d\\ud83d\\ude00\\/\" , \"n\":-42,\"z\":0,"
		 "\"t\":true,\"f\":false,\"u\":null,\"big\":9223372036854775807} ",
		 &o);
	assert_int_equal(o.n, 7);
	/* \u0080..\u00ff is a raw byte; other code points become UTF-8 */
	assert_string_equal(json_get_str(&o, "a"), "x\xe9\xe4\xb8\xad\xf0\x9f\x98\x80/");
	assert_int_equal(json_get(&o, "n")->num, -42);
	assert_int_equal(json_get(&o, "z")->num, 0);
	assert_int_equal(json_get(&o, "t")->kind, JSON_BOOL);
	assert_int_equal(json_get(&o, "t")->num, 1);
	assert_int_equal(json_get(&o, "u")->kind, JSON_NULL);
	assert_true(json_get(&o, "big")->num == INT64_MAX);
	assert_null(json_get_str(&o, "n"));
	assert_null(json_get(&o, "missing"));
	json_object_clear(&o);
	parse_ok("{}", &o);
	assert_int_equal(o.n, 0);
	parse_ok("{\"min\":-9223372036854775808}", &o);
	assert_true(json_get(&o, "min")->num == INT64_MIN);
	json_object_clear(&o);
}

static void test_parse_rejects(void **state)
{
	(void)state;
	parse_bad("", 0, "not a JSON object", 1);
	parse_bad("[1]", 3, "not a JSON object", 1);
	parse_bad("{\"a\":1,\"a\":2}", 13, "duplicate key", 8);
	parse_bad("{\"a\":{}}", 8, "nested values are not allowed", 6);
	parse_bad("{\"a\":[1]}", 9, "nested values are not allowed", 6);
	parse_bad("{\"a\":1.5}", 9, "only integers are allowed", 7);
	parse_bad("{\"a\":1e3}", 9, "only integers are allowed", 7);
	parse_bad("{\"a\":01}", 8, "leading zero in number", 0);
	parse_bad("{\"a\":-}", 7, "bad number", 0);
	parse_bad("{\"a\":9223372036854775808}", 25, "integer out of range", 0);
	parse_bad("{\"a\":99999999999999999999}", 26, "integer out of range", 0);
	parse_bad("{\"a\":1} x", 9, "trailing characters after the object", 9);
	parse_bad("{\"a\":1", 6, "unterminated object", 0);
	parse_bad("{\"a\":\"x", 7, "unterminated string", 0);
	parse_bad("{\"a\":\"\\q\"}", 10, "unknown escape", 0);
	parse_bad("{\"a\":\"\\u12\"}", 12, "bad hex digit in \\u escape", 0);
	parse_bad("{\"a\":\"\\u0000\"}", 14, "NUL in string", 0);
	parse_bad("{\"a\":\"\\udc00\"}", 14, "lone low surrogate", 0);
	parse_bad("{\"a\":\"\\ud800x\"}", 15, "lone high surrogate", 0);
	parse_bad("{\"a\":\"\\ud800\\u0041\"}", 20, "bad surrogate pair", 0);
	parse_bad("{\"a\":\"x\ty\"}", 11, "control character in string", 8);
	parse_bad("{\"a\":tru}", 9, "unexpected value", 0);
	parse_bad("{\"a\" 1}", 7, "expected ':'", 6);
	parse_bad("{1:2}", 5, "expected a key", 2);
	parse_bad("{\"a\":1;}", 8, "expected ',' or '}'", 7);
	parse_bad("{\"a\":\0}", 7, "unexpected character", 6);
}

static void test_parse_limits(void **state)
{
	(void)state;
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	assert_int_equal(strbuf_append_char(&sb, '{'), 0);
	for (int i = 0; i <= JSON_MEMBERS_MAX; i++)
		assert_int_equal(strbuf_appendf(&sb, "%s\"k%d\":%d", i ? "," : "", i, i), 0);
	assert_int_equal(strbuf_append_char(&sb, '}'), 0);
	parse_bad(sb.buf, sb.len, "too many members", 0);

	_cleanup_free_ char *big = malloc(JSON_LINE_MAX + 2);
	memset(big, ' ', JSON_LINE_MAX + 1);
	big[0] = '{';
	big[JSON_LINE_MAX] = '}';
	parse_bad(big, JSON_LINE_MAX + 1, "line too long", 0);
	struct json_object o;
	struct json_error err;
	assert_int_equal(json_parse_object(big, JSON_LINE_MAX, &o, &err), -EBADMSG);
	assert_string_equal(err.what, "expected a key");
}

static void test_record_format(void **state)
{
	(void)state;
	_cleanup_strbuf_ struct strbuf line = STRBUF_INIT;
	struct audit_event ev = AUDIT_EVENT_INIT(AUDIT_EV_DECISION);
	ev.time = (struct timespec){1700000000, 123456789};
	ev.op = "load";
	ev.module = "dccp \"x\"";
	ev.decision = "deny";
	ev.rule = "/etc/modgate/policy.d/10-base.policy:7";
	ev.uid = 0;
	ev.auid = 4294967295;
	ev.pid = 1234;
	assert_int_equal(record_format(&ev, 2, CHAIN_ZERO, &line), 0);
	assert_string_equal(
		line.buf,
		"{\"seq\":2,\"prev\":\"" CHAIN_ZERO "\",\"time\":\"2023-11-14T22:13:20.123456Z\","
		"\"type\":\"decision\",\"op\":\"load\",\"module\":\"dccp \\\"x\\\"\","
		"\"decision\":\"deny\",\"rule\":\"/etc/modgate/policy.d/10-base.policy:7\","
		"\"uid\":0,\"auid\":4294967295,\"pid\":1234}");
	ev.type = AUDIT_EV_RESULT;
	ev.has_result = true;
	ev.result_errno = 0;
	assert_int_equal(record_format(&ev, 3, CHAIN_ZERO, &line), 0);
	assert_non_null(strstr(line.buf, ",\"errno\":0}"));
	assert_int_equal(record_format(&ev, 3, "abc", &line), -EINVAL);
	ev.type = AUDIT_EV_MAX;
	assert_int_equal(record_format(&ev, 3, CHAIN_ZERO, &line), -EINVAL);
}

static void test_record_truncates(void **state)
{
	(void)state;
	_cleanup_strbuf_ struct strbuf line = STRBUF_INIT;
	_cleanup_free_ char *huge = malloc(100000);
	struct audit_event ev = AUDIT_EVENT_INIT(AUDIT_EV_DECISION);
	/* "é" repeated: the cut must not split a sequence */
	for (size_t i = 0; i + 1 < 100000; i += 2)
		memcpy(huge + i, "\xc3\xa9", 2);
	huge[99999] = '\0';
	ev.time.tv_sec = 1;
	ev.module = huge;
	assert_int_equal(record_format(&ev, 1, CHAIN_ZERO, &line), 0);
	assert_true(line.len <= JSON_LINE_MAX);
	assert_non_null(strstr(line.buf, ",\"truncated\":true}"));
	struct json_object o;
	parse_ok(line.buf, &o);
	assert_int_equal(json_get(&o, "module")->len, RECORD_FIELD_MAX);
	json_object_clear(&o);
	/* twenty huge fields: the tight cap keeps the line within limits */
	ev.requested = ev.path = ev.params = ev.signer = ev.cert = ev.rule = ev.reason = huge;
	ev.requester = ev.exe = ev.key_id = ev.sig = ev.context = ev.mode = huge;
	assert_int_equal(record_format(&ev, 1, CHAIN_ZERO, &line), 0);
	assert_true(line.len <= JSON_LINE_MAX);
}

static void test_times(void **state)
{
	(void)state;
	char buf[TIME_STR_LEN + 1];
	struct timespec t;
	assert_int_equal(format_time(&(struct timespec){0, 999999999}, buf), 0);
	assert_string_equal(buf, "1970-01-01T00:00:00.999999Z");
	assert_int_equal(parse_time("2023-11-14T22:13:20.123456Z", &t), 0);
	assert_int_equal(t.tv_sec, 1700000000);
	assert_int_equal(t.tv_nsec, 123456000);
	assert_int_equal(parse_time("2023-11-14T22:13:20Z", &t), 0);
	assert_int_equal(parse_time("2023-11-14 22:13:20Z", &t), -EINVAL);
	assert_int_equal(parse_time("2023-11-14T22:13:20", &t), -EINVAL);
	assert_int_equal(parse_time("+023-11-14T22:13:20Z", &t), -EINVAL);
	assert_int_equal(parse_time("2023-13-14T22:13:20Z", &t), -EINVAL);
	assert_int_equal(parse_time("2023-11-14T22:13:20.Z", &t), -EINVAL);
	assert_int_equal(parse_time("", &t), -EINVAL);

	time_t now = 1700000000;
	assert_int_equal(parse_user_time("2023-11-14", now, &t), 0);
	assert_int_equal(t.tv_sec, 1699920000);
	assert_int_equal(parse_user_time("2023-11-14 22:13", now, &t), 0);
	assert_int_equal(t.tv_sec, 1700000000 - 20);
	assert_int_equal(parse_user_time("2023-11-14T22:13:20Z", now, &t), 0);
	assert_int_equal(t.tv_sec, now);
	assert_int_equal(parse_user_time("-2h", now, &t), 0);
	assert_int_equal(t.tv_sec, now - 7200);
	assert_int_equal(parse_user_time("@12", now, &t), 0);
	assert_int_equal(t.tv_sec, 12);
	assert_int_equal(parse_user_time("now", now, &t), 0);
	assert_int_equal(t.tv_sec, now);
	assert_int_equal(parse_user_time("-2x", now, &t), -EINVAL);
	assert_int_equal(parse_user_time("-99999999999d", now, &t), -EINVAL);
	assert_int_equal(parse_user_time("yesterday", now, &t), -EINVAL);
}

static void expect_display(const char *in, size_t len, bool utf8, const char *want)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	assert_int_equal(display_escape(&sb, in, len, utf8), 0);
	assert_string_equal(strbuf_str(&sb), want);
}

static void test_display_and_csv(void **state)
{
	(void)state;
	expect_display("ok\\ \x1b[2J\n\x7f", 10, false, "ok\\\\ \\x1b[2J\\x0a\\x7f");
	expect_display("caf\xc3\xa9", 5, false, "caf\\xc3\\xa9");
	expect_display("caf\xc3\xa9", 5, true, "caf\xc3\xa9");
	/* C1 controls (CSI is U+009B) and broken UTF-8 stay escaped */
	expect_display("\xc2\x9b"
		       "2J\xff",
		       5, true, "\\xc2\\x9b2J\\xff");

	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	assert_int_equal(csv_field(&sb, "=cmd|' /C calc'!A0", 18), 0);
	assert_int_equal(strbuf_append_char(&sb, ','), 0);
	assert_int_equal(csv_field(&sb, "say \"hi\"", 8), 0);
	assert_int_equal(strbuf_append_char(&sb, ','), 0);
	assert_int_equal(csv_field(&sb, "a\nb", 3), 0);
	assert_string_equal(sb.buf, "\"'=cmd|' /C calc'!A0\",\"say \"\"hi\"\"\",\"a\\x0ab\"");
}

static void test_filter(void **state)
{
	(void)state;
	struct json_object o;
	struct audit_filter f = {0};
	parse_ok("{\"seq\":5,\"time\":\"2023-11-14T22:13:20.000000Z\",\"type\":\"decision\","
		 "\"module\":\"nf_tables\",\"decision\":\"allow\",\"context\":\"udev\"}",
		 &o);
	assert_true(filter_match(&f, &o));
	f.module = "nf_*";
	assert_true(filter_match(&f, &o));
	f.module = "dccp";
	assert_false(filter_match(&f, &o));
	f.module = NULL;
	f.decision = "deny";
	assert_false(filter_match(&f, &o));
	f.decision = "allow";
	f.context = "udev";
	f.type = "decision";
	assert_true(filter_match(&f, &o));
	f.has_since = true;
	f.since = (struct timespec){1700000001, 0};
	assert_false(filter_match(&f, &o));
	f.since.tv_sec = 1700000000;
	f.has_until = true;
	f.until = (struct timespec){1700000000, 0};
	assert_true(filter_match(&f, &o));
	json_object_clear(&o);
	/* a record without time never matches a time filter */
	parse_ok("{\"seq\":1}", &o);
	assert_false(filter_match(&f, &o));
	json_object_clear(&o);
}

/* The Linux audit message: names ausearch can parse, hostile values hexed
 * (also for '=' and quotes, which ausearch's strstr() scans would misread),
 * the anchor quoted so auparse does not "decode" it. */
static void test_linux_format(void **state)
{
	(void)state;
	_cleanup_strbuf_ struct strbuf m = STRBUF_INIT;
	struct audit_event ev = AUDIT_EVENT_INIT(AUDIT_EV_DECISION);
	struct trail_anchor a = {.seq = 42, .segment = ""};
	memcpy(a.hash, CHAIN_ZERO, sizeof(a.hash));
	ev.op = "load";
	ev.module = "a b";
	ev.requested = "res=success";
	ev.reason = "it's";
	ev.decision = "deny";
	ev.exe = "/usr/bin/bash";
	ev.uid = 1000;
	assert_int_equal(linux_audit_format(&ev, &a, &m), 0);
	assert_string_equal(m.buf,
			    "op=module-load event=decision module=612062 "
			    "requested=7265733D73756363657373 decision=\"deny\" reason=69742773 "
			    "uid=1000 caller=\"/usr/bin/bash\" trail_seq=42 "
			    "trail_hash=\"" CHAIN_ZERO "\"");
	assert_false(linux_audit_res(&ev));
	assert_int_equal(linux_audit_type(ev.type), 1121);
	assert_int_equal(linux_audit_type(AUDIT_EV_POLICY_LOAD), 2310);
	assert_int_equal(linux_audit_type(AUDIT_EV_MODE_CHANGE), 2313);

	/* Not in the trail; an early segment; an overlong value cut at 160. */
	char big[400];
	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ev = (struct audit_event)AUDIT_EVENT_INIT(AUDIT_EV_POLICY_REFUSAL);
	ev.path = big;
	assert_int_equal(linux_audit_format(&ev, NULL, &m), 0);
	assert_non_null(strstr(m.buf, "op=policy-refusal path=\""));
	assert_non_null(strstr(m.buf, " trail=unrecorded"));
	assert_int_equal(strlen(m.buf),
			 strlen("op=policy-refusal path=\"\" trail=unrecorded") + 160);
	memcpy(a.segment, "0123456789abcdef0123456789abcdef", SEGMENT_ID_LEN + 1);
	ev.path = NULL;
	assert_int_equal(linux_audit_format(&ev, &a, &m), 0);
	assert_non_null(strstr(m.buf, " trail_segment=\"0123456789abcdef0123456789abcdef\""));
}

/* The syslog line: readable, and no byte a log viewer would obey. */
static void test_summary(void **state)
{
	(void)state;
	_cleanup_strbuf_ struct strbuf m = STRBUF_INIT;
	struct audit_event ev = AUDIT_EVENT_INIT(AUDIT_EV_RESULT);
	struct trail_anchor a = {.seq = 7};
	ev.op = "load";
	ev.module = "x\n\x1b[2Jy z";
	ev.has_result = true;
	ev.result_errno = 17;
	assert_int_equal(audit_summary(&ev, &a, &m), 0);
	assert_string_equal(m.buf, "result op=load module=x\\x0a\\x1b[2Jy\\x20z errno=17 seq=7");
	strbuf_clear(&m);
	assert_int_equal(audit_summary(&ev, NULL, &m), 0);
	assert_non_null(strstr(m.buf, " trail=unrecorded"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_specials),
		cmocka_unit_test(test_escape_utf8),
		cmocka_unit_test(test_roundtrip_random),
		cmocka_unit_test(test_parse_values),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_parse_limits),
		cmocka_unit_test(test_record_format),
		cmocka_unit_test(test_record_truncates),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_display_and_csv),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_linux_format),
		cmocka_unit_test(test_summary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
