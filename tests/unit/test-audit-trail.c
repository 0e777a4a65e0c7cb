// SPDX-License-Identifier: LGPL-2.1-or-later
/* The trail writer and the chain verifier through their APIs, in a temp
 * root: chaining, rotation, torn-line recovery, early boot and carry-over,
 * `audit required`, flood control, and each kind of tampering. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <unistd.h>
#include <cmocka.h>

#include "audit/audit.h"
#include "audit/record.h"
#include "audit/verify.h"
#include "common/fileio.h"

struct fx {
	char root[64], main_dir[128], early_dir[128];
	struct audit_options o;
	time_t t;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char path[160];

	snprintf(f->root, sizeof(f->root), "/tmp/modgate-audit-unit.XXXXXX");
	assert_non_null(mkdtemp(f->root));
	snprintf(path, sizeof(path), "%s/var", f->root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/var/log", f->root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/run", f->root);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(audit_dirs(f->root, f->main_dir, f->early_dir, sizeof(f->main_dir)), 0);
	f->o = (struct audit_options)AUDIT_OPTIONS_DEFAULT;
	f->o.root = f->root;
	f->o.linux_audit = false;
	f->o.syslog = false;
	f->t = 1700000000;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->root);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* One decision event; time advances a second per call. */
static int emit(struct fx *f, const char *module, const char *context, const char *decision,
		struct audit_status *st)
{
	struct audit_event ev = AUDIT_EVENT_INIT(AUDIT_EV_DECISION);
	struct audit_status dummy;

	ev.time = (struct timespec){f->t++, 0};
	ev.op = "load";
	ev.module = module;
	ev.context = context;
	ev.decision = decision;
	ev.uid = 0;
	return audit_record(&f->o, &ev, st ? st : &dummy);
}

static void verify_dir(struct fx *f, const struct verify_anchor *a, size_t n,
		       struct verify_result *res)
{
	int dfd = open(f->main_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	assert_int_equal(trail_verify(dfd, a, n, res), 0);
	close(dfd);
}

static char *slurp(struct fx *f, const char *name, size_t *len)
{
	char path[256];
	char *data = NULL;
	snprintf(path, sizeof(path), "%s/%s", f->main_dir, name);
	assert_int_equal(read_full_file(path, 1 << 24, &data, len), 0);
	return data;
}

static void spit(struct fx *f, const char *name, const char *data, size_t len)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", f->main_dir, name);
	int fd = open(path, O_WRONLY | O_TRUNC | O_CREAT | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, data, len), 0);
	close(fd);
}

/* Start of line n (1-based) in data. */
static char *line_at(char *data, int n)
{
	for (int i = 1; i < n; i++)
		data = strchr(data, '\n') + 1;
	return data;
}

static void test_chain_and_anchors(void **state)
{
	struct fx *f = *state;
	struct audit_status st;
	struct verify_result v;

	for (int i = 0; i < 5; i++) {
		assert_int_equal(emit(f, "mod", "cli", "allow", &st), 0);
		assert_true(st.recorded);
		assert_false(st.early);
		/* seq 1 is the trail-start record */
		assert_int_equal(st.anchor.seq, (uint64_t)i + 2);
		assert_string_equal(st.anchor.segment, "");
	}
	struct verify_anchor a = {.seq = st.anchor.seq};
	memcpy(a.hash, st.anchor.hash, sizeof(a.hash));
	verify_dir(f, &a, 1, &v);
	assert_int_equal(v.problem, VERIFY_OK);
	assert_int_equal(v.records, 6);
	assert_int_equal(v.anchors_checked, 1);
	assert_string_equal(v.last_hash, st.anchor.hash);

	/* The anchor is the sha256 of the line itself. */
	size_t len;
	_cleanup_free_ char *data = slurp(f, TRAIL_CURRENT, &len);
	char *last = line_at(data, 6), hash[65];
	assert_int_equal(sha256_hex(last, strlen(last) - 1, hash), 0);
	assert_string_equal(hash, st.anchor.hash);
	struct stat sb;
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", f->main_dir, TRAIL_LOCK);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(stat(f->main_dir, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	/* Nothing is held once audit_record() returns: the gate calls
	 * finit_module next, and a module's init may run modprobe again. */
	int fd = open(path, O_RDWR | O_CLOEXEC);
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_OFD_SETLK, &fl), 0);
	close(fd);
}

/* Apply an edit to trail.jsonl and return what verify says. */
static enum verify_problem tamper(struct fx *f, void (*edit)(char *data, size_t *len),
				  const struct verify_anchor *a, size_t n, struct verify_result *v)
{
	size_t len;
	char *data = slurp(f, TRAIL_CURRENT, &len);
	edit(data, &len);
	spit(f, TRAIL_CURRENT, data, len);
	free(data);
	verify_dir(f, a, n, v);
	return v->problem;
}

