// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * modgate.conf and the kernel command line override: values, every error with
 * file:line:col, fail-closed settings after an error, and which modgate.mode=
 * words are honoured.
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

static char *parse(const char *text, struct policy_settings *s)
{
	struct policy_diags d = {0};
	struct strbuf sb = STRBUF_INIT;
	assert_int_equal(
		policy_settings_parse("/etc/modgate/modgate.conf", text, strlen(text), s, &d), 0);
	for (size_t i = 0; i < d.n; i++) {
		policy_diag_format(&d.v[i], &sb);
		strbuf_append_char(&sb, '\n');
	}
	policy_diags_release(&d);
	return strbuf_steal(&sb);
}

static void test_values(void **state)
{
	(void)state;
	struct policy_settings s;
	char *e = parse("# site settings\n"
			"mode enforce            # enforce | permissive\n"
			"default allow\n"
			"audit best-effort\n"
			"cmdline-override no\n"
			"autoload-userns refuse  # refuse | policy\n",
			&s);
	assert_string_equal(e, "");
	free(e);
	assert_int_equal(s.autoload_userns, POLICY_USERNS_AUTOLOAD_REFUSE);
	assert_int_equal(s.mode, POLICY_ENFORCE);
	assert_int_equal(s.effective_mode, POLICY_ENFORCE);
	assert_int_equal(s.default_verdict, POLICY_ALLOW);
	assert_int_equal(s.audit, POLICY_AUDIT_BEST_EFFORT);
	assert_false(s.cmdline_override);

	/* unset settings keep the built-in values, which are the shipped ones */
	e = parse("", &s);
	assert_string_equal(e, "");
	free(e);
	struct policy_settings def;
	policy_settings_default(&def);
	assert_memory_equal(&s, &def, sizeof(s));
	assert_int_equal(def.mode, POLICY_PERMISSIVE);
	assert_int_equal(def.default_verdict, POLICY_DENY);
	assert_int_equal(def.audit, POLICY_AUDIT_REQUIRED);
	assert_true(def.cmdline_override);
	/* the kernel lets a container's autoload through; the rules decide */
	assert_int_equal(def.autoload_userns, POLICY_USERNS_AUTOLOAD_POLICY);
	assert_string_equal(policy_autoload_userns_name(def.autoload_userns), "policy");

	e = parse("mode \"permissive\"\naudit required\ncmdline-override yes\ndefault deny\n"
		  "autoload-userns policy\n",
		  &s);
	assert_string_equal(e, "");
	free(e);
	assert_int_equal(s.autoload_userns, POLICY_USERNS_AUTOLOAD_POLICY);
	e = parse("autoload-userns \"refuse\"\n", &s);
	assert_string_equal(e, "");
	free(e);
	assert_int_equal(s.autoload_userns, POLICY_USERNS_AUTOLOAD_REFUSE);
	assert_string_equal(policy_autoload_userns_name(s.autoload_userns), "refuse");
	assert_int_equal(s.mode, POLICY_PERMISSIVE); /* nothing else moved */
	assert_int_equal(s.mode, POLICY_PERMISSIVE);
	assert_string_equal(policy_mode_name(s.mode), "permissive");
	assert_string_equal(policy_verdict_name(s.default_verdict), "deny");
	assert_string_equal(policy_audit_name(s.audit), "required");
}

static const struct {
	const char *text;
	const char *diags;
} errors[] = {
	{"mode strict\n", "/etc/modgate/modgate.conf:1:6: error: bad value 'strict' for mode "
			  "(enforce or permissive)\n"},
	{"\n  mode\n", "/etc/modgate/modgate.conf:2:7: error: missing value after 'mode' (enforce "
		       "or permissive)\n"},
	{"mode = enforce\n",
	 "/etc/modgate/modgate.conf:1:6: error: bad value '=' for mode (enforce or permissive)\n"},
	{"mode enforce now\n",
	 "/etc/modgate/modgate.conf:1:14: error: unexpected 'now' after the value\n"},
	{"default permit\n",
	 "/etc/modgate/modgate.conf:1:9: error: bad value 'permit' for default (deny or allow)\n"},
	{"audit maybe\n", "/etc/modgate/modgate.conf:1:7: error: bad value 'maybe' for audit "
			  "(required or best-effort)\n"},
	{"cmdline-override 1\n", "/etc/modgate/modgate.conf:1:18: error: bad value '1' for "
				 "cmdline-override (no or yes)\n"},
	{"mode enforce\n\nautoload-userns deny\n",
	 "/etc/modgate/modgate.conf:3:17: error: bad value 'deny' for autoload-userns (refuse or "
	 "policy)\n"},
	{"autoload-userns\n", "/etc/modgate/modgate.conf:1:16: error: missing value after "
			      "'autoload-userns' (refuse or policy)\n"},
	{"autoload-userns policy\nautoload-userns refuse\n",
	 "/etc/modgate/modgate.conf:2:1: error: autoload-userns set twice (first at line 1)\n"},
	{"autoload-userns refuse always\n",
	 "/etc/modgate/modgate.conf:1:24: error: unexpected 'always' after the value\n"},
	{"mode enforce\nmode permissive\n",
	 "/etc/modgate/modgate.conf:2:1: error: mode set twice (first at line 1)\n"},
	{"verbose yes\n", "/etc/modgate/modgate.conf:1:1: error: unknown setting 'verbose' (mode, "
			  "default, audit, cmdline-override, autoload-userns)\n"},
	{"allow sig=valid\n", "/etc/modgate/modgate.conf:1:1: error: 'allow' belongs in a "
			      "policy.d/*.policy rule file, not in the settings\n"},
	{"version 1\n", "/etc/modgate/modgate.conf:1:1: error: 'version' belongs in a "
			"policy.d/*.policy rule file, not in the settings\n"},
	{"mode \"enforce\n", "/etc/modgate/modgate.conf:1:6: error: unterminated quote\n"},
	{"mode enforce\ndefault deny\naudit required \\\n  extra\n",
	 "/etc/modgate/modgate.conf:4:3: error: unexpected 'extra' after the value\n"},
};

