// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The whole privileged pipeline, inspect_file(): a module object compiled at
 * test time (cc -c with .modinfo and .gnu.linkonce.this_module sections),
 * plain and compressed by the xz, zstd and gzip tools, goes through children
 * A and B. The facts must be the same whatever the compression, the memfd
 * must hold exactly the module's bytes, sealed and read-only, and every
 * failure must come back as one clear sentence.
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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/fileio.h"
#include "common/macros.h"
#include "inspect/inspect.h"
#include "inspect/spawn.h"
#include "sandbox/child.h"

static char dir[] = "/tmp/modgate-test-inspect-XXXXXX";
static char *module_bytes;
static size_t module_len;

static const char fakemod_c[] =
	"struct fake_module { char head[24]; char name[56]; char rest[1000]; };\n"
	"__attribute__((section(\".gnu.linkonce.this_module\"), used))\n"
	"struct fake_module __this_module = {.name = \"fakemod\"};\n"
	"__attribute__((section(\".modinfo\"), used, aligned(1)))\n"
	"static const char m1[] = \"license=GPL\";\n"
	"__attribute__((section(\".modinfo\"), used, aligned(1)))\n"
	"static const char m2[] = \"description=made by the test\";\n"
	"extern int printk(const char *, ...);\n"
	"int fake_init(void) { return printk(\"hello\"); }\n";

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

static int setup(void **state)
{
	(void)state;
	/* meson sets it for us; the compressors would spend seconds filling
	 * their large windows with it */
	unsetenv("MALLOC_PERTURB_");
	if (!mkdtemp(dir))
		return -1;
	int fd = open(path("fakemod.c"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write_all(fd, fakemod_c, sizeof(fakemod_c) - 1) < 0)
		return -1;
	close(fd);
	sh("cd %s && cc -c -O2 fakemod.c -o fakemod.ko && xz -T1 -k fakemod.ko && "
	   "zstd -q -k fakemod.ko && gzip -k fakemod.ko",
	   dir);
	/* a module that is not an ELF object, and a decompression bomb */
	sh("cd %s && head -c 5000 /dev/urandom > random.ko && printf 'junk' | cat - random.ko "
	   "> notelf.ko && head -c 16M /dev/zero | xz -T1 -0 > bomb.ko.xz",
	   dir);
	return read_full_file(path("fakemod.ko"), 1 << 20, &module_bytes, &module_len);
}

static int teardown(void **state)
{
	(void)state;
	sh("rm -rf %s", dir);
	free(module_bytes);
	return 0;
}

static void expect_module(const struct inspected *in)
{
	assert_int_equal(in->size, module_len);
	assert_string_equal(in->facts.name, "fakemod");
	assert_int_equal(in->facts.n_modinfo, 2);
	/* the compiler chooses the order of the two strings in .modinfo */
	const char *a = in->facts.modinfo[0], *b = in->facts.modinfo[1];
	assert_true((streq(a, "license=GPL") && streq(b, "description=made by the test")) ||
		    (streq(b, "license=GPL") && streq(a, "description=made by the test")));
	assert_int_equal(in->facts.elf_class, 2 - (sizeof(void *) == 4));
	bool printk = false;
	for (size_t i = 0; i < in->facts.n_needs; i++)
		printk |= streq(in->facts.needs[i].name, "printk");
	assert_true(printk);
	assert_int_equal(in->facts.sig.state, WIRE_SIG_NONE);

	/* the sealed bytes are exactly the module */
	uint8_t *p = mmap(NULL, in->size, PROT_READ, MAP_PRIVATE, in->memfd_ro, 0);
	assert_true(p != MAP_FAILED);
	assert_memory_equal(p, module_bytes, module_len);
	munmap(p, in->size);
}

static void test_same_facts_whatever_the_compression(void **state)
{
	(void)state;
	static const struct {
		const char *file;
		enum wire_compression kind;
	} files[] = {
		{"fakemod.ko", WIRE_COMP_NONE},
		{"fakemod.ko.xz", WIRE_COMP_XZ},
		{"fakemod.ko.zst", WIRE_COMP_ZSTD},
		{"fakemod.ko.gz", WIRE_COMP_GZIP},
	};
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dirfd >= 0);
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		struct inspected in;
		struct strbuf err = STRBUF_INIT;
		int r = inspect_file(dirfd, files[i].file, NULL, &in, &err);
		if (r < 0)
			fail_msg("%s: %d %s", files[i].file, r, strbuf_str(&err));
		assert_int_equal(in.compression, files[i].kind);
		expect_module(&in);
		inspected_release(&in);
		assert_int_equal(in.memfd_ro, -1);
		strbuf_release(&err);
	}
	close(dirfd);
}

/* inspect_signature(): the same sealed bytes and ELF, and of the facts only
 * the ELF header's and the signature's (verify's scope). */
