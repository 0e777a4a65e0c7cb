// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * depmod: kmod 30's command line (options, messages, exit codes), plus
 * kmod 34's -o/--outdir and -m/--moduledir. kmod 30 took -m as a deprecated
 * no-op; kmod 34 gave it an argument, and we follow kmod 34 (depmod(8) says
 * so). The work itself is moddb/depmod.c.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "common/log.h"
#include "common/macros.h"
#include "loader/kernel.h"
#include "moddb/depmod.h"
#include "tools/tools.h"

/* Root-owned, machine-local: what the sandboxed parsers said about each
 * module file, so an unchanged tree is not parsed again (moddb/cache.c). */
#define DEPMOD_CACHE_DIR "/var/cache/modgate/depmod"

static const char short_opts[] = "aAb:C:E:F:euqrvnP:wm:o:Vh";
static const struct option long_opts[] = {
	{"all", no_argument, NULL, 'a'},
	{"quick", no_argument, NULL, 'A'},
	{"basedir", required_argument, NULL, 'b'},
	{"moduledir", required_argument, NULL, 'm'},
	{"outdir", required_argument, NULL, 'o'},
	{"config", required_argument, NULL, 'C'},
	{"symvers", required_argument, NULL, 'E'},
	{"filesyms", required_argument, NULL, 'F'},
	{"errsyms", no_argument, NULL, 'e'},
	{"unresolved-error", no_argument, NULL, 'u'},
	{"quiet", no_argument, NULL, 'q'},
	{"root", no_argument, NULL, 'r'},
	{"verbose", no_argument, NULL, 'v'},
	{"show", no_argument, NULL, 'n'},
	{"dry-run", no_argument, NULL, 'n'},
	{"symbol-prefix", required_argument, NULL, 'P'},
	{"warn", no_argument, NULL, 'w'},
	{"map", no_argument, NULL, 'M'}, /* kmod 30's deprecated --map: still a no-op */
	{"version", no_argument, NULL, 'V'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static void help(const char *prog)
{
	printf("Usage:\n"
	       "\t%s -[aA] [options] [forced_version]\n"
	       "\n"
	       "If no arguments (except options) are given, \"depmod -a\" is assumed\n"
	       "\n"
	       "depmod will output a dependency list suitable for the modprobe utility.\n"
	       "\n"
	       "Options:\n"
	       "\t-a, --all            Probe all modules\n"
	       "\t-A, --quick          Only does the work if there's a new module\n"
	       "\t-e, --errsyms        Report not supplied symbols\n"
	       "\t-n, --show           Write the dependency file on stdout only\n"
	       "\t-P, --symbol-prefix  Architecture symbol prefix\n"
	       "\t-C, --config=PATH    Read configuration from PATH\n"
	       "\t-v, --verbose        Enable verbose mode\n"
	       "\t-w, --warn           Warn on duplicates\n"
	       "\t-V, --version        show version\n"
	       "\t-h, --help           show this help\n"
	       "\n"
	       "The following options are useful for people managing distributions:\n"
	       "\t-b, --basedir=DIR    Use an image of a module tree.\n"
	       "\t-m, --moduledir=DIR  Module directory (default: /lib/modules).\n"
	       "\t-o, --outdir=DIR     Output root path (default: same as <basedir>).\n"
	       "\t-F, --filesyms=FILE  Use the file instead of the\n"
	       "\t                     current kernel symbols.\n"
	       "\t-E, --symvers=FILE   Use Module.symvers file to check\n"
	       "\t                     symbol versions.\n",
	       prog);
}

struct opts {
	struct dm_config cfg;
	struct depmod_request rq;
	char *root, *out_root;
	const char *moduledir;
	const char **config_paths;
	size_t n_config;
	bool all, quick;
	int verbose;
};

static char *absolute(const char *p)
{
	if (p[0] == '/')
		return strdup(p);
	_cleanup_free_ char *cwd = get_current_dir_name();
	char *r = NULL;
	if (cwd && asprintf(&r, "%s/%s", cwd, p) < 0)
		r = NULL;
	return r;
}

static int add_config(struct opts *o, const char *path)
{
	const char **v = realloc(o->config_paths, (o->n_config + 2) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	o->config_paths = v;
	v[o->n_config++] = path;
	v[o->n_config] = NULL;
	return 0;
}

/* 1: parsed, go on; 0: done, exit 0 (-h, -V); -1: exit 1. */
static int parse_opt(struct opts *o, int c, const char *arg, int longidx)
{
	switch (c) {
	case 'a':
		o->all = true;
		return 1;
	case 'A':
		o->quick = true;
		return 1;
	case 'b':
	case 'o': {
		char **dst = c == 'b' ? &o->root : &o->out_root;
		free(*dst);
		*dst = absolute(arg);
		return *dst ? 1 : -1;
	}
	case 'm':
		o->moduledir = arg;
		return 1;
	case 'C':
		return add_config(o, arg) < 0 ? -1 : 1;
	case 'E':
		o->rq.symvers = arg;
		o->cfg.check_symvers = true;
		return 1;
	case 'F':
		o->rq.system_map = arg;
		return 1;
	case 'e':
		o->cfg.print_unknown = true;
		return 1;
	case 'v':
		o->verbose++;
		return 1;
	case 'n':
		o->rq.show = stdout;
		return 1;
	case 'P':
		if (strlen(arg) != 1) {
			fatal("-P only takes a single char\n");
			return -1;
		}
		o->cfg.sym_prefix = arg[0];
		return 1;
	case 'w':
		o->cfg.warn_dups = true;
		return 1;
	case 'u':
	case 'q':
	case 'r':
	case 'M':
		if (longidx >= 0)
			log_warning("Ignored deprecated option --%s\n", long_opts[longidx].name);
		else
			log_warning("Ignored deprecated option -%c\n", c);
		return 1;
	case 'h':
		help(program_invocation_short_name);
		return 0;
	case 'V':
		puts("modgate version " MODGATE_VERSION);
		puts(MODGATE_FEATURES);
		return 0;
	default:
		return -1;
	}
}

static bool is_version_number(const char *v)
{
	unsigned int a, b;
	return sscanf(v, "%u.%u", &a, &b) == 2;
}

static int set_dirs(struct opts *o, const char *kversion)
{
	const char *md = o->moduledir ? o->moduledir : "/lib/modules";
	while (md[0] == '/')
		md++; /* the module directory is always below basedir/outdir */
	const char *root = o->root ? o->root : "";
	o->cfg.kversion = kversion;
	if (asprintf(&o->cfg.dirname, "%s/%s/%s", root, md, kversion) < 0 ||
	    asprintf(&o->cfg.outdir, "%s/%s/%s", o->out_root ? o->out_root : root, md, kversion) <
		    0)
		return -ENOMEM;
	o->cfg.dirnamelen = strlen(o->cfg.dirname);
	return 0;
}

#ifdef MODGATE_TEST_BUILD
#include <signal.h>

#include "inspect/pool.h"

/* The test binary only: kill (or stop, to force a timeout) the worker that
 * gets job MODGATE_TEST_DEPMOD_KILL_JOB / MODGATE_TEST_DEPMOD_STOP_JOB. The
 * worker is stopped before the job is handed over: stopped after, a quick
 * worker could have answered it already, and the test would prove nothing
 * (and fail now and then). */
static long kill_job = -1, stop_job = -1;

static void test_dispatching(pid_t worker, size_t job)
{
	if ((long)job == kill_job || (long)job == stop_job)
		kill(worker, SIGSTOP);
}

static void test_dispatched(pid_t worker, size_t job)
{
	if ((long)job == kill_job)
		kill(worker, SIGKILL);
}

static void test_hooks(struct depmod_request *rq)
{
	const char *k = getenv("MODGATE_TEST_DEPMOD_KILL_JOB");
	const char *s = getenv("MODGATE_TEST_DEPMOD_STOP_JOB");
	const char *t = getenv("MODGATE_TEST_DEPMOD_TIMEOUT_MS");
	kill_job = k ? strtol(k, NULL, 10) : -1;
	stop_job = s ? strtol(s, NULL, 10) : -1;
	if (k || s) {
		inspect_pool_test_dispatching = test_dispatching;
		inspect_pool_test_dispatched = test_dispatched;
	}
	if (t)
		rq->timeout_ms = (unsigned int)strtoul(t, NULL, 10);
}
#endif

static const char *cache_dir(void)
{
#ifdef MODGATE_TEST_BUILD
	/* The test binary only: an isolated cache per test. */
	const char *env = getenv("MODGATE_DEPMOD_CACHE_DIR");
	if (env)
		return *env ? env : NULL;
#endif
	return DEPMOD_CACHE_DIR;
}

static int run(struct opts *o, int argc, char *argv[])
{
	char release[256];
	const char *kversion;
	if (optind < argc) {
		if (!is_version_number(argv[optind])) {
			log_error("Bad version passed %s\n", argv[optind]);
			return EXIT_FAILURE;
		}
		kversion = argv[optind++];
	} else {
		int r = kernel_release(release, sizeof(release));
		if (r < 0) {
			fatal("uname() failed: %s\n", strerror(-r));
			return EXIT_FAILURE;
		}
		kversion = release;
	}
	if (set_dirs(o, kversion) < 0)
		return EXIT_FAILURE;
	if (optind == argc)
		o->all = true;
	if (o->quick) {
		if (o->rq.show)
			return EXIT_SUCCESS;
		if (dm_depfile_up_to_date(o->cfg.dirname) == 1)
			return EXIT_SUCCESS;
		o->all = true;
	}
	log_set_max_prio(LOG_PRIO_WARNING + o->verbose);
	if (!o->rq.symvers && !o->rq.system_map && o->cfg.print_unknown) {
		log_warning("-e needs -E or -F\n");
		o->cfg.print_unknown = false;
	}
	o->rq.all = o->all;
	o->rq.paths = argv + optind;
	o->rq.n_paths = o->all ? 0 : (size_t)(argc - optind);
	o->rq.config_paths = o->config_paths;
	/* module paths index a handful of files: no cache, which would keep
	 * only those and forget the tree */
	o->rq.cache_dir = o->all ? cache_dir() : NULL;
#ifdef MODGATE_TEST_BUILD
	test_hooks(&o->rq);
#endif
	return depmod_run(&o->cfg, &o->rq) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

int tool_depmod(int argc, char *argv[])
{
	struct opts o = {0};
	int c, longidx, ret = EXIT_FAILURE;

	for (;;) {
		longidx = -1;
		c = getopt_long(argc, argv, short_opts, long_opts, &longidx);
		if (c == -1)
			break;
		int r = parse_opt(&o, c, optarg, longidx);
		if (r <= 0) {
			ret = r == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
			goto out;
		}
	}
	ret = run(&o, argc, argv);
out:
	dm_config_release(&o.cfg);
	free(o.cfg.dirname);
	free(o.cfg.outdir);
	free(o.root);
	free(o.out_root);
	free(o.config_paths);
	return ret;
}
