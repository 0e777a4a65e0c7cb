/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared by the C files of lsm/ only. */
#pragma once

#include <stdint.h>
#include <sys/types.h>
#include <linux/types.h>

#include "lsm/abi.h"
#include "lsm/lsm.h"

/* glibc's st_dev to the kernel's internal dev_t encoding (MAJOR << 20 | MINOR). */
uint32_t lsm_kdev(dev_t d);
/* Where the pins are: LSM_PIN_DIR, unless a unit test moved it (there is no
 * other way to move it: no environment variable, no option). */
const char *lsm_pin_dir(void);
void lsm_set_pin_dir_for_tests(const char *dir);
/* dir/name into buf: 0, or -ENAMETOOLONG. */
int lsm_path(char *buf, size_t size, const char *dir, const char *name);
/* An fd for LSM_PIN_DIR/name, or -errno (-ENOENT: not pinned). */
int lsm_open_map(const char *name);
int lsm_config_read(struct lsm_config *c);
void lsm_requester_from(const struct lsm_req_val *v, uint64_t now, struct lsm_requester *out);
