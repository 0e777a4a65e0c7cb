// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Symbols, dependencies, order and cycles, reproducing kmod 30's depmod:
 * the order it visits things in decides the order of modules.dep's lines
 * and of each line's dependencies, so that order is part of the format.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/log.h"
#include "moddb/graph.h"

#define SYM_CHUNK     4096
#define LINE_FILE_MAX (256u << 20)

void dm_graph_init(struct dm_graph *g, const struct dm_config *cfg, struct dm_modules *mods)
{
	*g = (struct dm_graph){.cfg = cfg, .mods = mods, .syms = DM_MAP_INIT};
}

void dm_graph_release(struct dm_graph *g)
{
	for (size_t i = 0; i < g->n_chunks; i++)
		free(g->chunks[i]);
	free(g->chunks);
	for (size_t i = 0; i < g->n_owned; i++)
		free(g->owned_names[i]);
	free(g->owned_names);
	free(g->stamp);
	free(g->stack);
	free(g->closure);
	g->stamp = NULL;
	g->stack = g->closure = NULL;
	dm_map_release(&g->syms);
	g->chunks = NULL;
	g->owned_names = NULL;
	g->n_chunks = g->n_owned = 0;
}

static struct dm_symbol *sym_alloc(struct dm_graph *g)
{
	if (g->n_chunks == 0 || g->chunk_used == SYM_CHUNK) {
		struct dm_symbol **c = realloc(g->chunks, (g->n_chunks + 1) * sizeof(*c));
		if (!c)
			return NULL;
		g->chunks = c;
		c[g->n_chunks] = malloc(SYM_CHUNK * sizeof(struct dm_symbol));
		if (!c[g->n_chunks])
			return NULL;
		g->n_chunks++;
		g->chunk_used = 0;
	}
	return &g->chunks[g->n_chunks - 1][g->chunk_used++];
}

/* Add or replace (kmod's hash_add replaces: the last one added wins). */
static int sym_add(struct dm_graph *g, const char *name, bool prefix_skipped, uint64_t crc,
		   struct dm_module *owner)
{
	if (!prefix_skipped && name[0] && name[0] == g->cfg->sym_prefix)
		name++;
	struct dm_map_slot *s = dm_map_slot(&g->syms, name);
	if (!s)
		return -ENOMEM;
	struct dm_symbol *sym = s->value;
	if (!sym) {
		sym = sym_alloc(g);
		if (!sym)
			return -ENOMEM;
		s->value = sym;
	}
	*sym = (struct dm_symbol){name, owner, crc};
	return 0;
}

static struct dm_symbol *sym_find(const struct dm_graph *g, const char *name)
{
	if (name[0] == '.') /* PPC64 function descriptors: .foo is foo */
		name++;
	if (name[0] && name[0] == g->cfg->sym_prefix)
		name++;
	return dm_map_get(&g->syms, name);
}

static int add_fake_syms(struct dm_graph *g)
{
	/* Symbols the kernel's loader provides itself (x86, s390, ppc64). */
	int r = sym_add(g, "__this_module", true, 0, NULL);
	if (r == 0)
		r = sym_add(g, "_GLOBAL_OFFSET_TABLE_", true, 0, NULL);
	if (r == 0 && !sym_find(g, "TOC."))
		r = sym_add(g, "TOC.", true, 0, NULL);
	return r;
}

static char *keep_name(struct dm_graph *g, const char *s, size_t n)
{
	char **v = realloc(g->owned_names, (g->n_owned + 1) * sizeof(*v));
	if (!v)
		return NULL;
	g->owned_names = v;
	v[g->n_owned] = strndup(s, n);
	return v[g->n_owned] ? v[g->n_owned++] : NULL;
}

/* One line as fgets(line, 10240) gives it, as a C string. */
static char *next_piece(const char *buf, size_t len, size_t *pos, char *line)
{
	size_t n = dm_fgets_piece(buf, len, pos, 10240);
	if (n == 0)
		return NULL;
	memcpy(line, buf + *pos - n, n);
	line[n] = '\0';
	return line;
}

