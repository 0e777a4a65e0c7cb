/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Libraries most invocations never need, opened on first use (as kmod 34 does
 * for its decompressors): every process pays for each DT_NEEDED library at
 * exec (open, mmap, relocations, constructors), and `modprobe -R` from udev
 * needs none of libbpf, libaudit, libseccomp.
 *
 * A library is opened by the exact soname the build linked against (found by
 * meson at configure time, config.h SONAME_*), with RTLD_NOW | RTLD_LOCAL |
 * RTLD_NODELETE, through the dynamic loader's normal search and nothing else:
 * no path of ours, no environment variable of ours. Every symbol is resolved
 * at once; the table is filled only when all of them are found, so a caller
 * that got 0 calls through no NULL pointer.
 *
 * Each library has a small module beside its users (audit/libaudit-dl.c,
 * lsm/libbpf-dl.c, sandbox/libseccomp-dl.c) with a typed table: the real
 * header gives the types, calls go through the pointers. With
 * -Ddlopen=disabled the same tables point at the functions linked normally,
 * as they do in a static build (-Dstatic=true), which has nothing to open.
 *
 * Each library is also named in an ELF note (.note.dlopen, the
 * freedesktop.org "dlopen metadata" format: owner "FDO", type 0x407c0c0a, a
 * JSON array of {feature, description, priority, soname}), so that packaging
 * and tests/vm/stage.sh can find what ldd cannot see.
 *
 * Not thread-safe: modgate is single-threaded. A fork()ed child inherits what
 * its parent loaded; a sandboxed child cannot open anything after its seccomp
 * filter, so loading happens in the parent, before the fork.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* A symbol's name and the table member its address goes to. */
struct dl_symbol {
	const char *name;
	void *slot; /* points at a function pointer */
};

struct dl_library {
	const char *soname;	/* "libbpf.so.1" */
	const char *needed_for; /* for the message: "(needed for: lsm)" */
	const struct dl_symbol *symbols;
	size_t n_symbols;
	int state; /* 0: not tried yet; 1: loaded; < 0: failed, the errno returned */
};

/* Load once: 0, or -ELIBACC (library or a symbol missing), then on every
 * later call too. The failure is reported once, when it happens
 * ("cannot load libbpf.so.1: <dlerror> (needed for: lsm)"): only here is
 * dlerror()'s text known, and the caller's strerror() would say far less. */
int dl_library_load(struct dl_library *lib);

/* The per-library modules, from one list LIST(X, t) naming each function
 * once as X(t, function):
 *	struct <t>_api { one typed pointer per function };  (DL_API)
 *	extern struct <t>_api t;  int t##_load(void);       (the header's)
 *	bool t##_loaded(void): loaded already (for code that may not load)
 *	DL_DEFINE(t, LIST, soname, feature, priority, needed_for)  (the .c file's)
 * With -Ddlopen=disabled the table is initialised with the functions the
 * binary links, and t##_load() always succeeds. */
#define DL_MEMBER(t, f) typeof(f) *f;
#define DL_SYMBOL(t, f) {#f, &(t).f},
#define DL_LINKED(t, f) .f = f,
#define DL_API(t, LIST)                                                                            \
	struct t##_api {                                                                           \
		LIST(DL_MEMBER, t)                                                                 \
	};                                                                                         \
	extern struct t##_api t;                                                                   \
	bool t##_loaded(void);                                                                     \
	int t##_load(void)

#define DL_NOTE_JSON(so_name, feature, prio, why)                                                  \
	"[{\"feature\":\"" feature "\",\"description\":\"" why "\",\"priority\":\"" prio           \
	"\",\"soname\":[\"" so_name "\"]}]"
#define DL_NOTE(t, so_name, feature, prio, why)                                                    \
	static const struct {                                                                      \
		uint32_t namesz, descsz, type;                                                     \
		char name[4];                                                                      \
		char desc[(sizeof(DL_NOTE_JSON(so_name, feature, prio, why)) + 3) & ~(size_t)3];   \
	} t##_note __attribute__((section(".note.dlopen"), used, aligned(4))) = {                  \
		4, sizeof(DL_NOTE_JSON(so_name, feature, prio, why)), 0x407c0c0a, "FDO",           \
		DL_NOTE_JSON(so_name, feature, prio, why)};

#if MODGATE_DLOPEN
#define DL_DEFINE(t, LIST, so_name, feature, prio, why)                                            \
	DL_NOTE(t, so_name, feature, prio, why)                                                    \
	struct t##_api t;                                                                          \
	static const struct dl_symbol t##_symbols[] = {LIST(DL_SYMBOL, t)};                        \
	static struct dl_library t##_library = {                                                   \
		.soname = (so_name),                                                               \
		.needed_for = (why),                                                               \
		.symbols = t##_symbols,                                                            \
		.n_symbols = sizeof(t##_symbols) / sizeof(t##_symbols[0]),                         \
	};                                                                                         \
	bool t##_loaded(void)                                                                      \
	{                                                                                          \
		return t##_library.state == 1;                                                     \
	}                                                                                          \
	int t##_load(void)                                                                         \
	{                                                                                          \
		return dl_library_load(&t##_library);                                              \
	}
#else
#define DL_DEFINE(t, LIST, so_name, feature, prio, why)                                            \
	struct t##_api t = {LIST(DL_LINKED, t)};                                                   \
	bool t##_loaded(void)                                                                      \
	{                                                                                          \
		return true;                                                                       \
	}                                                                                          \
	int t##_load(void)                                                                         \
	{                                                                                          \
		return 0;                                                                          \
	}
#endif
