// SPDX-License-Identifier: LGPL-2.1-or-later
/* modprobe's load transaction through the gate (see transaction.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/macros.h"
#include "loader/command.h"
#include "loader/gate-internal.h"
#include "loader/kstate.h"
#include "loader/transaction.h"

enum entry_state {
	ENTRY_DECIDE = 0, /* to be decided */
	ENTRY_LIVE,	  /* in the kernel already: nothing decided, nothing done */
	ENTRY_NO_FILE,	  /* no file for it: kmod's error when its turn comes */
	ENTRY_DECIDED,
	ENTRY_DONE, /* loaded, or its command ran (a second listing skips it) */
};

/* One distinct module of the load list (a hard dependency can be listed twice). */
struct entry {
	struct plan_mod *m;
	enum entry_state state;
	char *options;
	char *command; /* install command after $CMDLINE_OPTS, or NULL */
	struct gate_item it;
};

struct txn {
	struct plan *p;
	struct plan_mod *mod;
	unsigned int flags;
	const char *extra;
	const struct loader_ui *ui;
	struct gate_request rq;
	struct plan_list list;
	struct entry *e; /* distinct modules, in first-listed order */
	size_t n;
	size_t *at; /* list position -> entry */
};

static void txn_release(struct txn *t)
{
	for (size_t i = 0; i < t->n; i++) {
		gate_item_release(&t->e[i].it);
		free(t->e[i].options);
		free(t->e[i].command);
	}
	free(t->e);
	free(t->at);
	plan_list_release(&t->list);
}

/* The load list, each distinct module once. */
static int txn_plan(struct txn *t)
{
	int r = plan_probe_list(t->p, t->mod, t->flags & PROBE_IGNORE_COMMAND, &t->list);
	if (r < 0)
		return r;
	t->e = calloc(t->list.n ? t->list.n : 1, sizeof(*t->e));
	t->at = calloc(t->list.n ? t->list.n : 1, sizeof(*t->at));
	if (!t->e || !t->at)
		return -ENOMEM;
	for (size_t i = 0; i < t->list.n; i++) {
		size_t j = 0;
		while (j < t->n && t->e[j].m != t->list.v[i])
			j++;
		if (j == t->n)
			t->e[t->n++].m = t->list.v[i];
		t->at[i] = j;
	}
	return 0;
}

static enum policy_reason reason_of(const struct txn *t, const struct plan_mod *m)
{
	if (m == t->mod)
		return POLICY_REASON_REQUEST;
	return m->required ? POLICY_REASON_DEPENDENCY : POLICY_REASON_SOFTDEP;
}

/* Inspect, verify, decide and record one distinct module. */
static int txn_decide(struct txn *t, struct entry *e)
{
	struct plan_mod *m = e->m;
	struct gate_item *it = &e->it;

	gate_item_init(it, &t->rq, m->name, POLICY_OP_LOAD);
	if (!(t->flags & PROBE_IGNORE_LOADED) && loader_in_kernel(t->p, m, t->ui)) {
		e->state = ENTRY_LIVE;
		return 0;
	}
	e->options = plan_options_concat(plan_options(t->p, m), m == t->mod ? t->extra : NULL);
	const char *install = m->ignorecmd ? NULL : plan_install(t->p, m);
	it->reason = reason_of(t, m);
	it->required = m->required;
	it->params = e->options;
	if (install) {
		/* what runs is the command after substitution: that is the fact */
		e->command = command_substitute(install, e->options);
		if (!e->command)
			return -ENOMEM;
		it->op = POLICY_OP_INSTALL;
		it->command = e->command;
	} else if (!(it->path = plan_path(t->p, m))) {
		e->state = ENTRY_NO_FILE;
		return 0;
	} else {
		it->kflags = (t->flags & PROBE_FORCE_VERMAGIC ? LOAD_IGNORE_VERMAGIC : 0) |
			     (t->flags & PROBE_FORCE_MODVERSION ? LOAD_IGNORE_MODVERSIONS : 0);
	}
	e->state = ENTRY_DECIDED;
	int r = gate_decide(it);
	return r == -ENOMEM ? r : 0;
}

/* Once the plan's decisions are in the trail: what the caller should hear
 * about each (a record that could not be written, a softdep skipped). */
static void txn_tell(struct txn *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct gate_item *it = &t->e[i].it;
		if (t->e[i].state != ENTRY_DECIDED)
			continue;
		if (it->warn.len)
			loader_say(t->ui, 4, "%s\n", it->warn.buf);
		strbuf_clear(&it->warn);
		if (!it->required && it->verdict == GATE_DENY)
			loader_say(t->ui, 5, "softdep %s of %s skipped: %s\n", t->e[i].m->name,
				   t->mod->name, it->why.buf);
	}
}

/* The first required module the gate refused, or NULL. */
static struct entry *txn_refused(struct txn *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->e[i].state == ENTRY_DECIDED && t->e[i].it.required && !t->e[i].it.proceed)
			return &t->e[i];
	return NULL;
}

static int txn_refuse(struct txn *t, struct entry *e, struct load_result *fail)
{
	static const char *const role[] = {"", " (dependency)", " (softdep)"};
	const struct gate_item *it = &e->it;

	load_result_release(fail);
	fail->step = it->inspect_err ? LOAD_STEP_INSPECT : LOAD_STEP_DENIED;
	fail->name = t->mod->name;
	fail->path = it->path;
	if (e->m != t->mod || it->op != POLICY_OP_LOAD)
		strbuf_appendf(&fail->why, "%s%s%s: ", e->m->name, role[it->reason],
			       it->op == POLICY_OP_INSTALL ? " install command" : "");
	strbuf_appendf(&fail->why, "%s; nothing was loaded", it->why.buf);
	return gate_item_errno(it);
}

