/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How a zygote reshapes its own image so that each clone and each child's
 * exit cost less. Both run in the zygote only (never in the parent, never in
 * a child), on nothing but the zygote's own mappings, and change no byte a
 * child sees: the same contents at the same addresses, copy-on-write as
 * before. sandbox/README.md ("The zygote") has the measurements.
 */
#pragma once

#include <stdbool.h>

/* Relocated read-only data (RELRO) moved from anonymous memory into sealed
 * memfds mapped privately over it: a clone then copies none of its page
 * table entries. A mapping that cannot be copied is left as it was; one that
 * was unmapped and not replaced ends the zygote. */
void zygote_relro_to_sealed_files(void);

/* The program's executable code and the read-only mappings next to it,
 * where they cover whole 2 MiB blocks, copied into transparent huge pages
 * mapped over themselves (read and execute): a clone copies one entry per
 * block and a child takes no page fault in them. Done only where the
 * kernel gives huge pages; true if at least one block was moved. */
bool zygote_image_to_huge_pages(void);
