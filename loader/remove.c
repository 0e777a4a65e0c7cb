// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * modprobe -r, as kmod 30's modprobe removes a module (see probe.h). The
 * order of steps and which failures stop the removal are kmod's:
 *   1. post-softdeps, in reverse          (failures ignored)
 *   2. holders, in reverse, with -r --remove-holders (first failure stops)
 *   3. the module, or its remove command  (refused while its refcnt is > 0)
 *   4. its dependencies that became unused (failures ignored)
 *   5. pre-softdeps, in reverse           (failures ignored)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/macros.h"
#include "loader/command.h"
#include "loader/kstate.h"
#include "loader/probe.h"
#include "loader/transaction.h"

#define IGNORE_BUILTIN 1u
#define REMOVE_HOLDERS 2u

static void show(const struct loader_ui *ui, const char *fmt, ...) _printf_(2, 3);
static void show(const struct loader_ui *ui, const char *fmt, ...)
{
	char *line;
	va_list ap;
	if (!ui || !ui->show)
		return;
	va_start(ap, fmt);
	int n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	ui->show(ui->ud, line);
	free(line);
}

static unsigned long long now_msec(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
}

/* kmod's back-off: 1, 2, 4 ... ms, never past the deadline */
static unsigned long long next_try(unsigned long long tend, unsigned long long *delta)
{
	unsigned long long t = now_msec();
	*delta = *delta ? *delta << 1 : 1;
	while (*delta && t + *delta > tend)
		*delta >>= 1;
	if (!*delta && tend > t)
		*delta = tend - t;
	return t + *delta;
}

static int sleep_until(unsigned long long msec)
{
	struct timespec ts = {.tv_sec = (time_t)(msec / 1000),
			      .tv_nsec = (long)(msec % 1000) * 1000000};
	int e = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	return e && e != EINTR ? -e : 0;
}

/* delete_module, retried while busy for up to -w milliseconds. (kmod 30
 * reports success when the deadline passes, or spins if it passed between
 * two tries; here the last busy answer is the result.) */
static int remove_module(struct plan_mod *m, const struct remove_opts *o,
			 const struct loader_ui *ui)
{
	unsigned long long tend = 0, delta = 0;
	int r;

	show(ui, "rmmod %s\n", m->name);
	if (o->dry_run)
		return 0;
	/* loader_unload: the gate decides op=unload and records it */
	for (;;) {
		r = loader_unload(m->name, o->force);
		if (r != -EAGAIN || !o->wait_msec)
			break;
		unsigned long long now = now_msec();
		if (!tend)
			tend = now + o->wait_msec;
		if (now >= tend)
			break;
		int e = sleep_until(next_try(tend, &delta));
		if (e < 0) {
			loader_say(ui, 3, "Failed to sleep: %s\n", strerror(-e));
			break;
		}
	}
	if (r < 0)
		loader_say(ui, 3, "could not remove '%s': %s\n", m->name, strerror(-r));
	return r;
}

static int remove_one(struct plan *p, struct plan_mod *m, const struct remove_opts *o,
		      unsigned int flags, const struct loader_ui *ui);

/* Remove in reverse order; stop at the first failure only when asked. */
static int remove_list(struct plan *p, const struct plan_list *l, const struct remove_opts *o,
		       bool stop_on_errors, const struct loader_ui *ui)
{
	for (size_t i = l->n; i-- > 0;) {
		int r = remove_one(p, l->v[i], o, IGNORE_BUILTIN, ui);
		if (r < 0 && stop_on_errors)
			return r;
	}
	return 0;
}

static int holders_of(struct plan *p, struct plan_mod *m, struct plan_list *out,
		      const struct loader_ui *ui)
{
	char **names = NULL;
	int r = kstate_holders(m->name, &names);
	if (r < 0) {
		loader_say(ui, 3, "could not open '/sys/module/%s/holders': %s\n", m->name, strerror(-r));
		return 0;
	}
	for (size_t i = 0; r == 0 && names[i]; i++) {
		struct plan_mod *h;
		r = plan_from_name(p, names[i], &h);
		if (r == 0)
			r = plan_list_add(out, h);
	}
	kstate_strv_free(names);
	return r;
}

