// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * `modgate policy check|show|test|generate`: the admin's view of the policy.
 *
 * check and show read exactly what a load reads (loader/policy-load.c), under
 * --root when given, so `policy check --root $DESTDIR` in a kernel or package
 * hook refuses what a boot from that tree would refuse.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "common/log.h"
#include "common/macros.h"
#include "common/strbuf.h"
#include "loader/policy-load.h"
#include "tools/policy.h"
#include "tools/tools.h"

void policy_diag_log(const struct policy_diag *g)
{
	struct strbuf sb = STRBUF_INIT;
	if (policy_diag_format(g, &sb) == 0)
		fprintf(stderr, "%s\n", strbuf_str(&sb));
	strbuf_release(&sb);
}

static void print_diags(const struct policy_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		policy_diag_log(&d->v[i]);
}

static bool cert_file_name(const char *n)
{
	size_t len = strlen(n);
	if (n[0] == '.' || len < 5)
		return false;
	return streq(n + len - 4, ".pem") || streq(n + len - 4, ".crt") ||
	       streq(n + len - 4, ".der");
}

/* Trust-store names (file names without extension) for the cert= lint. Read
 * from the same keys.d directories verify/ loads; only names matter here. */
int policy_trust_names(const char *root, struct policy_names *out)
{
	static const char *const dirs[] = {SYSCONFDIR "/modgate/keys.d", LIBDIR_MODGATE "/keys.d"};
	*out = (struct policy_names){0};
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		_cleanup_free_ char *path = NULL;
		if (asprintf(&path, "%s%s", root ? root : "", dirs[i]) < 0)
			return -ENOMEM;
		DIR *d = opendir(path);
		if (!d)
			continue;
		struct dirent *e;
		while ((e = readdir(d))) {
			if (!cert_file_name(e->d_name))
				continue;
			char **v = reallocarray(out->v, out->n + 1, sizeof(*v));
			if (!v || !(v[out->n] = strndup(e->d_name, strlen(e->d_name) - 4))) {
				if (v)
					out->v = v;
				closedir(d);
				return -ENOMEM;
			}
			out->v = v;
			out->n++;
		}
		closedir(d);
	}
	return 0;
}

void policy_names_release(struct policy_names *n)
{
	for (size_t i = 0; i < n->n; i++)
		free(n->v[i]);
	free(n->v);
	*n = (struct policy_names){0};
}

static int load(const char *root, bool cmdline, struct policy_loaded *l)
{
	struct policy_load_opts o = {.root = root, .cmdline = cmdline};
	int r = policy_load(&o, l);
	if (r < 0)
		log_error("reading the policy: %s\n", strerror(-r));
	return r;
}

