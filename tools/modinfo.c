// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * modinfo, as kmod 30's: same options, lookups, output and messages.
 *
 * The tool parses no module bytes: a module file goes to inspect_file(),
 * which decompresses and decodes it in sandboxed children and hands back
 * validated facts. Built-in modules come from modules.builtin.modinfo and the
 * lookups from the .bin indexes (moddb/), both root-owned files.
 *
 * kmod 30's modinfo creates its library context with an empty configuration
 * list, so modprobe.d aliases and install commands play no part here.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "common/log.h"
#include "common/macros.h"
#include "common/strbuf.h"
#include "inspect/inspect.h"
#include "loader/kernel.h"
#include "moddb/lookup.h"
#include "tools/modinfo-prefetch.h"
#include "tools/modinfo.h"
#include "tools/tools.h"

struct modinfo_ctx {
	struct modinfo_opts o;
	struct moddb *db;
	struct prefetch *pf; /* NULL: inspect inline */
};

/* A module as libkmod's modinfo_do() sees it. */
struct mi_module {
	const char *name;
	const char *path;	    /* NULL: none known (built-in, or no modules.dep entry) */
	enum moddb_builtin builtin; /* known from the lookup, or UNKNOWN */
	ssize_t pf_index;	    /* its result from the prefetch workers, or -1 */
};

/* One command-line argument, classified once before any output. */
struct mi_arg {
	const char *arg;
	char *abs;  /* module file arguments: the absolute path libkmod prints */
	char *name; /* ... and the name it derives from it */
	bool is_file;
};

static void help(void)
{
	printf("Usage:\n"
	       "\t%s [options] <modulename|filename> [args]\n"
	       "Options:\n"
	       "\t-a, --author                Print only 'author'\n"
	       "\t-d, --description           Print only 'description'\n"
	       "\t-l, --license               Print only 'license'\n"
	       "\t-p, --parameters            Print only 'parm'\n"
	       "\t-n, --filename              Print only 'filename'\n"
	       "\t-0, --null                  Use \\0 instead of \\n\n"
	       "\t-m, --modname               Handle argument as module name instead of alias or "
	       "filename\n"
	       "\t-F, --field=FIELD           Print only provided FIELD\n"
	       "\t-k, --set-version=VERSION   Use VERSION instead of `uname -r`\n"
	       "\t-b, --basedir=DIR           Use DIR as filesystem root for /lib/modules\n"
	       "\t-V, --version               Show version\n"
	       "\t-h, --help                  Show this help\n",
	       log_prog());
}

/* libkmod's path_make_absolute_cwd(): the working directory (as
 * get_current_dir_name reports it, $PWD included) joined, nothing normalised. */
static char *absolute(const char *p)
{
	if (p[0] == '/')
		return strdup(p);
	_cleanup_free_ char *cwd = get_current_dir_name();
	char *r;
	if (!cwd || asprintf(&r, "%s/%s", cwd, p) < 0)
		return NULL;
	return r;
}

static int info_from_file(struct modinfo_ctx *c, const struct mi_module *m, struct modinfo_list *l)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	int r = m->pf_index >= 0 ? prefetch_take(c->pf, (size_t)m->pf_index, l, &err)
				 : modinfo_inspect(m->path, l, &err);
	/* a file that cannot be opened is fully described by the tool's own
	 * line; anything else gets its cause first */
	if (r < 0 && err.len && r != -ENOENT && r != -EACCES && r != -EPERM)
		log_error("%s: %s\n", m->path, strbuf_str(&err));
	return r;
}

static int info_builtin(struct modinfo_ctx *c, const char *name, struct modinfo_list *l)
{
	char **strings = NULL;
	size_t n = 0;
	int r = moddb_builtin_modinfo(c->db, name, &strings, &n);
	if (r == -EBADMSG)
		log_error("%s/modules.builtin.modinfo: a string has no module name prefix\n",
			  moddb_dirname(c->db));
	if (r == 0)
		r = modinfo_list_add_strings(l, strings, n);
	free(strings);
	return r;
}

/* kmod_module_get_info(): built-in modules from modules.builtin.modinfo,
 * others from their file. */
static int module_info(struct modinfo_ctx *c, const struct mi_module *m, struct modinfo_list *l)
{
	int builtin = m->builtin;
	if (builtin == MODDB_BUILTIN_UNKNOWN) {
		builtin = moddb_is_builtin(c->db, m->name);
		if (builtin < 0) {
			log_error("%s\n", moddb_why(c->db));
			return builtin;
		}
	}
	if (builtin)
		return info_builtin(c, m->name, l);
	if (!m->path)
		return -ENOENT;
	return info_from_file(c, m, l);
}

