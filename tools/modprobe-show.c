// SPDX-License-Identifier: LGPL-2.1-or-later
/* modprobe -c: kmod 30's configuration dump, byte for byte. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>

#include "common/macros.h"
#include "moddb/index.h"
#include "tools/modprobe.h"

static void put_words(FILE *out, char *const *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? " " : "", w[i]);
}

/* kmod 30 prints "pre: a b" and "post: c" with nothing between them
 * ("pre: a bpost: c"); scripts parsing -c have lived with it since. */
static void put_softdep(FILE *out, const struct cfg_deps *d)
{
	fprintf(out, "softdep %s ", d->modname);
	if (d->n_pre) {
		fputs("pre: ", out);
		put_words(out, d->pre, d->n_pre);
	}
	if (d->n_post) {
		fputs("post: ", out);
		put_words(out, d->post, d->n_post);
	}
	fputc('\n', out);
}

static int dump_line(const char *key, const char *value, void *userdata)
{
	return fprintf(userdata, "alias %s %s\n", key, value) < 0 ? -EIO : 0;
}

static int dump_index(const char *dirname, const char *file, enum index_reader rd, FILE *out)
{
	char path[PATH_MAX];
	struct index *idx;
	int n = snprintf(path, sizeof(path), "%s/%s", dirname, file);
	/* a missing or unreadable index is skipped, as kmod skips it */
	if (n < 0 || (size_t)n >= sizeof(path) || index_open(AT_FDCWD, path, &idx) < 0)
		return 0;
	int r = index_dump(idx, rd, dump_line, out);
	index_close(idx);
	return r;
}

int modprobe_show_config(const struct modprobe_config *cfg, const char *dirname,
			 enum index_reader rd, FILE *out)
{
	for (size_t i = 0; i < cfg->n_blacklist; i++)
		fprintf(out, "blacklist %s\n", cfg->blacklist[i].modname);
	for (size_t i = 0; i < cfg->n_install; i++)
		fprintf(out, "install %s %s\n", cfg->install[i].modname, cfg->install[i].text);
	for (size_t i = 0; i < cfg->n_remove; i++)
		fprintf(out, "remove %s %s\n", cfg->remove[i].modname, cfg->remove[i].text);
	for (size_t i = 0; i < cfg->n_aliases; i++)
		fprintf(out, "alias %s %s\n", cfg->aliases[i].pattern, cfg->aliases[i].modname);
	for (size_t i = 0; i < cfg->n_options; i++)
		fprintf(out, "options %s %s\n", cfg->options[i].modname, cfg->options[i].text);
	for (size_t i = 0; i < cfg->n_softdeps; i++)
		put_softdep(out, &cfg->softdeps[i]);
	/* weakdep: kmod 33+ (kmod 30 rejects the line), printed as upstream does */
	for (size_t i = 0; i < cfg->n_weakdeps; i++) {
		fprintf(out, "weakdep %s ", cfg->weakdeps[i].modname);
		put_words(out, cfg->weakdeps[i].pre, cfg->weakdeps[i].n_pre);
		fputc('\n', out);
	}
	fputs("\n# End of configuration files. Dumping indexes now:\n\n", out);
	int r = dump_index(dirname, "modules.alias.bin", rd, out);
	if (r == 0)
		r = dump_index(dirname, "modules.symbols.bin", rd, out);
	return r;
}
