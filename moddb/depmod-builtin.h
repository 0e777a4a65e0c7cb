/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Builtin-module indexes and kmod's alias normalisation (depmod-builtin.c). */
#pragma once

#include "common/strbuf.h"
#include "moddb/depmod.h"

/* kmod's alias_normalize(): '-' becomes '_' outside bracket expressions; a
 * ']' without '[' or an unclosed '[' is -EINVAL. out is overwritten. */
int dm_alias_normalize(const char *alias, struct strbuf *out);

/* The .bin index of modules.builtin / of the aliases in
 * modules.builtin.modinfo, appended to an empty out. A missing source file
 * is warned about and leaves out empty (kmod writes an empty file then). */
int dm_build_builtin(const struct dm_config *cfg, struct strbuf *out);
int dm_build_builtin_alias(const struct dm_config *cfg, struct strbuf *out);
