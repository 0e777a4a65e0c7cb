// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * `modgate status [--json]`: what the gate rests on and what it does not
 * cover, on this system, now. Mode and settings, rule files and whether the
 * policy is refused, the trust store, the trail and the audit sinks, the
 * kernel's own state (lockdown, sig_enforce, modules_disabled), who the
 * kernel runs for autoload, the udev rule override, the kernel side, and the
 * known routes around the userspace gate that are open here.
 *
 * Read-only: nothing is created, recorded or changed (the trail's lock is
 * taken for a moment to read its last record, as `modgate audit status`
 * does). Under `--root DIR` configuration, trail and system files are read
 * under DIR; the kernel's state is always the running kernel's.
 */
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "audit/audit.h"
#include "audit/hash.h"
#include "audit/linux.h"
#include "common/fileio.h"
#include "common/log.h"
#include "common/macros.h"
#include "loader/kernel.h"
#include "loader/kstate.h"
#include "loader/policy-load.h"
#include "lsm/lsm.h"
#include "tools/policy.h"
#include "tools/status.h"
#include "tools/tools.h"
#include "verify/truststore.h"

void status_release(struct status *s)
{
	if (s->pl.policy)
		policy_loaded_release(&s->pl);
	trust_store_release(&s->ts);
	strbuf_release(&s->trust_err);
	free(s->lockdown);
	free(s->modprobe);
	for (size_t i = 0; i < s->n_routes; i++)
		free(s->routes[i].detail);
}

const char *status_rooted(char *buf, size_t size, const char *path)
{
	const char *r = tools_root();
	snprintf(buf, size, "%s%s", r && !streq(r, "/") ? r : "", path);
	return buf;
}

static void trail_state(const char *dir, bool early, struct status_trail *t)
{
	_cleanup_trail_ struct trail tr = TRAIL_INIT;
	struct stat st;

	snprintf(t->dir, sizeof(t->dir), "%s", dir);
	/* do not create the directory just to report on it */
	if (stat(dir, &st) < 0) {
		t->error = -errno;
		return;
	}
	t->error = trail_open(dir, early, &tr);
	if (t->error < 0)
		return;
	t->seq = tr.tail.empty ? 0 : tr.tail.seq;
	snprintf(t->hash, sizeof(t->hash), "%s", tr.tail.empty ? "" : tr.tail.hash);
	t->torn = tr.tail.torn;
}

