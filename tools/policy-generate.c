// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * `modgate policy generate`: a rule file allowing exactly the modules loaded
 * now (--from-loaded, the default) or the modules of a tree (--from-tree).
 *
 * Each module is inspected and verified as a load would be. A module signed
 * by a trusted certificate is allowed by that certificate and its name
 * (cert=@kernel for the kernel's own certificate), grouped in one set per
 * certificate; any other module by its sha256 alone, one commented rule each.
 * The output is meant to be read before it is installed: it says what each
 * group rests on.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fileio.h"
#include "common/log.h"
#include "common/macros.h"
#include "common/strbuf.h"
#include "inspect/inspect.h"
#include "loader/loaded.h"
#include "loader/policy-facts.h"
#include "tools/policy.h"
#include "verify/verify.h"

struct gen_mod {
	char *name;
	char *path;
	char *cert;    /* trusted certificate's name, NULL for a sha256 rule */
	bool kernel;   /* cert is the target kernel's */
	char *comment; /* why not by certificate, or why not covered */
	char sha256[65];
	bool covered;
};

struct gen {
	struct policy_tree tree;
	bool from_tree;
	struct gen_mod *v;
	size_t n, cap;
};

static int gen_push(struct gen *g, const char *name, const char *path)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 256;
		struct gen_mod *v = reallocarray(g->v, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		g->v = v;
		g->cap = cap;
	}
	struct gen_mod *m = &g->v[g->n];
	*m = (struct gen_mod){.name = strdup(name), .path = path ? strdup(path) : NULL};
	if (!m->name || (path && !m->path))
		return -ENOMEM;
	g->n++;
	return 0;
}

/* Every module file modules.dep names (depmod's view of the tree). */
static int list_tree(struct gen *g)
{
	_cleanup_free_ char *dep = NULL, *text = NULL;
	if (asprintf(&dep, "%s/modules.dep", g->tree.dirname) < 0)
		return -ENOMEM;
	int r = read_full_file(dep, 256u << 20, &text, NULL);
	if (r < 0) {
		log_error("%s: %s\n", dep, strerror(-r));
		return r;
	}
	for (char *line = text, *next; r == 0 && line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		_cleanup_free_ char *path = NULL;
		if (line[0] == '/' ? !(path = strdup(line))
				   : asprintf(&path, "%s/%s", g->tree.dirname, line) < 0)
			return -ENOMEM;
		const char *base = strrchr(line, '/');
		_cleanup_free_ char *name = moddb_modname_normalize(base ? base + 1 : line);
		r = name ? gen_push(g, name, path) : -ENOMEM;
	}
	return r;
}

static int list_loaded(struct gen *g)
{
	struct loaded_list l = {0};
	unsigned int bad = 0;
	int r = loaded_list_read(&l, &bad);
	if (r < 0) {
		log_error("/proc/modules%s: %s\n", bad ? ": malformed line" : "", strerror(-r));
		return r;
	}
	for (size_t i = 0; r == 0 && i < l.n; i++) {
		_cleanup_free_ char *path = NULL;
		r = moddb_module_path(g->tree.db, l.mods[i].name, &path);
		if (r == 0)
			r = gen_push(g, l.mods[i].name, path);
	}
	loaded_list_free(&l);
	return r;
}

/* Module names and comments come partly from the module itself (a claim
 * unless signed): nothing in them may end a comment line or smuggle in a
 * rule. */
static bool plain_name(const char *s)
{
	return s && *s &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
		       strlen(s);
}

static void sanitize(char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = '?';
}

static void examine(struct gen *g, struct gen_mod *m)
{
	_cleanup_strbuf_ struct strbuf err = STRBUF_INIT;
	struct module_policy_facts mf;
	struct verify_result vr;
	struct inspected in;

	if (!m->path) {
		m->comment = strdup("no file for it in modules.dep");
		return;
	}
	if (inspect_file(AT_FDCWD, m->path, &inspect_default_limits, &in, &err) < 0) {
		m->comment = strdup(err.len ? strbuf_str(&err) : "cannot inspect");
		return;
	}
	int r = verify_inspected(&g->tree.ts, &in, 0, &vr);
	if (r == 0)
		r = module_policy_facts_init(&mf, m->path, &in, &vr, g->tree.version);
	inspected_release(&in);
	if (r < 0) {
		m->comment = strdup(strerror(-r));
		return;
	}
	if (mf.name && !plain_name(mf.name)) {
		m->comment = strdup("its name cannot be written in a rule");
		module_policy_facts_release(&mf);
		return;
	}
	m->covered = true;
	memcpy(m->sha256, mf.sha256, sizeof(m->sha256));
	if (mf.name) {
		free(m->name);
		m->name = strdup(mf.name);
	}
	if (mf.sig == POLICY_SIG_VALID && mf.cert) {
		m->cert = strdup(mf.cert);
		m->kernel = mf.cert_kernel;
	} else if (asprintf(&m->comment, "sig=%s%s%s%s", verify_state_name(vr.state),
			    mf.signer ? ", signer \"" : "", mf.signer ? mf.signer : "",
			    mf.signer ? "\"" : "") < 0) {
		m->comment = NULL;
	}
	module_policy_facts_release(&mf);
}