/* Any error: fail closed, whatever the file said before or after it. */
static void test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(errors); i++) {
		struct policy_settings s, closed;
		char *e = parse(errors[i].text, &s);
		if (!streq(e, errors[i].diags))
			fail_msg("case %zu: got '%s' want '%s'", i, e, errors[i].diags);
		free(e);
		policy_settings_fail_closed(&closed);
		assert_memory_equal(&s, &closed, sizeof(s));
	}
	struct policy_settings closed;
	policy_settings_fail_closed(&closed);
	assert_int_equal(closed.mode, POLICY_ENFORCE);
	assert_int_equal(closed.default_verdict, POLICY_DENY);
	/* the command line stays the way out of a broken configuration */
	assert_true(closed.cmdline_override);
	/* and a container's autoloads stop in the kernel until it is fixed */
	assert_int_equal(closed.autoload_userns, POLICY_USERNS_AUTOLOAD_REFUSE);
}

static void apply(struct policy_settings *s, enum policy_mode mode, bool override,
		  const char *cmdline)
{
	policy_settings_default(s);
	s->mode = s->effective_mode = mode;
	s->cmdline_override = override;
	policy_settings_apply_cmdline(s, cmdline);
}

static void test_cmdline(void **state)
{
	(void)state;
	struct policy_settings s;

	apply(&s, POLICY_ENFORCE, true,
	      "BOOT_IMAGE=/vmlinuz root=/dev/sda1 modgate.mode=permissive quiet\n");
	assert_int_equal(s.effective_mode, POLICY_PERMISSIVE);
	assert_int_equal(s.mode, POLICY_ENFORCE);
	assert_true(s.cmdline_used);
	assert_false(s.cmdline_denied);

	/* not allowed by the site: ignored, and that is recorded too */
	apply(&s, POLICY_ENFORCE, false, "modgate.mode=permissive");
	assert_int_equal(s.effective_mode, POLICY_ENFORCE);
	assert_false(s.cmdline_used);
	assert_true(s.cmdline_denied);

	/* enforce is always honoured: it only narrows */
	apply(&s, POLICY_PERMISSIVE, false, "modgate.mode=enforce");
	assert_int_equal(s.effective_mode, POLICY_ENFORCE);
	assert_true(s.cmdline_used);

	/* the last word wins, as for kernel parameters */
	apply(&s, POLICY_ENFORCE, true, "modgate.mode=permissive modgate.mode=enforce");
	assert_int_equal(s.effective_mode, POLICY_ENFORCE);
	assert_false(s.cmdline_used);
	apply(&s, POLICY_ENFORCE, true, "modgate.mode=enforce modgate.mode=\"permissive\"");
	assert_int_equal(s.effective_mode, POLICY_PERMISSIVE);

	/* lookalikes do nothing */
	const char *const others[] = {
		"xmodgate.mode=permissive",
		"modgate.mode=permissive2",
		"modgate.mode",
		"\"a modgate.mode=permissive\"",
		"modgate.modes=permissive",
		"",
		NULL,
	};
	for (size_t i = 0; i < ARRAY_SIZE(others); i++) {
		apply(&s, POLICY_ENFORCE, true, others[i]);
		if (s.effective_mode != POLICY_ENFORCE || s.cmdline_used)
			fail_msg("'%s' changed the mode", others[i] ? others[i] : "(null)");
	}
	/* already permissive: nothing to record */
	apply(&s, POLICY_PERMISSIVE, true, "modgate.mode=permissive");
	assert_false(s.cmdline_used);
	assert_int_equal(s.effective_mode, POLICY_PERMISSIVE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_cmdline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