/* libkmod's modinfo_do(). */
static int modinfo_do(struct modinfo_ctx *c, const struct mi_module *m)
{
	struct modinfo_list l = {0};
	bool is_builtin = !m->path;
	if (modinfo_print_head(stdout, &c->o, m->name, m->path))
		return 0;
	int r = module_info(c, m, &l);
	if (r < 0) {
		modinfo_list_release(&l);
		/* an old kernel without modules.builtin.modinfo: nothing more to say */
		if (is_builtin && r == -ENOENT)
			return 0;
		log_error("could not get modinfo from '%s': %s\n", m->name, strerror(-r));
		return r;
	}
	modinfo_print_info(stdout, &c->o, &l);
	modinfo_list_release(&l);
	return 0;
}

static int do_path(struct modinfo_ctx *c, const struct mi_arg *a, ssize_t pf_index)
{
	if (!a->abs || !a->name) {
		log_error("Module file %s not found.\n", a->arg);
		return -ENOMEM;
	}
	struct mi_module m = {a->name, a->abs, MODDB_BUILTIN_NO, pf_index};
	return modinfo_do(c, &m);
}

/* A match's path, as kmod_module_get_path() finds it lazily in modules.dep. */
static int do_match(struct modinfo_ctx *c, const struct moddb_match *match)
{
	_cleanup_free_ char *path = NULL;
	int r = moddb_module_path(c->db, match->name, &path);
	if (r < 0) {
		log_error("%s\n", moddb_why(c->db));
		return r;
	}
	struct mi_module m = {match->name, path, match->builtin, -1};
	return modinfo_do(c, &m);
}

static int do_name(struct modinfo_ctx *c, const char *arg)
{
	struct moddb_match match;
	int r = moddb_lookup_name(c->db, arg, &match);
	if (r < 0) {
		if (r != -ENOENT && r != -ENOMEM)
			log_error("%s\n", moddb_why(c->db));
		log_error("Module name %s not found.\n", arg);
		return r;
	}
	r = do_match(c, &match);
	moddb_match_release(&match);
	return r;
}

static int do_alias(struct modinfo_ctx *c, const char *arg)
{
	struct moddb_matches ms;
	int r = moddb_lookup(c->db, NULL, arg, &ms);
	if (r < 0) {
		if (r != -EINVAL && r != -ENOMEM)
			log_error("%s\n", moddb_why(c->db));
		log_error("Module alias %s not found.\n", arg);
		return r;
	}
	if (ms.n == 0) {
		log_error("Module %s not found.\n", arg);
		return -ENOENT;
	}
	for (size_t i = 0; i < ms.n; i++) {
		int e = do_match(c, &ms.v[i]);
		if (e < 0)
			r = e;
	}
	moddb_matches_release(&ms);
	return r;
}

/* kmod 30 accepts the extensions of the decompressors it was built with;
 * modgate has all three. */
static bool is_module_filename(const char *name)
{
	static const char *const exts[] = {".ko", ".ko.gz", ".ko.xz", ".ko.zst"};
	struct stat st;
	size_t len = strlen(name);
	if (stat(name, &st) < 0 || !S_ISREG(st.st_mode))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(exts); i++) {
		size_t el = strlen(exts[i]);
		if (len > el && streq(name + len - el, exts[i]))
			return true;
	}
	return false;
}

/* The module directory: /lib/modules/`uname -r`, or root/lib/modules/kver
 * (made absolute) when -b or -k was given. */
static char *module_dir(const char *root, const char *kver)
{
	char rel[256], buf[PATH_MAX];
	if (!kver || !root) {
		int r = kernel_release(rel, sizeof(rel));
		if (r < 0) {
			errno = -r;
			log_error("uname() failed: %m\n");
			return NULL;
		}
	}
	if (!root && !kver) {
		snprintf(buf, sizeof(buf), "/lib/modules/%s", rel);
		return strdup(buf);
	}
	snprintf(buf, sizeof(buf), "%s/lib/modules/%s", root ? root : "", kver ? kver : rel);
	return absolute(buf);
}

static const struct option cmdopts[] = {
	{"author", no_argument, 0, 'a'},
	{"description", no_argument, 0, 'd'},
	{"license", no_argument, 0, 'l'},
	{"parameters", no_argument, 0, 'p'},
	{"filename", no_argument, 0, 'n'},
	{"null", no_argument, 0, '0'},
	{"modname", no_argument, 0, 'm'},
	{"field", required_argument, 0, 'F'},
	{"set-version", required_argument, 0, 'k'},
	{"basedir", required_argument, 0, 'b'},
	{"version", no_argument, 0, 'V'},
	{"help", no_argument, 0, 'h'},
	{NULL, 0, 0, 0},
};

