// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The gate's records and kernel calls (see gate.h): a decision record before
 * anything happens, the kernel call on the sealed bytes, a result record
 * after it. Also the owner-ok checks of the plan's sources and the requester
 * of an autoload.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "audit/hash.h"
#include "common/macros.h"
#include "loader/gate-internal.h"
#include "loader/kernel.h"
#include "lsm/lsm.h"

static const char *const op_names[] = {
	[POLICY_OP_LOAD] = "load",
	[POLICY_OP_UNLOAD] = "unload",
	[POLICY_OP_INSTALL] = "install",
	[POLICY_OP_REMOVE] = "remove",
};

static const char *const reason_names[] = {
	[POLICY_REASON_REQUEST] = "request",
	[POLICY_REASON_DEPENDENCY] = "dependency",
	[POLICY_REASON_SOFTDEP] = "softdep",
};

/* ---- owner-ok ---- */

/* Why path (and the directories above it) may not steer trust, into buf;
 * false when it is fine. A directory writable by others is fine when sticky
 * (/tmp): nobody else can replace what root put there. */
static bool owner_bad(const char *path, char *buf, size_t size)
{
	char p[PATH_MAX];
	struct stat st;
	if (!path || strlen(path) >= sizeof(p) || stat(path, &st) < 0) {
		snprintf(buf, size, "cannot check who owns %s", path ? path : "the module file");
		return true;
	}
	/* /dev/null (-C /dev/null: no configuration) is nobody's to change */
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
		return false;
	strcpy(p, path);
	for (bool top = true;; top = false) {
		const char *cur = p[0] ? p : "/";
		if (!top && stat(cur, &st) < 0) {
			snprintf(buf, size, "cannot check who owns %s", cur);
			return true;
		}
		bool wr = st.st_mode & (S_IWGRP | S_IWOTH);
		if (st.st_uid != 0 || (wr && (top || !(st.st_mode & S_ISVTX)))) {
			snprintf(buf, size, "%s is %s (uid %u, mode %04o)", cur,
				 st.st_uid != 0 ? "not owned by root"
						: "writable by group or others",
				 (unsigned int)st.st_uid, (unsigned int)(st.st_mode & 07777));
			return true;
		}
		char *slash = strrchr(p, '/');
		if (!slash || !p[0])
			return false;
		*slash = '\0';
	}
}

static const char *const index_files[] = {
	"modules.dep.bin",     "modules.dep",
	"modules.alias.bin",   "modules.alias",
	"modules.symbols.bin", "modules.builtin.bin",
	"modules.builtin",     "modules.builtin.alias.bin",
	"modules.softdep",
};

bool gate_config_owner_ok(void)
{
	struct gate_session *s = &gate_S;
	char path[PATH_MAX];
	struct stat st;

	if (s->cfg_owner >= 0)
		return s->cfg_owner;
	s->cfg_owner = 1;
	for (size_t i = 0; i < s->opt.n_config_files; i++)
		if (owner_bad(s->opt.config_files[i], s->cfg_owner_bad, sizeof(s->cfg_owner_bad)))
			return (s->cfg_owner = 0);
	if (!s->opt.moddir)
		return true;
	if (owner_bad(s->opt.moddir, s->cfg_owner_bad, sizeof(s->cfg_owner_bad)))
		return (s->cfg_owner = 0);
	for (size_t i = 0; i < ARRAY_SIZE(index_files); i++) {
		snprintf(path, sizeof(path), "%s/%s", s->opt.moddir, index_files[i]);
		if (stat(path, &st) == 0 &&
		    owner_bad(path, s->cfg_owner_bad, sizeof(s->cfg_owner_bad)))
			return (s->cfg_owner = 0);
	}
	return true;
}

const char *gate_owner_problem(const char *module_path)
{
	static char buf[600];
	if (owner_bad(module_path, buf, sizeof(buf)))
		return buf;
	if (!gate_config_owner_ok())
		return gate_S.cfg_owner_bad;
	return "unknown";
}

/* ---- the requester ---- */