static void edit_field(char *data, size_t *len)
{
	char *p = strstr(line_at(data, 3), "\"allow\"");
	memcpy(p, "\"ALLOW\"", 7);
}

static void delete_line(char *data, size_t *len)
{
	char *a = line_at(data, 3), *b = line_at(data, 4);
	memmove(a, b, (size_t)(data + *len - b));
	*len -= (size_t)(b - a);
}

static void swap_lines(char *data, size_t *len)
{
	char *a = line_at(data, 3), *b = line_at(data, 4), *c = line_at(data, 5);
	size_t la = (size_t)(b - a), lb = (size_t)(c - b);
	char tmp[4096];
	memcpy(tmp, a, la);
	memmove(a, b, lb);
	memcpy(a + lb, tmp, la);
}

static void truncate_mid(char *data, size_t *len)
{
	*len -= 20;
}

static void cut_last(char *data, size_t *len)
{
	*len = (size_t)(line_at(data, 5) - data);
}

static void test_tampering(void **state)
{
	struct fx *f = *state;
	struct verify_result v;
	size_t len;

	for (int i = 0; i < 5; i++)
		assert_int_equal(emit(f, "mod", "cli", "allow", NULL), 0);
	_cleanup_free_ char *orig = slurp(f, TRAIL_CURRENT, &len);

	assert_int_equal(tamper(f, edit_field, NULL, 0, &v), VERIFY_EDITED);
	assert_int_equal(v.line, 3);
	assert_non_null(strstr(v.message, "seq 3 was edited"));
	spit(f, TRAIL_CURRENT, orig, len);
	assert_int_equal(tamper(f, delete_line, NULL, 0, &v), VERIFY_DELETED);
	assert_int_equal(v.line, 3);
	assert_non_null(strstr(v.message, "seq 3 is missing"));
	spit(f, TRAIL_CURRENT, orig, len);
	assert_int_equal(tamper(f, swap_lines, NULL, 0, &v), VERIFY_REORDERED);
	assert_int_equal(v.line, 3);
	assert_non_null(strstr(v.message, "seq 4 comes before seq 3"));
	spit(f, TRAIL_CURRENT, orig, len);
	assert_int_equal(tamper(f, truncate_mid, NULL, 0, &v), VERIFY_TRUNCATED);
	assert_int_equal(v.line, 6);
	/* Cutting whole lines off the end leaves a valid chain... */
	spit(f, TRAIL_CURRENT, orig, len);
	assert_int_equal(tamper(f, cut_last, NULL, 0, &v), VERIFY_OK);
	/* ...which an anchor from off the machine exposes. */
	char hash[65];
	char *l6 = line_at(orig, 6);
	assert_int_equal(sha256_hex(l6, strlen(l6) - 1, hash), 0);
	struct verify_anchor a = {.seq = 6};
	memcpy(a.hash, hash, sizeof(hash));
	verify_dir(f, &a, 1, &v);
	assert_int_equal(v.problem, VERIFY_CUT);
	assert_non_null(strstr(v.message, "ends at seq 4 but an anchor names seq 6"));
	/* An anchor whose record differs: the chain was rewritten. */
	a.seq = 2;
	verify_dir(f, &a, 1, &v);
	assert_int_equal(v.problem, VERIFY_ANCHOR_MISMATCH);
}

static void test_rotation(void **state)
{
	struct fx *f = *state;
	struct verify_result v;
	struct audit_status st;

	f->o.rotate_bytes = 600;
	for (int i = 0; i < 20; i++)
		assert_int_equal(emit(f, "mod", "cli", "allow", &st), 0);
	verify_dir(f, NULL, 0, &v);
	assert_int_equal(v.problem, VERIFY_OK);
	assert_true(v.files >= 3);
	assert_int_equal(v.last_seq, st.anchor.seq);

	/* Removing the first file is detected by the trail-rotate record. */
	char path[256];
	snprintf(path, sizeof(path), "%s/trail-000000000001.jsonl", f->main_dir);
	assert_int_equal(unlink(path), 0);
	verify_dir(f, NULL, 0, &v);
	assert_int_equal(v.problem, VERIFY_START_MISSING);
	assert_int_equal(v.line, 1);
	assert_non_null(strstr(v.message, "continuing trail-000000000001.jsonl, which is missing"));
}

