// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * modprobe, as kmod 30's: the same options (and upstream's newer spellings),
 * lookups, load lists, messages and exit codes; --show-depends, -R and -c
 * byte for byte. Loads go through loader/: every module file is inspected by
 * sandboxed children and handed to finit_module as sealed bytes.
 *
 * Messages follow kmod's two channels. The tool's own LOG() lines are FATAL
 * (the process ends right there, as kmod's does) or, with -a, WARNING; its
 * ERR() lines are ERROR. What libkmod would print itself is worded here
 * without kmod's source file and line. -q silences all of them; -v shows
 * what is loaded and removed.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "common/log.h"
#include "common/macros.h"
#include "inspect/inspect.h"
#include "loader/kernel.h"
#include "loader/kstate.h"
#include "loader/gate.h"
#include "loader/probe.h"
#include "loader/transaction.h"
#include "moddb/cmdline.h"
#include "moddb/plan.h"
#include "tools/modprobe.h"
#include "tools/tools.h"

#define DEFAULT_VERBOSE LOG_PRIO_WARNING

struct modprobe {
	int threshold; /* messages above it are dropped: 4 until -q/-v take effect */
	int verbose;   /* -q: 0, -v: 5, 6 ... */
	int log_prio;  /* the tool's LOG(): FATAL, or WARNING with -a */
	bool do_show, dry_run, ignore_loaded, lookup_only, first_time, ignore_commands;
	bool use_blacklist, force, strip_modversion, strip_vermagic, remove_holders;
	bool use_all, do_remove, show_config, show_modversions, show_exports, use_syslog;
	unsigned long long wait_msec;
	const char **config_paths;
	size_t n_config;
	const char *root, *kversion;
	char *dirname;
	struct modprobe_config cfg;
	struct moddb *db;
	struct plan *plan;
	enum index_reader rd;
};

/* Static: a FATAL message ends the process where it is, as in kmod. */
static struct modprobe mp_state;

static void mp_vlog(struct modprobe *mp, int prio, const char *fmt, va_list ap)
{
	if (prio > mp->threshold)
		return;
	log_set_max_prio(mp->threshold);
	log_vprintf((enum log_prio)prio, fmt, ap);
	if (prio <= LOG_PRIO_FATAL) {
		fflush(stdout);
		exit(EXIT_FAILURE);
	}
}

static void mp_log(struct modprobe *mp, int prio, const char *fmt, ...) _printf_(3, 4);
static void mp_log(struct modprobe *mp, int prio, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mp_vlog(mp, prio, fmt, ap);
	va_end(ap);
}

#define LOG(mp, ...) mp_log(mp, (mp)->log_prio, __VA_ARGS__)
#define ERR(mp, ...) mp_log(mp, LOG_PRIO_ERROR, __VA_ARGS__)

static void ui_log(void *ud, int prio, const char *msg)
{
	struct modprobe *mp = ud;
	mp_log(mp, prio == LOADER_LOG_TOOL ? mp->log_prio : prio, "%s", msg);
}

/* The gate's own explanations (a denied unload or remove command, a record
 * that could not be written), at their priority. */
static void ui_log_prio(void *ud, int prio, const char *msg)
{
	mp_log(ud, prio, "%s", msg);
}

static void plan_report(void *ud, enum plan_prio prio, const char *msg)
{
	mp_log(ud, (int)prio, "%s\n", msg);
}

static bool showing(const struct modprobe *mp)
{
	return mp->do_show || mp->verbose > DEFAULT_VERBOSE;
}

/* kmod's print_action: what a load is about to do */
static void ui_action(void *ud, struct plan *p, struct plan_mod *m, bool install,
		      const char *options)
{
	if (!showing(ud))
		return;
	if (install) {
		printf("install %s %s\n", plan_install(p, m), options);
		return;
	}
	const char *path = plan_path(p, m);
	if (path)
		printf("insmod %s %s\n", path, options);
	else if (plan_is_builtin(p, m) == 1)
		printf("builtin %s\n", m->name);
}

static void ui_show(void *ud, const char *line)
{
	if (!showing(ud))
		return;
	fputs(line, stdout);
	fflush(stdout);
}

static void help(void)
{
	const char *p = log_prog();
	printf("Usage:\n"
	       "\t%s [options] [-i] [-b] modulename\n"
	       "\t%s [options] -a [-i] [-b] modulename [modulename...]\n"
	       "\t%s [options] -r [-i] modulename\n"
	       "\t%s [options] -r -a [-i] modulename [modulename...]\n"
	       "\t%s [options] -c\n"
	       "\t%s [options] --dump-modversions filename\n",
	       p, p, p, p, p, p);
	fputs("Management Options:\n"
	      "\t-a, --all                   Consider every non-argument to\n"
	      "\t                            be a module name to be inserted\n"
	      "\t                            or removed (-r)\n"
	      "\t-r, --remove                Remove modules instead of inserting\n"
	      "\t    --remove-dependencies   Deprecated: use --remove-holders\n"
	      "\t    --remove-holders        Also remove module holders (use together with -r)\n"
	      "\t-w, --wait <MSEC>           When removing a module, wait up to MSEC for\n"
	      "\t                            module's refcount to become 0 so it can be\n"
	      "\t                            removed (use together with -r)\n"
	      "\t    --first-time            Fail if module already inserted or removed\n"
	      "\t-i, --ignore-install        Ignore install commands\n"
	      "\t-i, --ignore-remove         Ignore remove commands\n"
	      "\t-b, --use-blacklist         Apply blacklist to resolved alias.\n"
	      "\t-f, --force                 Force module insertion or removal.\n"
	      "\t                            implies --force-modversions and\n"
	      "\t                            --force-vermagic\n"
	      "\t    --force-modversion      Ignore module's version\n"
	      "\t    --force-vermagic        Ignore module's version magic\n"
	      "\n"
	      "Query Options:\n"
	      "\t-R, --resolve-alias         Only lookup and print alias and exit\n"
	      "\t-D, --show-depends          Only print module dependencies and exit\n"
	      "\t-c, --showconfig            Print out known configuration and exit\n"
	      "\t-c, --show-config           Same as --showconfig\n"
	      "\t    --show-modversions      Dump module symbol version and exit\n"
	      "\t    --dump-modversions      Same as --show-modversions\n"
	      "\t    --show-exports          Only print module exported symbol versions and exit\n"
	      "\n"
	      "General Options:\n"
	      "\t-n, --dry-run               Do not execute operations, just print out\n"
	      "\t-n, --show                  Same as --dry-run\n"
	      "\t-C, --config=FILE           Use FILE instead of default search paths\n"
	      "\t-d, --dirname=DIR           Use DIR as filesystem root for /lib/modules\n"
	      "\t-S, --set-version=VERSION   Use VERSION instead of `uname -r`\n"
	      "\t-s, --syslog                print to syslog, not stderr\n"
	      "\t-q, --quiet                 disable messages\n"
	      "\t-v, --verbose               enables more messages\n"
	      "\t-V, --version               show version\n"
	      "\t-h, --help                  show this help\n",
	      stdout);
}

enum {
	OPT_FORCE_VERMAGIC = 1,
	OPT_FORCE_MODVERSION,
	OPT_FIRST_TIME,
	OPT_SHOW_MODVERSIONS,
	OPT_REMOVE_HOLDERS,
	OPT_SHOW_EXPORTS,
};

/* kmod 30's options; --show-alias is upstream's name for -R */
static const struct option long_opts[] = {
	{"all", no_argument, NULL, 'a'},
	{"remove", no_argument, NULL, 'r'},
	{"remove-dependencies", no_argument, NULL, OPT_REMOVE_HOLDERS},
	{"remove-holders", no_argument, NULL, OPT_REMOVE_HOLDERS},
	{"wait", required_argument, NULL, 'w'},
	{"resolve-alias", no_argument, NULL, 'R'},
	{"show-alias", no_argument, NULL, 'R'},
	{"first-time", no_argument, NULL, OPT_FIRST_TIME},
	{"ignore-install", no_argument, NULL, 'i'},
	{"ignore-remove", no_argument, NULL, 'i'},
	{"use-blacklist", no_argument, NULL, 'b'},
	{"force", no_argument, NULL, 'f'},
	{"force-modversion", no_argument, NULL, OPT_FORCE_MODVERSION},
	{"force-vermagic", no_argument, NULL, OPT_FORCE_VERMAGIC},
	{"show-depends", no_argument, NULL, 'D'},
	{"showconfig", no_argument, NULL, 'c'},
	{"show-config", no_argument, NULL, 'c'},
	{"show-modversions", no_argument, NULL, OPT_SHOW_MODVERSIONS},
	{"dump-modversions", no_argument, NULL, OPT_SHOW_MODVERSIONS},
	{"show-exports", no_argument, NULL, OPT_SHOW_EXPORTS},
	{"dry-run", no_argument, NULL, 'n'},
	{"show", no_argument, NULL, 'n'},
	{"config", required_argument, NULL, 'C'},
	{"dirname", required_argument, NULL, 'd'},
	{"set-version", required_argument, NULL, 'S'},
	{"syslog", no_argument, NULL, 's'},
	{"quiet", no_argument, NULL, 'q'},
	{"verbose", no_argument, NULL, 'v'},
	{"version", no_argument, NULL, 'V'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

static int add_config_path(struct modprobe *mp, const char *path)
{
	const char **v = reallocarray(mp->config_paths, mp->n_config + 2, sizeof(*v));
	if (!v) {
		ERR(mp, "out-of-memory\n");
		return -ENOMEM;
	}
	mp->config_paths = v;
	v[mp->n_config++] = path;
	v[mp->n_config] = NULL;
	modprobe_env_append("-C");
	modprobe_env_append(path);
	return 0;
}

static int parse_wait(struct modprobe *mp, const char *arg)
{
	char *end = NULL;
	mp->wait_msec = strtoul(arg, &end, 0);
	if (!*arg || *end) {
		ERR(mp, "unexpected wait value '%s'.\n", arg);
		return -EINVAL;
	}
	return 0;
}

/* The options that only set a flag. */
static const struct {
	int opt;
	size_t offset;
} flag_options[] = {
	{'r', offsetof(struct modprobe, do_remove)},
	{OPT_REMOVE_HOLDERS, offsetof(struct modprobe, remove_holders)},
	{OPT_FIRST_TIME, offsetof(struct modprobe, first_time)},
	{'i', offsetof(struct modprobe, ignore_commands)},
	{'b', offsetof(struct modprobe, use_blacklist)},
	{'f', offsetof(struct modprobe, force)},
	{OPT_FORCE_MODVERSION, offsetof(struct modprobe, strip_modversion)},
	{OPT_FORCE_VERMAGIC, offsetof(struct modprobe, strip_vermagic)},
	{'R', offsetof(struct modprobe, lookup_only)},
	{'c', offsetof(struct modprobe, show_config)},
	{OPT_SHOW_MODVERSIONS, offsetof(struct modprobe, show_modversions)},
	{OPT_SHOW_EXPORTS, offsetof(struct modprobe, show_exports)},
	{'n', offsetof(struct modprobe, dry_run)},
};

static bool flag_option(struct modprobe *mp, int c)
{
	for (size_t i = 0; i < ARRAY_SIZE(flag_options); i++) {
		if (flag_options[i].opt == c) {
			*(bool *)((char *)mp + flag_options[i].offset) = true;
			return true;
		}
	}
	switch (c) {
	case 'a':
		mp->log_prio = LOG_PRIO_WARNING;
		mp->use_all = true;
		return true;
	case 'D':
		mp->ignore_loaded = mp->dry_run = mp->do_show = true;
		return true;
	case 'd':
		mp->root = optarg;
		return true;
	case 'S':
		mp->kversion = optarg;
		return true;
	default:
		return false;
	}
}

/* 0: go on; 1: done (-h, -V); -1: failure. */
static int parse_options(struct modprobe *mp, int argc, char **argv)
{
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "arw:RibfDcnC:d:S:sqvVh", long_opts, NULL)) != -1) {
		if (flag_option(mp, c))
			continue;
		switch (c) {
		case 'w':
			if (parse_wait(mp, optarg) < 0)
				return -1;
			break;
		case 'C':
			if (add_config_path(mp, optarg) < 0)
				return -1;
			break;
		case 's':
			modprobe_env_append("-s");
			mp->use_syslog = true;
			break;
		case 'q':
			modprobe_env_append("-q");
			mp->verbose = 0;
			break;
		case 'v':
			modprobe_env_append("-v");
			mp->verbose++;
			break;
		case 'V':
			puts("modgate version " MODGATE_VERSION);
			puts(MODGATE_FEATURES);
			return 1;
		case 'h':
			help();
			return 1;
		default:
			return -1;
		}
	}
	return 0;
}

