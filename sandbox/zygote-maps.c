// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The zygote's own image, reshaped (sandbox/zygote-maps.h). What a clone
 * costs is mostly page tables: the kernel copies the entries of every
 * mapping that holds private pages, and a child's exit tears down those and
 * every page it faulted in. Two kinds of mapping are worth moving, once:
 *
 *  - relocated read-only data (RELRO), anonymous once the loader wrote it:
 *    into sealed memfds, so a clone copies nothing for it;
 *  - the code and the read-only data around it, which every child faults in
 *    again (a dozen faults a child, each mapping 16 pages for the exit to
 *    tear down): into transparent huge pages, one page table entry a 2 MiB
 *    block, shared by every clone, no fault at all.
 *
 * Neither changes what a child reads or may do: the same bytes at the same
 * addresses, private and copy-on-write as before; a child's filter allows no
 * mprotect and no executable mmap, so it cannot write to its code either.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/macros.h"
#include "sandbox/child.h"
#include "sandbox/zygote-maps.h"

#ifndef PR_SET_VMA
#define PR_SET_VMA	     0x53564d41
#define PR_SET_VMA_ANON_NAME 0
#endif

#define MAPPINGS_MAX	512	    /* far more than a static (12) or dynamic (~60) zygote has */
#define RELRO_MAX_BYTES (64u << 20) /* a mapping beyond this is no RELRO */
#define HUGE_BYTES	(2u << 20) /* a PMD's worth on every 4 KiB-page architecture we build for */
#define IMAGE_MAX_BYTES (64u << 20) /* a binary's or library's code and constants, at most */
#define RELRO_NAME	"modgate-relro"

struct mapping {
	uintptr_t start, end;
	char perms[5];
	char dev[16]; /* major:minor, as maps prints it */
	unsigned long inode;
	bool relro_copy; /* one of ours (zygote_relro_to_sealed_files) */
	unsigned long anon_kb, anon_huge_kb;
};

struct mappings {
	struct mapping *m;
	size_t n;
};

/* The zygote's mappings from /proc/self/maps, or with their page counts
 * from smaps (which walks every page table: ~0.2 ms here), into memory
 * mapped for the purpose and unmapped after, so the scan leaves no heap or
 * stack pages behind for every clone to copy. false if it cannot be read. */