/* What a program path is: "modgate" (this very binary), "kmod", or "other". */
static const char *program_kind(const char *path)
{
	char buf[PATH_MAX], self[PATH_MAX];
	struct stat a, b;
	if (!path || !*path)
		return "none";
	if (stat(status_rooted(buf, sizeof(buf), path), &a) < 0)
		return "missing";
	if (stat("/proc/self/exe", &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return "modgate";
	if (realpath(buf, self)) {
		const char *base = strrchr(self, '/');
		base = base ? base + 1 : self;
		if (streq(base, "kmod"))
			return "kmod";
		if (streq(base, "modgate"))
			return "modgate";
	}
	return "other";
}

static void kernel_state(struct status *s)
{
	if (kernel_release(s->release, sizeof(s->release)) < 0)
		s->release[0] = '\0';
	if (kstate_lockdown(&s->lockdown) < 0)
		s->lockdown = NULL;
	s->sig_enforce = kstate_sig_enforce();
	s->modules_disabled = kstate_modules_disabled();
	if (kstate_modprobe_path(&s->modprobe) < 0)
		s->modprobe = NULL;
	s->modprobe_kind = program_kind(s->modprobe);
	s->sbin_modprobe_kind = program_kind("/sbin/modprobe");
}

static void config_state(struct status *s)
{
	struct policy_load_opts lo = {.root = tools_root(), .cmdline = true};
	if (policy_load(&lo, &s->pl) < 0)
		s->pl = (struct policy_loaded){0};
	s->trust_r = trust_store_load(&s->ts, tools_root(), &s->trust_err);
}

static void audit_state(struct status *s)
{
	char main_dir[PATH_MAX], early_dir[PATH_MAX];
	if (audit_dirs(tools_root(), main_dir, early_dir, sizeof(main_dir)) < 0)
		return;
	trail_state(main_dir, false, &s->trail);
	trail_state(early_dir, true, &s->early);
	s->linux_audit = linux_audit_state_str(linux_audit_probe());
}

static void lsm_state(struct status *s)
{
	struct lsm_status st;
	s->lsm_error = lsm_status_read(&st);
	s->lsm_attached = s->lsm_error == 0 && lsm_status_attached(&st);
	s->lsm_refuse_userns = s->lsm_attached && (st.flags & LSM_CFG_REFUSE_USERNS);
}

int status_collect(struct status *s)
{
	*s = (struct status){.trust_err = STRBUF_INIT};
	config_state(s);
	audit_state(s);
	kernel_state(s);
	lsm_state(s);
	status_udev(s);
	status_routes(s);
	return 0;
}

/* ---- JSON ---- */

static void js_str(struct strbuf *sb, const char *key, const char *v)
{
	strbuf_appendf(sb, "%s", sb->len && sb->buf[sb->len - 1] != '{' ? "," : "");
	json_string(sb, key);
	strbuf_append_char(sb, ':');
	v ? json_string(sb, v) : strbuf_append_str(sb, "null");
}

static void js_raw(struct strbuf *sb, const char *key, const char *fmt, ...) _printf_(3, 4);
static void js_raw(struct strbuf *sb, const char *key, const char *fmt, ...)
{
	va_list ap;
	char *v;
	strbuf_appendf(sb, "%s", sb->len && sb->buf[sb->len - 1] != '{' ? "," : "");
	json_string(sb, key);
	strbuf_append_char(sb, ':');
	va_start(ap, fmt);
	if (vasprintf(&v, fmt, ap) >= 0) {
		strbuf_append_str(sb, v);
		free(v);
	}
	va_end(ap);
}

static const char *tri(int v, const char *yes, const char *no)
{
	return v == 1 ? yes : v == 0 ? no : NULL;
}

static void json_policy(struct strbuf *sb, const struct status *s)
{
	const struct policy_loaded *pl = &s->pl;
	const struct policy_settings *st = pl->policy ? policy_get_settings(pl->policy) : NULL;
	js_str(sb, "mode", st ? policy_mode_name(st->effective_mode) : "enforce");
	js_str(sb, "configured_mode", st ? policy_mode_name(st->mode) : NULL);
	js_raw(sb, "cmdline_override_used", "%s", st && st->cmdline_used ? "true" : "false");
	js_str(sb, "default", st ? policy_verdict_name(st->default_verdict) : NULL);
	js_str(sb, "audit", st ? policy_audit_name(st->audit) : NULL);
	js_str(sb, "autoload_userns", st ? policy_autoload_userns_name(st->autoload_userns) : NULL);
	js_str(sb, "settings", pl->settings_path);
	js_raw(sb, "settings_found", "%s", pl->settings_found ? "true" : "false");
	js_raw(sb, "rule_files", "[");
	for (size_t i = 0; i < pl->n_files; i++) {
		if (i)
			strbuf_append_char(sb, ',');
		json_string(sb, pl->files[i].path);
	}
	strbuf_append_char(sb, ']');
	js_raw(sb, "policy_refused", "%s",
	       !pl->policy || policy_refused(pl->policy) ? "true" : "false");
	js_raw(sb, "rules", "%zu", pl->policy ? policy_rule_count(pl->policy) : 0);
}

static void json_trail(struct strbuf *sb, const char *key, const struct status_trail *t)
{
	js_raw(sb, key, "{");
	js_str(sb, "dir", t->dir);
	js_str(sb, "error", t->error < 0 ? strerror(-t->error) : NULL);
	js_raw(sb, "last_seq", "%llu", (unsigned long long)t->seq);
	js_str(sb, "last_hash", t->hash[0] ? t->hash : NULL);
	strbuf_append_char(sb, '}');
}

static void json_rest(struct strbuf *sb, const struct status *s)
{
	js_raw(sb, "trust_store", "{");
	js_str(sb, "error", s->trust_r < 0 ? strbuf_str((struct strbuf *)&s->trust_err) : NULL);
	js_raw(sb, "certificates", "[");
	for (size_t i = 0; i < s->ts.n; i++) {
		if (i)
			strbuf_append_char(sb, ',');
		json_string(sb, s->ts.certs[i].file);
	}
	strbuf_append_str(sb, "]}");
	json_trail(sb, "trail", &s->trail);
	json_trail(sb, "early_trail", &s->early);
	js_str(sb, "linux_audit", s->linux_audit);
	js_str(sb, "kernel", s->release);
	js_str(sb, "lockdown", s->lockdown);
	js_str(sb, "sig_enforce", tri(s->sig_enforce, "Y", "N"));
	js_str(sb, "modules_disabled", tri(s->modules_disabled, "1", "0"));
	js_str(sb, "kernel_modprobe", s->modprobe);
	js_str(sb, "kernel_modprobe_is", s->modprobe_kind);
	js_str(sb, "sbin_modprobe_is", s->sbin_modprobe_kind);
	js_raw(sb, "udev_override", "{");
	js_str(sb, "path", s->udev_override_path);
	js_str(sb, "state", s->udev_state);
	js_str(sb, "warning", s->udev_warning[0] ? s->udev_warning : NULL);
	strbuf_append_char(sb, '}');
	js_str(sb, "kernel_side",
	       s->lsm_error < 0	 ? "unknown"
	       : s->lsm_attached ? "attached"
				 : "not attached");
	/* what the kernel does now, which modgate.conf may no longer say */
	js_str(sb, "kernel_autoload_userns",
	       !s->lsm_attached ? NULL : s->lsm_refuse_userns ? "refuse" : "policy");
	js_raw(sb, "routes", "[");
	for (size_t i = 0; i < s->n_routes; i++) {
		strbuf_append_str(sb, i ? ",{" : "{");
		js_str(sb, "route", s->routes[i].name);
		js_raw(sb, "open", "%s", s->routes[i].open ? "true" : "false");
		js_str(sb, "detail", s->routes[i].detail);
		strbuf_append_char(sb, '}');
	}
	strbuf_append_char(sb, ']');
}

void status_print_json(const struct status *s)
{
	_cleanup_strbuf_ struct strbuf sb = STRBUF_INIT;
	strbuf_append_char(&sb, '{');
	js_str(&sb, "version", MODGATE_VERSION);
	json_policy(&sb, s);
	json_rest(&sb, s);
	strbuf_append_char(&sb, '}');
	puts(strbuf_str(&sb));
}

/* ---- text ---- */

static void print_policy(const struct status *s)
{
	const struct policy_loaded *pl = &s->pl;
	if (!pl->policy) {
		printf("policy:           cannot be read (out of memory)\n");
		return;
	}
	const struct policy_settings *st = policy_get_settings(pl->policy);
	printf("mode:             %s", policy_mode_name(st->effective_mode));
	if (st->cmdline_used)
		printf(" (modgate.mode= on the kernel command line; configured %s)",
		       policy_mode_name(st->mode));
	else if (st->cmdline_denied)
		printf(" (modgate.mode=permissive on the kernel command line refused)");
	printf("\ndefault:          %s\naudit:            %s\n",
	       policy_verdict_name(st->default_verdict), policy_audit_name(st->audit));
	printf("autoload-userns:  %s (applied by 'modgate lsm enable'; see the kernel side below)\n",
	       policy_autoload_userns_name(st->autoload_userns));
	printf("settings:         %s%s\n", pl->settings_path ? pl->settings_path : "?",
	       pl->settings_found ? "" : " (absent: built-in defaults)");
	printf("rule files:       %zu\n", pl->n_files);
	for (size_t i = 0; i < pl->n_files; i++) {
		printf("  %s\n", pl->files[i].path);
		for (size_t j = 0; j < pl->files[i].n_masked; j++)
			printf("    masks %s\n", pl->files[i].masked[j]);
	}
	if (policy_refused(pl->policy)) {
		printf("policy:           REFUSED: every decision is a denial%s\n",
		       st->effective_mode == POLICY_PERMISSIVE ? " (recorded; permissive)" : "");
		for (size_t i = 0; i < pl->diags.n; i++)
			if (pl->diags.v[i].level == POLICY_ERROR)
				policy_diag_log(&pl->diags.v[i]);
	} else {
		printf("policy:           %zu rules\n", policy_rule_count(pl->policy));
	}
}

static void print_trust(const struct status *s)
{
	if (s->trust_r < 0) {
		printf("trust store:      UNREADABLE: %s (every load is denied)\n",
		       strbuf_str((struct strbuf *)&s->trust_err));
		return;
	}
	printf("trust store:      %zu certificate%s\n", s->ts.n, s->ts.n == 1 ? "" : "s");
	for (size_t i = 0; i < s->ts.n; i++) {
		const struct trust_cert *c = &s->ts.certs[i];
		printf("  %s: CN=%s (%s)\n", c->file, c->subject_cn ? c->subject_cn : "", c->path);
	}
}

static void print_trail(const char *label, const struct status_trail *t)
{
	if (t->error < 0)
		printf("%-17s %s: %s\n", label, t->dir, strerror(-t->error));
	else if (!t->seq)
		printf("%-17s %s: no records\n", label, t->dir);
	else
		printf("%-17s %s: last seq %llu, hash %s%s\n", label, t->dir,
		       (unsigned long long)t->seq, t->hash, t->torn ? " (last line torn)" : "");
}

static void print_kernel(const struct status *s)
{
	printf("kernel:           %s\n", s->release);
	printf("lockdown:         %s\n", s->lockdown ? s->lockdown : "unknown (no lockdown LSM)");
	printf("sig_enforce:      %s\n", s->sig_enforce == 1   ? "Y"
					 : s->sig_enforce == 0 ? "N"
							       : "unknown");
	printf("modules_disabled: %s\n", s->modules_disabled == 1   ? "1 (no module can load)"
					 : s->modules_disabled == 0 ? "0"
								    : "unknown");
	if (!s->modprobe)
		printf("kernel.modprobe:  unreadable (a kernel without module support?)\n");
	else
		printf("kernel.modprobe:  %s (%s)%s\n", s->modprobe, s->modprobe_kind,
		       streq(s->modprobe_kind, "modgate")
			       ? ""
			       : ": WARNING: kernel autoloads do not go through modgate "
				 "(its sysctl.d drop-in sets it)");
	printf("/sbin/modprobe:   %s\n", s->sbin_modprobe_kind);
}

static void print_udev(const struct status *s)
{
	printf("udev override:    %s: %s\n", s->udev_override_path, s->udev_state);
	if (s->udev_warning[0])
		printf("  WARNING: %s\n", s->udev_warning);
}

static void print_routes(const struct status *s)
{
	printf("routes around the userspace gate:\n");
	for (size_t i = 0; i < s->n_routes; i++)
		printf("  %-6s %s: %s\n", s->routes[i].open ? "open" : "closed", s->routes[i].name,
		       s->routes[i].detail ? s->routes[i].detail : "");
}

static void print_text(const struct status *s)
{
	printf("modgate %s\n", MODGATE_VERSION);
	print_policy(s);
	print_trust(s);
	print_trail("trail:", &s->trail);
	print_trail("early boot:", &s->early);
	printf("linux audit:      %s (best effort; the trail is the durable record)\n",
	       s->linux_audit ? s->linux_audit : "unknown");
	print_kernel(s);
	print_udev(s);
	fflush(stdout);
	lsm_status_summary(stdout);
	print_routes(s);
}

int tool_status(int argc, char *argv[])
{
	struct status s;
	bool json = false;

	for (int i = 1; i < argc; i++) {
		if (streq(argv[i], "--json")) {
			json = true;
		} else if (streq(argv[i], "-h") || streq(argv[i], "--help")) {
			printf("Usage: modgate [--root DIR] status [--json]\n");
			return EXIT_SUCCESS;
		} else {
			log_error("unknown argument '%s' (status takes --json)\n", argv[i]);
			return EXIT_FAILURE;
		}
	}
	status_collect(&s);
	if (json)
		status_print_json(&s);
	else
		print_text(&s);
	status_release(&s);
	return EXIT_SUCCESS;
}