static int do_check(const char *root, int argc, char *argv[])
{
	struct policy_loaded l;
	struct policy_names trust;
	if (argc > 1) {
		log_error("policy check takes no arguments\n");
		return EXIT_FAILURE;
	}
	if (load(root, false, &l) < 0)
		return EXIT_FAILURE;
	if (!l.settings_found)
		policy_diag_add(&l.diags, POLICY_WARNING, l.settings_path, 0, 0,
				"absent: the built-in settings apply (mode permissive, default "
				"deny, audit required, cmdline-override yes, autoload-userns "
				"policy)");
	int r = policy_trust_names(root, &trust);
	/* an empty store is still a store: every cert= name is then unknown */
	static const char *const none[1] = {NULL};
	if (r == 0 && !policy_refused(l.policy))
		r = policy_lint(l.policy, trust.v ? (const char *const *)trust.v : none, trust.n,
				&l.diags);
	policy_names_release(&trust);
	if (r < 0) {
		log_error("checking the policy: %s\n", strerror(-r));
		policy_loaded_release(&l);
		return EXIT_FAILURE;
	}
	print_diags(&l.diags);
	size_t warnings = l.diags.n - l.diags.n_errors;
	if (policy_refused(l.policy))
		printf("policy refused: %zu error%s, %zu warning%s\n", l.diags.n_errors,
		       l.diags.n_errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
	else
		printf("policy ok: %zu rule file%s, %zu rule%s, %zu warning%s\n", l.n_files,
		       l.n_files == 1 ? "" : "s", policy_rule_count(l.policy),
		       policy_rule_count(l.policy) == 1 ? "" : "s", warnings,
		       warnings == 1 ? "" : "s");
	r = policy_refused(l.policy) ? EXIT_FAILURE : EXIT_SUCCESS;
	policy_loaded_release(&l);
	return r;
}

static void show_settings(const struct policy_loaded *l)
{
	const struct policy_settings *s = policy_get_settings(l->policy);
	printf("# settings: %s%s\n", l->settings_path,
	       l->settings_found ? "" : " (absent: built-in settings)");
	printf("mode %s\ndefault %s\naudit %s\ncmdline-override %s\nautoload-userns %s\n",
	       policy_mode_name(s->mode), policy_verdict_name(s->default_verdict),
	       policy_audit_name(s->audit), s->cmdline_override ? "yes" : "no",
	       policy_autoload_userns_name(s->autoload_userns));
	if (s->cmdline_used)
		printf("# effective mode: %s (modgate.mode=%s on the kernel command line)\n",
		       policy_mode_name(s->effective_mode), policy_mode_name(s->effective_mode));
	else if (s->cmdline_denied)
		printf("# effective mode: %s (modgate.mode=permissive on the kernel command line "
		       "is not honoured: cmdline-override no)\n",
		       policy_mode_name(s->effective_mode));
	else
		printf("# effective mode: %s\n", policy_mode_name(s->effective_mode));
}

/* One file's sets and rules, merged in line order. */
static void show_file(const struct policy *p, const struct policy_file *f)
{
	size_t nr = policy_rule_count(p), ns = policy_set_count(p), i = 0, j = 0;
	struct policy_rule_info r, s;

	printf("\n# %s\n", f->path);
	for (size_t m = 0; m < f->n_masked; m++)
		printf("#   masks %s\n", f->masked[m]);
	for (;;) {
		while (i < nr && (policy_rule_get(p, i, &r), !streq(r.file, f->path)))
			i++;
		while (j < ns && (policy_set_get(p, j, &s), !streq(s.file, f->path)))
			j++;
		if (i >= nr && j >= ns)
			return;
		if (j >= ns || (i < nr && r.line < s.line)) {
			printf("%s:%u: %s\n", r.file, r.line, r.text);
			i++;
		} else {
			printf("%s:%u: %s\n", s.file, s.line, s.text);
			j++;
		}
	}
}

static int do_show(const char *root, int argc, char *argv[])
{
	struct policy_loaded l;
	if (argc > 1) {
		log_error("policy show takes no arguments\n");
		return EXIT_FAILURE;
	}
	if (load(root, true, &l) < 0)
		return EXIT_FAILURE;
	print_diags(&l.diags);
	show_settings(&l);
	if (policy_refused(l.policy)) {
		const struct policy_settings *s = policy_get_settings(l.policy);
		printf("# policy refused (%zu error%s): every decision is %s\n", l.diags.n_errors,
		       l.diags.n_errors == 1 ? "" : "s",
		       s->effective_mode == POLICY_ENFORCE ? "deny"
							   : "\"would deny: policy refused\"");
		policy_loaded_release(&l);
		return EXIT_FAILURE;
	}
	printf("# %zu rule%s in %zu file%s, first match decides, no match: %s\n",
	       policy_rule_count(l.policy), policy_rule_count(l.policy) == 1 ? "" : "s", l.n_files,
	       l.n_files == 1 ? "" : "s",
	       policy_verdict_name(policy_get_settings(l.policy)->default_verdict));
	for (size_t i = 0; i < l.n_files; i++)
		show_file(l.policy, &l.files[i]);
	policy_loaded_release(&l);
	return EXIT_SUCCESS;
}

static void help(void)
{
	printf("Usage:\n"
	       "\tmodgate [--root DIR] policy check\n"
	       "\tmodgate [--root DIR] policy show\n"
	       "\tmodgate [--root DIR] policy test [-S VERSION] [--context C] [--op load|unload]\n"
	       "\t                                 [--uid N] [--json] NAME|ALIAS|PATH\n"
	       "\tmodgate [--root DIR] policy generate [--from-loaded | --from-tree] [-S VERSION]\n"
	       "Commands:\n"
	       "\tcheck     parse and lint the policy; exit 1 if it would be refused\n"
	       "\tshow      the settings and the effective rules, each with its origin\n"
	       "\ttest      decide a request as modprobe would plan it, module by module\n"
	       "\tgenerate  rules allowing exactly the loaded modules (or a tree's)\n"
	       "Options:\n"
	       "\t--root DIR  read configuration and modules under DIR\n"
	       "\t-h, --help  show this help\n");
}

int tool_policy(int argc, char *argv[])
{
	static const struct option opts[] = {
		{"root", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *root = tools_root();
	int c;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			root = optarg;
			break;
		case 'h':
			help();
			return EXIT_SUCCESS;
		default:
			return EXIT_FAILURE;
		}
	}
	if (optind >= argc) {
		log_error("missing command: check, show, test or generate\n");
		return EXIT_FAILURE;
	}
	const char *cmd = argv[optind];
	argc -= optind;
	argv += optind;
	optind = 0;
	if (streq(cmd, "check"))
		return do_check(root, argc, argv);
	if (streq(cmd, "show"))
		return do_show(root, argc, argv);
	if (streq(cmd, "test"))
		return policy_test_main(root, argc, argv);
	if (streq(cmd, "generate"))
		return policy_generate_main(root, argc, argv);
	log_error("unknown command '%s': check, show, test or generate\n", cmd);
	return EXIT_FAILURE;
}
