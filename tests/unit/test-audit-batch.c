// SPDX-License-Identifier: LGPL-2.1-or-later
/* audit_record_batch(): a plan's records in one trail write. The chain must
 * be byte for byte what single records give, a crash mid-batch must be
 * recovered like any torn line, and `audit required` must still fail a
 * batch that reached no trail. */
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

#include "audit/audit.h"
#include "audit/verify.h"
#include "common/fileio.h"

#define N 4

struct fx {
	char root[2][64];
	char main_dir[2][128], early_dir[2][128];
	struct audit_options o[2];
};

static void make_root(struct fx *f, int i)
{
	char path[160];
	snprintf(f->root[i], sizeof(f->root[i]), "/tmp/modgate-audit-batch.XXXXXX");
	assert_non_null(mkdtemp(f->root[i]));
	const char *sub[] = {"var", "var/log", "run"};
	for (size_t k = 0; k < 3; k++) {
		snprintf(path, sizeof(path), "%s/%s", f->root[i], sub[k]);
		assert_int_equal(mkdir(path, 0755), 0);
	}
	assert_int_equal(audit_dirs(f->root[i], f->main_dir[i], f->early_dir[i], 128), 0);
	f->o[i] = (struct audit_options)AUDIT_OPTIONS_DEFAULT;
	f->o[i].root = f->root[i];
	f->o[i].linux_audit = false;
	f->o[i].syslog = false;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	make_root(f, 0);
	make_root(f, 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", f->root[0], f->root[1]);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static const char *const modules[N] = {"nf_tables", "nft_ct", "nf \"quoted\"", "veth"};

static struct audit_event event(int i)
{
	struct audit_event ev = AUDIT_EVENT_INIT(i % 2 ? AUDIT_EV_RESULT : AUDIT_EV_DECISION);
	ev.time = (struct timespec){1700000000 + i, 1000 * i};
	ev.op = "load";
	ev.module = modules[i % N];
	ev.context = "cli";
	ev.decision = i % 2 ? NULL : "allow";
	ev.has_result = i % 2;
	ev.uid = 0;
	return ev;
}

static char *slurp(const char *dir, size_t *len)
{
	char path[256];
	char *data = NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, TRAIL_CURRENT);
	assert_int_equal(read_full_file(path, 1 << 24, &data, len), 0);
	return data;
}

static void verify(const char *dir, struct verify_result *v)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	assert_int_equal(trail_verify(dfd, NULL, 0, v), 0);
	close(dfd);
}

/* Root 1 gets root 0's trail, so both continue the same chain. */
static void same_start(struct fx *f)
{
	struct audit_event ev = event(100);
	struct audit_status st;
	char path[256];
	size_t len;
	assert_int_equal(audit_record(&f->o[0], &ev, &st), 0);
	assert_int_equal(audit_record(&f->o[1], &ev, &st), 0);
	_cleanup_free_ char *data = slurp(f->main_dir[0], &len);
	snprintf(path, sizeof(path), "%s/%s", f->main_dir[1], TRAIL_CURRENT);
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, data, len), 0);
	close(fd);
}

static void test_batch_is_the_chain_of_singles(void **state)
{
	struct fx *f = *state;
	struct audit_event evs[N];
	const struct audit_event *pe[N];
	struct audit_status st[N];
	size_t la, lb;

	same_start(f);
	for (int i = 0; i < N; i++) {
		evs[i] = event(i);
		pe[i] = &evs[i];
		assert_int_equal(audit_record(&f->o[0], &evs[i], &st[0]), 0);
		assert_true(st[0].recorded);
	}
	assert_int_equal(audit_record_batch(&f->o[1], pe, N, st), 0);
	for (int i = 0; i < N; i++) {
		assert_true(st[i].recorded);
		assert_int_equal(st[i].anchor.seq, 3 + i); /* after trail-start and same_start */
	}
	_cleanup_free_ char *a = slurp(f->main_dir[0], &la);
	_cleanup_free_ char *b = slurp(f->main_dir[1], &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	struct verify_result v;
	verify(f->main_dir[1], &v);
	assert_int_equal(v.problem, VERIFY_OK);
}

/* A crash in the middle of the batch's write: what reached the disk is a
 * prefix of complete, chained lines and a torn one. Nothing of the plan was
 * loaded (the gate loads only after the batch's fdatasync returned); the
 * next writer marks the torn line and the chain goes on. */
static void test_torn_batch_recovered(void **state)
{
	struct fx *f = *state;
	struct audit_event evs[N];
	const struct audit_event *pe[N];
	struct audit_status st[N];
	struct verify_result v;
	size_t len;

	same_start(f);
	for (int i = 0; i < N; i++) {
		evs[i] = event(i);
		pe[i] = &evs[i];
	}
	_cleanup_free_ char *before = slurp(f->main_dir[0], &len);
	assert_int_equal(audit_record_batch(&f->o[0], pe, N, st), 0);
	size_t full;
	_cleanup_free_ char *after = slurp(f->main_dir[0], &full);
	/* cut in the middle of the batch's third line */
	const char *p = after + len;
	for (int k = 0; k < 2; k++)
		p = strchr(p, '\n') + 1;
	size_t cut = (size_t)(p - after) + 20;
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", f->main_dir[0], TRAIL_CURRENT);
	assert_int_equal(truncate(path, (off_t)cut), 0);
	verify(f->main_dir[0], &v);
	assert_int_equal(v.problem, VERIFY_TRUNCATED);
	/* the next batch closes the torn line and continues the chain */
	assert_int_equal(audit_record_batch(&f->o[0], pe, N, st), 0);
	/* start, same_start, two whole lines of the batch, the recover record */
	assert_int_equal(st[0].anchor.seq, 6);
	verify(f->main_dir[0], &v);
	assert_int_equal(v.problem, VERIFY_OK);
	assert_int_equal(v.recovered, 1);
}

static void test_required_batch_unwritten(void **state)
{
	struct fx *f = *state;
	struct audit_event evs[N];
	const struct audit_event *pe[N];
	struct audit_status st[N];
	char cmd[600];

	for (int i = 0; i < N; i++) {
		evs[i] = event(i);
		pe[i] = &evs[i];
	}
	/* neither the trail nor the early fallback can be written */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && touch '%s' && touch '%s'", f->main_dir[0],
		 f->main_dir[0], f->early_dir[0]);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(audit_record_batch(&f->o[0], pe, N, st), -ENOTDIR);
	for (int i = 0; i < N; i++) {
		assert_false(st[i].recorded);
		assert_int_equal(st[i].trail_error, -ENOTDIR);
	}
	f->o[0].required = false;
	assert_int_equal(audit_record_batch(&f->o[0], pe, N, st), 0);
	for (int i = 0; i < N; i++)
		assert_false(st[i].recorded);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_batch_is_the_chain_of_singles, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_torn_batch_recovered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_required_batch_unwritten, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
