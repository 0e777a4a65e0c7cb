// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The gate's decision for one item (see gate.h): the process-wide state it
 * rests on (policy, trust store, kernel state, context), read once on the
 * first decision, and the steps inspect, verify, decide. Recording and the
 * kernel calls are in gate-record.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "common/macros.h"
#include "loader/gate-internal.h"
#include "loader/kernel.h"
#include "loader/kstate.h"
#include "loader/refusals.h"
#include "lsm/lsm.h"

struct gate_session gate_S = {.trust_err = 1, .cfg_owner = -1};

__attribute__((weak)) const char *gate_config_root(void)
{
	return NULL;
}

__attribute__((weak)) void gate_test_hook(const char *point, const struct gate_item *it)
{
	(void)point;
	(void)it;
}

void gate_configure(const struct gate_options *o)
{
	gate_S.opt = *o;
}

void gate_say(int prio, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	if (!gate_S.opt.say)
		return;
	va_start(ap, fmt);
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	gate_S.opt.say(gate_S.opt.ud, prio, msg);
	free(msg);
}

static bool boot_entry;

void gate_mark_boot_entry(void)
{
	boot_entry = true;
}

const struct gate_context *gate_context(void)
{
	if (!gate_S.ctx_ready) {
		context_detect(gate_S.opt.boot_entry || boot_entry, &gate_S.ctx);
		gate_S.ctx_ready = true;
	}
	return &gate_S.ctx;
}

const char *gate_verdict_name(enum gate_verdict v)
{
	return v == GATE_ALLOW ? "allow" : v == GATE_DENY ? "deny" : "would-deny";
}

/* Policy, settings, kernel state and the trail's options: once, on the first
 * decision. A policy that cannot be read at all (allocation failure) leaves
 * gate_S.pl.policy NULL, and every decision is then a deny. */
void gate_decide_prepare(void)
{
	struct gate_session *s = &gate_S;
	struct policy_load_opts lo = {.root = gate_config_root(), .cmdline = true};
	struct audit_options ao = AUDIT_OPTIONS_DEFAULT;

	if (s->ready)
		return;
	s->ready = true;
	s->root = lo.root;
	if (policy_load(&lo, &s->pl) < 0)
		s->pl = (struct policy_loaded){0};
	if (kernel_release(s->release, sizeof(s->release)) < 0)
		s->release[0] = '\0';
	s->modules_disabled = kstate_modules_disabled();
	s->sig_enforce = kstate_sig_enforce();
	if (kstate_lockdown(&s->lockdown) < 0)
		s->lockdown = NULL;
	ao.root = s->root;
	ao.required =
		!s->pl.policy || policy_get_settings(s->pl.policy)->audit == POLICY_AUDIT_REQUIRED;
	s->ao = ao;
	gate_context();
	gate_record_policy();
	/* What the kernel side refused since the last run, before this run's own
	 * records. A failure leaves the counts for the next run; this run's
	 * decision meets the same trail and reports it. */
	gate_fold_kernel_refusals(&s->ao);
}

/* The trust store, only for decisions about module files. */
static void prepare_trust(void)
{
	struct gate_session *s = &gate_S;
	if (s->trust_err <= 0)
		return;
	s->trust_err = trust_store_load(&s->ts, s->root, &s->trust_why);
}

enum policy_mode gate_mode(void)
{
	if (!gate_S.pl.policy)
		return POLICY_ENFORCE;
	return policy_get_settings(gate_S.pl.policy)->effective_mode;
}

void gate_item_init(struct gate_item *it, const struct gate_request *rq, const char *name,
		    enum policy_op op)
{
	*it = (struct gate_item){.rq = rq, .name = name, .op = op, .required = true};
	it->in.memfd_ro = -1;
	it->why = (struct strbuf)STRBUF_INIT;
	it->warn = (struct strbuf)STRBUF_INIT;
}

void gate_item_release(struct gate_item *it)
{
	inspected_release(&it->in);
	if (it->have_facts)
		module_policy_facts_release(&it->mf);
	it->have_facts = false;
	strbuf_release(&it->why);
	strbuf_release(&it->warn);
}

