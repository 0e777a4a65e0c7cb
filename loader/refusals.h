/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel side's refusals (lsm/) into the trail: one aggregated decision
 * record per refusal counter that moved since the last fold (`reason`
 * "kernel: ...", `count`, `last`). Every gate run that reaches a decision
 * folds them first, and `modgate lsm disable` folds before detaching.
 */
#pragma once

#include "audit/audit.h"

/* The number of records written; 0 when the program is not attached (one
 * failed open(), nothing else); -errno when the trail refused a record under
 * `audit required` (what was not recorded stays for the next fold) or the
 * maps could not be read. */
int gate_fold_kernel_refusals(const struct audit_options *o);
