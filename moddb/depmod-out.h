/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The files depmod writes, and how: every file is generated in memory,
 * written to a temporary name in the output directory, and only when all of
 * them were written completely are they renamed into place. A failure leaves
 * the previous files untouched and no temporary behind.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "moddb/depmod.h"
#include "moddb/graph.h"

/* Warn once per refused value, naming the module (before any file is made). */
void dm_warn_refused(const struct dm_modules *mods);

/* Generate every file. show: -n, write the text files to that stream and
 * nothing to disk. Otherwise write into cfg->outdir atomically. 0 or -errno
 * (logged). */
int dm_write_outputs(const struct dm_config *cfg, struct dm_modules *mods, struct dm_graph *g,
		     FILE *show);