void gate_request_init(struct gate_request *rq, const char *requested)
{
	struct lsm_requester r;
	*rq = (struct gate_request){.requested = requested};
	if (gate_context()->context != POLICY_CTX_AUTOLOAD || !requested ||
	    lsm_requester_lookup(requested, &r) < 0)
		return;
	rq->requester_known = true;
	rq->requester_uid = r.uid;
	rq->requester_userns_other = r.userns_other;
	if (lsm_cgroup_path(r.cgroup_id, rq->requester_cgroup, sizeof(rq->requester_cgroup)) < 0)
		snprintf(rq->requester_cgroup, sizeof(rq->requester_cgroup), "cgroup-id:%llu",
			 (unsigned long long)r.cgroup_id);
	snprintf(rq->requester, sizeof(rq->requester),
		 "uid=%u pid=%u comm=%s userns=%s cgroup=%s%s%s", r.uid, r.pid, r.comm,
		 r.userns_other ? "other" : "init", rq->requester_cgroup, r.mixed ? " mixed" : "",
		 r.refused ? " refused-in-kernel" : "");
}

/* ---- records ---- */

struct event_buf {
	struct audit_event ev;
	char rule[PATH_MAX + 16];
	struct strbuf reason;
};

void gate_event_who(struct audit_event *ev)
{
	const struct gate_context *c = gate_context();

	ev->mode = policy_mode_name(gate_mode());
	ev->context = context_name(c->context);
	ev->uid = c->uid;
	ev->auid = c->auid == POLICY_AUID_UNSET ? AUDIT_ID_UNSET : (int64_t)c->auid;
	ev->ses = c->ses;
	ev->pid = c->pid;
	ev->exe = c->exe;
	ev->tty = c->tty[0] ? c->tty : NULL;
}

static void fill_event(const struct gate_item *it, enum audit_event_type type, struct event_buf *b)
{
	const struct gate_request *rq = it->rq;
	struct audit_event *ev = &b->ev;

	*ev = (struct audit_event)AUDIT_EVENT_INIT(type);
	ev->op = op_names[it->op];
	ev->module = it->name;
	ev->requested = rq ? rq->requested : NULL;
	ev->path = it->have_facts ? it->mf.path : it->path;
	ev->params = it->params && *it->params ? it->params : NULL;
	if (it->have_facts) {
		ev->sha256 = it->mf.sha256;
		ev->sig = verify_state_name(it->vr.state);
		ev->signer = it->mf.signer;
		ev->key_id = it->mf.key;
		ev->cert = it->mf.cert;
	}
	gate_event_who(ev);
	ev->requester = rq && rq->requester_known ? rq->requester : NULL;
	ev->lockdown = gate_S.lockdown;
	ev->sig_enforce = gate_S.sig_enforce == 1 ? "Y" : gate_S.sig_enforce == 0 ? "N" : NULL;
	if (type != AUDIT_EV_DECISION)
		return;
	ev->decision = gate_verdict_name(it->verdict);
	if (it->by_policy && it->d.basis == POLICY_BY_RULE) {
		snprintf(b->rule, sizeof(b->rule), "%s:%u", it->d.file, it->d.line);
		ev->rule = b->rule;
	}
	strbuf_append_str(&b->reason, reason_names[it->reason]);
	if (it->command)
		strbuf_appendf(&b->reason, ": command %s", it->command);
	if (it->why.len)
		strbuf_appendf(&b->reason, ": %s", it->why.buf);
	ev->reason = strbuf_str(&b->reason);
}

static void say_unrecorded(struct gate_item *it, const char *what, int r)
{
	strbuf_appendf(&it->warn, "the %s for %s was not recorded in the trail: %s", what, it->name,
		       strerror(-r));
}

/* The kernel command line chose the mode: recorded before the first
 * decision it affects, and like the settings records only when it differs
 * from the last one in the trail (audit/change.h): once a boot, not once
 * for each of the hundreds of gate processes udev starts. */
