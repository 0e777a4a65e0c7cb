// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * `modgate lsm enable|disable|status`: the kernel side of the gate.
 *
 *   enable [--refuse-userns-autoload]
 *       attach the BPF LSM program and pin it in /sys/fs/bpf/modgate (or,
 *       when attached, rewrite its settings). It enforces when the gate's
 *       effective mode (modgate.conf, kernel command line) is enforce and
 *       only counts "would refuse" in permissive mode.
 *   disable
 *       fold the program's refusal counters into the trail, record the
 *       change, unpin (which detaches it). Nothing is detached unless the
 *       record was written when audit is required.
 *   status [--requests]
 *       attached or not, settings, counters; --requests lists the autoload
 *       requesters it recorded. Exit 0 attached, 3 not attached.
 *
 * The kernel state is the running kernel's; --root only moves the settings
 * read and the trail written (tests).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit/audit.h"
#include "common/log.h"
#include "common/macros.h"
#include "loader/policy-facts.h"
#include "loader/policy-load.h"
#include "lsm/lsm.h"
#include "tools/tools.h"

#define EXIT_NOT_ATTACHED 3

static void lsm_usage(void)
{
	fputs("Usage:\n"
	      "\tmodgate lsm enable [--refuse-userns-autoload]\n"
	      "\tmodgate lsm disable\n"
	      "\tmodgate lsm status [--requests]\n",
	      stderr);
}

/* The gate's settings as a load would see them; unreadable or refused
 * settings are the fail-closed ones (enforce, audit required). */
static void gate_settings(struct policy_settings *out)
{
	struct policy_load_opts o = {.root = tools_root(), .cmdline = true};
	struct policy_loaded l;
	policy_settings_fail_closed(out);
	if (policy_load(&o, &l) < 0)
		return;
	*out = *policy_get_settings(l.policy);
	policy_loaded_release(&l);
}

static const char *cfg_mode(uint32_t flags)
{
	return flags & LSM_CFG_ENFORCE ? "enforcing" : "permissive (counting what it would refuse)";
}