/* A denial. impossible: the request cannot go ahead even in permissive mode
 * (nothing to load, or the kernel would certainly refuse). The first cause
 * found is the one reported; every cause makes it a denial. */
static void deny(struct gate_item *it, bool impossible, const char *fmt, ...) _printf_(3, 4);
static void deny(struct gate_item *it, bool impossible, const char *fmt, ...)
{
	va_list ap;
	bool first = it->verdict == GATE_ALLOW;
	/* the first cause is reported, unless a later one makes the request
	 * impossible: that one says why nothing can happen, whatever the mode */
	if (first || !it->why.len || (impossible && !it->impossible)) {
		char *msg = NULL;
		va_start(ap, fmt);
		int n = vasprintf(&msg, fmt, ap);
		va_end(ap);
		strbuf_clear(&it->why);
		if (n >= 0)
			strbuf_append_str(&it->why, msg);
		free(msg);
	}
	it->impossible = it->impossible || impossible;
	it->proceed = gate_mode() == POLICY_PERMISSIVE && !it->impossible;
	it->verdict = it->proceed ? GATE_WOULD_DENY : GATE_DENY;
}

static void request_facts(const struct gate_item *it, struct policy_request *rq)
{
	const struct gate_context *c = gate_context();
	const struct gate_request *r = it->rq;

	*rq = (struct policy_request){
		.op = it->op,
		.context = c->context,
		.reason = it->reason,
		.requested = r ? r->requested : it->name,
		.params = it->params,
		.command = it->command,
		.uid = c->uid,
		.auid = c->auid,
		.exe = c->exe,
		.force = it->force || it->kflags,
		.name = it->name,
	};
	if (r && r->requester_known) {
		rq->requester_known = true;
		rq->requester_uid = r->requester_uid;
		rq->requester_userns =
			r->requester_userns_other ? POLICY_USERNS_OTHER : POLICY_USERNS_INIT;
		rq->requester_cgroup = r->requester_cgroup;
	}
}

/* Inspect and verify the file; the module's facts into rq. 0, or -errno
 * with it denied and the cause in it->why. */
static int module_facts(struct gate_item *it, struct policy_request *rq)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	int r = inspect_file(AT_FDCWD, it->path, &inspect_default_limits, &it->in, &err);
	if (r < 0) {
		it->inspect_err = r;
		/* the cause as inspect words it: the tools print it after the path */
		deny(it, true, "%s", err.len ? strbuf_str(&err) : strerror(-r));
		return r;
	}
	prepare_trust();
	static const struct trust_store empty;
	r = verify_inspected(gate_S.trust_err == 0 ? &gate_S.ts : &empty, &it->in, 0, &it->vr);
	if (r < 0) {
		deny(it, false, "its signature could not be checked: %s", strerror(-r));
		return r;
	}
	r = module_policy_facts_init(&it->mf, it->path, &it->in, &it->vr, gate_S.release);
	if (r < 0) {
		module_policy_facts_release(&it->mf);
		deny(it, true, "%s", strerror(-r));
		return r;
	}
	it->have_facts = true;
	module_policy_facts_apply(&it->mf, rq);
	/* fail closed, and say the root cause rather than the policy's verdict
	 * over an empty store */
	if (gate_S.trust_err < 0)
		deny(it, false, "the trust store cannot be read: %s",
		     strbuf_str(&gate_S.trust_why));
	/* name= is the module's own claim (trustworthy with sig=valid); a file
	 * without one is named by the plan */
	if (!rq->name)
		rq->name = it->name;
	rq->owner_ok = it->mf.owner_ok && gate_config_owner_ok();
	return 0;
}

