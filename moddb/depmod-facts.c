// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Facts for every module of a run: from the cache when the file is the one
 * already parsed, from the pool of sandboxed workers otherwise. Parsing runs
 * in parallel and finishes in any order; everything that reaches the output
 * (records, error messages) is put back in module order, so the result is
 * the same whatever the timing.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "inspect/pool.h"
#include "moddb/cache.h"
#include "moddb/depmod.h"

struct facts_ctx {
	struct dm_module **todo;
	const size_t *order; /* job -> index in todo */
	char **errors;	     /* by index in todo */
	int fatal;
};

static void on_done(void *ctx, size_t job, int err, const struct child_reply *rep, const char *why)
{
	struct facts_ctx *c = ctx;
	size_t i = c->order[job];
	struct dm_module *m = c->todo[i];
	if (err == 0) {
		int r = dm_record_from_reply(rep, &m->facts_owned);
		if (r == -ENOMEM)
			c->fatal = r;
		else if (r < 0) {
			m->facts_failed = true;
			c->errors[i] = strdup("the module's facts are too large");
		}
		return;
	}
	m->facts_failed = true;
	c->errors[i] = strdup(why ? why : strerror(-err));
	if (!c->errors[i])
		c->fatal = -ENOMEM;
}

/* Largest file first: the last jobs are then the short ones, and no worker
 * is left decompressing amdgpu while the other has nothing to do. */
static int cmp_size_desc(const void *a, const void *b, void *ctx)
{
	struct dm_module *const *todo = ctx;
	const struct dm_module *x = todo[*(const size_t *)a], *y = todo[*(const size_t *)b];
	if (x->size != y->size)
		return x->size > y->size ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static int parse_missing(struct dm_module **todo, size_t n, const struct depmod_request *rq)
{
	struct inspect_limits lim = inspect_default_limits;
	if (rq->timeout_ms)
		lim.timeout_ms = rq->timeout_ms;
	_cleanup_free_ size_t *order = malloc((n ? n : 1) * sizeof(size_t));
	_cleanup_free_ const char **paths = malloc((n ? n : 1) * sizeof(char *));
	struct facts_ctx c = {todo, order, calloc(n ? n : 1, sizeof(char *)), 0};
	if (!c.errors || !paths || !order) {
		free(c.errors);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(*order), cmp_size_desc, todo);
	for (size_t j = 0; j < n; j++)
		paths[j] = todo[order[j]]->path;
	int r = n ? inspect_pool_run(paths, n, rq->workers, &lim, on_done, &c) : 0;
	if (r < 0)
		log_error("cannot start sandboxed workers: %s\n", strerror(-r));
	if (r == 0)
		r = c.fatal;
	/* kmod reports a module it cannot read and keeps it, with no facts */
	for (size_t i = 0; r == 0 && i < n; i++)
		if (c.errors[i])
			log_error("failed to load symbols from %s: %s\n", todo[i]->path,
				  c.errors[i]);
	for (size_t i = 0; i < n; i++)
		free(c.errors[i]);
	free(c.errors);
	return r;
}

int dm_load_facts(const struct dm_config *cfg, struct dm_modules *mods,
		  const struct depmod_request *rq)
{
	if (rq->cache_dir)
		mods->cache = dm_cache_open(rq->cache_dir, cfg->dirname, cfg->kversion);
	struct dm_cache *cache = mods->cache;

	_cleanup_free_ struct dm_module **todo = malloc((mods->n ? mods->n : 1) * sizeof(*todo));
	if (!todo)
		return -ENOMEM;
	size_t n = 0;
	for (size_t i = 0; i < mods->n; i++) {
		struct dm_module *m = mods->v[i];
		m->facts = cache ? dm_cache_lookup(cache, m) : NULL;
		m->facts_from_cache = m->facts != NULL;
		if (!m->facts)
			todo[n++] = m;
	}
	if (rq->cache_dir)
		log_debug("depmod cache: %zu of %zu modules unchanged%s\n", mods->n - n, mods->n,
			  cache ? "" : " (no usable cache directory)");
	int r = parse_missing(todo, n, rq);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		struct dm_module *m = todo[i];
		if (!m->facts_owned && dm_record_empty(&m->facts_owned) < 0)
			return -ENOMEM;
		m->facts = m->facts_owned;
	}
	/* -n writes nothing to disk, the cache included */
	if (cache && !rq->show)
		dm_cache_save(cache, mods);
	return 0;
}