static void test_torn_line_recovered(void **state)
{
	struct fx *f = *state;
	struct verify_result v;
	struct audit_status st;

	for (int i = 0; i < 3; i++)
		assert_int_equal(emit(f, "mod", "cli", "allow", NULL), 0);
	/* A crash mid-write leaves half a line. */
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", f->main_dir, TRAIL_CURRENT);
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	assert_int_equal(write_all(fd, "{\"seq\":5,\"prev\":\"ab", 19), 0);
	close(fd);
	verify_dir(f, NULL, 0, &v);
	assert_int_equal(v.problem, VERIFY_TRUNCATED);
	/* The next writer closes it and the chain goes on. */
	assert_int_equal(emit(f, "mod", "cli", "allow", &st), 0);
	assert_int_equal(st.anchor.seq, 6);
	verify_dir(f, NULL, 0, &v);
	assert_int_equal(v.problem, VERIFY_OK);
	assert_int_equal(v.recovered, 1);
}

static void make_unwritable(const char *dir)
{
	char cmd[300];
	/* A file where the directory should be: even root cannot write there. */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && echo x > '%s'", dir, dir);
	assert_int_equal(system(cmd), 0);
}

static void test_early_and_carry(void **state)
{
	struct fx *f = *state;
	struct verify_result v;
	struct audit_status st;

	assert_int_equal(emit(f, "before", "cli", "allow", NULL), 0);
	make_unwritable(f->main_dir);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(emit(f, "early", "boot", "allow", &st), 0);
		assert_true(st.recorded);
		assert_true(st.early);
		assert_int_equal(st.trail_error, -ENOTDIR);
		assert_int_equal(strlen(st.anchor.segment), SEGMENT_ID_LEN);
	}
	char segment[SEGMENT_ID_LEN + 1];
	memcpy(segment, st.anchor.segment, sizeof(segment));
	struct verify_anchor a = {.seq = st.anchor.seq};
	memcpy(a.segment, segment, sizeof(segment));
	memcpy(a.hash, st.anchor.hash, sizeof(a.hash));

	/* /var/log becomes writable: the next record carries the segment. */
	unlink(f->main_dir);
	assert_int_equal(emit(f, "after", "cli", "allow", &st), 0);
	assert_true(st.carried);
	assert_false(st.early);
	assert_int_equal(st.carry_error, 0);
	/* The new directory holds trail-start, trail-carry and the event; the
	 * segment is verified against the carry record and the anchor. */
	verify_dir(f, &a, 1, &v);
	assert_int_equal(v.problem, VERIFY_OK);
	assert_int_equal(v.segments, 1);
	assert_int_equal(v.anchors_checked, 1);
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", f->early_dir, TRAIL_CURRENT);
	assert_int_equal(access(path, F_OK), -1);

	/* A carried segment that was cut is detected against its carry record. */
	char name[96];
	snprintf(name, sizeof(name), "early-%s.jsonl", segment);
	size_t len;
	_cleanup_free_ char *seg = slurp(f, name, &len);
	spit(f, name, seg, (size_t)(line_at(seg, 3) - seg));
	verify_dir(f, NULL, 0, &v);
	assert_int_equal(v.problem, VERIFY_CUT);
	assert_non_null(strstr(v.message, "carried at trail.jsonl:"));
	snprintf(path, sizeof(path), "%s/%s", f->main_dir, name);
	assert_int_equal(unlink(path), 0);
	verify_dir(f, NULL, 0, &v);
	assert_int_equal(v.problem, VERIFY_FILE_MISSING);
}

static void test_required(void **state)
{
	struct fx *f = *state;
	struct audit_status st;

	make_unwritable(f->main_dir);
	make_unwritable(f->early_dir);
	f->o.required = true;
	assert_int_equal(emit(f, "mod", "cli", "allow", &st), -ENOTDIR);
	assert_false(st.recorded);
	assert_int_equal(st.trail_error, -ENOTDIR);
	assert_int_equal(st.early_error, -ENOTDIR);
	f->o.required = false;
	assert_int_equal(emit(f, "mod", "cli", "allow", &st), 0);
	assert_false(st.recorded);
	assert_int_equal(st.trail_error, -ENOTDIR);
	/* Without the early fallback only the main trail counts. */
	f->o.required = true;
	f->o.early_fallback = false;
	unlink(f->early_dir);
	assert_int_equal(emit(f, "mod", "cli", "allow", &st), -ENOTDIR);
	assert_int_equal(st.early_error, 0);
}

static size_t count_lines(struct fx *f)
{
	size_t len, n = 0;
	_cleanup_free_ char *data = slurp(f, TRAIL_CURRENT, &len);
	for (size_t i = 0; i < len; i++)
		n += data[i] == '\n';
	return n;
}