/* /lib/modules/<version> under -d, as kmod joins them (relative: from the cwd) */
static int module_dir(struct modprobe *mp)
{
	char rel[256], buf[PATH_MAX];
	const char *kver = mp->kversion;
	if (!kver) {
		int r = kernel_release(rel, sizeof(rel));
		if (r < 0) {
			ERR(mp, "uname() failed: %s\n", strerror(-r));
			return r;
		}
		kver = rel;
	}
	snprintf(buf, sizeof(buf), "%s/lib/modules/%s", mp->root ? mp->root : "", kver);
	mp->dirname = plan_absolute_path(buf);
	return mp->dirname ? 0 : -ENOMEM;
}

/* kmod_new(): modprobe.d (or -C), modules.softdep, then /proc/cmdline. Its
 * diagnostics come before -q takes effect, as libkmod's do. */
static int load_config(struct modprobe *mp)
{
	_cleanup_free_ char *cmdline = NULL;
	size_t len = 0;
	int r = modprobe_config_load(&mp->cfg, mp->config_paths, mp->dirname);
	if (r == 0) {
		int e = kstate_cmdline(&cmdline, &len);
		if (e == 0)
			r = modprobe_config_add_cmdline(&mp->cfg, cmdline, len);
		else if (e != -ENOENT)
			ERR(mp, "could not read from '/proc/cmdline': %s\n", strerror(-e));
	}
	for (size_t i = 0; i < mp->cfg.n_diags; i++) {
		/* metadata that tried to become configuration is skipped: a warning */
		bool skipped = strstr(mp->cfg.diags[i], "only softdep and weakdep are read here");
		mp_log(mp, skipped ? LOG_PRIO_WARNING : LOG_PRIO_ERROR, "%s\n", mp->cfg.diags[i]);
	}
	if (r < 0)
		ERR(mp, "could not create config\n");
	return r;
}