static bool mappings_read(struct mappings *out, bool counts)
{
	_cleanup_free_ char *smaps = NULL;
	size_t len;

	*out = (struct mappings){0};
	if (read_full_file(counts ? "/proc/self/smaps" : "/proc/self/maps", 8u << 20, &smaps,
			   &len) < 0)
		return false;
	out->m = mmap(NULL, MAPPINGS_MAX * sizeof(*out->m), PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (out->m == MAP_FAILED) {
		out->m = NULL;
		return false;
	}
	struct mapping *cur = NULL;
	for (char *line = smaps, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		unsigned long a, b, off, inode, kb;
		char perms[5], dev[16];
		int end = 0;
		if (sscanf(line, "%lx-%lx %4s %lx %15s %lu%n", &a, &b, perms, &off, dev, &inode,
			   &end) == 6) {
			if (out->n == MAPPINGS_MAX)
				break; /* the rest stays as it is */
			cur = &out->m[out->n++];
			*cur = (struct mapping){.start = a, .end = b, .inode = inode};
			memcpy(cur->perms, perms, sizeof(perms));
			memcpy(cur->dev, dev, sizeof(dev));
			cur->relro_copy = strstr(line + end, "/memfd:" RELRO_NAME " ") != NULL;
		} else if (cur && sscanf(line, "Anonymous: %lu kB", &kb) == 1) {
			cur->anon_kb = kb;
		} else if (cur && sscanf(line, "AnonHugePages: %lu kB", &kb) == 1) {
			cur->anon_huge_kb = kb;
		}
	}
	return true;
}

static void mappings_free(struct mappings *ms)
{
	if (ms->m)
		munmap(ms->m, MAPPINGS_MAX * sizeof(*ms->m));
	*ms = (struct mappings){0};
}

/* The whole mapping into fd, by the raw syscall: the pages hold other
 * objects' bytes and, in sanitizer builds, the redzones between globals,
 * which libc's write() would be reported for reading. 0 or -errno. */
static int copy_to_file(int fd, uintptr_t start, size_t len)
{
	for (size_t done = 0; done < len;) {
		long n = syscall(SYS_write, fd, start + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		done += (size_t)n;
	}
	return 0;
}

/* Relocated read-only data (RELRO: pointer tables the loader fixed up, 384
 * KiB in the static build, most of it libcrypto's) is anonymous memory once
 * written, and a clone copies the page table entries of every mapping that
 * has such pages, and the child's exit tears them down: ~100 entries a child
 * for data it hardly reads. Here each such mapping is copied into a sealed
 * memfd and that is mapped over it, privately: the same bytes, the same
 * protection, copy-on-write as before, but backed by a file, so a clone copies
 * nothing and a child faults in the few pages it reads (verify-all of the 6.1
 * tree: 913 -> 887 ms). The memfd is sealed before it is mapped, so nobody,
 * the zygote included, can change what the children see; a child that writes
 * to its copy writes to its copy. */
void zygote_relro_to_sealed_files(void)
{
	struct mappings ms;

	if (!mappings_read(&ms, true))
		return;
	for (size_t i = 0; i < ms.n; i++) {
		const struct mapping *m = &ms.m[i];
		size_t len = m->end - m->start;
		if (!streq(m->perms, "r--p") || m->inode == 0 || m->anon_kb == 0 ||
		    len > RELRO_MAX_BYTES)
			continue;
		int fd = memfd_create(RELRO_NAME, MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (fd < 0)
			break;
		if (copy_to_file(fd, m->start, len) < 0 ||
		    fcntl(fd, F_ADD_SEALS,
			  F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) < 0) {
			close(fd);
			continue;
		}
		void *p = mmap((void *)m->start, len, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
		close(fd);
		if (p == MAP_FAILED)
			_exit(SANDBOX_EXIT_PREPARE); /* unmapped, not replaced */
	}
	mappings_free(&ms);
}

/* Whether the kernel would give an madvise()d mapping of ours huge pages
 * at all: "always" or "madvise" chosen (no such file, no THP support), and
 * not refused to this process (PR_SET_THP_DISABLE, inherited). */
static bool thp_possible(void)
{
	char buf[128];
	ssize_t n;

	if (prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0) != 0)
		return false;
	int fd = open("/sys/kernel/mm/transparent_hugepage/enabled", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	do
		n = read(fd, buf, sizeof(buf) - 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, "[always]") || strstr(buf, "[madvise]");
}

/* Can this mapping's contents move to an anonymous private copy with no
 * change to what reads it: private, readable, never writable, and a file's
 * (the binary, a library, the RELRO memfds), not the vdso or a stack. */
static bool movable(const struct mapping *m)
{
	return m->perms[0] == 'r' && m->perms[1] == '-' && m->perms[3] == 'p' && m->inode != 0;
}

/* The bytes [src, src + len) into dst, through the kernel: the range holds
 * other objects' bytes and, in sanitizer builds, redzones that an
 * instrumented memcpy would be reported for reading. The zygote reads
 * itself, which needs no privilege. 0 or -errno. */
static int copy_own_memory(void *dst, uintptr_t src, size_t len)
{
	while (len > 0) {
		struct iovec local = {.iov_base = dst, .iov_len = len};
		struct iovec remote = {.iov_base = (void *)src, .iov_len = len};
		long n = syscall(SYS_process_vm_readv, (long)getpid(), &local, 1ul, &remote, 1ul,
				 0ul);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		dst = (uint8_t *)dst + n;
		src += (size_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/* Whether smaps counts [at, at + len) all in huge pages. (MADV_COLLAPSE
 * would say too, from Linux 6.1, but took 0.4-0.6 ms here to confirm a
 * range already huge; smaps takes 0.2.) */
static bool all_huge(uintptr_t at, size_t len)
{
	struct mappings ms;
	bool huge = false;

	if (!mappings_read(&ms, true))
		return false;
	for (size_t i = 0; i < ms.n; i++)
		if (ms.m[i].start == at)
			huge = ms.m[i].end - at == len && ms.m[i].anon_huge_kb * 1024 == len;
	mappings_free(&ms);
	return huge;
}

/* [at, at + len), 2 MiB-aligned, into a huge-page copy mapped over it. The
 * copy is made aside, made read and execute, then moved over the original
 * by one mremap(): this very code runs from the range being replaced, and
 * finds the same instructions at the same addresses when the call returns.
 * Any failure before the move leaves the original. mremap() checks what it
 * can (the map count) before it unmaps the target; should it still fail
 * after that (out of kernel memory), the range is gone and the zygote dies
 * on its next instruction, which costs speed, not answers: the parent then
 * forks every child itself (sandbox/zygote.h). */
static bool move_to_huge_pages(uintptr_t at, size_t len)
{
	size_t span = len + HUGE_BYTES; /* room to align the copy */
	uint8_t *raw = mmap(NULL, span, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (raw == MAP_FAILED)
		return false;
	uintptr_t copy = ((uintptr_t)raw + HUGE_BYTES - 1) & ~(uintptr_t)(HUGE_BYTES - 1);
	if (copy > (uintptr_t)raw)
		munmap(raw, copy - (uintptr_t)raw);
	if ((uintptr_t)raw + span > copy + len)
		munmap((void *)(copy + len), (uintptr_t)raw + span - (copy + len));
	void *p = (void *)copy;
	bool ok = madvise(p, len, MADV_HUGEPAGE) == 0 && copy_own_memory(p, at, len) == 0 &&
		  all_huge(copy, len) && mprotect(p, len, PROT_READ | PROT_EXEC) == 0;
	if (ok) {
		/* for /proc/PID/maps and profilers; needs CONFIG_ANON_VMA_NAME */
		(void)prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, copy, len, "modgate-image");
		ok = mremap(p, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)at) != MAP_FAILED;
	}
	if (!ok)
		munmap(p, len);
	return ok;
}

/* Does m continue the image that run (its first mapping of a file) began:
 * right after prev, movable, and the same file or our RELRO copy of its
 * part. Another file that happens to lie next to it (a data file a library
 * mapped, the locale archive) ends the run: it is not code, and may be
 * large. */
static bool continues(const struct mapping *run, const struct mapping *prev,
		      const struct mapping *m)
{
	return m->start == prev->end && movable(m) &&
	       (m->relro_copy || (m->inode == run->inode && streq(m->dev, run->dev)));
}

/* Each run of adjacent mappings of one file (with its RELRO copies) that
 * holds code, the whole 2 MiB blocks inside it. The blocks take one
 * protection, read and execute, so the read-only data that shares a block
 * with code becomes executable in the zygote and its children (as it was in
 * every binary before `ld -z separate-code`; SECURITY.md). The parent is
 * never changed. */
bool zygote_image_to_huge_pages(void)
{
	struct mappings ms;
	bool moved = false;

	if (!thp_possible() || !mappings_read(&ms, false))
		return false;
	for (size_t i = 0; i < ms.n;) {
		const struct mapping *run = &ms.m[i];
		size_t j = i + 1;
		bool code = run->perms[2] == 'x';
		if (!movable(run) || run->relro_copy) {
			i++;
			continue;
		}
		for (; j < ms.n && continues(run, &ms.m[j - 1], &ms.m[j]); j++)
			code = code || ms.m[j].perms[2] == 'x';
		uintptr_t lo = (run->start + HUGE_BYTES - 1) & ~(uintptr_t)(HUGE_BYTES - 1);
		uintptr_t hi = ms.m[j - 1].end & ~(uintptr_t)(HUGE_BYTES - 1);
		if (code && hi > lo && hi - lo <= IMAGE_MAX_BYTES)
			moved = move_to_huge_pages(lo, hi - lo) || moved;
		i = j;
	}
	mappings_free(&ms);
	return moved;
}