static void test_signature_scope(void **state)
{
	(void)state;
	static const char *const files[] = {"fakemod.ko", "fakemod.ko.xz", "fakemod.ko.zst",
					    "fakemod.ko.gz"};
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		struct inspected in;
		struct strbuf err = STRBUF_INIT;
		int r = inspect_signature(AT_FDCWD, path(files[i]), NULL, &in, &err);
		if (r < 0)
			fail_msg("%s: %d %s", files[i], r, strbuf_str(&err));
		assert_int_equal(in.facts.scope, WIRE_SCOPE_SIGNATURE);
		assert_null(in.facts.name);
		assert_int_equal(in.facts.n_modinfo + in.facts.n_exports + in.facts.n_needs +
					 in.facts.n_versions,
				 0);
		assert_int_equal(in.facts.elf_absent, WIRE_ABSENT_MODINFO | WIRE_ABSENT_EXPORTS |
							      WIRE_ABSENT_VERSIONS |
							      WIRE_ABSENT_SYMTAB);
		assert_int_equal(in.facts.elf_class, 2 - (sizeof(void *) == 4));
		assert_int_equal(in.facts.sig.state, WIRE_SIG_NONE);
		assert_int_equal(in.size, module_len);
		uint8_t *p = mmap(NULL, in.size, PROT_READ, MAP_PRIVATE, in.memfd_ro, 0);
		assert_true(p != MAP_FAILED);
		assert_memory_equal(p, module_bytes, module_len);
		munmap(p, in.size);
		inspected_release(&in);
		strbuf_release(&err);
	}
	/* and a whole module's parse says its scope too */
	struct inspected in;
	struct strbuf err = STRBUF_INIT;
	assert_int_equal(inspect_file(AT_FDCWD, path("fakemod.ko"), NULL, &in, &err), 0);
	assert_int_equal(in.facts.scope, WIRE_SCOPE_MODULE);
	inspected_release(&in);
	strbuf_release(&err);
}

/* Real root in the initial user namespace (fakeroot fakes getuid() in libc,
 * not the syscall); tests/integration/test-sandbox.sh says so explicitly. */
static bool can_become_nobody(void)
{
	const char *env = getenv("MODGATE_TEST_EXPECT_DROP");
	char *map = NULL;
	size_t len;

	if (env)
		return streq(env, "1");
	bool init_ns = read_full_file("/proc/self/uid_map", 4096, &map, &len) == 0 &&
		       strstr(map, "4294967295") != NULL;
	free(map);
	return init_ns && syscall(SYS_getuid) == 0;
}

/* The descriptor a load would hand to finit_module. */
static void test_memfd_is_sealed_and_read_only(void **state)
{
	(void)state;
	struct inspected in;
	struct strbuf err = STRBUF_INIT;
	assert_int_equal(inspect_file(AT_FDCWD, path("fakemod.ko.xz"), NULL, &in, &err), 0);

	int seals = fcntl(in.memfd_ro, F_GET_SEALS);
	int want = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;
	assert_int_equal(seals & want, want);
	assert_int_equal(fcntl(in.memfd_ro, F_GETFL) & O_ACCMODE, O_RDONLY);
	assert_int_equal(write(in.memfd_ro, "x", 1), -1);
	assert_int_equal(errno, EBADF);

	/* Root may reopen any file for writing (DAC override), but the seals
	 * still refuse every change to the bytes. */
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", in.memfd_ro);
	int rw = open(proc, O_RDWR | O_CLOEXEC);
	if (rw >= 0) {
		assert_int_equal(write(rw, "x", 1), -1);
		assert_int_equal(errno, EPERM);
		assert_int_equal(ftruncate(rw, 0), -1);
		assert_int_equal(errno, EPERM);
		assert_int_equal(fcntl(rw, F_ADD_SEALS, F_SEAL_FUTURE_WRITE), -1);
		close(rw);
	}
	/* Anyone else cannot even open it for writing: the memfd is 0400. */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (syscall(SYS_setresgid, 65534, 65534, 65534) < 0 ||
		    syscall(SYS_setresuid, 65534, 65534, 65534) < 0)
			_exit(3); /* not root: nothing to prove here */
		int fd = open(proc, O_RDWR | O_CLOEXEC);
		_exit(fd < 0 && errno == EACCES ? 0 : 1);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (can_become_nobody())
		assert_int_equal(WEXITSTATUS(status), 0);
	else
		assert_true(WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3);

	uint8_t *p = mmap(NULL, in.size, PROT_READ, MAP_PRIVATE, in.memfd_ro, 0);
	assert_memory_equal(p, module_bytes, module_len);
	munmap(p, in.size);
	inspected_release(&in);
	strbuf_release(&err);
}

/* A child that still holds a writable descriptor when the parent seals
 * cannot change a byte. */
