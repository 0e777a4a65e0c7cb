// SPDX-License-Identifier: LGPL-2.1-or-later
/* The context of a request and the caller's identity (see context.h). */
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/macros.h"
#include "loader/context.h"
#include "loader/kernel.h"

#define STAT_MAX 4096

static const char *const context_names[] = {
	[POLICY_CTX_CLI] = "cli",
	[POLICY_CTX_UDEV] = "udev",
	[POLICY_CTX_AUTOLOAD] = "autoload",
	[POLICY_CTX_BOOT] = "boot",
};

const char *context_name(enum policy_context c)
{
	return (size_t)c < ARRAY_SIZE(context_names) ? context_names[c] : "cli";
}

int context_from_name(const char *s)
{
	for (size_t i = 0; s && i < ARRAY_SIZE(context_names); i++)
		if (streq(s, context_names[i]))
			return (int)i;
	return -1;
}

int context_rank(enum policy_context c)
{
	switch (c) {
	case POLICY_CTX_AUTOLOAD:
		return 3;
	case POLICY_CTX_UDEV:
		return 2;
	case POLICY_CTX_BOOT:
		return 1;
	default:
		return 0;
	}
}

static int parse_uint(const char **p, unsigned long long *out)
{
	char *end;
	while (**p == ' ')
		(*p)++;
	if (**p < '0' || **p > '9')
		return -EINVAL;
	errno = 0;
	*out = strtoull(*p, &end, 10);
	if (errno)
		return -EINVAL;
	*p = end;
	return 0;
}

/* Skip one space-separated field (a number, possibly negative). */
static int skip_field(const char **p)
{
	while (**p == ' ')
		(*p)++;
	if (!**p)
		return -EINVAL;
	while (**p && **p != ' ')
		(*p)++;
	return 0;
}

int proc_stat_parse(const char *text, struct proc_stat *out)
{
	/* "pid (comm) state ppid pgrp session tty_nr tpgid flags ...": the comm
	 * is whatever the process named itself, so the last ')' ends it */
	const char *open = strchr(text, '('), *close = strrchr(text, ')');
	unsigned long long pid, ppid, tty, flags;
	const char *p = text;

	if (!open || !close || close < open || parse_uint(&p, &pid) < 0 || p > open)
		return -EINVAL;
	size_t n = MIN((size_t)(close - open - 1), sizeof(out->comm) - 1);
	memcpy(out->comm, open + 1, n);
	out->comm[n] = '\0';
	p = close + 1;
	if (skip_field(&p) < 0 || parse_uint(&p, &ppid) < 0 || skip_field(&p) < 0 ||
	    skip_field(&p) < 0)
		return -EINVAL;
	while (*p == ' ')
		p++;
	/* tty_nr is a signed int in the kernel's output */
	if (*p == '-')
		p++;
	if (parse_uint(&p, &tty) < 0 || skip_field(&p) < 0 || parse_uint(&p, &flags) < 0)
		return -EINVAL;
	if (pid > INT_MAX || ppid > INT_MAX || flags > UINT32_MAX)
		return -EINVAL;
	out->pid = (pid_t)pid;
	out->ppid = (pid_t)ppid;
	out->tty_nr = (unsigned int)tty;
	out->flags = (unsigned int)flags;
	return 0;
}

void context_tty_name(unsigned int tty_nr, char *buf, size_t size)
{
	unsigned int ma = major(tty_nr), mi = minor(tty_nr);
	buf[0] = '\0';
	if (ma >= 136 && ma <= 143)
		snprintf(buf, size, "pts/%u", (ma - 136) * 256 + mi);
	else if (ma == 4 && mi < 64)
		snprintf(buf, size, "tty%u", mi);
	else if (ma == 4)
		snprintf(buf, size, "ttyS%u", mi - 64);
	else if (ma == 5 && mi == 1)
		snprintf(buf, size, "console");
}

static int read_stat(pid_t pid, struct proc_stat *st)
{
	char path[64];
	_cleanup_free_ char *text = NULL;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int r = kernel_read_file(path, STAT_MAX, &text, NULL);
	if (r < 0)
		return r;
	return proc_stat_parse(text, st);
}

