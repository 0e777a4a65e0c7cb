/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dependency graph of a depmod run: which module exports each symbol,
 * which modules each module needs, the topological order kmod derives from
 * that ("reverse load order" in modules.dep) and kmod's cycle report.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "moddb/depmod-map.h"
#include "moddb/depmod.h"

struct dm_symbol {
	const char *name;
	struct dm_module *owner; /* NULL: the kernel's own (-E / -F) or a fake one */
	uint64_t crc;
};

struct dm_graph {
	const struct dm_config *cfg;
	struct dm_modules *mods;
	struct dm_map syms;	   /* name -> struct dm_symbol */
	struct dm_symbol **chunks; /* storage of the symbols */
	size_t n_chunks, chunk_used;
	char **owned_names; /* names read from -E / -F files */
	size_t n_owned;
	uint32_t *stamp, stamp_gen; /* dm_graph_closure()'s workspace */
	struct dm_module **stack, **closure;
};

void dm_graph_init(struct dm_graph *g, const struct dm_config *cfg, struct dm_modules *mods);
void dm_graph_release(struct dm_graph *g);

/* The kernel's symbols: Module.symvers (-E, with CRCs, "vmlinux" lines only)
 * or System.map (-F, __ksymtab_ entries). 0 or -errno (file not readable). */
int dm_graph_load_symvers(struct dm_graph *g, const char *path);
int dm_graph_load_system_map(struct dm_graph *g, const char *path);

/* Exports of every module, in module order: the last exporter of a name owns it. */
int dm_graph_load_exports(struct dm_graph *g);
/* Each module's dependencies from its needed symbols, warning (-e) about
 * unknown symbols and, with -E, CRC mismatches. */
int dm_graph_link(struct dm_graph *g);
/* kmod's topological sort. -EINVAL when modules depend on each other in a
 * cycle: each cycle and the count have been logged (kmod's messages). */
int dm_graph_sort(struct dm_graph *g);

/* All modules m depends on, directly or not, in modules.dep order (reverse
 * load order). *out is the graph's own buffer, valid until the next call. */
int dm_graph_closure(struct dm_graph *g, const struct dm_module *m, struct dm_module *const **out,
		     size_t *n);

/* The symbols that have an owner, in the order kmod's symbol hash table
 * (2048 buckets) iterates them: modules.symbols lists them in this order. */
int dm_graph_owned_symbols(struct dm_graph *g, const struct dm_symbol ***out, size_t *n);
