/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers for the depmod unit tests: module records built the way the pool
 * builds them (a child's WIRE_MSG_FACTS reply, checked by reply_check()),
 * hand-made module lists, and capture of what depmod logs.
 */
#pragma once

#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/log.h"
#include "inspect/reply.h"
#include "moddb/depmod.h"
#include "sandbox/wire.h"

/* A record from lists of modinfo strings, exports ("name" or "name@crc") and
 * needs ("name", "~name" for a weak one, "name@crc"); NULL-terminated. */
static inline struct dm_record *test_record(const char *const *modinfo, const char *const *exports,
					     const char *const *needs)
{
	struct wire_writer w;
	wire_writer_init(&w, WIRE_MSG_FACTS);
	wire_put_u8(&w, WT_ELF_CLASS, 2);
	wire_put_u8(&w, WT_ELF_DATA, 1);
	wire_put_u16(&w, WT_ELF_MACHINE, 62);
	wire_put_u32(&w, WT_ELF_ABSENT, 0);
	for (size_t i = 0; modinfo && modinfo[i]; i++)
		wire_put_str(&w, WT_MODINFO, modinfo[i]);
	for (int pass = 0; pass < 2; pass++) {
		const char *const *list = pass ? needs : exports;
		for (size_t i = 0; list && list[i]; i++) {
			const char *s = list[i];
			bool weak = s[0] == '~';
			s += weak;
			const char *at = strchr(s, '@');
			size_t n = at ? (size_t)(at - s) : strlen(s);
			uint64_t crc = at ? strtoull(at + 1, NULL, 0) : 0;
			wire_put_symbol(&w, pass ? WT_NEED : WT_EXPORT, s, n, crc, at != NULL,
					weak ? STB_WEAK : STB_GLOBAL);
		}
	}
	struct child_reply rep = {WIRE_MSG_FACTS, w.buf + sizeof(struct wire_header),
				  w.len - sizeof(struct wire_header)};
	struct strbuf err = STRBUF_INIT;
	struct dm_record *r = NULL;
	if (w.error == 0 && reply_check(rep.type, rep.body, rep.len, &err) == 0)
		dm_record_from_reply(&rep, &r);
	strbuf_release(&err);
	wire_writer_release(&w);
	return r;
}

/* Append a module named name (file <name>.ko under /mods) owning rec. */
static inline struct dm_module *test_module(struct dm_modules *mods, const char *name,
					    struct dm_record *rec)
{
	struct dm_module *m = calloc(1, sizeof(*m));
	m->name = strdup(name);
	m->namelen = strlen(name);
	if (asprintf(&m->path, "/mods/%s.ko", name) < 0)
		abort();
	m->relpath = m->path + 6;
	m->baselen = 5;
	m->facts = m->facts_owned = rec;
	m->dep_sort_idx = INT32_MAX;
	m->idx = (uint32_t)mods->n;
	mods->v = realloc(mods->v, (mods->n + 1) * sizeof(*mods->v));
	mods->v[mods->n++] = m;
	return m;
}

/* Run fn with stderr going to a file; return what was written. */
static inline char *test_capture_stderr(void (*fn)(void *), void *arg)
{
	char path[] = "/tmp/modgate-depmod-test.XXXXXX";
	int fd = mkstemp(path);
	fflush(stderr);
	int saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	fn(arg);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	off_t size = lseek(fd, 0, SEEK_END);
	char *text = calloc(1, (size_t)(size > 0 ? size : 0) + 1);
	if (size > 0 && pread(fd, text, (size_t)size, 0) != size)
		text[0] = '\0';
	close(fd);
	unlink(path);
	return text;
}
