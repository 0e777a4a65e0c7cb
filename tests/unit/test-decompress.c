// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * decompress_fd() in-process (the sandbox is tested in test-sandbox.c), over
 * streams made at test time by the xz, zstd and gzip command-line tools:
 * roundtrips, the output cap against 4 GiB bombs, truncated and corrupt
 * streams, decoder memory limits, wrong magic.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/fileio.h"
#include "common/macros.h"
#include "sandbox/decode.h"
#include "sandbox/libz-dl.h"

#define DATA_SIZE (3u << 20)

static char dir[] = "/tmp/modgate-test-decompress-XXXXXX";
static uint8_t *data;

struct format {
	const char *name;
	const char *compress; /* shell filter: stdin -> stdout */
	enum wire_compression kind;
};

static const struct format formats[] = {
	/* fast presets: the decoders see the same formats, the test runs in
	 * well under a second; crc32 as Kbuild's modules use */
	{"xz", "xz -T1 -0 --check=crc32 -c", WIRE_COMP_XZ},
	{"zstd", "zstd -q -1 -c", WIRE_COMP_ZSTD},
	{"gzip", "gzip -1 -c", WIRE_COMP_GZIP},
};

static void sh(const char *fmt, ...) _printf_(1, 2);
static void sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fail_msg("command failed: %s", cmd);
}

static const char *path(const char *name)
{
	static char buf[4][256];
	static int i;
	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

/* Text-like and random runs: compressible, yet not trivially. */
static void make_data(void)
{
	uint32_t x = 2463534242u;
	data = malloc(DATA_SIZE);
	assert_non_null(data);
	for (size_t i = 0; i < DATA_SIZE;) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		if (x & 1) {
			int n = snprintf((char *)data + i, DATA_SIZE - i, "symbol_%u=value\n",
					 x % 997);
			i += (size_t)n < DATA_SIZE - i ? (size_t)n : DATA_SIZE - i;
		} else {
			data[i++] = (uint8_t)(x >> 8);
		}
	}
}

static int setup(void **state)
{
	/* In-process: what a child A's prepare step does (sandbox/libz-dl.h). */
	if (libz_load() < 0)
		return -1;
	(void)state;
	/* meson sets it for us; the compressors would spend seconds filling
	 * their large windows with it */
	unsetenv("MALLOC_PERTURB_");
	if (!mkdtemp(dir))
		return -1;
	make_data();
	int fd = open(path("data"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write_all(fd, data, DATA_SIZE) < 0)
		return -1;
	close(fd);
	for (size_t i = 0; i < 3; i++)
		sh("%s < %s > %s", formats[i].compress, path("data"), path(formats[i].name));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sh("rm -rf %s", dir);
	free(data);
	return 0;
}

struct result {
	int64_t r;
	enum wire_compression kind;
	const char *why;
	int out; /* memfd with the output */
};

static struct result run_one(const char *file, uint64_t cap, bool mapped)
{
	struct result res = {.kind = WIRE_COMP_NONE};
	struct stat st;
	int in = open(file, O_RDONLY | O_CLOEXEC);
	assert_true(in >= 0);
	assert_int_equal(fstat(in, &st), 0);
	res.out = memfd_create("out", MFD_CLOEXEC);
	assert_true(res.out >= 0);
	res.r = decompress_fd(in, mapped ? (uint64_t)st.st_size : 0, res.out, cap, &res.kind,
			      &res.why);
	close(in);
	return res;
}

/* Both ways in, the file read in chunks and mapped whole: the same result
 * and message, and on success the same output, byte for byte (after an
 * error, how much was written before it depends on the input's pieces; the
 * parent discards it). */
static struct result run(const char *file, uint64_t cap)
{
	struct result rd = run_one(file, cap, false);
	char why[256] = "";
	struct stat a, b;

	if (rd.why)
		snprintf(why, sizeof(why), "%s", rd.why);
	struct result mp = run_one(file, cap, true);
	assert_int_equal(rd.r, mp.r);
	assert_int_equal(rd.kind, mp.kind);
	assert_int_equal(rd.why != NULL, mp.why != NULL);
	if (mp.why)
		assert_string_equal(why, mp.why);
	assert_int_equal(fstat(rd.out, &a), 0);
	assert_int_equal(fstat(mp.out, &b), 0);
	if (mp.r >= 0)
		assert_int_equal(a.st_size, b.st_size);
	if (mp.r >= 0 && a.st_size > 0) {
		void *x = mmap(NULL, (size_t)a.st_size, PROT_READ, MAP_PRIVATE, rd.out, 0);
		void *y = mmap(NULL, (size_t)b.st_size, PROT_READ, MAP_PRIVATE, mp.out, 0);
		assert_true(x != MAP_FAILED && y != MAP_FAILED);
		assert_memory_equal(x, y, (size_t)a.st_size);
		munmap(x, (size_t)a.st_size);
		munmap(y, (size_t)b.st_size);
	}
	close(rd.out);
	return mp;
}

static void expect_output(const struct result *res, const uint8_t *want, size_t len)
{
	struct stat st;
	assert_int_equal(fstat(res->out, &st), 0);
	assert_int_equal(st.st_size, len);
	uint8_t *got = mmap(NULL, len, PROT_READ, MAP_PRIVATE, res->out, 0);
	assert_true(got != MAP_FAILED);
	assert_memory_equal(got, want, len);
	munmap(got, len);
}

static void test_detect(void **state)
{
	(void)state;
	assert_int_equal(compression_detect((const uint8_t *)"\x28\xb5\x2f\xfd", 4),
			 WIRE_COMP_ZSTD);
	assert_int_equal(compression_detect((const uint8_t *)"\xfd"
							     "7zXZ\0",
					    6),
			 WIRE_COMP_XZ);
	assert_int_equal(compression_detect((const uint8_t *)"\xfd"
							     "7zXZ",
					    5),
			 WIRE_COMP_NONE);
	assert_int_equal(compression_detect((const uint8_t *)"\x1f\x8b", 2), WIRE_COMP_GZIP);
	assert_int_equal(compression_detect((const uint8_t *)"\x7f"
							     "ELF",
					    4),
			 WIRE_COMP_NONE);
	assert_int_equal(compression_detect((const uint8_t *)"", 0), WIRE_COMP_NONE);
}

static void test_roundtrip(void **state)
{
	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct result res = run(path(formats[i].name), 512u << 20);
		if (res.r != DATA_SIZE)
			fail_msg("%s: %lld (%s)", formats[i].name, (long long)res.r, res.why);
		assert_int_equal(res.kind, formats[i].kind);
		expect_output(&res, data, DATA_SIZE);
		close(res.out);
	}
}

