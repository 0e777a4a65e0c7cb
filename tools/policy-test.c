// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * `modgate policy test`: what would the gate decide for this request?
 *
 * The request is planned as modprobe plans it (moddb/plan.h: aliases,
 * dependencies, softdeps, install commands, the alias-only blacklist), every
 * module file goes through the same sandboxed inspection and signature check
 * as a load, and each module gets the decision a load would get. Nothing is
 * loaded and the kernel is not asked what is live: the whole list is decided.
 *
 * Facts are printed in rule syntax under each decision, so an admin can turn
 * them into rules.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/macros.h"
#include "common/strbuf.h"
#include "inspect/inspect.h"
#include "loader/kernel.h"
#include "loader/policy-facts.h"
#include "loader/policy-load.h"
#include "moddb/plan.h"
#include "tools/policy.h"
#include "verify/truststore.h"
#include "verify/verify.h"

struct ptest {
	struct policy_tree tree;
	struct policy_loaded pl;
	struct policy_request base; /* the request facts shared by every module */
	char *exe;
	const char *arg;
	bool json;
	bool failed; /* a module denied or not decidable */
	struct strbuf json_mods;
};

struct decided {
	const char *module;
	const char *path;
	const char *verdict;		 /* allow, deny, builtin, blacklisted */
	const struct policy_decision *d; /* NULL when no decision was taken */
	const char *error;		 /* why no facts could be established */
	const struct policy_request *rq;
};

/* ---- output ---- */

struct fact_out {
	struct strbuf *sb;
	const struct policy_request *rq;
	bool first;
};

/* As a rule would say it: the target kernel's certificate is @kernel. */
static void fact_text(void *ud, const char *key, const char *value)
{
	struct fact_out *o = ud;
	if (!value[0])
		return;
	strbuf_appendf(o->sb, "%s%s=", o->first ? "" : " ", key);
	o->first = false;
	if (streq(key, "cert") && o->rq->cert_kernel)
		strbuf_append_str(o->sb, "@kernel");
	else
		policy_value_render(value, o->sb);
}

static void fact_json(void *ud, const char *key, const char *value)
{
	struct fact_out *o = ud;
	if (!value[0])
		return;
	if (!o->first)
		strbuf_append_char(o->sb, ',');
	o->first = false;
	json_string(o->sb, key);
	strbuf_append_char(o->sb, ':');
	json_string(o->sb, value);
	if (streq(key, "cert"))
		strbuf_appendf(o->sb, ",\"cert-kernel\":%s", o->rq->cert_kernel ? "true" : "false");
}

static void print_text(const struct decided *x)
{
	_cleanup_strbuf_ struct strbuf line = STRBUF_INIT;
	_cleanup_strbuf_ struct strbuf facts = STRBUF_INIT;

	strbuf_appendf(&line, "%s %s", x->verdict, x->module);
	if (x->error)
		strbuf_appendf(&line, " %s: %s", x->path ? x->path : "", x->error);
	else if (x->d && x->d->basis == POLICY_BY_RULE)
		strbuf_appendf(&line, " %s:%u (%s)", x->d->file, x->d->line, x->d->text);
	else if (x->d && x->d->basis == POLICY_BY_DEFAULT)
		strbuf_append_str(&line, " default");
	else if (x->d)
		strbuf_append_str(&line, " policy refused");
	puts(strbuf_str(&line));
	if (x->rq) {
		struct fact_out o = {&facts, x->rq, true};
		policy_request_each(x->rq, fact_text, &o);
		printf("\t%s\n", strbuf_str(&facts));
	}
}

static void add_json(struct ptest *t, const struct decided *x)
{
	struct strbuf *sb = &t->json_mods;
	static const char *const basis[] = {"rule", "default", "refused"};

	strbuf_append_str(sb, sb->len ? ",{\"module\":" : "{\"module\":");
	json_string(sb, x->module);
	strbuf_append_str(sb, ",\"path\":");
	x->path ? json_string(sb, x->path) : strbuf_append_str(sb, "null");
	strbuf_append_str(sb, ",\"decision\":");
	json_string(sb, x->verdict);
	if (x->d) {
		strbuf_appendf(sb, ",\"basis\":\"%s\"", basis[x->d->basis]);
		if (x->d->basis == POLICY_BY_RULE) {
			strbuf_append_str(sb, ",\"rule\":{\"file\":");
			json_string(sb, x->d->file);
			strbuf_appendf(sb, ",\"line\":%u,\"text\":", x->d->line);
			json_string(sb, x->d->text);
			strbuf_append_char(sb, '}');
		}
		strbuf_appendf(sb, ",\"proceed\":%s", x->d->proceed ? "true" : "false");
	}
	if (x->error) {
		strbuf_append_str(sb, ",\"error\":");
		json_string(sb, x->error);
	}
	if (x->rq) {
		struct fact_out o = {sb, x->rq, true};
		strbuf_append_str(sb, ",\"facts\":{");
		policy_request_each(x->rq, fact_json, &o);
		strbuf_append_char(sb, '}');
	}
	strbuf_append_char(sb, '}');
}