static unsigned int probe_flags(const struct modprobe *mp)
{
	unsigned int f = PROBE_BLACKLIST_ALIAS_ONLY;
	if (mp->strip_modversion || mp->force)
		f |= PROBE_FORCE_MODVERSION;
	if (mp->strip_vermagic || mp->force)
		f |= PROBE_FORCE_VERMAGIC;
	if (mp->ignore_commands)
		f |= PROBE_IGNORE_COMMAND;
	if (mp->ignore_loaded)
		f |= PROBE_IGNORE_LOADED;
	if (mp->dry_run)
		f |= PROBE_DRY_RUN;
	if (mp->use_blacklist)
		f |= PROBE_BLACKLIST;
	if (mp->first_time)
		f |= PROBE_FAIL_ON_LOADED;
	return f;
}

static const struct loader_ui *ui_of(struct modprobe *mp)
{
	static struct loader_ui ui;
	ui = (struct loader_ui){ui_log, ui_action, ui_show, mp};
	return &ui;
}

/* kmod's line first, then what modgate knows about the cause */
static void insert_failed(struct modprobe *mp, const char *name, int err,
			  const struct load_result *fail)
{
	if (err == -EEXIST)
		ERR(mp, "could not insert '%s': Module already in kernel\n", name);
	else if (err == -ENOENT)
		ERR(mp,
		    "could not insert '%s': Unknown symbol in module, or unknown parameter "
		    "(see dmesg)\n",
		    name);
	else
		ERR(mp, "could not insert '%s': %s\n", name, strerror(-err));
	if (fail->step == LOAD_STEP_DENIED) {
		ERR(mp, "%s: %s\n", name, strbuf_str((struct strbuf *)&fail->why));
	} else if (fail->step == LOAD_STEP_INSPECT && fail->why.len) {
		ERR(mp, "%s: %s\n", fail->path, strbuf_str((struct strbuf *)&fail->why));
	} else if (fail->step == LOAD_STEP_KERNEL) {
		_cleanup_free_ char *why = loader_explain_load_error(err);
		if (why)
			ERR(mp, "%s: %s\n", fail->name, why);
	}
}