static void record_override(void)
{
	const struct policy_settings *s =
		gate_S.pl.policy ? policy_get_settings(gate_S.pl.policy) : NULL;
	struct audit_event ev = AUDIT_EVENT_INIT(AUDIT_EV_CMDLINE_OVERRIDE);
	char what[256], digest[SHA256_HEX_LEN + 1];
	struct audit_status st;

	if (!s || gate_S.override_recorded || !(s->cmdline_used || s->cmdline_denied))
		return;
	gate_S.override_recorded = true;
	ev.mode = policy_mode_name(s->effective_mode);
	ev.previous_mode = policy_mode_name(s->mode);
	ev.context = context_name(gate_context()->context);
	ev.pid = gate_context()->pid;
	ev.reason = s->cmdline_denied ? "modgate.mode=permissive refused (cmdline-override no)"
				      : "modgate.mode= on the kernel command line";
	snprintf(what, sizeof(what), "%s %s %s", ev.mode, ev.previous_mode, ev.reason);
	if (sha256_hex(what, strlen(what), digest) == 0) {
		ev.sha256 = digest;
		ev.change_key = "cmdline";
	}
	audit_record(&gate_S.ao, &ev, &st);
}

/* Decisions and results held for one trail write (gate_records_hold). The
 * items belong to the caller's plan and outlive the flush. */
struct held_record {
	struct gate_item *it;
	bool result;
	int err;
	char *note;
};

static struct {
	bool decisions, results;
	struct held_record *v;
	size_t n, cap;
} held;

/* A decision record could not reach the trail under `audit required`: no
 * durable record, no load, in any mode. */
static void deny_unrecorded(struct gate_item *it, int r)
{
	strbuf_clear(&it->why);
	strbuf_appendf(&it->why, "its decision could not be recorded in the trail: %s",
		       strerror(-r));
	it->verdict = GATE_DENY;
	it->proceed = false;
}

static int hold(struct gate_item *it, bool result, int err, const char *note)
{
	if (held.n == held.cap) {
		size_t ncap = held.cap ? held.cap * 2 : 16, bytes;
		struct held_record *nv;
		if (size_mul_overflow(ncap, sizeof(*held.v), &bytes) ||
		    !(nv = realloc(held.v, bytes)))
			return -ENOMEM;
		held.v = nv;
		held.cap = ncap;
	}
	char *copy = note ? strdup(note) : NULL;
	if (note && !copy)
		return -ENOMEM;
	held.v[held.n++] =
		(struct held_record){.it = it, .result = result, .err = err, .note = copy};
	return 0;
}

void gate_records_hold(bool results)
{
	held.decisions = true;
	held.results = results;
}

/* The held records as one batch (audit_record_batch): one lock, one write,
 * one fdatasync. Under `audit required` a batch that did not reach the trail
 * denies every decision in it. */
static int flush_held(void)
{
	size_t n = held.n;
	_cleanup_free_ struct event_buf *b = calloc(n ? n : 1, sizeof(*b));
	_cleanup_free_ const struct audit_event **evs = calloc(n ? n : 1, sizeof(*evs));
	_cleanup_free_ struct audit_status *st = calloc(n ? n : 1, sizeof(*st));
	int r = -ENOMEM;

	if (b && evs && st) {
		for (size_t i = 0; i < n; i++) {
			struct held_record *h = &held.v[i];
			b[i].reason = (struct strbuf)STRBUF_INIT;
			fill_event(h->it, h->result ? AUDIT_EV_RESULT : AUDIT_EV_DECISION, &b[i]);
			if (h->result) {
				b[i].ev.has_result = true;
				b[i].ev.result_errno = h->err < 0 ? -h->err : 0;
				b[i].ev.reason = h->note;
			}
			evs[i] = &b[i].ev;
		}
		r = n ? audit_record_batch(&gate_S.ao, evs, n, st) : 0;
	}
	for (size_t i = 0; i < n; i++) {
		struct held_record *h = &held.v[i];
		bool lost = !st || (!st[i].recorded && !st[i].suppressed);
		int why = st && st[i].trail_error ? st[i].trail_error : r < 0 ? r : -EIO;
		if (!h->result && r < 0)
			deny_unrecorded(h->it, r);
		else if (lost)
			say_unrecorded(h->it, h->result ? "result" : "decision", why);
		if (b)
			strbuf_release(&b[i].reason);
		free(h->note);
	}
	held.n = 0;
	return r;
}