/* The mapped path is really the one taken when the size is given: with the
 * descriptor's offset at the end, reading finds no input at all, while the
 * mapping (from offset 0) holds the whole file. */
static void test_mapped_input_is_used(void **state)
{
	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct stat st;
		int in = open(path(formats[i].name), O_RDONLY | O_CLOEXEC);
		assert_true(in >= 0);
		assert_int_equal(fstat(in, &st), 0);
		assert_int_equal(lseek(in, 0, SEEK_END), st.st_size);
		struct result res = {.out = memfd_create("out", MFD_CLOEXEC)};
		assert_true(res.out >= 0);
		res.r = decompress_fd(in, (uint64_t)st.st_size, res.out, 512u << 20, &res.kind,
				      &res.why);
		assert_int_equal(res.r, DATA_SIZE);
		expect_output(&res, data, DATA_SIZE);
		close(res.out);
		res.out = memfd_create("out", MFD_CLOEXEC);
		assert_true(res.out >= 0);
		res.r = decompress_fd(in, 0, res.out, 512u << 20, &res.kind, &res.why);
		assert_true(res.r < 0); /* read from the end: nothing */
		close(res.out);
		close(in);
	}
}

static void test_cap_is_exact(void **state)
{
	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct result res = run(path(formats[i].name), DATA_SIZE);
		assert_int_equal(res.r, DATA_SIZE);
		close(res.out);
		res = run(path(formats[i].name), DATA_SIZE - 1);
		assert_int_equal(res.r, -EFBIG);
		assert_string_equal(res.why, "decompressed size exceeds the cap of 3145727 bytes");
		close(res.out);
	}
}

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 4 GiB of zeros: 256 concatenated streams of 16 MiB each (valid for all
 * three formats), under a MiB on disk. The cap must stop it early. */