static void report(struct ptest *t, const struct decided *x)
{
	if (t->json)
		add_json(t, x);
	else
		print_text(x);
}

/* ---- deciding ---- */

static void decide(struct ptest *t, const char *module, const char *path,
		   const struct policy_request *rq)
{
	struct policy_decision d;
	policy_evaluate(t->pl.policy, rq, &d);
	if (d.verdict != POLICY_ALLOW)
		t->failed = true;
	struct decided x = {module, path, policy_verdict_name(d.verdict), &d, NULL, rq};
	report(t, &x);
}

/* Inspection or verification failed: the gate denies (fail closed) with the
 * cause; no policy rule is involved. */
static void undecidable(struct ptest *t, const char *module, const char *path, const char *why)
{
	struct decided x = {module, path, "deny", NULL, why, NULL};
	t->failed = true;
	report(t, &x);
}

static void decide_file(struct ptest *t, const char *module, const char *path,
			struct policy_request *rq)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	struct module_policy_facts mf;
	struct verify_result vr;
	struct inspected in;

	if (inspect_file(AT_FDCWD, path, &inspect_default_limits, &in, &err) < 0) {
		undecidable(t, module, path, err.len ? strbuf_str(&err) : "cannot inspect");
		return;
	}
	int r = verify_inspected(&t->tree.ts, &in, 0, &vr);
	if (r == 0)
		r = module_policy_facts_init(&mf, path, &in, &vr, t->tree.version);
	inspected_release(&in);
	if (r < 0) {
		undecidable(t, module, path, strerror(-r));
		return;
	}
	module_policy_facts_apply(&mf, rq);
	decide(t, module, path, rq);
	module_policy_facts_release(&mf);
}

static void decide_entry(struct ptest *t, struct plan_mod *top, struct plan_mod *e)
{
	struct plan *p = t->tree.plan;
	struct policy_request rq = t->base;
	_cleanup_free_ char *options = plan_options_concat(plan_options(p, e), NULL);

	if (plan_is_builtin(p, e) == 1) {
		struct decided x = {e->name, NULL, "builtin", NULL, NULL, NULL};
		report(t, &x);
		return;
	}
	rq.reason = e == top	  ? POLICY_REASON_REQUEST
		    : e->required ? POLICY_REASON_DEPENDENCY
				  : POLICY_REASON_SOFTDEP;
	rq.params = options;
	rq.name = e->name;
	const char *install = plan_install(p, e);
	if (install && !e->ignorecmd) {
		/* modprobe runs the command instead of loading the file */
		rq.op = POLICY_OP_INSTALL;
		rq.command = install;
		decide(t, e->name, NULL, &rq);
		return;
	}
	const char *path = plan_path(p, e);
	if (!path) {
		undecidable(t, e->name, NULL, "no file in modules.dep");
		return;
	}
	decide_file(t, e->name, path, &rq);
}

static int test_load(struct ptest *t, struct plan_mod *m)
{
	_cleanup_plan_list_ struct plan_list list = {0};
	/* modprobe's default blacklist stops modules reached through an alias */
	if (m->alias && plan_blacklisted(t->tree.plan, m)) {
		struct decided x = {m->name, NULL, "blacklisted", NULL, NULL, NULL};
		report(t, &x);
		return 0;
	}
	int r = plan_probe_list(t->tree.plan, m, false, &list);
	if (r < 0)
		return r;
	for (size_t i = 0; i < list.n; i++)
		decide_entry(t, m, list.v[i]);
	return 0;
}

static void test_unload(struct ptest *t, struct plan_mod *m)
{
	struct policy_request rq = t->base;
	rq.name = m->name;
	decide(t, m->name, NULL, &rq);
}

