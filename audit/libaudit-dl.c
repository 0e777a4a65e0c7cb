// SPDX-License-Identifier: LGPL-2.1-or-later
#include "audit/libaudit-dl.h"

DL_DEFINE(libaudit, LIBAUDIT_FUNCTIONS, SONAME_LIBAUDIT, "audit", "recommended",
	  "Linux audit records")