int gate_records_flush(void)
{
	int r = flush_held();
	held.decisions = false;
	return r;
}

int gate_results_flush(void)
{
	int r = flush_held();
	held.decisions = held.results = false;
	return r;
}

int gate_record_decision(struct gate_item *it)
{
	struct event_buf b = {.reason = STRBUF_INIT};
	struct audit_status st;

	record_override();
	if (held.decisions && hold(it, false, 0, NULL) == 0)
		return 0;
	fill_event(it, AUDIT_EV_DECISION, &b);
	int r = audit_record(&gate_S.ao, &b.ev, &st);
	strbuf_release(&b.reason);
	if (r < 0) {
		deny_unrecorded(it, r);
		return r;
	}
	if (!st.recorded && !st.suppressed)
		say_unrecorded(it, "decision", st.trail_error ? st.trail_error : -EIO);
	return 0;
}

void gate_record_result_note(struct gate_item *it, int err, const char *note)
{
	struct event_buf b = {.reason = STRBUF_INIT};
	struct audit_status st;

	if (held.results && hold(it, true, err, note) == 0)
		return;
	fill_event(it, AUDIT_EV_RESULT, &b);
	b.ev.has_result = true;
	b.ev.result_errno = err < 0 ? -err : 0;
	b.ev.reason = note;
	audit_record(&gate_S.ao, &b.ev, &st);
	if (!st.recorded)
		say_unrecorded(it, "result", st.trail_error ? st.trail_error : -EIO);
}

void gate_record_result(struct gate_item *it, int err)
{
	gate_record_result_note(it, err, NULL);
}

/* ---- the kernel ---- */

int gate_kernel_load(struct gate_item *it)
{
	/* between the decision and the kernel: the test binaries rewrite the
	 * file here, to show the kernel still gets the bytes decided on */
	gate_test_hook("before-load", it);
	int r = lsm_register_file(it->in.memfd_ro);
	if (r >= 0) {
		r = kernel_finit_module(it->in.memfd_ro, it->name, it->params ? it->params : "",
					(int)it->kflags_granted);
		lsm_unregister_file(it->in.memfd_ro);
	}
	gate_record_result(it, r);
	/* the bytes are no longer needed: a long plan holds one memfd at most */
	inspected_release(&it->in);
	return r;
}

int gate_kernel_unload(struct gate_item *it)
{
	/* O_NONBLOCK always: the kernel's blocking wait for a busy module is
	 * gone and would hang the caller; O_TRUNC forces (and taints R) */
	int r = kernel_delete_module(it->name, O_NONBLOCK | (it->force ? O_TRUNC : 0));
	gate_record_result(it, r);
	return r;
}

void gate_record_not_found(const struct gate_request *rq)
{
	struct gate_item it;
	struct event_buf b = {.reason = STRBUF_INIT};
	struct audit_status st;

	if (gate_context()->context != POLICY_CTX_AUTOLOAD)
		return;
	gate_item_init(&it, rq, rq->requested, POLICY_OP_LOAD);
	gate_decide_prepare();
	fill_event(&it, AUDIT_EV_DECISION, &b);
	b.ev.decision = "not-found";
	b.ev.module = NULL;
	audit_record(&gate_S.ao, &b.ev, &st);
	strbuf_release(&b.reason);
	gate_item_release(&it);
}

int gate_refuse_autoload_path(const struct gate_request *rq, struct strbuf *why)
{
	struct gate_item it;
	gate_item_init(&it, rq, rq->requested, POLICY_OP_LOAD);
	gate_decide_prepare();
	it.verdict = GATE_DENY;
	strbuf_append_str(&it.why, "a path is never accepted in the autoload context");
	gate_record_decision(&it);
	strbuf_append_str(why, it.why.buf);
	gate_item_release(&it);
	return -EPERM;
}