static int run(struct ptest *t)
{
	_cleanup_plan_list_ struct plan_list mods = {0};
	struct plan_mod *one = NULL;
	bool is_path = strchr(t->arg, '/') != NULL;
	int r;

	if (is_path && t->base.context == POLICY_CTX_AUTOLOAD) {
		log_error("%s: a path is never accepted in the autoload context\n", t->arg);
		return -EINVAL;
	}
	if (is_path) {
		_cleanup_free_ char *abs = plan_absolute_path(t->arg);
		r = abs ? plan_from_path(t->tree.plan, abs, &one) : -ENOMEM;
		if (r == 0)
			r = plan_list_add(&mods, one);
	} else {
		r = plan_lookup(t->tree.plan, t->arg, &mods);
	}
	if (r < 0) {
		log_error("%s: %s\n", t->arg, strerror(-r));
		return r;
	}
	if (mods.n == 0) {
		log_error("Module %s not found in directory %s\n", t->arg, t->tree.dirname);
		return -ENOENT;
	}
	for (size_t i = 0; r == 0 && i < mods.n; i++) {
		if (t->base.op == POLICY_OP_UNLOAD)
			test_unload(t, mods.v[i]);
		else
			r = test_load(t, mods.v[i]);
	}
	return r;
}

/* ---- options ---- */

static int parse_enum(const char *v, const char *const *names, int *out)
{
	for (int i = 0; names[i]; i++)
		if (streq(v, names[i])) {
			*out = i;
			return 0;
		}
	return -EINVAL;
}

static int parse_args(struct ptest *t, const char **version, int argc, char *argv[])
{
	static const struct option opts[] = {
		{"set-version", required_argument, NULL, 'S'},
		{"context", required_argument, NULL, 'c'},
		{"op", required_argument, NULL, 'o'},
		{"uid", required_argument, NULL, 'u'},
		{"json", no_argument, NULL, 'j'},
		{NULL, 0, NULL, 0},
	};
	static const char *const contexts[] = {"cli", "udev", "autoload", "boot", NULL};
	static const char *const ops[] = {"load", "unload", NULL};
	int c, v;
	char *end;

	while ((c = getopt_long(argc, argv, "S:", opts, NULL)) != -1) {
		switch (c) {
		case 'S':
			*version = optarg;
			break;
		case 'c':
			if (parse_enum(optarg, contexts, &v) < 0)
				goto bad;
			t->base.context = (enum policy_context)v;
			break;
		case 'o':
			if (parse_enum(optarg, ops, &v) < 0)
				goto bad;
			t->base.op = (enum policy_op)v;
			break;
		case 'u':
			errno = 0;
			unsigned long u = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || u > UINT32_MAX || optarg[0] == '-')
				goto bad;
			t->base.uid = (uint32_t)u;
			break;
		case 'j':
			t->json = true;
			break;
		default:
			return -EINVAL;
		}
	}
	if (optind + 1 != argc) {
		log_error("policy test takes one NAME, ALIAS or PATH\n");
		return -EINVAL;
	}
	t->arg = argv[optind];
	return 0;
bad:
	log_error("bad value '%s' for --%s\n", optarg,
		  c == 'c'   ? "context"
		  : c == 'o' ? "op"
			     : "uid");
	return -EINVAL;
}

static void print_json(struct ptest *t)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	const struct policy_settings *s = policy_get_settings(t->pl.policy);
	strbuf_append_str(&sb, "{\"request\":");
	json_string(&sb, t->arg);
	strbuf_append_str(&sb, ",\"kernel\":");
	json_string(&sb, t->tree.version);
	strbuf_appendf(&sb,
		       ",\"mode\":\"%s\",\"policy_refused\":%s,\"allowed\":%s,\"modules\":[%s]}",
		       policy_mode_name(s->effective_mode),
		       policy_refused(t->pl.policy) ? "true" : "false",
		       t->failed ? "false" : "true", strbuf_str(&t->json_mods));
	puts(strbuf_str(&sb));
}

int policy_test_main(const char *root, int argc, char *argv[])
{
	struct ptest t = {.json_mods = STRBUF_INIT};
	struct policy_load_opts lo = {.root = root, .cmdline = true};
	const char *version = NULL;
	int r;

	t.base.op = POLICY_OP_LOAD;
	caller_policy_facts(&t.base, &t.exe);
	if (parse_args(&t, &version, argc, argv) < 0) {
		free(t.exe);
		return EXIT_FAILURE;
	}
	t.base.requested = t.arg;
	r = policy_load(&lo, &t.pl);
	if (r == 0)
		r = policy_tree_open(&t.tree, root, version);
	if (r == 0) {
		/* a refused policy still decides (deny): say why once */
		for (size_t i = 0; i < t.pl.diags.n; i++)
			if (t.pl.diags.v[i].level == POLICY_ERROR)
				policy_diag_log(&t.pl.diags.v[i]);
		r = run(&t);
	}
	if (r == 0 && t.json)
		print_json(&t);
	if (t.pl.policy)
		policy_loaded_release(&t.pl);
	policy_tree_close(&t.tree);
	strbuf_release(&t.json_mods);
	free(t.exe);
	return r == 0 && !t.failed ? EXIT_SUCCESS : EXIT_FAILURE;
}