static int do_insmod(struct modprobe *mp, const char *alias, const char *extra)
{
	_cleanup_plan_list_ struct plan_list list = {0};
	_cleanup_strbuf_ struct strbuf why = STRBUF_INIT;
	int err = mp->dry_run ? 0 : gate_check_path(alias, &why);
	if (err < 0) {
		ERR(mp, "could not insert '%s': %s\n", alias, strerror(-err));
		ERR(mp, "%s: %s\n", alias, strbuf_str(&why));
		return err;
	}
	err = plan_lookup(mp->plan, alias, &list);
	if (err < 0 || list.n == 0) {
		if (err < 0 && err != -EINVAL && err != -ENOMEM && *moddb_why(mp->db))
			ERR(mp, "%s\n", moddb_why(mp->db));
		if (!mp->dry_run && !mp->lookup_only)
			gate_not_found(alias);
		LOG(mp, "Module %s not found in directory %s\n", alias, mp->dirname);
		return -ENOENT;
	}
	unsigned int flags = probe_flags(mp);
	for (size_t i = 0; i < list.n; i++) {
		struct plan_mod *mod = list.v[i];
		struct load_result fail = LOAD_RESULT_INIT;
		if (mp->lookup_only)
			printf("%s\n", mod->name);
		else
			err = gate_probe(mp->plan, mod, alias, flags, extra, ui_of(mp), &fail);
		/* blacklisted is not an error: each match's result, the last one wins */
		if (err >= 0)
			err = 0;
		else
			insert_failed(mp, mod->name, err, &fail);
		load_result_release(&fail);
	}
	return err;
}

