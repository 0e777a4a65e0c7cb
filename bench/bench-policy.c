// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Policy evaluation cost: nanoseconds per decision for 1,000-rule policies.
 * Not a comparison with kmod (kmod has no policy), so it prints absolute
 * figures; the budget is "well under a microsecond" (issue 7).
 *
 *   bench-policy [ROUNDS]
 *
 * Policies, each of 1,000 rules:
 *   allowlist  the shape of a hardened server's policy: autoload denials with
 *              sets and patterns, a signed-by-name allowlist, out-of-tree
 *              modules by sha256, unload rules; requests for listed modules,
 *              unlisted ones (default) and denied autoloads
 *   generated  `policy generate` output: one sha256 rule per module
 *   patterns   every rule a name pattern ("p123_*_x") that only the last
 *              rule matches: the index narrows by literal prefix
 *   suffixes   the same with patterns starting with '*' ("*_x123"): narrowed
 *              by literal suffix
 *   infixes    the index's worst case: patterns with no literal at either
 *              end ("*x123*"), each checked in turn (requests match none)
 * Each figure is the median of ROUNDS runs of 200,000 decisions, timed in
 * CPU time of the process: on a shared 2-core machine wall time mostly
 * measures the run queue.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/strbuf.h"
#include "policy/policy.h"

#define RULES	  1000
#define DECISIONS 200000

static void hex64(unsigned int seed, char out[65])
{
	for (int i = 0; i < 64; i++)
		out[i] = "0123456789abcdef"[(seed * 2654435761u + (unsigned int)i * 40503u) >> 7 &
					    15];
	out[64] = '\0';
}

static int build_allowlist(struct strbuf *sb)
{
	int r = strbuf_append_str(sb, "version 1\n"
				      "set rare_net = dccp, sctp, rds, tipc, n_hdlc, ax25, netrom, "
				      "rose, x25\n"
				      "set rare_fs = cramfs, freevxfs, hfs, hfsplus, jffs2, udf\n"
				      "deny context=autoload name=@rare_net\n"
				      "deny context=autoload name=@rare_fs\n"
				      "deny context=autoload requester-userns=other\n"
				      "deny name=*_test staging=yes\n"
				      "allow op=unload uid=0 context=cli\n"
				      "deny op=unload name=apparmor,lockdown*\n");
	char h[65];
	for (int i = 0; r == 0 && i < 880; i++)
		r = strbuf_appendf(sb, "allow sig=valid cert=@kernel name=mod_%04d\n", i);
	for (int i = 0; r == 0 && i < 80; i++) {
		hex64((unsigned int)i, h);
		r = strbuf_appendf(sb, "allow sha256=%s name=oot_%02d\n", h, i);
	}
	for (int i = 0; r == 0 && i < 34; i++)
		r = strbuf_appendf(sb, "deny context=udev name=vendor%02d_*\n", i);
	return r;
}

static int build_generated(struct strbuf *sb)
{
	char h[65];
	int r = strbuf_append_str(sb, "version 1\n");
	for (int i = 0; r == 0 && i < RULES; i++) {
		hex64((unsigned int)i, h);
		r = strbuf_appendf(sb, "# mod_%04d\nallow sha256=%s\n", i, h);
	}
	return r;
}

static int build_patterns(struct strbuf *sb)
{
	int r = strbuf_append_str(sb, "version 1\n");
	for (int i = 0; r == 0 && i < RULES - 1; i++)
		r = strbuf_appendf(sb, "deny name=p%03d_*_x context=autoload,udev,cli\n", i);
	return r ? r : strbuf_append_str(sb, "allow name=*\n");
}

static int build_suffixes(struct strbuf *sb)
{
	int r = strbuf_append_str(sb, "version 1\n");
	for (int i = 0; r == 0 && i < RULES - 1; i++)
		r = strbuf_appendf(sb, "deny name=*_x%03d context=autoload,udev,cli\n", i);
	return r ? r : strbuf_append_str(sb, "allow name=*\n");
}

