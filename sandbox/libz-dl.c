// SPDX-License-Identifier: LGPL-2.1-or-later
#include "sandbox/libz-dl.h"

DL_DEFINE(libz, LIBZ_FUNCTIONS, SONAME_LIBZ, "gzip", "recommended",
	  "gzip-compressed modules and kernel images")