static void test_flood(void **state)
{
	struct fx *f = *state;
	struct audit_status st;
	struct verify_result v;
	size_t suppressed = 0;

	f->o.flood = (struct flood_limits){.interval_s = 60, .burst = 3, .global = 10};
	for (int i = 0; i < 1000; i++) {
		f->t = 1700000000; /* all within one interval */
		assert_int_equal(emit(f, "dccp", "autoload", "deny", &st), 0);
		suppressed += st.suppressed;
		assert_true(st.suppressed != st.recorded);
	}
	assert_int_equal(suppressed, 997);
	assert_int_equal(count_lines(f), 1 + 3);
	/* A different context is never limited, even mid-flood. */
	assert_int_equal(emit(f, "dccp", "cli", "deny", &st), 0);
	assert_true(st.recorded);
	/* Nor is an aggregate already (the kernel side's refusals, folded). */
	struct audit_event agg = AUDIT_EVENT_INIT(AUDIT_EV_DECISION);
	agg.time = (struct timespec){f->t++, 0};
	agg.op = "load";
	agg.module = "dccp";
	agg.context = "autoload";
	agg.decision = "deny";
	agg.count = 40;
	assert_int_equal(audit_record(&f->o, &agg, &st), 0);
	assert_true(st.recorded);
	assert_false(st.suppressed);
	/* Many distinct names: the global limit caps them. */
	for (int i = 0; i < 500; i++) {
		char name[32];
		snprintf(name, sizeof(name), "alg-%d", i);
		f->t = 1700000001;
		assert_int_equal(emit(f, name, "autoload", "not-found", NULL), 0);
	}
	assert_int_equal(count_lines(f), 1 + 3 + 2 + 7);
	/* After the interval the next write brings the aggregates. */
	f->t = 1700000100;
	assert_int_equal(emit(f, "ext4", "boot", "allow", &st), 0);
	assert_true(st.recorded);
	size_t len;
	_cleanup_free_ char *data = slurp(f, TRAIL_CURRENT, &len);
	assert_non_null(strstr(data, "\"type\":\"flood\",\"op\":\"load\",\"module\":\"dccp\","
				     "\"decision\":\"deny\",\"context\":\"autoload\""));
	assert_non_null(strstr(data, "\"count\":997"));
	assert_non_null(strstr(data, "\"reason\":\"autoload denials over the global rate limit\","
				     "\"count\":493"));
	assert_int_equal(count_lines(f), 1 + 3 + 2 + 7 + 2 + 1);
	verify_dir(f, NULL, 0, &v);
	assert_int_equal(v.problem, VERIFY_OK);
}

static void test_private_dir(void **state)
{
	struct fx *f = *state;
	struct audit_status st;

	assert_int_equal(mkdir(f->main_dir, 0777), 0);
	assert_int_equal(chmod(f->main_dir, 0777), 0);
	f->o.early_fallback = false;
	/* A directory others can write is not the trail. */
	assert_int_equal(emit(f, "mod", "cli", "allow", &st), -EPERM);
	assert_int_equal(chmod(f->main_dir, 0700), 0);
	assert_int_equal(emit(f, "mod", "cli", "allow", &st), 0);
	/* A FIFO planted as the trail does not block the writer. */
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", f->main_dir, TRAIL_CURRENT);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(emit(f, "mod", "cli", "allow", &st), -EINVAL);
}

static void test_initramfs_detection(void **state)
{
	(void)state;
	char dir[] = "/dev/shm/modgate-initramfs.XXXXXX", path[64];
	struct statfs sb;

	/* A disk-backed root is never an initramfs. */
	assert_false(audit_in_initramfs("/var/tmp"));
	if (statfs("/dev/shm", &sb) < 0 || sb.f_type != TMPFS_MAGIC)
		skip();
	assert_non_null(mkdtemp(dir));
	assert_false(audit_in_initramfs(dir)); /* tmpfs, but no /init */
	snprintf(path, sizeof(path), "%s/init", dir);
	close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0700));
	assert_true(audit_in_initramfs(dir));
	unlink(path);
	snprintf(path, sizeof(path), "%s/etc", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/etc/initrd-release", dir);
	close(open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	assert_true(audit_in_initramfs(dir));
	unlink(path);
	snprintf(path, sizeof(path), "%s/etc", dir);
	rmdir(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_chain_and_anchors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_line_recovered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_early_and_carry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_required, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flood, setup, teardown),
		cmocka_unit_test_setup_teardown(test_private_dir, setup, teardown),
		cmocka_unit_test(test_initramfs_detection),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
