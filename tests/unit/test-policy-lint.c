// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * `policy check` warnings: unreachable rules, allow rules resting on module
 * metadata alone, cert= values naming no trust-store file. Each case lists
 * exactly the warnings expected, so a missing one and a spurious one both fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/macros.h"
#include "common/strbuf.h"
#include "policy/policy.h"

static char *lint(const char *text, const char *const *trust, size_t n_trust)
{
	struct policy_diags d = {0};
	struct policy_builder *b;
	struct policy_settings s;
	struct policy *p;
	struct strbuf sb = STRBUF_INIT;

	policy_settings_default(&s);
	assert_int_equal(policy_builder_new(&b), 0);
	assert_int_equal(policy_builder_add(b, "l.policy", text, strlen(text), &d), 0);
	assert_int_equal(d.n_errors, 0);
	assert_int_equal(policy_builder_finish(b, &s, &p), 0);
	assert_int_equal(policy_lint(p, trust, n_trust, &d), 0);
	assert_int_equal(d.n_errors, 0);
	for (size_t i = 0; i < d.n; i++) {
		policy_diag_format(&d.v[i], &sb);
		strbuf_append_char(&sb, '\n');
	}
	policy_diags_release(&d);
	policy_free(p);
	return strbuf_steal(&sb);
}

static const char *const trust[] = {"debian-6.12", "dkms-mok"};

static const struct {
	const char *text;
	const char *warnings;
} cases[] = {
	/* nothing to say */
	{"version 1\nallow sig=valid cert=@kernel\nallow sha256="
	 "0000000000000000000000000000000000000000000000000000000000000000 name=x\n",
	 ""},
	/* shadowing: an earlier rule covering every key */
	{"version 1\nallow sig=valid\ndeny sig=valid name=dccp\n",
	 "l.policy:3:1: warning: unreachable rule: everything it matches is decided first by "
	 "l.policy:2 (allow sig=valid)\n"},
	{"version 1\ndeny name=dccp,sctp\ndeny name=sctp context=autoload\n",
	 "l.policy:3:1: warning: unreachable rule: everything it matches is decided first by "
	 "l.policy:2 (deny name=dccp,sctp)\n"},
	{"version 1\ndeny name=snd-*\nallow sig=valid name=snd_hda_intel\n",
	 "l.policy:3:1: warning: unreachable rule: everything it matches is decided first by "
	 "l.policy:2 (deny name=snd-*)\n"},
	{"version 1\ndeny name=*\nallow "
	 "sha256=0000000000000000000000000000000000000000000000000000000000000000 name=snd*,x\n",
	 "l.policy:3:1: warning: unreachable rule: everything it matches is decided first by "
	 "l.policy:2 (deny name=*)\n"},
	{"version 1\ndeny context=*\nallow context=cli\n",
	 "l.policy:3:1: warning: unreachable rule: everything it matches is decided first by "
	 "l.policy:2 (deny context=*)\n"},
	/* an empty rule catches every load, but not unloads */
	{"version 1\ndeny\ndeny name=x\nallow op=unload\n",
	 "l.policy:3:1: warning: unreachable rule: everything it matches is decided first by "
	 "l.policy:2 (deny)\n"},
	/* not shadowed: narrower earlier rules, other ops, patterns that differ */
	{"version 1\ndeny name=dccp context=autoload\ndeny name=dccp\n"
	 "deny op=unload name=x\ndeny op=load,unload name=x\n"
	 "deny name=snd*\ndeny name=snd_*\n",
	 ""},
	/* a pattern does not reach an unknown requester */
	{"version 1\ndeny requester-cgroup=*\ndeny requester-cgroup=unknown\n", ""},
	{"version 1\ndeny requester-userns=*\ndeny requester-userns=unknown\n", ""},
	{"version 1\ndeny requester-userns=*\ndeny requester-userns=other\n",
	 "l.policy:3:1: warning: unreachable rule: everything it matches is decided first by "
	 "l.policy:2 (deny requester-userns=*)\n"},
	/* @kernel is covered only by @kernel */
	{"version 1\nallow sig=valid cert=*\nallow sig=valid cert=@kernel\n", ""},
	{"version 1\nallow sig=valid cert=@kernel,dkms-mok\nallow sig=valid cert=@kernel\n",
	 "l.policy:3:1: warning: unreachable rule: everything it matches is decided first by "
	 "l.policy:2 (allow sig=valid cert=@kernel,dkms-mok)\n"},
	/* metadata alone */
	{"version 1\nallow name=zfs\n",
	 "l.policy:2:1: warning: allow rests on module metadata (name) alone: without sig=valid or "
	 "sha256 it is the module's own claim\n"},
	{"version 1\nallow license=GPL context=boot\n",
	 "l.policy:2:1: warning: allow rests on module metadata (license) alone: without sig=valid "
	 "or sha256 it is the module's own claim\n"},
	{"version 1\nallow sig=valid,untrusted intree=yes\n",
	 "l.policy:2:1: warning: allow rests on module metadata (intree) alone: without sig=valid "
	 "or sha256 it is the module's own claim\n"},
	{"version 1\nallow cert=* name=zfs\n",
	 "l.policy:2:1: warning: allow rests on module metadata (name) alone: without sig=valid or "
	 "sha256 it is the module's own claim\n"},
	{"version 1\nallow cert=dkms-mok name=zfs\nallow op=unload name=zfs\ndeny name=x\n"
	 "allow op=install name=dccp command=/bin/false\n",
	 ""},
	/* trust store */
	{"version 1\nallow sig=valid cert=debian-6.12,nope\n",
	 "l.policy:2:17: warning: cert 'nope' names no file in the trust store\n"},
	{"version 1\nallow sig=valid cert=vendor-*\nallow sig=valid cert=dkms*\n",
	 "l.policy:2:17: warning: cert pattern 'vendor-*' matches no file in the trust store\n"},
};

static void test_warnings(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *w = lint(cases[i].text, trust, ARRAY_SIZE(trust));
		if (!streq(w, cases[i].warnings))
			fail_msg("case %zu:\n%s  got:  %s  want: %s", i, cases[i].text, w,
				 cases[i].warnings);
		free(w);
	}
}

static void test_no_trust_list(void **state)
{
	(void)state;
	/* NULL: the trust store is not known, nothing is said about cert= */
	char *w = lint("version 1\nallow sig=valid cert=nope\n", NULL, 0);
	assert_string_equal(w, "");
	free(w);
	/* an empty store: every name is unknown */
	w = lint("version 1\nallow sig=valid cert=nope\n", trust, 0);
	assert_string_equal(w, "l.policy:2:17: warning: cert 'nope' names no file in the trust "
			       "store\n");
	free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_no_trust_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
