/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libaudit, opened when the first Linux audit record is sent or the state is
 * probed (common/dlopen.h): most modgate processes send none. */
#pragma once

#include <libaudit.h>

#include "common/dlopen.h"

#define LIBAUDIT_FUNCTIONS(X, t)                                                                   \
	X(t, audit_open)                                                                           \
	X(t, audit_close)                                                                          \
	X(t, audit_is_enabled)                                                                     \
	X(t, audit_encode_nv_string)                                                               \
	X(t, audit_log_user_message)

/* libaudit.<function> is valid once libaudit_load() returned 0; that is 0
 * or -ELIBACC (reported once: the library or a symbol is missing). */
DL_API(libaudit, LIBAUDIT_FUNCTIONS);
