// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The multi-call binary. Called as modprobe/insmod/rmmod/lsmod/modinfo/depmod
 * (symlinks, like kmod) it behaves as that tool; called as `modgate` it takes
 * a tool or admin subcommand as its first argument.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "common/log.h"
#include "common/macros.h"
#include "tools/tools.h"

const struct tool compat_tools[] = {
	{"modprobe", tool_modprobe, "add or remove modules, through the gate"},
	{"insmod", tool_insmod, "insert one module file, through the gate"},
	{"rmmod", tool_rmmod, "remove a module, through the gate"},
	{"lsmod", tool_lsmod, "list loaded modules"},
	{"modinfo", tool_modinfo, "show module information (parsed in the sandbox)"},
	{"depmod", tool_depmod, "generate modules.dep and map files"},
	{NULL, NULL, NULL},
};

const struct tool admin_tools[] = {
	{"status", tool_status, "show mode, policy, trust store, trail, kernel state"},
	{"modules-load", tool_modules_load, "load modules-load.d through the gate (boot unit)"},
	{"verify", tool_verify, "verify module signatures against the trust store"},
	{"keys", tool_keys, "manage the trust store (list, import, extract-kernel)"},
	{"policy", tool_policy, "check, test, show and generate policy"},
	{"audit", tool_audit, "show, verify and export the audit trail"},
#ifdef MODGATE_TEST_BUILD
	{"audit-emit", tool_audit_emit, "test only: record one event through the audit sinks"},
#endif
	{"lsm", tool_lsm, "enable, disable and inspect the kernel-side program"},
	{NULL, NULL, NULL},
};

static const char *current_tool = "modgate";
static const char *global_root;

const char *tools_root(void)
{
	return global_root;
}

int tool_not_built(int argc, char *argv[])
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "%s: ERROR: '%s' is not built yet in this version of modgate\n",
		log_prog(), current_tool);
	return EXIT_FAILURE;
}

static const struct tool *find_tool(const struct tool *table, const char *name)
{
	for (const struct tool *t = table; t->name; t++)
		if (streq(t->name, name))
			return t;
	return NULL;
}

static void print_version(void)
{
	puts("modgate version " MODGATE_VERSION);
	puts(MODGATE_FEATURES);
}

static void print_help(const char *prog)
{
	printf("modgate - kernel module tools whose load path is a security gate\n"
	       "Usage:\n"
	       "\t%s [options] command [command_options]\n\n"
	       "Options:\n"
	       "\t-V, --version     show version\n"
	       "\t-h, --help        show this help\n"
	       "\t    --root DIR    admin commands read configuration under DIR\n\n"
	       "Commands:\n",
	       prog);
	printf("  %-12s %s\n", "help", "show this help message");
	for (const struct tool *t = admin_tools; t->name; t++)
		printf("  %-12s %s%s\n", t->name, t->help,
		       t->run == tool_not_built ? " (not built yet)" : "");
	puts("\nThe kmod tools, also reachable through symlinks of those names:");
	for (const struct tool *t = compat_tools; t->name; t++)
		printf("  %-12s %s%s\n", t->name, t->help,
		       t->run == tool_not_built ? " (not built yet)" : "");
}

static int run_tool(const struct tool *t, int argc, char *argv[])
{
	current_tool = t->name;
	log_set_prog(t->name);
	return t->run(argc, argv);
}

static int modgate_main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"root", required_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	int c;

	/* '+': stop at the first non-option, which is the subcommand. */
	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			print_help("modgate");
			return EXIT_SUCCESS;
		case 'V':
			print_version();
			return EXIT_SUCCESS;
		case 'r':
			global_root = optarg;
			break;
		default:
			return EXIT_FAILURE;
		}
	}
	if (optind >= argc) {
		fputs("modgate: ERROR: missing command\n", stderr);
		print_help("modgate");
		return EXIT_FAILURE;
	}
	const char *cmd = argv[optind];
	if (streq(cmd, "help")) {
		print_help("modgate");
		return EXIT_SUCCESS;
	}
	const struct tool *t = find_tool(compat_tools, cmd);
	if (!t)
		t = find_tool(admin_tools, cmd);
	if (!t) {
		fprintf(stderr, "modgate: ERROR: invalid command '%s'\n", cmd);
		print_help("modgate");
		return EXIT_FAILURE;
	}
	/* The tool sees itself as argv[0], as if called through its symlink. */
	argv += optind;
	argc -= optind;
	optind = 0;
	return run_tool(t, argc, argv);
}

int main(int argc, char *argv[])
{
	const char *base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];

	const struct tool *t = find_tool(compat_tools, base);
	if (t)
		return run_tool(t, argc, argv);
	log_set_prog("modgate");
	return modgate_main(argc, argv);
}