/* CLOCK_MONOTONIC ns (the program's clock) to an RFC 3339 UTC time. */
static void mono_to_text(uint64_t ns, char *buf, size_t size)
{
	struct timespec mono, real;
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	uint64_t now = (uint64_t)mono.tv_sec * 1000000000ull + (uint64_t)mono.tv_nsec;
	time_t t = real.tv_sec - (time_t)((now > ns ? now - ns : 0) / 1000000000ull);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void audit_opts(const struct policy_settings *s, struct audit_options *o)
{
	*o = (struct audit_options)AUDIT_OPTIONS_DEFAULT;
	o->root = tools_root();
	o->required = s->audit == POLICY_AUDIT_REQUIRED;
}

static const char *const refusal_reasons[LSM_CNT_MAX] = {
	[LSM_CNT_FILE_REFUSED] = "kernel: finit_module of a file the gate did not register",
	[LSM_CNT_FILE_WOULD_REFUSE] = "kernel: finit_module of a file the gate did not register",
	[LSM_CNT_DATA_REFUSED] = "kernel: init_module",
	[LSM_CNT_DATA_WOULD_REFUSE] = "kernel: init_module",
	[LSM_CNT_USERNS_REFUSED] = "kernel: autoload from a non-initial user namespace",
	[LSM_CNT_USERNS_WOULD_REFUSE] = "kernel: autoload from a non-initial user namespace",
};

static bool would(enum lsm_counter c)
{
	return c == LSM_CNT_FILE_WOULD_REFUSE || c == LSM_CNT_DATA_WOULD_REFUSE ||
	       c == LSM_CNT_USERNS_WOULD_REFUSE;
}

/* One aggregated decision record per refusal counter that moved since the
 * last fold, then mark them folded. The program counts in the kernel; this
 * is how its refusals reach the trail (the gate does the same on its runs). */
static int fold_refusals(const struct audit_options *o)
{
	struct lsm_refusals rf;
	int r = lsm_refusals_peek(&rf);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	if (!rf.any)
		return 0;
	for (int c = 0; c < LSM_CNT_MAX; c++) {
		if (!rf.delta[c] || !lsm_counter_is_refusal(c))
			continue;
		const struct lsm_counter_val *l = &rf.last[c];
		char comm[LSM_COMM_MAX + 1], name[LSM_NAME_MAX + 1], who[96], last[32];
		memcpy(comm, l->last_comm, LSM_COMM_MAX);
		comm[LSM_COMM_MAX] = '\0';
		memcpy(name, l->last_name, LSM_NAME_MAX);
		name[LSM_NAME_MAX] = '\0';
		snprintf(who, sizeof(who), "last: comm=%s pid=%u uid=%u", comm, l->last_pid,
			 l->last_uid);
		mono_to_text(l->last_ns, last, sizeof(last));
		struct audit_event ev = AUDIT_EVENT_INIT(AUDIT_EV_DECISION);
		struct audit_status st;
		bool autoload = c == LSM_CNT_USERNS_REFUSED || c == LSM_CNT_USERNS_WOULD_REFUSE;
		ev.op = "load";
		ev.module = name[0] ? name : NULL;
		ev.decision = would(c) ? "would-deny" : "deny";
		ev.mode = would(c) ? "permissive" : "enforce";
		ev.context = autoload ? "autoload" : NULL;
		ev.reason = refusal_reasons[c];
		ev.requester = who;
		ev.count = rf.delta[c];
		ev.last = last;
		r = audit_record(o, &ev, &st);
		if (r < 0)
			return r;
	}
	return lsm_refusals_commit(&rf);
}

static void record_change(const struct policy_settings *s, const char *op, const char *mode,
			  const char *previous, struct audit_status *st, int *r)
{
	struct audit_options o;
	struct audit_event ev = AUDIT_EVENT_INIT(AUDIT_EV_MODE_CHANGE);
	struct policy_request rq = {0};
	_cleanup_free_ char *exe = NULL;

	audit_opts(s, &o);
	caller_policy_facts(&rq, &exe);
	ev.op = op;
	ev.mode = mode;
	ev.previous_mode = previous;
	ev.reason = "modgate lsm";
	ev.uid = rq.uid;
	ev.auid = rq.auid == POLICY_AUID_UNSET ? AUDIT_ID_UNSET : (int64_t)rq.auid;
	ev.pid = getpid();
	ev.exe = rq.exe;
	*r = audit_record(&o, &ev, st);
}

static const char *state_text(bool attached, const struct lsm_status *st)
{
	if (!attached)
		return "kernel side detached";
	return st->flags & LSM_CFG_ENFORCE ? "kernel side attached, enforcing"
					   : "kernel side attached, permissive";
}

static int do_enable(int argc, char *argv[])
{
	struct lsm_settings ls = {0};
	struct policy_settings s;
	struct lsm_status before;
	struct audit_status ast;
	int r;

	for (int i = 1; i < argc; i++) {
		if (streq(argv[i], "--refuse-userns-autoload"))
			ls.refuse_userns = true;
		else {
			lsm_usage();
			return EXIT_FAILURE;
		}
	}
	if (!lsm_built()) {
		log_error("the BPF LSM program is not built in this binary (clang, bpftool or "
			  "libbpf-dev was missing when it was configured)\n");
		return EXIT_FAILURE;
	}
	gate_settings(&s);
	ls.enforce = s.effective_mode == POLICY_ENFORCE;
	lsm_status_read(&before);
	int en = r = lsm_enable(&ls);
	if (r < 0) {
		log_error("could not attach the BPF LSM program: %s\n", strerror(-r));
		if (r == -EPROTO)
			log_error("an incompatible version is attached: run 'modgate lsm disable' "
				  "first\n");
		if (lsm_last_log())
			fprintf(stderr, "%s", lsm_last_log());
		return EXIT_FAILURE;
	}
	struct lsm_status now;
	lsm_status_read(&now);
	record_change(&s, "lsm-enable", state_text(true, &now),
		      state_text(lsm_status_attached(&before), &before), &ast, &r);
	if (r < 0)
		log_warning("attached, but the change could not be recorded in the trail: %s\n",
			    strerror(-r));
	printf("%s: %s%s\n", en == 1 ? "updated" : "attached", cfg_mode(now.flags),
	       now.flags & LSM_CFG_REFUSE_USERNS
		       ? ", autoload from non-initial user namespaces refused in the kernel"
		       : "");
	return EXIT_SUCCESS;
}

static int do_disable(int argc, char *argv[])
{
	struct policy_settings s;
	struct audit_options o;
	struct audit_status ast;
	struct lsm_status st;
	int r;

	(void)argv;
	if (argc > 1) {
		lsm_usage();
		return EXIT_FAILURE;
	}
	r = lsm_status_read(&st);
	if (r < 0 || !st.pinned) {
		log_error("the BPF LSM program is not attached\n");
		return EXIT_FAILURE;
	}
	gate_settings(&s);
	audit_opts(&s, &o);
	if (st.abi_ok && (r = fold_refusals(&o)) < 0 && o.required) {
		log_error("the program's refusals could not be recorded in the trail (%s); not "
			  "disabled because audit is required\n",
			  strerror(-r));
		return EXIT_FAILURE;
	}
	record_change(&s, "lsm-disable", state_text(false, &st), state_text(true, &st), &ast, &r);
	if (r < 0) {
		log_error("the change could not be recorded in the trail (%s); not disabled "
			  "because audit is required\n",
			  strerror(-r));
		return EXIT_FAILURE;
	}
	r = lsm_disable();
	if (r < 0) {
		log_error("could not remove %s: %s\n", LSM_PIN_DIR, strerror(-r));
		return EXIT_FAILURE;
	}
	lsm_status_read(&st);
	if (st.live_links > 0)
		log_warning("unpinned, but %d link%s of the program stay%s attached: another "
			    "process holds %s\n",
			    st.live_links, st.live_links == 1 ? "" : "s",
			    st.live_links == 1 ? "s" : "", st.live_links == 1 ? "it" : "them");
	puts("detached");
	return EXIT_SUCCESS;
}

static int print_requester(const char *name, const struct lsm_requester *r, void *data)
{
	char cg[256];
	(void)data;
	if (lsm_cgroup_path(r->cgroup_id, cg, sizeof(cg)) < 0)
		snprintf(cg, sizeof(cg), "id:%llu", (unsigned long long)r->cgroup_id);
	printf("  %-24s uid=%u userns=%s cgroup=%s comm=%s pid=%u count=%u age=%llus%s%s\n", name,
	       r->uid, r->userns_other ? "other" : "init", cg, r->comm, r->pid, r->count,
	       (unsigned long long)(r->age_ns / 1000000000ull), r->mixed ? " mixed" : "",
	       r->refused ? " refused" : "");
	return 0;
}

static void print_counter(const struct lsm_status *st, int c)
{
	const struct lsm_counter_val *v = &st->counters[c];
	char comm[LSM_COMM_MAX + 1], name[LSM_NAME_MAX + 1];
	memcpy(comm, v->last_comm, LSM_COMM_MAX);
	comm[LSM_COMM_MAX] = '\0';
	memcpy(name, v->last_name, LSM_NAME_MAX);
	name[LSM_NAME_MAX] = '\0';
	printf("    %-30s %llu", lsm_counter_name(c), (unsigned long long)v->count);
	if (v->count)
		printf(" (last: comm=%s pid=%u uid=%u%s%s)", comm, v->last_pid, v->last_uid,
		       name[0] ? " name=" : "", name);
	if (lsm_counter_is_refusal(c) && v->count > st->reported[c])
		printf(" [%llu not in the trail yet]",
		       (unsigned long long)(v->count - st->reported[c]));
	putchar('\n');
}

int lsm_status_summary(FILE *out)
{
	struct lsm_status st;
	int r = lsm_status_read(&st);
	if (r < 0) {
		fprintf(out, "kernel side (BPF LSM): unknown (%s)\n", strerror(-r));
		return r;
	}
	if (!lsm_status_attached(&st)) {
		fprintf(out,
			"kernel side (BPF LSM): not attached%s\n"
			"  open: any root process may call finit_module or init_module "
			"itself, and autoload requesters are unknown to the policy\n",
			lsm_built() ? " ('modgate lsm enable' attaches it)"
				    : " (not built in this binary)");
		return 0;
	}
	fprintf(out, "kernel side (BPF LSM): attached, %s\n", cfg_mode(st.flags));
	fprintf(out, "  closed: module loads that bypass the gate (finit_module of any file "
		     "it did not register, init_module)\n");
	fprintf(out, "  autoload from non-initial user namespaces: %s\n",
		st.flags & LSM_CFG_REFUSE_USERNS ? "refused in the kernel"
						 : "decided by policy (requester-userns)");
	return 1;
}

static int do_status(int argc, char *argv[])
{
	struct lsm_status st;
	bool requests = argc > 1 && streq(argv[1], "--requests");
	if (argc > (requests ? 2 : 1)) {
		lsm_usage();
		return EXIT_FAILURE;
	}
	int r = lsm_status_summary(stdout);
	if (r < 0)
		return EXIT_FAILURE;
	lsm_status_read(&st);
	if (st.live_links < 0)
		printf("  live links: unknown (%s)\n", strerror(-st.live_links));
	else if (st.live_links != (int)st.links_pinned)
		printf("  live links of modgate programs: %d, pinned: %u\n", st.live_links,
		       st.links_pinned);
	if (st.pinned && !st.abi_ok)
		printf("  pinned program speaks ABI %u, this binary %u: run 'modgate lsm "
		       "disable' then 'enable'\n",
		       st.abi, LSM_ABI_VERSION);
	if (r == 0)
		return EXIT_NOT_ATTACHED;
	printf("  counters:\n");
	for (int c = 0; c < LSM_CNT_MAX; c++)
		print_counter(&st, c);
	printf("  autoload requester records: %u\n", st.requests);
	if (requests && lsm_requesters_foreach(print_requester, NULL) < 0)
		return EXIT_FAILURE;
	return EXIT_SUCCESS;
}

int tool_lsm(int argc, char *argv[])
{
	if (argc < 2) {
		lsm_usage();
		return EXIT_FAILURE;
	}
	const char *cmd = argv[1];
	if (streq(cmd, "enable"))
		return do_enable(argc - 1, argv + 1);
	if (streq(cmd, "disable"))
		return do_disable(argc - 1, argv + 1);
	if (streq(cmd, "status"))
		return do_status(argc - 1, argv + 1);
	if (streq(cmd, "-h") || streq(cmd, "--help")) {
		lsm_usage();
		return EXIT_SUCCESS;
	}
	log_error("unknown lsm command '%s'\n", cmd);
	lsm_usage();
	return EXIT_FAILURE;
}
