// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * rmmod, as kmod 30's: each argument (a module name, or a file naming one)
 * is checked the way kmod checks it (built in, not loaded, held by other
 * modules, refcount) and removed with delete_module(O_NONBLOCK), O_TRUNC
 * with -f, which skips the checks. kmod 30 lists -w in its short options but
 * rejects it when given; so does this one.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "common/log.h"
#include "common/macros.h"
#include "loader/kernel.h"
#include "loader/kstate.h"
#include "loader/gate.h"
#include "loader/load.h"
#include "moddb/plan.h"
#include "tools/tools.h"

static const struct option long_opts[] = {
	{"force", no_argument, NULL, 'f'},   {"syslog", no_argument, NULL, 's'},
	{"verbose", no_argument, NULL, 'v'}, {"version", no_argument, NULL, 'V'},
	{"help", no_argument, NULL, 'h'},    {NULL, 0, NULL, 0},
};

static void help(void)
{
	printf("Usage:\n"
	       "\t%s [options] modulename ...\n"
	       "Options:\n"
	       "\t-f, --force       forces a module unload and may crash your\n"
	       "\t                  machine. This requires Forced Module Removal\n"
	       "\t                  option in your kernel. DANGEROUS\n"
	       "\t-s, --syslog      print to syslog, not stderr\n"
	       "\t-v, --verbose     enables more messages\n"
	       "\t-V, --version     show version\n"
	       "\t-h, --help        show this help\n",
	       log_prog());
}

/* 0 if the module may go, -errno (with kmod's message) if not */
static int check_in_use(struct plan *p, struct plan_mod *m)
{
	char **holders = NULL;
	if (plan_is_builtin(p, m) == 1) {
		log_error("Module %s is builtin.\n", m->name);
		return -ENOENT;
	}
	if (kstate_initstate(m->name, NULL) < 0) {
		log_error("Module %s is not currently loaded\n", m->name);
		return -ENOENT;
	}
	int r = kstate_holders(m->name, &holders);
	if (r < 0)
		log_error("could not open '/sys/module/%s/holders': %s\n", m->name, strerror(-r));
	if (r == 0 && holders[0]) {
		log_error("Module %s is in use by:", m->name);
		for (char **h = holders; *h; h++)
			fprintf(stderr, " %s", *h);
		fputc('\n', stderr);
		kstate_strv_free(holders);
		return -EBUSY;
	}
	kstate_strv_free(holders);
	r = kstate_refcnt(m->name);
	if (r > 0) {
		log_error("Module %s is in use\n", m->name);
		return -EBUSY;
	}
	if (r == -ENOENT)
		log_error("Module unloading is not supported\n");
	else if (r < 0)
		log_error("could not read integer from '/sys/module/%s/refcnt': '%s'\n", m->name,
			  strerror(-r));
	return r < 0 ? r : 0;
}

static int open_plan(struct moddb **db, struct plan **p)
{
	char rel[256], dir[PATH_MAX];
	int r = kernel_release(rel, sizeof(rel));
	if (r < 0)
		return r;
	snprintf(dir, sizeof(dir), "/lib/modules/%s", rel);
	r = moddb_open(dir, INDEX_READER_STREAM, db);
	return r < 0 ? r : plan_new(*db, NULL, p);
}

/* 1 when the argument failed (counted), 0 when it went, -1 to stop */
static int remove_arg(struct plan *p, const char *arg, bool force)
{
	struct plan_mod *m;
	struct stat st;
	int r = stat(arg, &st) == 0 ? plan_from_path(p, arg, &m) : plan_from_name(p, arg, &m);
	if (r < 0) {
		log_error("could not use module %s: %s\n", arg, strerror(-r));
		return -1;
	}
	if (!force && check_in_use(p, m) < 0)
		return 1;
	/* the gate decides op=unload (force= a fact) and records it */
	r = loader_unload(m->name, force);
	if (r < 0) {
		log_error("could not remove '%s': %s\n", m->name, strerror(-r));
		log_error("could not remove module %s: %s\n", arg, strerror(-r));
		return 1;
	}
	return 0;
}

static void gate_says(void *ud, int prio, const char *msg)
{
	(void)ud;
	log_printf((enum log_prio)prio, "%s", msg);
}

int tool_rmmod(int argc, char *argv[])
{
	bool force = false;
	int verbose = LOG_PRIO_ERROR, c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "fsvVwh", long_opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			force = true;
			break;
		case 's':
			log_set_syslog(true);
			break;
		case 'v':
			verbose++;
			break;
		case 'h':
			help();
			return EXIT_SUCCESS;
		case 'V':
			puts("modgate version " MODGATE_VERSION);
			puts(MODGATE_FEATURES);
			return EXIT_SUCCESS;
		case '?':
			return EXIT_FAILURE;
		default:
			log_error("unexpected getopt_long() value '%c'.\n", c);
			return EXIT_FAILURE;
		}
	}
	if (optind >= argc) {
		log_error("missing module name.\n");
		return EXIT_FAILURE;
	}
	if (tools_root()) {
		log_error("--root is for admin commands; rmmod reads policy and trail from their "
			  "fixed places\n");
		return EXIT_FAILURE;
	}
	struct moddb *db = NULL;
	struct plan *p = NULL;
	if (open_plan(&db, &p) < 0) {
		log_error("kmod_new() failed!\n");
		moddb_close(db);
		return EXIT_FAILURE;
	}
	log_set_max_prio(verbose);
	gate_configure(&(struct gate_options){.say = gate_says});
	int failed = 0;
	for (int i = optind; i < argc; i++) {
		int r = remove_arg(p, argv[i], force);
		if (r < 0)
			break;
		failed += r;
	}
	plan_free(p);
	moddb_close(db);
	log_set_syslog(false);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
