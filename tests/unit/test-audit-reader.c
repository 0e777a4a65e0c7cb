// SPDX-License-Identifier: LGPL-2.1-or-later
/* The trail read as hostile input: crafted and mutated trails never crash
 * the reader or the verifier, and every complaint names its line. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "audit/reader.h"
#include "audit/record.h"
#include "audit/trail.h"
#include "audit/verify.h"
#include "common/fileio.h"

struct fx {
	char dir[64];
	int dfd;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/modgate-audit-reader.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	f->dfd = open(f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(f->dfd >= 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];
	close(f->dfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void put(struct fx *f, const char *name, const void *data, size_t len)
{
	int fd = openat(f->dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, data, len), 0);
	close(fd);
}

/* A valid trail of n records written by the real writer. */
static void write_trail(struct fx *f, int n)
{
	struct trail t;
	assert_int_equal(trail_open(f->dir, false, &t), 0);
	for (int i = 0; i < n; i++) {
		struct audit_event ev = AUDIT_EVENT_INIT(AUDIT_EV_DECISION);
		const struct audit_event *evs[] = {&ev};
		ev.time = (struct timespec){1700000000 + i, 0};
		ev.module = "m";
		ev.decision = "allow";
		assert_int_equal(trail_append(&t, evs, 1, NULL), 0);
	}
	trail_close(&t);
}

static enum verify_problem verify(struct fx *f, struct verify_result *v)
{
	assert_int_equal(trail_verify(f->dfd, NULL, 0, v), 0);
	return v->problem;
}

static void test_garbage_line(void **state)
{
	struct fx *f = *state;
	struct verify_result v;
	size_t len;
	char *data = NULL;

	write_trail(f, 4);
	assert_int_equal(read_full_file_at(f->dfd, TRAIL_CURRENT, 1 << 20, &data, &len), 0);
	char *l3 = strchr(strchr(data, '\n') + 1, '\n') + 1;
	memcpy(l3 + 17, "\x01", 1); /* a control byte inside the prev string */
	put(f, TRAIL_CURRENT, data, len);
	free(data);
	assert_int_equal(verify(f, &v), VERIFY_MALFORMED);
	assert_int_equal(v.line, 3);
	assert_string_equal(v.file, TRAIL_CURRENT);
	assert_non_null(strstr(v.message, "control character in string at column 18"));
}

static void test_long_line(void **state)
{
	struct fx *f = *state;
	struct verify_result v;
	size_t big = JSON_LINE_MAX * 3;
	char *data = malloc(big + 64);

	memset(data, 'x', big);
	memcpy(data + big, "\n{}\n", 4);
	put(f, TRAIL_CURRENT, data, big + 4);
	assert_int_equal(verify(f, &v), VERIFY_MALFORMED);
	assert_int_equal(v.line, 1);
	assert_non_null(strstr(v.message, "line longer than"));

	/* The line reader skips it and goes on with the next line. */
	struct line_reader lr;
	const char *line;
	size_t len;
	bool torn;
	assert_int_equal(line_reader_open(f->dfd, TRAIL_CURRENT, &lr), 0);
	assert_int_equal(line_reader_next(&lr, &line, &len, &torn), -EMSGSIZE);
	assert_int_equal(line_reader_next(&lr, &line, &len, &torn), 1);
	assert_int_equal(lr.lineno, 2);
	assert_int_equal(len, 2);
	assert_false(torn);
	assert_int_equal(line_reader_next(&lr, &line, &len, &torn), 0);
	line_reader_close(&lr);

	/* Exactly JSON_LINE_MAX is a line; one more is not; a torn last line
	 * is reported as such. */
	memset(data, 'y', JSON_LINE_MAX + 1);
	data[JSON_LINE_MAX] = '\n';
	memcpy(data + JSON_LINE_MAX + 1, "tail", 4);
	put(f, TRAIL_CURRENT, data, JSON_LINE_MAX + 5);
	assert_int_equal(line_reader_open(f->dfd, TRAIL_CURRENT, &lr), 0);
	assert_int_equal(line_reader_next(&lr, &line, &len, &torn), 1);
	assert_int_equal(len, JSON_LINE_MAX);
	assert_int_equal(line_reader_next(&lr, &line, &len, &torn), 1);
	assert_int_equal(len, 4);
	assert_true(torn);
	assert_int_equal(line_reader_next(&lr, &line, &len, &torn), 0);
	line_reader_close(&lr);
	data[JSON_LINE_MAX] = 'y';
	put(f, TRAIL_CURRENT, data, JSON_LINE_MAX + 1);
	assert_int_equal(line_reader_open(f->dfd, TRAIL_CURRENT, &lr), 0);
	assert_int_equal(line_reader_next(&lr, &line, &len, &torn), -EMSGSIZE);
	assert_int_equal(line_reader_next(&lr, &line, &len, &torn), 0);
	line_reader_close(&lr);
	free(data);
}

