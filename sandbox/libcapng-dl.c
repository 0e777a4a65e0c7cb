// SPDX-License-Identifier: LGPL-2.1-or-later
#include "sandbox/libcapng-dl.h"

DL_DEFINE(libcapng, LIBCAPNG_FUNCTIONS, SONAME_LIBCAP_NG, "cap-ng", "required",
	  "dropping the capabilities of a sandboxed child")