int dm_graph_load_symvers(struct dm_graph *g, const char *path)
{
	_cleanup_free_ char *buf = NULL, *line = malloc(10240);
	size_t len, pos = 0;
	int r = line ? read_full_file(path, LINE_FILE_MAX, &buf, &len) : -ENOMEM;
	if (r < 0)
		return r;
	unsigned int lineno = 0;
	/* e.g. "0xb352177e\tfind_first_bit\tvmlinux\tEXPORT_SYMBOL" */
	while (next_piece(buf, len, &pos, line)) {
		char *save;
		lineno++;
		const char *ver = strtok_r(line, " \t", &save);
		const char *sym = strtok_r(NULL, " \t", &save);
		const char *where = strtok_r(NULL, " \t", &save);
		if (!ver || !sym || !where || !streq(where, "vmlinux"))
			continue;
		char *end;
		errno = 0;
		uint64_t crc = strtoull(ver, &end, 16);
		if (*end != '\0') {
			log_error("%s:%u Invalid symbol version %s: %s\n", path, lineno, ver,
				  strerror(errno));
			continue;
		}
		const char *name = keep_name(g, sym, strlen(sym));
		if (!name || sym_add(g, name, false, crc, NULL) < 0)
			return -ENOMEM;
	}
	return add_fake_syms(g);
}

int dm_graph_load_system_map(struct dm_graph *g, const char *path)
{
	static const char ksym[] = "__ksymtab_";
	_cleanup_free_ char *buf = NULL, *line = malloc(10240);
	size_t len, pos = 0;
	int r = line ? read_full_file(path, LINE_FILE_MAX, &buf, &len) : -ENOMEM;
	if (r < 0)
		return r;
	unsigned int lineno = 0;
	/* e.g. "c0294200 R __ksymtab_devfs_alloc_devnum" */
	while (next_piece(buf, len, &pos, line)) {
		lineno++;
		char *p = strchr(line, ' ');
		if (p)
			p = strchr(p + 1, ' ');
		if (!p) {
			log_error("%s:%u: invalid line: %s\n", path, lineno, line);
			continue;
		}
		p++;
		if (p[0] && p[0] == g->cfg->sym_prefix)
			p++;
		if (strncmp(p, ksym, sizeof(ksym) - 1) != 0)
			continue;
		p += sizeof(ksym) - 1;
		const char *name = keep_name(g, p, strcspn(p, "\n"));
		if (!name || sym_add(g, name, true, 0, NULL) < 0)
			return -ENOMEM;
	}
	return add_fake_syms(g);
}