static void policy_why(struct gate_item *it)
{
	const struct policy_decision *d = &it->d;
	const struct policy_loaded *pl = &gate_S.pl;

	if (d->basis == POLICY_BY_RULE) {
		deny(it, false, "denied by %s:%u (%s)", d->file, d->line, d->text);
	} else if (d->basis == POLICY_BY_DEFAULT && it->have_facts &&
		   it->vr.state != VERIFY_VALID) {
		/* the usual reason no allow rule matched: say what the signature is */
		deny(it, false, "no rule allows it (default deny, %s); its signature is %s%s%s",
		     pl->settings_path ? pl->settings_path : "built-in settings",
		     verify_state_name(it->vr.state), it->vr.reason[0] ? ": " : "", it->vr.reason);
	} else if (d->basis == POLICY_BY_DEFAULT) {
		deny(it, false, "no rule allows it (default deny, %s)",
		     pl->settings_path ? pl->settings_path : "built-in settings");
	} else {
		_cleanup_strbuf_ struct strbuf diag = STRBUF_INIT;
		for (size_t i = 0; i < pl->diags.n && !diag.len; i++)
			if (pl->diags.v[i].level == POLICY_ERROR)
				policy_diag_format(&pl->diags.v[i], &diag);
		deny(it, false, "the policy is refused: %s",
		     diag.len ? strbuf_str(&diag) : "it could not be read");
	}
}

/* Does a rule's text name the force key? The rule text is the rule as
 * written (continuations joined, comments dropped): a condition is a word
 * "force" followed by '=', outside quotes. */
bool gate_rule_names_force(const char *text)
{
	bool quoted = false;
	for (const char *p = text; p && *p; p++) {
		if (*p == '"') {
			quoted = !quoted;
		} else if (*p == '\\' && quoted && p[1]) {
			p++;
		} else if (!quoted && strncmp(p, "force", 5) == 0 &&
			   (p == text || p[-1] == ' ' || p[-1] == '\t')) {
			const char *q = p + 5;
			while (*q == ' ' || *q == '\t')
				q++;
			if (*q == '=')
				return true;
		}
	}
	return false;
}

/* The gate's own refusals, after the policy's verdict. */
static void gate_refusals(struct gate_item *it, const struct policy_request *rq)
{
	if (it->op != POLICY_OP_LOAD)
		return;
	if (!rq->owner_ok)
		deny(it, false, "owner-ok=no: %s", gate_owner_problem(it->mf.path));
	if (it->kflags && it->verdict == GATE_ALLOW &&
	    !(it->by_policy && it->d.basis == POLICY_BY_RULE && gate_rule_names_force(it->d.text)))
		deny(it, false,
		     "a forced load needs a rule naming force (the kernel skips its own "
		     "checks for it)");
	if (it->vr.state == VERIFY_NONE && (gate_S.sig_enforce == 1 || gate_locked_down())) {
		/* what the kernel answers: sig_enforce rejects the key, lockdown
		 * alone refuses the operation */
		it->kernel_err = gate_S.sig_enforce == 1 ? -EKEYREJECTED : -EPERM;
		deny(it, true, "it is unsigned, and the kernel refuses unsigned modules (%s)",
		     gate_S.sig_enforce == 1 ? "module.sig_enforce=1" : "lockdown");
	}
}

int gate_item_errno(const struct gate_item *it)
{
	if (it->inspect_err)
		return it->inspect_err;
	/* only when that refusal is what reached the report */
	return it->kernel_err && it->impossible ? it->kernel_err : -EPERM;
}

int gate_decide(struct gate_item *it)
{
	struct policy_request rq;
	int r = 0;

	gate_decide_prepare();
	it->verdict = GATE_ALLOW;
	it->proceed = true;
	request_facts(it, &rq);
	if (it->op == POLICY_OP_LOAD && gate_S.modules_disabled == 1) {
		it->kernel_err = -EPERM;
		deny(it, true, "the kernel refuses every module load (kernel.modules_disabled=1)");
	} else if (it->op != POLICY_OP_LOAD || module_facts(it, &rq) == 0) {
		if (!gate_S.pl.policy) {
			deny(it, false, "the policy could not be read (out of memory)");
		} else {
			policy_evaluate(gate_S.pl.policy, &rq, &it->d);
			it->by_policy = true;
			if (it->d.verdict != POLICY_ALLOW)
				policy_why(it);
		}
		gate_refusals(it, &rq);
	}
	r = gate_record_decision(it);
	it->kflags_granted = it->proceed ? it->kflags : 0;
	return r;
}

bool gate_locked_down(void)
{
	return gate_S.lockdown && !streq(gate_S.lockdown, "none");
}
