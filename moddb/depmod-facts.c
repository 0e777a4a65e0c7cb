// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Facts for every module of a run. First version: one inspect_file() per
 * module, in module order.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "common/log.h"
#include "inspect/inspect.h"
#include "moddb/depmod.h"

int dm_load_facts(const struct dm_config *cfg, struct dm_modules *mods,
		  const struct depmod_request *rq)
{
	(void)cfg;
	(void)rq;
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	for (size_t i = 0; i < mods->n; i++) {
		struct dm_module *m = mods->v[i];
		struct inspected ins;
		int r = inspect_file(AT_FDCWD, m->path, NULL, &ins, &err);
		if (r == 0) {
			r = dm_record_from_facts(&ins.facts, &m->facts_owned);
			inspected_release(&ins);
			if (r == -ENOMEM)
				return r;
		} else {
			log_error("failed to load symbols from %s: %s\n", m->path,
				  strbuf_str(&err));
		}
		if (!m->facts_owned && dm_record_empty(&m->facts_owned) < 0)
			return -ENOMEM;
		m->facts = m->facts_owned;
	}
	return 0;
}
