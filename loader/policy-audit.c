// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The settings and the policy a gate run acts on, as audit records (issue 8):
 * a settings-load, and a policy-load or, when the policy is refused (every
 * decision then denies), a policy-refusal with its first error's
 * file:line:col. Each is written only when it differs from the last one of
 * its kind in the trail (audit/change.h): the hundreds of gate runs of a boot
 * write them once, an edit of a rule file writes one more.
 *
 * What a record's sha256 is the digest of (sha256 over these lines):
 *   settings-load   "<sha256|absent|unread> <modgate.conf path>\n<settings>\n"
 *   policy-load     "<sha256|unread> <path>\n" per rule file, in evaluation order
 *   policy-refusal  the settings file's line, the rule files' lines, then
 *                   "error: <first error>\n"
 * <settings> (the record's `settings`) is the effective settings in
 * modgate.conf's words, the kernel command line's modgate.mode= applied, so
 * a boot with another modgate.mode= is a settings change too.
 */
#include <errno.h>
#include <string.h>

#include "audit/hash.h"
#include "common/macros.h"
#include "loader/gate-internal.h"

struct policy_records {
	struct strbuf settings, settings_file, rule_files, all_files, error;
	char settings_sha[SHA256_HEX_LEN + 1], policy_sha[SHA256_HEX_LEN + 1];
};

static int settings_words(const struct policy_settings *s, struct strbuf *out)
{
	return strbuf_appendf(out,
			      "mode %s; default %s; audit %s; cmdline-override %s; "
			      "autoload-userns %s; effective mode %s%s",
			      policy_mode_name(s->mode), policy_verdict_name(s->default_verdict),
			      policy_audit_name(s->audit), s->cmdline_override ? "yes" : "no",
			      policy_autoload_userns_name(s->autoload_userns),
			      policy_mode_name(s->effective_mode),
			      s->cmdline_used	  ? " (kernel command line)"
			      : s->cmdline_denied ? " (kernel command line's modgate.mode= refused)"
						  : "");
}

/* "<sha256> <path>" entries joined by "; " (the record's `files`). */
static int add_file(struct strbuf *list, const char *sha, const char *path)
{
	return strbuf_appendf(list, "%s%s %s", list->len ? "; " : "", sha, path);
}

static int add_files(const struct policy_loaded *pl, struct policy_records *p)
{
	const char *sha = pl->settings_sha256[0] ? pl->settings_sha256
			  : pl->settings_found	 ? "unread"
						 : "absent";
	int r = 0;

	if (pl->settings_path && (r = add_file(&p->settings_file, sha, pl->settings_path)) == 0)
		r = add_file(&p->all_files, sha, pl->settings_path);
	for (size_t i = 0; r == 0 && i < pl->n_files; i++) {
		sha = pl->files[i].sha256[0] ? pl->files[i].sha256 : "unread";
		if ((r = add_file(&p->rule_files, sha, pl->files[i].path)) == 0)
			r = add_file(&p->all_files, sha, pl->files[i].path);
	}
	return r;
}

static int digest(struct strbuf *a, struct strbuf *b, char out[SHA256_HEX_LEN + 1])
{
	_cleanup_strbuf_ struct strbuf all = STRBUF_INIT;
	int r = strbuf_appendf(&all, "%s\n%s\n", strbuf_str(a), strbuf_str(b));
	return r < 0 ? r : sha256_hex(all.buf, all.len, out);
}

static int describe(const struct policy_loaded *pl, struct policy_records *p)
{
	int r = settings_words(policy_get_settings(pl->policy), &p->settings);

	if (r == 0)
		r = add_files(pl, p);
	for (size_t i = 0; r == 0 && i < pl->diags.n && !p->error.len; i++)
		if (pl->diags.v[i].level == POLICY_ERROR)
			r = policy_diag_format(&pl->diags.v[i], &p->error);
	if (r == 0 && pl->diags.n_errors > 1)
		r = strbuf_appendf(&p->error, " (and %zu more)", pl->diags.n_errors - 1);
	if (r == 0)
		r = digest(&p->settings_file, &p->settings, p->settings_sha);
	if (r == 0 && policy_refused(pl->policy))
		r = digest(&p->all_files, &p->error, p->policy_sha);
	else if (r == 0)
		r = sha256_hex(strbuf_str(&p->rule_files), p->rule_files.len, p->policy_sha);
	return r;
}

static const char *nonempty(struct strbuf *sb)
{
	return sb->len ? strbuf_str(sb) : NULL;
}

void gate_record_policy(void)
{
	const struct policy_loaded *pl = &gate_S.pl;
	struct policy_records p = {STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, STRBUF_INIT,
				   STRBUF_INIT, "",	     ""};
	struct audit_event set = AUDIT_EVENT_INIT(AUDIT_EV_SETTINGS_LOAD);
	struct audit_event pol = AUDIT_EVENT_INIT(AUDIT_EV_POLICY_LOAD);
	struct audit_status st[2];

	/* no policy at all (allocation failure): nothing to describe */
	if (!pl->policy || describe(pl, &p) < 0)
		goto out;
	bool refused = policy_refused(pl->policy);
	gate_event_who(&set); /* who noticed: the process that read it */
	set.change_key = "settings";
	set.sha256 = p.settings_sha;
	set.path = pl->settings_path;
	set.files = nonempty(&p.settings_file);
	set.settings = nonempty(&p.settings);
	gate_event_who(&pol);
	pol.type = refused ? AUDIT_EV_POLICY_REFUSAL : AUDIT_EV_POLICY_LOAD;
	pol.change_key = "policy";
	pol.sha256 = p.policy_sha;
	pol.files = nonempty(refused ? &p.all_files : &p.rule_files);
	pol.settings = set.settings;
	pol.reason = refused ? nonempty(&p.error) : NULL;
	/* one trail write; a failure here is the decision record's to report
	 * (and under `audit required`, to deny) */
	audit_record_batch(&gate_S.ao, (const struct audit_event *const[]){&set, &pol}, 2, st);
out:
	strbuf_release(&p.settings);
	strbuf_release(&p.settings_file);
	strbuf_release(&p.rule_files);
	strbuf_release(&p.all_files);
	strbuf_release(&p.error);
}
