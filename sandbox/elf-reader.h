/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A bounds-checked reader for the section view of an ELF relocatable object,
 * for 32/64-bit and either byte order. Runs only inside a sandboxed child,
 * over untrusted bytes.
 *
 * elf_open() validates the whole section header table once (every section
 * that occupies file bytes lies inside the image and overlaps no other one,
 * the header or the table; every name is inside the NUL-terminated section
 * name table), so later lookups only need to check offsets inside a section.
 *
 * Not named elf.h: sandbox/ is on the include path and would shadow <elf.h>.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf_section {
	uint64_t offset;
	uint64_t size;
	uint32_t type;
	const char *name; /* inside the section name table, NUL-terminated */
};

struct elf_file {
	const uint8_t *buf;
	size_t len;
	bool is64;
	bool msb;
	uint16_t machine;
	uint16_t shnum;
	struct elf_section *sec; /* shnum entries; [0] is the null section */
};

/* 0, or -ENOEXEC (not an ELF object at all), -EINVAL (malformed) or -ENOMEM,
 * with *why naming the cause. The buffer must outlive e. */
int elf_open(struct elf_file *e, const uint8_t *buf, size_t len, const char **why);
void elf_close(struct elf_file *e);

/* First section with this name (index >= 1), as kmod looks sections up; NULL if none. */
const struct elf_section *elf_find(const struct elf_file *e, const char *name);

/* Unsigned integer of 1, 2, 4 or 8 bytes at off in the file's byte order. The
 * caller has checked that [off, off + size) is inside the image. */
uint64_t elf_uint(const struct elf_file *e, uint64_t off, unsigned int size);

/* Does the section hold file bytes (not SHT_NOBITS)? Only those were range-checked. */
bool elf_section_has_bytes(const struct elf_section *s);

/* A message with numbers in it for *why: a per-thread buffer the next call reuses. */
const char *elf_whyf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
