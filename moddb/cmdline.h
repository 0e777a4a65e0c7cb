/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Module options and blacklist entries from the kernel command line, read
 * the way libkmod 30 reads /proc/cmdline:
 *
 *   mod.param[=value]           options mod param[=value]
 *   "mod.param=value with sp"   options mod param="value with sp"  (grub's
 *                                quoting of the whole word, re-quoted)
 *   modprobe.blacklist=a,b      blacklist a / blacklist b (names kept as
 *                                written, empty ones included)
 *
 * A word with a second '.' before '=', a '=' before any '.', or a quote
 * anywhere but at its start or inside the value is ignored; so is an
 * unterminated last quoted word. Only the first 4095 bytes count (kmod reads
 * into a fixed buffer). The caller reads the file through the kernel seam.
 */
#pragma once

#include <stddef.h>

#include "moddb/config.h"

#define CMDLINE_MAX_BYTES 4095

/* Append the entries of `text` (len bytes, NUL not required) to cfg, after
 * everything already there, with origin CFG_ORIGIN_CMDLINE. A module name
 * with unbalanced brackets is skipped with a diag, as kmod does. 0 or -ENOMEM. */
int modprobe_config_add_cmdline(struct modprobe_config *cfg, const char *text, size_t len);
