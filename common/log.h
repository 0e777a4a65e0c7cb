/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * User-facing messages in kmod's format: "<prog>: <PRIO>: <msg>" on stderr,
 * or syslog when -s was given. Helpers never log; the caller at the top does.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include "common/macros.h"

enum log_prio {
	LOG_PRIO_FATAL = 2, /* LOG_CRIT */
	LOG_PRIO_ERROR = 3,
	LOG_PRIO_WARNING = 4,
	LOG_PRIO_NOTICE = 5,
	LOG_PRIO_INFO = 6,
	LOG_PRIO_DEBUG = 7,
};

/* Program name used as the message prefix (the argv[0] basename of the tool). */
void log_set_prog(const char *prog);
const char *log_prog(void);
/* Messages with priority numerically above this are dropped. kmod's default is
 * LOG_ERR for most tools; -v raises, -q lowers. */
void log_set_max_prio(int prio);
int log_get_max_prio(void);
void log_set_syslog(bool on);

void log_printf(enum log_prio prio, const char *fmt, ...) _printf_(2, 3);
void log_vprintf(enum log_prio prio, const char *fmt, va_list ap) _printf_(2, 0);

#define fatal(...) log_printf(LOG_PRIO_FATAL, __VA_ARGS__)
#define log_error(...) log_printf(LOG_PRIO_ERROR, __VA_ARGS__)
#define log_warning(...) log_printf(LOG_PRIO_WARNING, __VA_ARGS__)
#define log_notice(...) log_printf(LOG_PRIO_NOTICE, __VA_ARGS__)
#define log_info(...) log_printf(LOG_PRIO_INFO, __VA_ARGS__)
#define log_debug(...) log_printf(LOG_PRIO_DEBUG, __VA_ARGS__)
