/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the running kernel has loaded: /proc/modules and /sys/module/<m>/,
 * read through the kernel seam.
 */
#pragma once

#include <stddef.h>

struct loaded_module {
	char *name;
	long size;     /* coresize, else the /proc/modules field; -errno if neither */
	int refcnt;    /* /sys/module/<m>/refcnt, or -errno */
	char **holders; /* NULL-terminated, in directory order; NULL if unreadable */
};

struct loaded_list {
	struct loaded_module *mods;
	size_t n;
};

/* Parse /proc/modules (names in file order) and fill each entry from sysfs.
 * A malformed line is an error naming /proc/modules:<line>: -EBADMSG with
 * *bad_line set. */
int loaded_list_read(struct loaded_list *out, unsigned int *bad_line);
void loaded_list_free(struct loaded_list *l);