/* Is there anything to remove? 0 to go on, 1 to stop successfully, -errno. */
static int check_state(struct plan *p, struct plan_mod *m, const struct remove_opts *o,
		       unsigned int flags, const struct loader_ui *ui)
{
	if (plan_is_builtin(p, m) == 1) {
		if (flags & IGNORE_BUILTIN)
			return 1;
		loader_say(ui, LOADER_LOG_TOOL, "Module %s is builtin.\n", m->name);
		return -ENOENT;
	}
	if (kstate_initstate(m->name, NULL) < 0) {
		if (!o->first_time)
			return 1;
		loader_say(ui, LOADER_LOG_TOOL, "Module %s is not in kernel.\n", m->name);
		return -ENOENT;
	}
	return 0;
}

/* Step 3 and 4: the module itself, then dependencies nothing uses any more */
static int remove_self(struct plan *p, struct plan_mod *m, const char *cmd,
		       const struct remove_opts *o, const struct loader_ui *ui)
{
	if (!cmd && !o->ignore_loaded && !o->wait_msec) {
		int refcnt = kstate_refcnt(m->name);
		if (refcnt > 0) {
			loader_say(ui, LOADER_LOG_TOOL, "Module %s is in use.\n", m->name);
			return -EBUSY;
		}
		/* unreadable: said, and the kernel decides (as libkmod does) */
		if (refcnt < 0 && refcnt != -ENOENT)
			loader_say(ui, 3, "could not read integer from '/sys/module/%s/refcnt': '%s'\n",
			    m->name, strerror(-refcnt));
	}
	if (cmd) {
		_cleanup_free_ char *c = command_substitute(cmd, NULL);
		if (!c)
			return -ENOMEM;
		show(ui, "remove %s\n", c);
		if (o->dry_run)
			return 0;
		/* the gate decides op=remove with the command text, then runs it
		 * with a fixed environment */
		int r = gate_command(POLICY_OP_REMOVE, m->name, c, NULL);
		if (r != 0)
			loader_say(ui, LOADER_LOG_TOOL, "Error running remove command for %s\n", m->name);
		return r < 0 ? r : -r;
	}
	int r = remove_module(m, o, ui);
	if (r < 0)
		return r;
	plan_deps(p, m);
	for (size_t i = 0; i < m->n_deps; i++)
		if (kstate_refcnt(m->deps[i]->name) == 0)
			remove_module(m->deps[i], o, ui);
	return 0;
}

static int remove_one(struct plan *p, struct plan_mod *m, const struct remove_opts *o,
		      unsigned int flags, const struct loader_ui *ui)
{
	_cleanup_plan_list_ struct plan_list pre = {0}, post = {0}, holders = {0};
	const char *cmd = NULL;
	int r;

	if (!o->ignore_commands) {
		r = plan_softdeps(p, m, &pre, &post);
		if (r < 0) {
			loader_say(ui, 4, "could not get softdeps of '%s': %s\n", m->name, strerror(-r));
			return r;
		}
		cmd = plan_remove(p, m);
	}
	/* nothing loaded, nothing to do (a remove command runs regardless) */
	if (!cmd && !o->ignore_loaded) {
		r = check_state(p, m, o, flags, ui);
		if (r != 0)
			return r > 0 ? 0 : r;
	}
	remove_list(p, &post, o, false, ui);
	if (flags & REMOVE_HOLDERS) {
		r = holders_of(p, m, &holders, ui);
		if (r == 0)
			r = remove_list(p, &holders, o, true, ui);
		if (r < 0)
			return r;
	}
	r = remove_self(p, m, cmd, o, ui);
	if (r < 0)
		return r;
	remove_list(p, &pre, o, false, ui);
	return 0;
}

int loader_remove(struct plan *p, struct plan_mod *mod, const struct remove_opts *o,
		  const struct loader_ui *ui)
{
	return remove_one(p, mod, o, o->holders ? REMOVE_HOLDERS : 0, ui);
}