static int cmp_mod(const void *a, const void *b)
{
	const struct gen_mod *x = a, *y = b;
	int r = (y->kernel - x->kernel);
	if (r == 0)
		r = strcmp(x->cert ? x->cert : "\x7f", y->cert ? y->cert : "\x7f");
	return r ? r : strcmp(x->name ? x->name : "", y->name ? y->name : "");
}

static void set_name(const char *prefix, const char *cert, char *out, size_t size)
{
	size_t n = (size_t)snprintf(out, size, "%s_%s", prefix, cert);
	for (size_t i = 0; i < n && i < size; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_",
			    out[i]))
			out[i] = '_';
}

/* One set and its rule for the modules [from, to) signed by one certificate. */
static void print_cert_group(const struct gen *g, size_t from, size_t to)
{
	const struct gen_mod *m = &g->v[from];
	const char *prefix = g->from_tree ? "tree" : "loaded";
	char set[160];
	set_name(prefix, m->kernel ? "kernel" : m->cert, set, sizeof(set));
	if (m->kernel)
		printf("\n# Signed with the certificate of kernel %s (%s), %zu module%s.\n",
		       g->tree.version, m->cert, to - from, to - from == 1 ? "" : "s");
	else
		printf("\n# Signed with the trust store's %s, %zu module%s.\n", m->cert, to - from,
		       to - from == 1 ? "" : "s");
	size_t col = printf("set %s =", set);
	for (size_t i = from; i < to; i++) {
		size_t w = strlen(g->v[i].name) + 2;
		if (i > from && col + w > 92) {
			printf(" \\\n\t");
			col = 8;
		} else {
			putchar(' ');
			col++;
		}
		col += printf("%s%s", g->v[i].name, i + 1 < to ? "," : "");
	}
	printf("\nallow sig=valid cert=%s%s name=@%s\n", m->kernel ? "@" : "",
	       m->kernel ? "kernel" : m->cert, set);
}

static void print_policy(struct gen *g)
{
	size_t covered = 0;
	for (size_t i = 0; i < g->n; i++)
		covered += g->v[i].covered;
	for (size_t i = 0; i < g->n; i++) {
		sanitize(g->v[i].path);
		sanitize(g->v[i].comment);
		sanitize(g->v[i].name);
	}
	qsort(g->v, g->n, sizeof(*g->v), cmp_mod);
	printf("version 1\n"
	       "# Generated by `modgate policy generate %s` for kernel %s:\n"
	       "# %zu module%s, %zu covered. Review it before installing it into\n"
	       "# /etc/modgate/policy.d/: every rule below allows loading.\n",
	       g->from_tree ? "--from-tree" : "--from-loaded", g->tree.version, g->n,
	       g->n == 1 ? "" : "s", covered);
	size_t i = 0;
	while (i < g->n && g->v[i].cert) {
		size_t j = i;
		while (j < g->n && g->v[j].cert && streq(g->v[j].cert, g->v[i].cert))
			j++;
		print_cert_group(g, i, j);
		i = j;
	}
	bool header = false;
	for (; i < g->n; i++) {
		const struct gen_mod *m = &g->v[i];
		if (!m->covered)
			continue;
		if (!header)
			printf("\n# Not signed by a trusted certificate: allowed by content only. "
			       "Any "
			       "change\n# to such a file (a rebuild, an update) needs a new "
			       "rule.\n");
		header = true;
		printf("# %s: %s (%s)\nallow sha256=%s name=%s\n", m->name, m->path,
		       m->comment ? m->comment : "", m->sha256, m->name);
	}
	header = false;
	for (i = 0; i < g->n; i++) {
		const struct gen_mod *m = &g->v[i];
		if (m->covered)
			continue;
		if (!header)
			printf("\n# Not covered: no rule allows these.\n");
		header = true;
		printf("# %s: %s%s%s\n", m->name, m->path ? m->path : "", m->path ? ": " : "",
		       m->comment ? m->comment : "");
	}
}

int policy_generate_main(const char *root, int argc, char *argv[])
{
	static const struct option opts[] = {
		{"from-loaded", no_argument, NULL, 'l'},
		{"from-tree", no_argument, NULL, 't'},
		{"set-version", required_argument, NULL, 'S'},
		{NULL, 0, NULL, 0},
	};
	struct gen g = {0};
	const char *version = NULL;
	int c, r;

	while ((c = getopt_long(argc, argv, "S:", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
		case 't':
			g.from_tree = c == 't';
			break;
		case 'S':
			version = optarg;
			break;
		default:
			return EXIT_FAILURE;
		}
	}
	if (optind != argc) {
		log_error("policy generate takes no arguments\n");
		return EXIT_FAILURE;
	}
	r = policy_tree_open(&g.tree, root, version);
	if (r == 0)
		r = g.from_tree ? list_tree(&g) : list_loaded(&g);
	if (r == 0) {
		for (size_t i = 0; i < g.n; i++)
			examine(&g, &g.v[i]);
		print_policy(&g);
	}
	for (size_t i = 0; i < g.n; i++) {
		free(g.v[i].name);
		free(g.v[i].path);
		free(g.v[i].cert);
		free(g.v[i].comment);
	}
	free(g.v);
	policy_tree_close(&g.tree);
	return r == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
