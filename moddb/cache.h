/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * depmod's cache of module facts: what the sandboxed workers said about each
 * module file, so that a run over an unchanged (or slightly changed) tree
 * parses only what changed.
 *
 * A file is the one cached when its device, inode, path, size, mtime and
 * ctime all match (ctime cannot be set from user space, so a file rewritten
 * and back-dated still misses). One cache file per module directory, in a
 * root-owned directory only root can write (/var/cache/modgate/depmod): the
 * facts in it are as trustworthy as the workers' replies they came from, and
 * nobody else may put words in their mouth. The file carries its format, the
 * modgate version that wrote it, the module directory and a checksum; it is
 * read as hostile all the same (every offset checked), and anything wrong
 * with it means it is ignored and rewritten, never that depmod fails or that
 * its output changes. At most DM_CACHE_MAX_FILES files are kept (trees built
 * with -b in temporary directories would otherwise pile up).
 */
#pragma once

#include <stdbool.h>

#include "moddb/depmod.h"

#define DM_CACHE_MAX_FILES 16

struct dm_cache;

/* NULL when there is no usable cache directory (not root, wrong owner or
 * mode); an absent or invalid cache file gives an empty cache. */
struct dm_cache *dm_cache_open(const char *dir, const char *dirname, const char *kversion);
/* The cached record of m's file, or NULL. Valid until dm_cache_free(). */
const struct dm_record *dm_cache_lookup(struct dm_cache *c, const struct dm_module *m);
/* Replace the cache file with the records of mods (modules whose file could
 * not be parsed are left out, so they are retried and reported next time).
 * Written only when something differs from what was loaded. Failures are
 * only logged at debug level: the cache is an optimisation. */
void dm_cache_save(struct dm_cache *c, const struct dm_modules *mods);
void dm_cache_free(struct dm_cache *c);
