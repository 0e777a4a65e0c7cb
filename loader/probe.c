// SPDX-License-Identifier: LGPL-2.1-or-later
/* modprobe's load transaction over a plan (see probe.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/macros.h"
#include "loader/command.h"
#include "loader/kstate.h"
#include "loader/probe.h"
#include "loader/transaction.h"

void loader_say(const struct loader_ui *ui, int prio, const char *fmt, ...)
{
	char *msg;
	va_list ap;
	if (!ui || !ui->log)
		return;
	va_start(ap, fmt);
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	ui->log(ui->ud, prio, msg);
	free(msg);
}

/* libkmod's module_is_inkernel(): built in, or live in /sys/module */
bool loader_in_kernel(struct plan *p, struct plan_mod *m, const struct loader_ui *ui)
{
	_cleanup_free_ char *unknown = NULL;
	if (plan_is_builtin(p, m) == 1)
		return true;
	int st = kstate_initstate(m->name, &unknown);
	if (st == -EINVAL && unknown)
		loader_say(ui, 3, "unknown /sys/module/%s/initstate: '%s'\n", m->name, unknown);
	return st == KSTATE_LIVE;
}

static int run_install(struct plan *p, struct plan_mod *m, const char *options,
		       const struct loader_ui *ui)
{
	/* modprobe's loads go through gate_probe (transaction.h); this path is
	 * gated too, one command at a time: op=install with the command text */
	_cleanup_free_ char *cmd = command_substitute(plan_install(p, m), options);
	if (!cmd)
		return -ENOMEM;
	int r = gate_command(POLICY_OP_INSTALL, m->name, cmd, NULL);
	if (r < 0)
		loader_say(ui, 3, "could not run install command '%s' for module %s: %s\n", cmd, m->name,
		    strerror(-r));
	else if (r > 128)
		loader_say(ui, 3, "install command '%s' for module %s was killed by signal %d\n", cmd,
		    m->name, r - 128);
	else if (r > 0)
		loader_say(ui, 3, "Error running install command '%s' for module %s: retcode %d\n", cmd,
		    m->name, r);
	return r == 0 ? 0 : -EINVAL;
}

static int insert(struct plan *p, struct plan_mod *m, unsigned int flags, const char *options,
		  const struct loader_ui *ui, struct load_result *res)
{
	const char *path = plan_path(p, m);
	if (!path) {
		loader_say(ui, 3, "could not find module by name='%s'\n", m->name);
		return -ENOENT;
	}
	struct load_request req = {
		.path = path,
		.name = m->name,
		.params = options ? options : "",
		.kflags = (flags & PROBE_FORCE_VERMAGIC ? LOAD_IGNORE_VERMAGIC : 0) |
			  (flags & PROBE_FORCE_MODVERSION ? LOAD_IGNORE_MODVERSIONS : 0),
	};
	load_result_release(res);
	int r = loader_load(&req, res);
	res->name = m->name;
	res->path = path;
	if (r < 0)
		loader_say(ui, 6, "Failed to insert module '%s': %s\n", path, strerror(-r));
	return r;
}

/* One entry of the load list: skipped when live, else its install command
 * (unless it has softdeps or -i) or the module file. */
static int probe_one(struct plan *p, struct plan_mod *m, struct plan_mod *mod, unsigned int flags,
		     const char *extra, const struct loader_ui *ui, struct load_result *res)
{
	if (!(flags & PROBE_IGNORE_LOADED) && loader_in_kernel(p, m, ui))
		return -EEXIST;
	_cleanup_free_ char *options =
		plan_options_concat(plan_options(p, m), m == mod ? extra : NULL);
	bool install = plan_install(p, m) && !m->ignorecmd;
	if (ui && ui->action)
		ui->action(ui->ud, p, m, install, options ? options : "");
	if (flags & PROBE_DRY_RUN)
		return 0;
	return install ? run_install(p, m, options, ui) : insert(p, m, flags, options, ui, res);
}

int loader_probe(struct plan *p, struct plan_mod *mod, unsigned int flags,
		 const char *extra_options, const struct loader_ui *ui, struct load_result *fail)
{
	_cleanup_plan_list_ struct plan_list list = {0};
	struct load_result local = LOAD_RESULT_INIT;
	int r;

	if (!fail)
		fail = &local;
	if (!(flags & PROBE_IGNORE_LOADED) && loader_in_kernel(p, mod, ui))
		return flags & PROBE_FAIL_ON_LOADED ? -EEXIST : 0;
	/* the default blacklist only stops modules reached through an alias */
	if ((mod->alias && (flags & PROBE_BLACKLIST_ALIAS_ONLY)) || (flags & PROBE_BLACKLIST)) {
		if (plan_blacklisted(p, mod))
			return PROBE_BLACKLISTED;
	}
	r = plan_probe_list(p, mod, flags & PROBE_IGNORE_COMMAND, &list);
	if (r < 0)
		return r;
	r = 0;
	for (size_t i = 0; i < list.n; i++) {
		struct plan_mod *m = list.v[i];
		r = probe_one(p, m, mod, flags, extra_options, ui, fail);
		/* live by now: fatal only for the module itself with --first-time */
		if (r == -EEXIST && m == mod && (flags & PROBE_FAIL_ON_LOADED))
			break;
		/* softdeps may fail; the module and its dependencies may not */
		if (r == -EEXIST || !m->required)
			r = 0;
		else if (r < 0)
			break;
	}
	load_result_release(&local);
	return r;
}