static void test_bomb_is_capped_fast(void **state)
{
	(void)state;
	for (size_t i = 0; i < 3; i++) {
		const char *one = path("zeros-one"), *bomb = path("bomb");
		sh("head -c 16M /dev/zero | %s > %s", formats[i].compress, one);
		sh("for i in 1 2 3 4 5 6 7 8; do cat %s %s > %s && mv %s %s; done && mv %s %s", one,
		   one, bomb, bomb, one, one, bomb);
		double t0 = seconds();
		struct result res = run(bomb, 16u << 20);
		double dt = seconds() - t0;
		assert_int_equal(res.r, -EFBIG);
		assert_int_equal(res.kind, formats[i].kind);
		assert_string_equal(res.why, "decompressed size exceeds the cap of 16777216 bytes");
		struct stat st;
		assert_int_equal(fstat(res.out, &st), 0);
		assert_true(st.st_size <= 16 << 20);
		/* decompressing all of it would take tens of seconds */
		if (dt > 3.0)
			fail_msg("%s bomb took %.2f s to refuse", formats[i].name, dt);
		close(res.out);
	}
}

static void test_truncated(void **state)
{
	(void)state;
	static const char *const messages[] = {"truncated xz stream", "truncated zstd stream",
					       "truncated gzip stream"};
	for (size_t i = 0; i < 3; i++) {
		struct stat st;
		assert_int_equal(stat(path(formats[i].name), &st), 0);
		/* cut in the middle, and cut just the last byte (gzip: its size
		 * trailer; xz: the stream footer; zstd: the checksum) */
		long cuts[] = {st.st_size / 2, st.st_size - 1};
		for (size_t c = 0; c < 2; c++) {
			sh("head -c %ld %s > %s", cuts[c], path(formats[i].name), path("cut"));
			struct result res = run(path("cut"), 512u << 20);
			assert_int_equal(res.r, -EINVAL);
			if (!res.why || strcmp(res.why, messages[i]) != 0)
				fail_msg("%s cut at %ld: '%s'", formats[i].name, cuts[c], res.why);
			close(res.out);
		}
	}
}

static void test_corrupt(void **state)
{
	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct stat st;
		assert_int_equal(stat(path(formats[i].name), &st), 0);
		sh("cp %s %s && printf '\\377\\377\\377\\377' | dd of=%s bs=1 seek=%ld "
		   "conv=notrunc "
		   "status=none",
		   path(formats[i].name), path("bad"), path("bad"), (long)st.st_size / 3);
		struct result res = run(path("bad"), 512u << 20);
		assert_int_equal(res.r, -EINVAL);
		assert_non_null(res.why);
		assert_non_null(strstr(res.why, formats[i].name));
		close(res.out);
	}
}

static void test_wrong_magic(void **state)
{
	(void)state;
	struct result res = run(path("data"), 512u << 20);
	assert_int_equal(res.r, -EINVAL);
	assert_int_equal(res.kind, WIRE_COMP_NONE);
	assert_string_equal(res.why, "unknown compression format");
	close(res.out);
}

static void test_decoder_memory_is_bounded(void **state)
{
	(void)state;
	sh("head -c 1000 %s | xz -T1 --lzma2=dict=128MiB -c > %s", path("data"), path("big.xz"));
	struct result res = run(path("big.xz"), 512u << 20);
	assert_int_equal(res.r, -ENOMEM);
	assert_string_equal(res.why, "xz: decoder needs more than the limit of 96 MiB");
	close(res.out);

	sh("head -c 1000 %s | zstd -q --zstd=wlog=28 -c > %s", path("data"), path("big.zst"));
	res = run(path("big.zst"), 512u << 20);
	assert_int_equal(res.r, -EINVAL);
	assert_string_equal(res.why, "zstd: window larger than the limit of 128 MiB");
	close(res.out);
}

static void test_gzip_members_and_trailing_data(void **state)
{
	(void)state;
	sh("cat %s %s > %s", path("gzip"), path("gzip"), path("two.gz"));
	struct result res = run(path("two.gz"), 512u << 20);
	assert_int_equal(res.r, 2 * DATA_SIZE);
	close(res.out);

	sh("cat %s > %s && printf 'garbage' >> %s", path("gzip"), path("tail.gz"), path("tail.gz"));
	res = run(path("tail.gz"), 512u << 20);
	assert_int_equal(res.r, -EINVAL);
	assert_string_equal(res.why, "gzip: trailing data after the stream");
	close(res.out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_mapped_input_is_used),
		cmocka_unit_test(test_cap_is_exact),
		cmocka_unit_test(test_bomb_is_capped_fast),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_wrong_magic),
		cmocka_unit_test(test_decoder_memory_is_bounded),
		cmocka_unit_test(test_gzip_members_and_trailing_data),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