static int build_infixes(struct strbuf *sb)
{
	int r = strbuf_append_str(sb, "version 1\n");
	for (int i = 0; r == 0 && i < RULES - 1; i++)
		r = strbuf_appendf(sb, "deny name=*x%03d* context=autoload,udev,cli\n", i);
	return r ? r : strbuf_append_str(sb, "allow name=*\n");
}

static struct policy *compile(int (*build)(struct strbuf *))
{
	struct strbuf sb = STRBUF_INIT;
	struct policy_diags d = {0};
	struct policy_builder *b;
	struct policy *p = NULL;
	struct policy_settings s;

	policy_settings_default(&s);
	s.mode = s.effective_mode = POLICY_ENFORCE;
	if (build(&sb) < 0 || policy_builder_new(&b) < 0)
		abort();
	if (policy_builder_add(b, "bench.policy", sb.buf, sb.len, &d) < 0 ||
	    policy_builder_finish(b, &s, &p) < 0 || policy_refused(p) ||
	    policy_rule_count(p) != RULES) {
		fprintf(stderr, "bench-policy: policy did not compile as expected\n");
		exit(1);
	}
	policy_diags_release(&d);
	strbuf_release(&sb);
	return p;
}

struct workload {
	struct policy_request rq[64];
	char names[64][32];
	char sums[64][65];
	size_t n;
};

static void fill_requests(struct workload *w, const char *kind)
{
	w->n = 64;
	for (size_t i = 0; i < w->n; i++) {
		struct policy_request *rq = &w->rq[i];
		unsigned int m = (unsigned int)(i * 37 % 1000);
		*rq = (struct policy_request){.sig = POLICY_SIG_VALID,
					      .cert = "6.12.0",
					      .cert_kernel = true,
					      .context = POLICY_CTX_UDEV};
		if (streq(kind, "patterns"))
			snprintf(w->names[i], sizeof(w->names[i]), "p%03u_module_y", m);
		else if (streq(kind, "suffixes") || streq(kind, "infixes"))
			snprintf(w->names[i], sizeof(w->names[i]), "module_y%03u_x", m);
		else if (i % 4 == 3)
			snprintf(w->names[i], sizeof(w->names[i]), "unlisted_%02zu", i);
		else
			snprintf(w->names[i], sizeof(w->names[i]), "mod-%04u", m % 880);
		hex64(streq(kind, "generated") ? m : 5000 + m, w->sums[i]);
		if (i % 8 == 5)
			rq->context = POLICY_CTX_AUTOLOAD;
		rq->name = w->names[i];
		rq->sha256 = w->sums[i];
	}
}

static double run_once(const struct policy *p, const struct workload *w, unsigned int *allowed)
{
	struct timespec t0, t1;
	struct policy_decision d;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	for (size_t i = 0; i < DECISIONS; i++) {
		policy_evaluate(p, &w->rq[i % w->n], &d);
		*allowed += d.verdict == POLICY_ALLOW;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	double ns = (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
	return ns / DECISIONS;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char *argv[])
{
	static const struct {
		const char *name;
		int (*build)(struct strbuf *);
	} cases[] = {
		{"allowlist", build_allowlist}, {"generated", build_generated},
		{"patterns", build_patterns},	{"suffixes", build_suffixes},
		{"infixes", build_infixes},
	};
	int rounds = argc > 1 ? atoi(argv[1]) : 7;
	if (rounds < 1 || rounds > 101)
		rounds = 7;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct policy *p = compile(cases[c].build);
		struct workload w;
		double t[101];
		unsigned int allowed = 0;
		fill_requests(&w, cases[c].name);
		for (int i = 0; i < rounds; i++)
			t[i] = run_once(p, &w, &allowed);
		qsort(t, (size_t)rounds, sizeof(t[0]), cmp_double);
		printf("policy evaluation, %-9s (%d rules)  %8.1f ns/decision  (min %.1f, %u%% "
		       "allowed)\n",
		       cases[c].name, RULES, t[rounds / 2], t[0],
		       (unsigned int)(100.0 * allowed / ((double)rounds * DECISIONS)));
		policy_free(p);
	}
	return 0;
}