static int do_rmmod(struct modprobe *mp, const char *alias)
{
	_cleanup_plan_list_ struct plan_list list = {0};
	struct remove_opts o = {
		.ignore_commands = mp->ignore_commands,
		.ignore_loaded = mp->ignore_loaded,
		.first_time = mp->first_time,
		.force = mp->force,
		.dry_run = mp->dry_run,
		.holders = mp->remove_holders,
		.wait_msec = mp->wait_msec,
	};
	int err = plan_lookup(mp->plan, alias, &list);
	if (err < 0)
		return err;
	if (list.n == 0) {
		LOG(mp, "Module %s not found.\n", alias);
		err = -ENOENT;
	}
	for (size_t i = 0; i < list.n; i++) {
		err = loader_remove(mp->plan, list.v[i], &o, ui_of(mp));
		if (err < 0)
			break;
	}
	return err;
}

/* --show-modversions / --show-exports: the file's symbols, parsed by the sandbox */
static int show_symbols(struct modprobe *mp, const char *file, bool exports)
{
	const char *what = exports ? "symbols" : "modversions";
	_cleanup_strbuf_ struct strbuf why = STRBUF_INIT;
	struct plan_mod *m;
	struct inspected in;
	int r = plan_from_path(mp->plan, file, &m);
	if (r < 0) {
		LOG(mp, "Module %s not found.\n", file);
		return r;
	}
	r = inspect_file(AT_FDCWD, m->path, &inspect_default_limits, &in, &why);
	if (r < 0) {
		ERR(mp, "%s: %s\n", m->path, strbuf_str(&why));
		LOG(mp, "could not get %s of %s: %s\n", what, file, strerror(-r));
		return r;
	}
	const struct mod_symbol *v = exports ? in.facts.exports : in.facts.versions;
	size_t n = exports ? in.facts.n_exports : in.facts.n_versions;
	if (in.facts.elf_absent & (exports ? WIRE_ABSENT_EXPORTS : WIRE_ABSENT_VERSIONS)) {
		inspected_release(&in);
		LOG(mp, "could not get %s of %s: %s\n", what, file, strerror(ENOENT));
		return -ENOENT;
	}
	for (size_t i = 0; i < n; i++)
		printf("0x%08" PRIx64 "\t%s\n", v[i].crc, v[i].name);
	inspected_release(&in);
	return 0;
}