static void test_start_and_empty(void **state)
{
	struct fx *f = *state;
	struct verify_result v;
	struct verify_anchor a;

	assert_int_equal(verify(f, &v), VERIFY_OK);
	assert_int_equal(v.records, 0);
	put(f, TRAIL_CURRENT, "", 0);
	assert_int_equal(verify(f, &v), VERIFY_OK);
	assert_int_equal(verify_anchor_parse("3:" CHAIN_ZERO, &a), 0);
	assert_int_equal(trail_verify(f->dfd, &a, 1, &v), 0);
	assert_int_equal(v.problem, VERIFY_CUT);

	const char *l = "{\"seq\":7,\"prev\":\"" CHAIN_ZERO "\",\"type\":\"decision\"}\n";
	put(f, TRAIL_CURRENT, l, strlen(l));
	assert_int_equal(verify(f, &v), VERIFY_START_MISSING);
	assert_non_null(strstr(v.message, "starts at seq 7"));
	/* A stray file that looks rotated but is not part of the chain. */
	put(f, "trail-000000000001.jsonl", "{}\n", 3);
	assert_int_equal(verify(f, &v), VERIFY_MALFORMED);
	assert_string_equal(v.file, "trail-000000000001.jsonl");
}

static void test_anchor_parse(void **state)
{
	(void)state;
	struct verify_anchor a;
	const char *seg = "0123456789abcdef0123456789abcdef";
	char buf[200];

	assert_int_equal(verify_anchor_parse("12:" CHAIN_ZERO, &a), 0);
	assert_int_equal(a.seq, 12);
	assert_string_equal(a.segment, "");
	snprintf(buf, sizeof(buf), "%s:3:%s", seg, CHAIN_ZERO);
	assert_int_equal(verify_anchor_parse(buf, &a), 0);
	assert_string_equal(a.segment, seg);
	assert_int_equal(a.seq, 3);
	assert_int_equal(verify_anchor_parse("0:" CHAIN_ZERO, &a), -EINVAL);
	assert_int_equal(verify_anchor_parse("-1:" CHAIN_ZERO, &a), -EINVAL);
	assert_int_equal(verify_anchor_parse("12:abc", &a), -EINVAL);
	assert_int_equal(verify_anchor_parse("12", &a), -EINVAL);
	assert_int_equal(verify_anchor_parse("x:12:" CHAIN_ZERO, &a), -EINVAL);
	assert_int_equal(verify_anchor_parse("99999999999999999999999:" CHAIN_ZERO, &a), -EINVAL);
}

/* Random byte flips, cuts and inserted newlines over a valid trail: the
 * verifier always answers, and only an untouched trail is intact. */
static void test_mutations(void **state)
{
	struct fx *f = *state;
	struct verify_result v;
	char *orig = NULL;
	size_t len;

	write_trail(f, 12);
	assert_int_equal(read_full_file_at(f->dfd, TRAIL_CURRENT, 1 << 20, &orig, &len), 0);
	char *buf = malloc(len + 16);
	/* Nothing commits to the last line: only an anchor protects it. */
	size_t last = len - 1;
	while (last > 0 && orig[last - 1] != '\n')
		last--;
	srand(3);
	for (int i = 0; i < 1500; i++) {
		size_t n = len;
		memcpy(buf, orig, len);
		int kind = rand() % 4;
		size_t at = (size_t)rand() % len;
		if (kind == 0)
			buf[at] = (char)(buf[at] ^ (1 + rand() % 255));
		else if (kind == 1)
			n = at;
		else if (kind == 2)
			buf[at] = '\n';
		else
			buf[at] = (char)(rand() % 256);
		put(f, TRAIL_CURRENT, buf, n);
		assert_int_equal(trail_verify(f->dfd, NULL, 0, &v), 0);
		if (n == len && memcmp(buf, orig, len) == 0)
			assert_int_equal(v.problem, VERIFY_OK);
		else if (v.problem == VERIFY_OK)
			/* only a cut at a line boundary, or an edit of the last
			 * line, passes without an anchor */
			assert_true((n < len && (n == 0 || orig[n - 1] == '\n')) ||
				    (n == len && at >= last));
		else
			assert_true(v.line >= 1 || v.problem == VERIFY_CUT);
	}
	free(buf);
	free(orig);
}

static int count_cb(const struct walk_record *rec, void *data)
{
	struct strbuf *order = data;
	const char *m = rec->obj ? json_get_str(rec->obj, "module") : NULL;
	const char *t = rec->obj ? json_get_str(rec->obj, "type") : "bad";
	return strbuf_appendf(order, "%s%s%s ", rec->segment_file ? "e:" : "", m ? m : t,
			      rec->torn ? "(torn)" : "");
}

static void test_walk_order(void **state)
{
	struct fx *f = *state;
	const char *seg = "0123456789abcdef0123456789abcdef";
	char line[512];
	_cleanup_strbuf_ struct strbuf order = STRBUF_INIT;

	snprintf(line, sizeof(line),
		 "{\"seq\":1,\"prev\":\"%s\",\"type\":\"trail-start\"}\n"
		 "{\"seq\":2,\"prev\":\"%s\",\"type\":\"trail-carry\",\"segment\":\"%s\","
		 "\"file\":\"early-%s.jsonl\"}\n{\"seq\":3,\"module\":\"late\"}\nnot json\n{\"x",
		 CHAIN_ZERO, CHAIN_ZERO, seg, seg);
	put(f, TRAIL_CURRENT, line, strlen(line));
	snprintf(line, sizeof(line), "early-%s.jsonl", seg);
	put(f, line, "{\"module\":\"boot1\"}\n{\"module\":\"boot2\"}\n", 38);
	assert_int_equal(trail_walk(f->dfd, count_cb, &order), 0);
	assert_string_equal(order.buf,
			    "trail-start e:boot1 e:boot2 trail-carry late bad bad(torn) ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_garbage_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_and_empty, setup, teardown),
		cmocka_unit_test(test_anchor_parse),
		cmocka_unit_test_setup_teardown(test_mutations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_walk_order, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
