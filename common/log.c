// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "common/log.h"

static const char *prog = "modgate";
static int max_prio = LOG_PRIO_WARNING;
static bool use_syslog;

void log_set_prog(const char *p)
{
	prog = p;
}

const char *log_prog(void)
{
	return prog;
}

void log_set_max_prio(int prio)
{
	max_prio = prio;
}

int log_get_max_prio(void)
{
	return max_prio;
}

void log_set_syslog(bool on)
{
	if (on && !use_syslog)
		openlog(prog, LOG_CONS, LOG_DAEMON);
	else if (!on && use_syslog)
		closelog();
	use_syslog = on;
}

static const char *prio_name(enum log_prio prio)
{
	switch (prio) {
	case LOG_PRIO_FATAL:
		return "FATAL";
	case LOG_PRIO_ERROR:
		return "ERROR";
	case LOG_PRIO_WARNING:
		return "WARNING";
	case LOG_PRIO_NOTICE:
		return "NOTICE";
	case LOG_PRIO_INFO:
		return "INFO";
	case LOG_PRIO_DEBUG:
		return "DEBUG";
	}
	return "LOG";
}

void log_vprintf(enum log_prio prio, const char *fmt, va_list ap)
{
	if ((int)prio > max_prio)
		return;
	if (use_syslog) {
		vsyslog((int)prio, fmt, ap);
		return;
	}
	/* One write per message so concurrent tools do not interleave lines. */
	char buf[4096];
	int n = snprintf(buf, sizeof(buf), "%s: %s: ", prog, prio_name(prio));
	if (n < 0 || (size_t)n >= sizeof(buf))
		return;
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	fputs(buf, stderr);
	fflush(stderr);
}

void log_printf(enum log_prio prio, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vprintf(prio, fmt, ap);
	va_end(ap);
}
