// SPDX-License-Identifier: LGPL-2.1-or-later
#include "lsm/libbpf-dl.h"

DL_DEFINE(libbpf, LIBBPF_FUNCTIONS, SONAME_LIBBPF, "lsm", "suggested", "modgate lsm enable")