static int run(struct modprobe *mp, char **args, int nargs)
{
	int err = 0;
	if (mp->show_config) {
		err = modprobe_show_config(&mp->cfg, mp->dirname, mp->rd, stdout);
	} else if (mp->show_modversions || mp->show_exports) {
		err = show_symbols(mp, args[0], mp->show_exports && !mp->show_modversions);
	} else if (mp->do_remove) {
		for (int i = 0; i < nargs; i++) {
			int r = do_rmmod(mp, args[i]);
			if (r < 0)
				err = r;
		}
	} else if (mp->use_all) {
		for (int i = 0; i < nargs; i++) {
			int r = do_insmod(mp, args[i], NULL);
			if (r < 0)
				err = r;
		}
	} else {
		_cleanup_free_ char *opts = NULL;
		err = modprobe_join_params(args + 1, nargs - 1, &opts);
		if (err == 0)
			err = do_insmod(mp, args[0], opts);
	}
	return err;
}

static int setup(struct modprobe *mp)
{
	int r = module_dir(mp);
	if (r < 0)
		return r;
	r = load_config(mp);
	if (r < 0) {
		ERR(mp, "kmod_new() failed!\n");
		return r;
	}
	mp->threshold = mp->verbose;
	r = moddb_open(mp->dirname, INDEX_READER_STREAM, &mp->db);
	if (r == 0)
		mp->rd = moddb_preload(mp->db);
	if (r == 0)
		r = plan_new(mp->db, &mp->cfg, &mp->plan);
	if (r == 0)
		plan_set_report(mp->plan, plan_report, mp);
	if (r == 0)
		gate_configure(&(struct gate_options){
			.config_files = mp->cfg.files,
			.n_config_files = mp->cfg.n_files,
			.moddir = mp->dirname,
			.say = ui_log_prio,
			.ud = mp,
		});
	return r;
}

static void teardown(struct modprobe *mp)
{
	plan_free(mp->plan);
	moddb_close(mp->db);
	modprobe_config_free(&mp->cfg);
	free(mp->dirname);
	free(mp->config_paths);
	log_set_syslog(false);
}

int tool_modprobe(int argc, char *argv[])
{
	struct modprobe *mp = &mp_state;
	*mp = (struct modprobe){
		.threshold = DEFAULT_VERBOSE,
		.verbose = DEFAULT_VERBOSE,
		.log_prio = LOG_PRIO_FATAL,
	};
	_cleanup_free_ char *env_words = NULL;
	char **av = modprobe_env_argv(&argc, argv, &env_words);
	if (!av) {
		ERR(mp, "Could not prepend options from command line\n");
		return EXIT_FAILURE;
	}
	int err = parse_options(mp, argc, av);
	char **args = av + optind;
	int nargs = argc - optind;
	if (err == 0 && tools_root()) {
		/* trust is never re-rooted: -d picks another module tree */
		ERR(mp, "--root is for admin commands; modprobe reads policy, trust store and "
			"trail from their fixed places (use -d DIR for another module tree)\n");
		err = -1;
	}
	if (err == 0) {
		log_set_syslog(mp->use_syslog);
		if (!mp->show_config && nargs == 0) {
			ERR(mp, "missing parameters. See -h.\n");
			err = -1;
		}
	}
	if (err == 0)
		err = setup(mp);
	if (err == 0)
		err = run(mp, args, nargs);
	teardown(mp);
	if (av != argv)
		free(av);
	fflush(stdout);
	return err >= 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