static int child_write_after_seal(void *arg, int fd)
{
	const int *fds = arg; /* [0] sync pipe (read), [1] memfd (write) */
	char c;
	if (read(fds[0], &c, 1) != 1)
		return -1;
	ssize_t n = write(fds[1], "X", 1);
	int e = errno;
	struct wire_writer w;
	char msg[64];
	snprintf(msg, sizeof(msg), "write %zd %s", n, n < 0 ? strerrorname_np(e) : "ok");
	wire_writer_init(&w, WIRE_MSG_TEST);
	wire_put_str(&w, WT_TEST_RESULT, msg);
	int r = wire_send(&w, fd);
	wire_writer_release(&w);
	return r;
}

static void test_child_cannot_write_after_seal(void **state)
{
	(void)state;
	int memfd = memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	int sync[2];
	assert_true(memfd >= 0);
	assert_int_equal(pipe(sync), 0);
	assert_int_equal(write(memfd, "module", 6), 6);
	int fds[2] = {sync[0], memfd};
	struct sandbox_params p = {
		.role = SANDBOX_ROLE_DECOMPRESS,
		.in_fds = &fds[0],
		.n_in_fds = 1,
		.out_fds = &fds[1],
		.n_out_fds = 1,
		.fsize_limit = 1 << 20,
	};
	struct child_proc c;
	struct child_reply rep;
	struct strbuf err = STRBUF_INIT;
	assert_int_equal(child_start(&p, child_write_after_seal, fds, 10000, &c), 0);
	assert_int_equal(
		fcntl(memfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE),
		0);
	assert_int_equal(write(sync[1], "g", 1), 1);
	int r = child_finish(&c, &rep, &err);
	if (r < 0)
		fail_msg("%s", strbuf_str(&err));
	assert_int_equal(rep.type, WIRE_MSG_TEST);
	/* field header (8 bytes), then the text */
	assert_true(rep.len > 8);
	assert_memory_equal(rep.body + 8, "write -1 EPERM", rep.len - 8);
	char buf[8] = {0};
	assert_int_equal(pread(memfd, buf, sizeof(buf), 0), 6);
	assert_string_equal(buf, "module");
	child_reply_release(&rep);
	strbuf_release(&err);
	close(sync[0]);
	close(sync[1]);
	close(memfd);
}

static void expect_failure(const char *file, const struct inspect_limits *lim, int want_r,
			   const char *want_err)
{
	struct inspected in;
	struct strbuf err = STRBUF_INIT;
	int r = inspect_file(AT_FDCWD, file, lim, &in, &err);
	if (r != want_r || strcmp(strbuf_str(&err), want_err) != 0)
		fail_msg("%s: got %d '%s', wanted %d '%s'", file, r, strbuf_str(&err), want_r,
			 want_err);
	assert_int_equal(in.memfd_ro, -1);
	assert_null(in.facts.name);
	strbuf_release(&err);
}

static void test_failures_are_clear(void **state)
{
	(void)state;
	struct inspect_limits small = {.max_module_bytes = 1 << 20, .timeout_ms = 10000};
	expect_failure(path("bomb.ko.xz"), &small, -EFBIG,
		       "decompressed size exceeds the cap of 1048576 bytes");
	struct inspect_limits tiny = {.max_module_bytes = 1000, .timeout_ms = 10000};
	char want[128];
	snprintf(want, sizeof(want), "module size %zu exceeds the cap of 1000 bytes", module_len);
	expect_failure(path("fakemod.ko"), &tiny, -EFBIG, want);
	expect_failure(path("notelf.ko"), NULL, -ENOEXEC, "not an ELF file (bad magic)");
	expect_failure(path("missing.ko"), NULL, -ENOENT,
		       "cannot open the module: No such file or directory");
	expect_failure(dir, NULL, -EINVAL, "not a regular file");

	sh("head -c 300 %s > %s", path("fakemod.ko.xz"), path("cut.ko.xz"));
	expect_failure(path("cut.ko.xz"), NULL, -EINVAL, "truncated xz stream");

	/* A FIFO must not hang the parent. */
	assert_int_equal(mkfifo(path("fifo.ko"), 0600), 0);
	expect_failure(path("fifo.ko"), NULL, -EINVAL, "not a regular file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_facts_whatever_the_compression),
		cmocka_unit_test(test_memfd_is_sealed_and_read_only),
		cmocka_unit_test(test_signature_scope),
		cmocka_unit_test(test_child_cannot_write_after_seal),
		cmocka_unit_test(test_failures_are_clear),
	};
	/* meson runs this twice: with the zygote, and with every child forked */
	if (getenv("MODGATE_TEST_NO_ZYGOTE"))
		child_zygote_enable(false);
	return cmocka_run_group_tests(tests, setup, teardown);
}
