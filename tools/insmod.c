// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * insmod, as kmod 30's: one module file and its parameters, no dependencies,
 * no configuration. kmod 30 accepts and ignores -p and -s; upstream's
 * --force-modversion, --force-vermagic, --syslog and -v are accepted too.
 * The file goes through loader_load(): inspected by sandboxed children, then
 * handed to finit_module as sealed bytes.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "common/log.h"
#include "common/macros.h"
#include "common/strbuf.h"
#include "loader/gate.h"
#include "loader/load.h"
#include "moddb/lookup.h"
#include "moddb/plan.h"
#include "tools/tools.h"

enum {
	OPT_FORCE_VERMAGIC = 1,
	OPT_FORCE_MODVERSION,
	OPT_SYSLOG,
};

static const struct option long_opts[] = {
	{"force", no_argument, NULL, 'f'},
	{"force-modversion", no_argument, NULL, OPT_FORCE_MODVERSION},
	{"force-vermagic", no_argument, NULL, OPT_FORCE_VERMAGIC},
	{"syslog", no_argument, NULL, OPT_SYSLOG},
	{"verbose", no_argument, NULL, 'v'},
	{"version", no_argument, NULL, 'V'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static void help(void)
{
	printf("Usage:\n"
	       "\t%s [options] filename [args]\n"
	       "Options:\n"
	       "\t-V, --version     show version\n"
	       "\t-h, --help        show this help\n",
	       log_prog());
}

/* kmod's own words for the errnos finit_module gives most often */
static const char *mod_strerror(int err)
{
	switch (err) {
	case ENOEXEC:
		return "Invalid module format";
	case ENOENT:
		return "Unknown symbol in module";
	case ESRCH:
		return "Module has wrong symbol version";
	case EINVAL:
		return "Invalid parameters";
	default:
		return strerror(err);
	}
}

/* kmod 30 joins the parameters with single spaces, quoting nothing */
static char *join_params(char **args, int n)
{
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < n; i++)
		if ((i && strbuf_append_char(&sb, ' ') < 0) ||
		    strbuf_append_str(&sb, args[i]) < 0) {
			strbuf_release(&sb);
			return NULL;
		}
	return n ? strbuf_steal(&sb) : NULL;
}

/* 0: go on; 1: done; -1: failure */
static int parse_options(int argc, char **argv, unsigned int *kflags)
{
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "psfvVh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'p':
		case 's':
		case 'v':
			break; /* accepted, for compatibility */
		case 'f':
			*kflags |= LOAD_IGNORE_MODVERSIONS | LOAD_IGNORE_VERMAGIC;
			break;
		case OPT_FORCE_MODVERSION:
			*kflags |= LOAD_IGNORE_MODVERSIONS;
			break;
		case OPT_FORCE_VERMAGIC:
			*kflags |= LOAD_IGNORE_VERMAGIC;
			break;
		case OPT_SYSLOG:
			log_set_syslog(true);
			break;
		case 'h':
			help();
			return 1;
		case 'V':
			puts("modgate version " MODGATE_VERSION);
			puts(MODGATE_FEATURES);
			return 1;
		default:
			return -1;
		}
	}
	return 0;
}

static int insert(const char *filename, const char *params, unsigned int kflags)
{
	_cleanup_free_ char *path = plan_absolute_path(filename);
	const char *base = strrchr(filename, '/');
	_cleanup_free_ char *name = moddb_modname_normalize(base ? base + 1 : filename);
	struct load_result res = LOAD_RESULT_INIT;
	struct stat st;

	if (!path || !name)
		return -ENOMEM;
	if (stat(path, &st) < 0 || !*name) {
		int e = *name ? errno : ENOENT;
		log_error("could not load module %s: %s\n", filename, strerror(e));
		return -e;
	}
	struct load_request req = {
		.requested = filename, .path = path, .name = name, .params = params, .kflags = kflags};
	int r = loader_load(&req, &res);
	if (r < 0) {
		log_error("could not insert module %s: %s\n", filename, mod_strerror(-r));
		_cleanup_free_ char *why =
			res.step == LOAD_STEP_KERNEL ? loader_explain_load_error(r) : NULL;
		if (res.step == LOAD_STEP_DENIED)
			log_error("%s: %s\n", name, strbuf_str(&res.why));
		else if (res.step == LOAD_STEP_INSPECT && res.why.len)
			log_error("%s: %s\n", filename, strbuf_str(&res.why));
		else if (why)
			log_error("%s: %s\n", name, why);
	}
	load_result_release(&res);
	return r;
}

static void gate_says(void *ud, int prio, const char *msg)
{
	(void)ud;
	log_printf((enum log_prio)prio, "%s", msg);
}

int tool_insmod(int argc, char *argv[])
{
	unsigned int kflags = 0;
	int r = parse_options(argc, argv, &kflags);
	if (r != 0)
		return r > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	if (tools_root()) {
		/* trust is never re-rooted */
		log_error("--root is for admin commands; insmod reads policy, trust store and "
			  "trail from their fixed places\n");
		return EXIT_FAILURE;
	}
	gate_configure(&(struct gate_options){.say = gate_says});
	if (optind >= argc) {
		log_error("missing filename.\n");
		return EXIT_FAILURE;
	}
	const char *filename = argv[optind];
	if (streq(filename, "-")) {
		log_error("this tool does not support loading from stdin!\n");
		return EXIT_FAILURE;
	}
	_cleanup_free_ char *params = join_params(argv + optind + 1, argc - optind - 1);
	if (!params && argc - optind - 1 > 0) {
		log_error("out of memory\n");
		return EXIT_FAILURE;
	}
	r = insert(filename, params, kflags);
	log_set_syslog(false);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