/* Run the entry: its install command or finit_module. 0 or -errno. */
static int txn_run(struct txn *t, struct entry *e, struct load_result *fail)
{
	struct gate_item *it = &e->it;
	int r;

	if (t->ui && t->ui->action)
		t->ui->action(t->ui->ud, t->p, e->m, e->command != NULL,
			      e->options ? e->options : "");
	if (e->state == ENTRY_NO_FILE) {
		loader_say(t->ui, 3, "could not find module by name='%s'\n", e->m->name);
		return -ENOENT;
	}
	e->state = ENTRY_DONE;
	if (e->command) {
		r = gate_command_run(it);
		if (r < 0)
			loader_say(t->ui, 3,
				   "could not run install command '%s' for module %s: %s\n",
				   e->command, e->m->name, strerror(-r));
		else if (r > 128)
			loader_say(t->ui, 3,
				   "install command '%s' for module %s was killed by signal %d\n",
				   e->command, e->m->name, r - 128);
		else if (r > 0)
			loader_say(t->ui, 3,
				   "Error running install command '%s' for module %s: retcode %d\n",
				   e->command, e->m->name, r);
		return r == 0 ? 0 : -EINVAL;
	}
	r = gate_kernel_load(it);
	if (it->warn.len)
		loader_say(t->ui, 4, "%s\n", it->warn.buf);
	strbuf_clear(&it->warn);
	if (r < 0) {
		loader_say(t->ui, 6, "Failed to insert module '%s': %s\n", it->path, strerror(-r));
		load_result_release(fail);
		fail->step = LOAD_STEP_KERNEL;
		fail->name = e->m->name;
		fail->path = it->path;
	}
	return r;
}

/* In list order, as libkmod: live by now is skipped (fatal only for the
 * module itself with --first-time); softdeps may fail, required modules not. */
static int txn_load(struct txn *t, struct load_result *fail)
{
	int r = 0;
	for (size_t i = 0; i < t->list.n; i++) {
		struct entry *e = &t->e[t->at[i]];
		if (e->state == ENTRY_LIVE || e->state == ENTRY_DONE ||
		    (e->state == ENTRY_DECIDED && !e->it.proceed))
			continue;
		if (!(t->flags & PROBE_IGNORE_LOADED) && loader_in_kernel(t->p, e->m, t->ui))
			r = -EEXIST;
		else
			r = txn_run(t, e, fail);
		if (r == -EEXIST && e->m == t->mod && (t->flags & PROBE_FAIL_ON_LOADED))
			break;
		if (r == -EEXIST || !e->m->required)
			r = 0;
		else if (r < 0)
			break;
	}
	return r;
}

int gate_probe(struct plan *p, struct plan_mod *mod, const char *requested, unsigned int flags,
	       const char *extra_options, const struct loader_ui *ui, struct load_result *fail)
{
	struct txn t = {.p = p, .mod = mod, .flags = flags, .extra = extra_options, .ui = ui};
	struct load_result local = LOAD_RESULT_INIT;
	struct entry *refused;
	int r;

	if (flags & PROBE_DRY_RUN)
		return loader_probe(p, mod, flags, extra_options, ui, fail);
	if (!fail)
		fail = &local;
	/* nothing to change: no decision, no child, no record (invariant 4) */
	if (!(flags & PROBE_IGNORE_LOADED) && loader_in_kernel(p, mod, ui))
		return flags & PROBE_FAIL_ON_LOADED ? -EEXIST : 0;
	/* the default blacklist only stops modules reached through an alias */
	if (((mod->alias && (flags & PROBE_BLACKLIST_ALIAS_ONLY)) || (flags & PROBE_BLACKLIST)) &&
	    plan_blacklisted(p, mod))
		return PROBE_BLACKLISTED;
	gate_request_init(&t.rq, requested ? requested : mod->name);

	/* 1. plan */
	r = txn_plan(&t);
	/* 2. inspect, verify and decide every module of the plan */
	gate_records_hold(true);
	for (size_t i = 0; r == 0 && i < t.n; i++)
		r = txn_decide(&t, &t.e[i]);
	/* 3. record every decision: one trail write, fsync'd before the first
	 * kernel call (invariant 4); under `audit required` a batch that did
	 * not reach the trail denies every module of the plan */
	gate_records_flush();
	txn_tell(&t);
	/* 4. a required module denied: nothing of the plan is loaded */
	if (r == 0 && (refused = txn_refused(&t)))
		r = txn_refuse(&t, refused, fail);
	/* 5. load in order on the sealed bytes */
	else if (r == 0)
		r = txn_load(&t, fail);
	/* 6. the results, as one batch after the loads. Invariant 4 and issue
	 * 8 ask for a decision durable before its kernel call and a result
	 * after it, not for a result before the next module's load; the trail
	 * lock is not held meanwhile (a module's init may run modgate again).
	 * What a crash or a hung init in the middle of the plan costs: the
	 * results of the modules already loaded, whose allow decisions are in
	 * the trail (and whose loads the kernel's own KERN_MODULE records
	 * show); one fdatasync per result would buy those back at the price
	 * of a trail write per module. */
	gate_results_flush();

	txn_release(&t);
	load_result_release(&local);
	return r;
}

int gate_check_path(const char *requested, struct strbuf *why)
{
	struct gate_request rq;
	if (!strchr(requested, '/') || gate_context()->context != POLICY_CTX_AUTOLOAD)
		return 0;
	gate_request_init(&rq, requested);
	return gate_refuse_autoload_path(&rq, why);
}

void gate_not_found(const char *requested)
{
	struct gate_request rq;
	if (gate_context()->context != POLICY_CTX_AUTOLOAD)
		return;
	gate_request_init(&rq, requested);
	gate_record_not_found(&rq);
}