int dm_graph_load_exports(struct dm_graph *g)
{
	for (size_t i = 0; i < g->mods->n; i++) {
		struct dm_module *m = g->mods->v[i];
		const struct dm_rsym *ex = dm_record_exports(m->facts);
		for (uint32_t k = 0; k < m->facts->n_export; k++) {
			const char *name = dm_record_str(m->facts, ex[k].name);
			if (!dm_value_ok(name)) {
				log_warning(
					"%s: refusing exported symbol with a control or non-ASCII "
					"byte from module %s\n",
					m->path, m->name);
				continue;
			}
			int r = sym_add(g, name, false, ex[k].crc, m);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int add_dep(struct dm_module *m, struct dm_module *owner)
{
	for (uint32_t i = 0; i < m->n_deps; i++)
		if (m->deps[i] == owner)
			return 0;
	if (m->n_deps == m->cap_deps) {
		uint32_t ncap = m->cap_deps ? m->cap_deps * 2 : 4;
		struct dm_module **v = realloc(m->deps, ncap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		m->deps = v;
		m->cap_deps = ncap;
	}
	m->deps[m->n_deps++] = owner;
	owner->users++;
	return 1;
}

static int link_module(struct dm_graph *g, struct dm_module *m)
{
	const struct dm_config *cfg = g->cfg;
	const struct dm_rsym *nd = dm_record_needs(m->facts);
	bool show = log_get_max_prio() > LOG_PRIO_WARNING;
	for (uint32_t k = 0; k < m->facts->n_need; k++) {
		const char *name = dm_record_str(m->facts, nd[k].name);
		const struct dm_symbol *sym = sym_find(g, name);
		if (!sym) {
			if (cfg->print_unknown && !nd[k].weak)
				log_warning("%s needs unknown symbol %s\n", m->path, name);
			continue;
		}
		if (cfg->check_symvers && sym->crc != nd[k].crc && !nd[k].weak &&
		    cfg->print_unknown)
			log_warning("%s disagrees about version of symbol %s\n", m->path, name);
		if (!sym->owner)
			continue;
		int r = add_dep(m, sym->owner);
		if (r < 0)
			return r;
		if (r > 0 && show)
			printf("%s needs \"%s\": %s\n", m->path, sym->name, sym->owner->path);
	}
	return 0;
}

int dm_graph_link(struct dm_graph *g)
{
	for (size_t i = 0; i < g->mods->n; i++) {
		int r = link_module(g, g->mods->v[i]);
		if (r < 0)
			return r;
	}
	if (log_get_max_prio() > LOG_PRIO_WARNING)
		fflush(stdout);
	return 0;
}

/* ---- cycles: kmod's report, walk for walk ---- */

struct vertex {
	struct vertex *parent;
	struct dm_module *mod;
};

struct cycle_state {
	struct dm_module **roots; /* kmod's list of candidate roots, in module order */
	bool *removed;		  /* by module idx */
	size_t n_roots;
	struct dm_map loop_set; /* names of modules seen in a cycle */
};

static void roots_remove(struct cycle_state *cs, const struct dm_module *m)
{
	cs->removed[m->idx] = true;
}

static int report_one(struct cycle_state *cs, const struct vertex *vx)
{
	_cleanup_strbuf_ struct strbuf msg = STRBUF_INIT;
	size_t n = 0;
	for (const struct vertex *v = vx->parent; v; v = v->parent)
		n++;
	_cleanup_free_ const struct vertex **chain = calloc(n ? n : 1, sizeof(*chain));
	if (!chain)
		return -ENOMEM;
	size_t k = n;
	for (const struct vertex *v = vx->parent; v; v = v->parent) {
		chain[--k] = v;
		struct dm_map_slot *s = dm_map_slot(&cs->loop_set, v->mod->name);
		if (!s)
			return -ENOMEM;
		s->value = v->mod;
	}
	for (k = 0; k < n; k++) {
		if (strbuf_appendf(&msg, "%s -> ", chain[k]->mod->name) < 0)
			return -ENOMEM;
		roots_remove(cs, chain[k]->mod);
	}
	if (strbuf_append_str(&msg, vx->mod->name) < 0)
		return -ENOMEM;
	log_error("Cycle detected: %s\n", strbuf_str(&msg));
	return 0;
}

/* Vertices of one walk, freed together. */
struct vpool {
	struct vertex **blocks;
	size_t nblocks, used;
};

#define VPOOL_BLOCK 256

static struct vertex *vpool_new(struct vpool *vp, struct dm_module *m, struct vertex *parent)
{
	if (vp->nblocks == 0 || vp->used == VPOOL_BLOCK) {
		struct vertex **b = realloc(vp->blocks, (vp->nblocks + 1) * sizeof(*b));
		if (!b)
			return NULL;
		vp->blocks = b;
		b[vp->nblocks] = malloc(VPOOL_BLOCK * sizeof(struct vertex));
		if (!b[vp->nblocks])
			return NULL;
		vp->nblocks++;
		vp->used = 0;
	}
	struct vertex *v = &vp->blocks[vp->nblocks - 1][vp->used++];
	*v = (struct vertex){parent, m};
	return v;
}

static void vpool_release(struct vpool *vp)
{
	for (size_t i = 0; i < vp->nblocks; i++)
		free(vp->blocks[i]);
	free(vp->blocks);
}

/* kmod bounds its stack by the number of roots and asserts on overflow; a
 * walk that would overflow it (a cycle reachable from a root outside it)
 * ends here instead of aborting. */
static int report_from_root(struct cycle_state *cs, struct dm_module *root_mod)
{
	struct vpool vp = {NULL, 0, 0};
	_cleanup_free_ struct vertex **stack = malloc((cs->n_roots + 1) * sizeof(*stack));
	struct vertex *root = stack ? vpool_new(&vp, root_mod, NULL) : NULL;
	size_t is = 0;
	int r = -ENOMEM;
	if (!root)
		goto out;
	stack[is++] = root;
	while (is > 0) {
		struct vertex *vx = stack[--is];
		struct dm_module *m = vx->mod;
		if (m->visited && m == root_mod) {
			if (report_one(cs, vx) < 0)
				goto out;
			continue;
		}
		m->visited = true;
		if (m->n_deps == 0) {
			roots_remove(cs, m);
			continue;
		}
		for (uint32_t i = 0; i < m->n_deps; i++) {
			if (is >= cs->n_roots)
				goto done;
			struct vertex *v = vpool_new(&vp, m->deps[i], vx);
			if (!v)
				goto out;
			stack[is++] = v;
		}
	}
done:
	r = 0;
out:
	vpool_release(&vp);
	return r;
}

static int report_cycles(struct dm_graph *g, const uint32_t *users)
{
	struct cycle_state cs = {.loop_set = DM_MAP_INIT};
	size_t n = g->mods->n;
	cs.roots = malloc((n ? n : 1) * sizeof(*cs.roots));
	cs.removed = calloc(n ? n : 1, sizeof(bool));
	int r = -ENOMEM;
	if (!cs.roots || !cs.removed)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (users[i] > 0)
			cs.roots[cs.n_roots++] = g->mods->v[i];
	for (size_t i = 0; i < cs.n_roots; i++) {
		struct dm_module *root = cs.roots[i];
		if (cs.removed[root->idx])
			continue;
		cs.removed[root->idx] = true;
		r = report_from_root(&cs, root);
		if (r < 0)
			goto out;
	}
	log_error("Found %zu modules in dependency cycles!\n", cs.loop_set.n);
	r = 0;
out:
	free(cs.roots);
	free(cs.removed);
	dm_map_release(&cs.loop_set);
	return r;
}

int dm_graph_sort(struct dm_graph *g)
{
	size_t n = g->mods->n, n_roots = 0, n_sorted = 0;
	_cleanup_free_ uint32_t *users = malloc((n ? n : 1) * sizeof(uint32_t));
	_cleanup_free_ uint32_t *roots = malloc((n ? n : 1) * sizeof(uint32_t));
	if (!users || !roots)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		users[i] = g->mods->v[i]->users;
		if (users[i] == 0)
			roots[n_roots++] = (uint32_t)i;
	}
	/* Modules nobody needs first; the last root found is taken first. */
	while (n_roots > 0) {
		struct dm_module *src = g->mods->v[roots[--n_roots]];
		src->dep_sort_idx = (int)n_sorted++;
		for (uint32_t k = 0; k < src->n_deps; k++) {
			uint32_t d = src->deps[k]->idx;
			if (--users[d] == 0)
				roots[n_roots++] = d;
		}
	}
	if (n_sorted < n) {
		int r = report_cycles(g, users);
		return r < 0 ? r : -EINVAL;
	}
	return 0;
}

static int cmp_dep_sort(const void *a, const void *b)
{
	const struct dm_module *ma = *(struct dm_module *const *)a;
	const struct dm_module *mb = *(struct dm_module *const *)b;
	return (ma->dep_sort_idx > mb->dep_sort_idx) - (ma->dep_sort_idx < mb->dep_sort_idx);
}

int dm_graph_closure(struct dm_graph *g, const struct dm_module *m, struct dm_module *const **out,
		     size_t *n)
{
	*out = NULL;
	*n = 0;
	if (m->n_deps == 0)
		return 0;
	size_t nm = g->mods->n, cnt = 0, sp = 0;
	/* One workspace for all modules: a visit stamp per module instead of
	 * clearing a visited set for each. */
	if (!g->stamp) {
		g->stamp = calloc(nm, sizeof(uint32_t));
		g->stack = malloc(nm * sizeof(*g->stack));
		g->closure = malloc(nm * sizeof(*g->closure));
		if (!g->stamp || !g->stack || !g->closure)
			return -ENOMEM;
	}
	uint32_t gen = ++g->stamp_gen;
	for (uint32_t i = 0; i < m->n_deps; i++)
		if (g->stamp[m->deps[i]->idx] != gen) {
			g->stamp[m->deps[i]->idx] = gen;
			g->stack[sp++] = m->deps[i];
		}
	while (sp > 0) {
		struct dm_module *d = g->stack[--sp];
		g->closure[cnt++] = d;
		for (uint32_t i = 0; i < d->n_deps; i++)
			if (g->stamp[d->deps[i]->idx] != gen) {
				g->stamp[d->deps[i]->idx] = gen;
				g->stack[sp++] = d->deps[i];
			}
	}
	qsort(g->closure, cnt, sizeof(*g->closure), cmp_dep_sort);
	*out = g->closure;
	*n = cnt;
	return 0;
}

struct ordered_sym {
	uint32_t bucket;
	const struct dm_symbol *sym;
};

static int cmp_ordered_sym(const void *a, const void *b)
{
	const struct ordered_sym *x = a, *y = b;
	if (x->bucket != y->bucket)
		return x->bucket < y->bucket ? -1 : 1;
	return strcmp(x->sym->name, y->sym->name);
}

int dm_graph_owned_symbols(struct dm_graph *g, const struct dm_symbol ***out, size_t *n)
{
	size_t cnt = 0;
	_cleanup_free_ struct ordered_sym *v = malloc((g->syms.n ? g->syms.n : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < g->syms.cap; i++) {
		const struct dm_symbol *s = g->syms.slots[i].value;
		if (g->syms.slots[i].key && s && s->owner)
			v[cnt++] = (struct ordered_sym){
				dm_kmod_hash(s->name, strlen(s->name)) & 2047u, s};
	}
	qsort(v, cnt, sizeof(*v), cmp_ordered_sym);
	const struct dm_symbol **res = malloc((cnt ? cnt : 1) * sizeof(*res));
	if (!res)
		return -ENOMEM;
	for (size_t i = 0; i < cnt; i++)
		res[i] = v[i].sym;
	*out = res;
	*n = cnt;
	return 0;
}