static bool is_udevd(const char *comm)
{
	return streq(comm, "systemd-udevd") || streq(comm, "(udev-worker)") || streq(comm, "udevd");
}

static void narrow(struct gate_context *c, enum policy_context to, const char *fmt, ...)
	_printf_(3, 4);
static void narrow(struct gate_context *c, enum policy_context to, const char *fmt, ...)
{
	va_list ap;
	if (context_rank(to) <= context_rank(c->context) && c->evidence[0])
		return;
	c->context = to;
	va_start(ap, fmt);
	vsnprintf(c->evidence, sizeof(c->evidence), fmt, ap);
	va_end(ap);
}

/* The parent chain, up to PID 1 or a kernel thread. */
static void walk_ancestors(struct gate_context *c)
{
	pid_t pid = c->ppid;
	for (int depth = 0; depth < CONTEXT_MAX_DEPTH && pid > 1; depth++) {
		struct proc_stat st;
		int r = read_stat(pid, &st);
		if (r == -ENOENT || r == -ESRCH)
			return; /* exited (or no /proc at all): the chain ends */
		if (r < 0) {
			narrow(c, POLICY_CTX_AUTOLOAD, "parent chain unreadable at pid %d (%s)",
			       (int)pid, strerror(-r));
			return;
		}
		if (st.flags & CONTEXT_PF_KTHREAD) {
			narrow(c, POLICY_CTX_AUTOLOAD, "started by kernel thread %d [%s]", (int)pid,
			       st.comm);
			return;
		}
		if (is_udevd(st.comm))
			narrow(c, POLICY_CTX_UDEV, "started by udev (pid %d %s)", (int)pid,
			       st.comm);
		pid = st.ppid;
	}
}

static void inherited(struct gate_context *c)
{
	const char *v = getenv(GATE_CONTEXT_ENV);
	int ctx = context_from_name(v);
	/* narrowing only: an unknown or wider value changes nothing */
	if (ctx >= 0 && context_rank((enum policy_context)ctx) > context_rank(c->context))
		narrow(c, (enum policy_context)ctx, "inherited %s=%s", GATE_CONTEXT_ENV, v);
}

static uint64_t read_id(const char *path, uint64_t unset)
{
	_cleanup_free_ char *text = NULL;
	unsigned long long v;
	const char *p;
	if (kernel_read_file(path, 64, &text, NULL) < 0)
		return unset;
	p = text;
	return parse_uint(&p, &v) == 0 && v <= UINT32_MAX ? v : unset;
}

static void identity(struct gate_context *c)
{
	char buf[PATH_MAX], path[64];
	struct proc_stat self;

	c->uid = (uint32_t)getuid();
	c->auid = (uint32_t)read_id("/proc/self/loginuid", POLICY_AUID_UNSET);
	uint64_t ses = read_id("/proc/self/sessionid", UINT32_MAX);
	c->ses = ses == UINT32_MAX ? -1 : (int64_t)ses;
	if (read_stat(c->pid, &self) == 0)
		context_tty_name(self.tty_nr, c->tty, sizeof(c->tty));
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)c->ppid);
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	if (n > 0) {
		c->exe = strndup(buf, (size_t)n);
	} else {
		struct proc_stat parent;
		if (read_stat(c->ppid, &parent) == 0 && asprintf(&c->exe, "[%s]", parent.comm) < 0)
			c->exe = NULL;
	}
}

void context_detect(bool boot_entry, struct gate_context *out)
{
	*out = (struct gate_context){.context = POLICY_CTX_CLI, .pid = getpid(), .ppid = getppid()};
	if (out->ppid == 1)
		narrow(out, POLICY_CTX_BOOT,
		       boot_entry ? "modules-load unit started by PID 1"
				  : "started by PID 1 (a service)");
	walk_ancestors(out);
	inherited(out);
	if (!out->evidence[0])
		snprintf(out->evidence, sizeof(out->evidence), "no other evidence");
	identity(out);
}

void context_release(struct gate_context *c)
{
	free(c->exe);
	c->exe = NULL;
}
