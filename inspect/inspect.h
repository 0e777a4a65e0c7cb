/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The privileged side of the sandbox: turn a module file into sealed bytes and
 * validated facts, parsing nothing itself.
 *
 *   open the file O_RDONLY|O_CLOEXEC; create a memfd (MFD_ALLOW_SEALING)
 *   compressed (by magic)? fork child A: decompress into the memfd, capped
 *   uncompressed: the parent copies the bytes (no parsing)
 *   reap A; seal the memfd (write, grow, shrink, seal); reopen it read-only via
 *   /proc/self/fd; close every writable fd; check seals and size
 *   fork child B over the read-only fd: parse; read its reply; validate
 *
 * So the facts describe exactly the bytes in `memfd_ro`, which is what a load
 * hands to finit_module.
 */
#pragma once

#include <stdint.h>

#include "common/strbuf.h"
#include "inspect/facts.h"

struct inspect_limits {
	uint64_t max_module_bytes; /* cap on the (decompressed) module size */
	unsigned int timeout_ms;   /* per child, wall clock; the child is killed after */
};

/* Defaults: 512 MiB, 30 s. */
extern const struct inspect_limits inspect_default_limits;

struct inspected {
	int memfd_ro;  /* parent: sealed, read-only fd of the module bytes; -1 if none */
	uint64_t size; /* parent: size of those bytes (fstat, after sealing) */
	enum wire_compression compression; /* parent: detected by magic on the opened file */
	struct module_facts facts;	   /* child B's validated reply */
};

/* Inspect the module file at path (relative to dirfd or absolute). lim NULL,
 * or a zero field in it, means the default.
 * 0 on success; on failure -errno and `err` holds one clear sentence naming the
 * cause ("decompression output exceeds 512 MiB", "child killed by signal 31
 * (SIGSYS)", "invalid reply: field 24 length past end of message"), without
 * the path (the caller adds it). */
int inspect_file(int dirfd, const char *path, const struct inspect_limits *lim,
		 struct inspected *out, struct strbuf *err);

/* The same steps, the same sealed bytes and the same ELF checks, but child B
 * sends only the ELF's class, data and machine and the signature facts: no
 * name, modinfo or symbols (facts.scope is WIRE_SCOPE_SIGNATURE, elf_absent
 * has every bit set). For a verdict on the signature, which reads nothing
 * else (`modgate verify`); a load needs inspect_file(). */
int inspect_signature(int dirfd, const char *path, const struct inspect_limits *lim,
		      struct inspected *out, struct strbuf *err);
void inspected_release(struct inspected *in);

/* What every inspecting process sets up once (libcap-ng and libseccomp
 * opened, OpenSSL's tables for child B), done now: a process about to fork
 * inspecting workers (modinfo, verify) calls it first, so the workers
 * inherit it instead of each doing it. 0 or -errno; inspect_file() does what
 * is missing anyway. */
int inspect_prepare(void);
