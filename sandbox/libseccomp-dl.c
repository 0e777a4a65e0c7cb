// SPDX-License-Identifier: LGPL-2.1-or-later
#include "sandbox/libseccomp-dl.h"

DL_DEFINE(libseccomp, LIBSECCOMP_FUNCTIONS, SONAME_LIBSECCOMP, "seccomp", "required",
	  "the sandbox's seccomp filter: module loads and verification")
