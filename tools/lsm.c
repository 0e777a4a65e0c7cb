// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * `modgate lsm enable|disable|status`: the kernel side of the gate.
 *
 *   enable [--autoload-userns=refuse|policy]
 *       attach the BPF LSM program and pin it in /sys/fs/bpf/modgate (or,
 *       when attached, rewrite its settings). It enforces when the gate's
 *       effective mode (modgate.conf, kernel command line) is enforce and
 *       only counts "would refuse" in permissive mode; it refuses autoloads
 *       from non-initial user namespaces when modgate.conf says
 *       `autoload-userns refuse`, unless the option says otherwise.
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
#include <unistd.h>

#include "audit/audit.h"
#include "common/log.h"
#include "common/macros.h"
#include "loader/policy-facts.h"
#include "loader/policy-load.h"
#include "loader/refusals.h"
#include "lsm/lsm.h"
#include "tools/tools.h"

#define EXIT_NOT_ATTACHED 3

static void lsm_usage(void)
{
	fputs("Usage:\n"
	      "\tmodgate lsm enable [--autoload-userns=refuse|policy]\n"
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

static void audit_opts(const struct policy_settings *s, struct audit_options *o)
{
	*o = (struct audit_options)AUDIT_OPTIONS_DEFAULT;
	o->root = tools_root();
	o->required = s->audit == POLICY_AUDIT_REQUIRED;
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

/* --autoload-userns=VALUE (or VALUE as the next argument): 1 refuse,
 * 0 policy, -1 not this option, -2 a bad value (said). */
static int userns_option(int argc, char *argv[], int *i)
{
	static const char opt[] = "--autoload-userns";
	const char *v;
	if (strncmp(argv[*i], opt, sizeof(opt) - 1) != 0)
		return -1;
	if (argv[*i][sizeof(opt) - 1] == '=')
		v = argv[*i] + sizeof(opt);
	else if (argv[*i][sizeof(opt) - 1] == '\0' && *i + 1 < argc)
		v = argv[++*i];
	else
		return -1;
	if (streq(v, "refuse") || streq(v, "policy"))
		return streq(v, "refuse");
	log_error("bad value '%s' for --autoload-userns (refuse or policy)\n", v);
	return -2;
}

static int do_enable(int argc, char *argv[])
{
	struct lsm_settings ls = {0};
	struct policy_settings s;
	struct lsm_status before;
	struct audit_status ast;
	int userns = -1, r;

	for (int i = 1; i < argc; i++) {
		userns = userns_option(argc, argv, &i);
		if (userns == -2)
			return EXIT_FAILURE;
		if (userns == -1) {
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
	/* modgate.conf's autoload-userns, unless the command line chose */
	ls.refuse_userns = userns >= 0 ? userns == 1
				       : s.autoload_userns == POLICY_USERNS_AUTOLOAD_REFUSE;
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
	if (st.abi_ok && (r = gate_fold_kernel_refusals(&o)) < 0 && o.required) {
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

/* The kernel side's autoload-userns against modgate.conf's: the program
 * keeps what `enable` wrote until it runs again. */
static void print_userns(FILE *out, bool attached, uint32_t flags)
{
	struct policy_settings s;
	gate_settings(&s);
	bool conf_refuse = s.autoload_userns == POLICY_USERNS_AUTOLOAD_REFUSE;
	if (!attached) {
		if (conf_refuse)
			fprintf(out, "  autoload-userns refuse (modgate.conf) takes effect once "
				     "attached; until then the policy decides, without knowing "
				     "the requester\n");
		return;
	}
	bool refuse = flags & LSM_CFG_REFUSE_USERNS;
	fprintf(out, "  autoload from non-initial user namespaces: %s\n",
		!refuse			      ? "decided by policy (requester-userns)"
		: flags & LSM_CFG_ENFORCE ? "refused in the kernel"
					      : "would be refused in the kernel (counted, let through)");
	if (refuse != conf_refuse)
		fprintf(out,
			"  modgate.conf says autoload-userns %s, the kernel side has %s: "
			"'modgate lsm enable' (systemctl reload modgate-lsm) applies the file\n",
			policy_autoload_userns_name(s.autoload_userns), refuse ? "refuse" : "policy");
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
		print_userns(out, false, 0);
		return 0;
	}
	fprintf(out, "kernel side (BPF LSM): attached, %s\n", cfg_mode(st.flags));
	fprintf(out, "  closed: module loads that bypass the gate (finit_module of any file "
		     "it did not register, init_module)\n");
	print_userns(out, true, st.flags);
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