/* -1 to go on, or an exit status. */
static int parse_args(int argc, char *argv[], struct modinfo_ctx *c, bool *modname,
		      const char **root, const char **kver)
{
	static const char *const short_fields[] = {
		['a'] = "author", ['d'] = "description", ['l'] = "license",
		['p'] = "parm",	  ['n'] = "filename",
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "adlpn0mF:k:b:Vh", cmdopts, NULL)) != -1) {
		switch (ch) {
		case 'a':
		case 'd':
		case 'l':
		case 'p':
		case 'n':
			c->o.field = short_fields[ch];
			break;
		case '0':
			c->o.sep = '\0';
			break;
		case 'm':
			*modname = true;
			break;
		case 'F':
			c->o.field = optarg;
			break;
		case 'k':
			*kver = optarg;
			break;
		case 'b':
			*root = optarg;
			break;
		case 'h':
			help();
			return EXIT_SUCCESS;
		case 'V':
			puts("modgate version " MODGATE_VERSION);
			puts(MODGATE_FEATURES);
			return EXIT_SUCCESS;
		default:
			return EXIT_FAILURE;
		}
	}
	return -1;
}

/* Classify every argument, then start inspecting the module files on all
 * CPUs (not for -n, which needs no file read). */
static int plan(struct modinfo_ctx *c, char **args, int n, bool modname, struct mi_arg *plan)
{
	_cleanup_free_ char **paths = calloc((size_t)n, sizeof(char *));
	size_t np = 0;
	if (!paths)
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		struct mi_arg *a = &plan[i];
		a->arg = args[i];
		a->is_file = !modname && is_module_filename(args[i]);
		if (!a->is_file)
			continue;
		const char *base = strrchr(args[i], '/');
		a->abs = absolute(args[i]);
		a->name = moddb_modname_normalize(base ? base + 1 : args[i]);
		if (a->abs && a->name)
			paths[np++] = a->abs;
	}
	/* Two workers a CPU: a worker waits for each of its sandboxed children
	 * (created, run, reaped in turn), and a second one fills those gaps
	 * (1,000 .ko.xz on 2 CPUs: 1,244 ms with one a CPU, 1,160 with two,
	 * 1,165 with three). */
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (!(c->o.field && streq(c->o.field, "filename")) && cpus > 1 && np > 1)
		c->pf = prefetch_start(paths, np, (unsigned int)MIN(cpus * 2, 16));
	return 0;
}

static int run(struct modinfo_ctx *c, const struct mi_arg *plan, int n, bool modname)
{
	int err = 0;
	ssize_t pf_index = 0;
	for (int i = 0; i < n; i++) {
		const struct mi_arg *a = &plan[i];
		int r;
		if (modname)
			r = do_name(c, a->arg);
		else if (a->is_file)
			r = do_path(c, a, c->pf && a->abs && a->name ? pf_index++ : -1);
		else
			r = do_alias(c, a->arg);
		if (r < 0)
			err = r;
	}
	return err;
}

int tool_modinfo(int argc, char *argv[])
{
	struct modinfo_ctx c = {.o = {.field = NULL, .sep = '\n'}};
	const char *root = NULL, *kver = NULL;
	bool modname = false;
	int r = parse_args(argc, argv, &c, &modname, &root, &kver);
	if (r >= 0)
		return r;
	if (optind >= argc) {
		log_error("missing module or filename.\n");
		return EXIT_FAILURE;
	}
	_cleanup_free_ char *dir = module_dir(root, kver);
	if (!dir || moddb_open(dir, INDEX_READER_STREAM, &c.db) < 0) {
		if (dir)
			log_error("kmod_new() failed!\n");
		return EXIT_FAILURE;
	}
	int n = argc - optind;
	struct mi_arg *args = calloc((size_t)n, sizeof(*args));
	r = args ? plan(&c, argv + optind, n, modname, args) : -ENOMEM;
	if (r == 0)
		r = run(&c, args, n, modname);
	prefetch_stop(c.pf);
	for (int i = 0; args && i < n; i++) {
		free(args[i].abs);
		free(args[i].name);
	}
	free(args);
	moddb_close(c.db);
	if (fflush(stdout) != 0)
		return EXIT_FAILURE;
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
