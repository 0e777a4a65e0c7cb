// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * `modgate modules-load`: what systemd-modules-load does, through the gate.
 * modgate-modules-load.service runs it at boot in place of systemd's unit
 * (which the admin masks), so modules-load.d is decided and recorded like
 * every other load, in the boot context.
 *
 * The list is systemd 252's: *.conf files of /etc/modules-load.d,
 * /run/modules-load.d, /usr/local/lib/modules-load.d, /usr/lib/modules-load.d
 * and /lib/modules-load.d (a name in an earlier directory masks later ones;
 * files read in name order), one module per line, '#' and ';' start comments;
 * then modules_load= (or modules-load=) on the kernel command line, and
 * rd.modules_load= in an initrd. Each module is loaded as `modprobe -a -b`
 * would (blacklist applied, every module on its own), which is what
 * systemd-modules-load asks of libkmod.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/log.h"
#include "common/macros.h"
#include "loader/gate.h"
#include "loader/kstate.h"
#include "tools/tools.h"

#define LIST_MAX (1u << 20)

static const char *const load_dirs[] = {
	"/etc/modules-load.d",	   "/run/modules-load.d", "/usr/local/lib/modules-load.d",
	"/usr/lib/modules-load.d", "/lib/modules-load.d",
};

struct names {
	char **v;
	size_t n;
};

static int names_add(struct names *l, const char *s, size_t len)
{
	char **v = reallocarray(l->v, l->n + 2, sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->v = v;
	if (!(v[l->n] = strndup(s, len)))
		return -ENOMEM;
	v[++l->n] = NULL;
	return 0;
}

static void names_free(struct names *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static int by_name(const void *a, const void *b)
{
	const char *x = strrchr(*(char *const *)a, '/'), *y = strrchr(*(char *const *)b, '/');
	return strcmp(x, y);
}

/* The effective *.conf files, sorted by file name. The test binaries read
 * them under their fixture root (gate_config_root() is NULL otherwise). */
static int conf_files(struct names *files)
{
	const char *root = gate_config_root();
	char path[PATH_MAX + NAME_MAX + 2], dir[PATH_MAX];
	for (size_t i = 0; i < ARRAY_SIZE(load_dirs); i++) {
		snprintf(dir, sizeof(dir), "%s%s", root ? root : "", load_dirs[i]);
		DIR *d = opendir(dir);
		if (!d)
			continue;
		for (struct dirent *de; (de = readdir(d));) {
			size_t n = strlen(de->d_name);
			bool masked = false;
			if (n < 6 || !streq(de->d_name + n - 5, ".conf"))
				continue;
			for (size_t j = 0; j < files->n && !masked; j++)
				masked = streq(strrchr(files->v[j], '/') + 1, de->d_name);
			if (masked)
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			if (names_add(files, path, strlen(path)) < 0) {
				closedir(d);
				return -ENOMEM;
			}
		}
		closedir(d);
	}
	if (files->n)
		qsort(files->v, files->n, sizeof(char *), by_name);
	return 0;
}

static int read_list(const char *path, struct names *mods)
{
	_cleanup_free_ char *text = NULL;
	struct stat st;
	/* a symlink to /dev/null masks: nothing to read */
	if (stat(path, &st) == 0 && S_ISCHR(st.st_mode))
		return 0;
	int r = read_full_file(path, LIST_MAX, &text, NULL);
	if (r < 0) {
		log_error("could not read %s: %s\n", path, strerror(-r));
		return 0;
	}
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		line += strspn(line, " \t\r");
		size_t len = strcspn(line, " \t\r");
		if (!len || *line == '#' || *line == ';')
			continue;
		if (names_add(mods, line, len) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* modules_load=a,b (and rd.modules_load= in an initrd) on the command line. */
static int cmdline_list(struct names *mods)
{
	_cleanup_free_ char *cmdline = NULL;
	bool initrd = access("/etc/initrd-release", F_OK) == 0;
	size_t len;
	if (kstate_cmdline(&cmdline, &len) < 0)
		return 0;
	for (char *w = strtok(cmdline, " \t\n"); w; w = strtok(NULL, " \t\n")) {
		const char *v = NULL;
		if (strncmp(w, "modules_load=", 13) == 0 || strncmp(w, "modules-load=", 13) == 0)
			v = w + 13;
		else if (initrd && (strncmp(w, "rd.modules_load=", 16) == 0 ||
				    strncmp(w, "rd.modules-load=", 16) == 0))
			v = w + 16;
		for (const char *p = v; p && *p;
		     p += strcspn(p, ",") + (p[strcspn(p, ",")] ? 1 : 0))
			if (strcspn(p, ",") && names_add(mods, p, strcspn(p, ",")) < 0)
				return -ENOMEM;
	}
	return 0;
}

int tool_modules_load(int argc, char *argv[])
{
	struct names files = {0}, mods = {0};
	int r = argc > 1 ? -EINVAL : conf_files(&files);

	if (r == -EINVAL) {
		log_error("modules-load takes no arguments\n");
		return EXIT_FAILURE;
	}
	for (size_t i = 0; r == 0 && i < files.n; i++)
		r = read_list(files.v[i], &mods);
	if (r == 0)
		r = cmdline_list(&mods);
	if (r < 0 || !mods.n) {
		if (r < 0)
			log_error("out of memory\n");
		names_free(&files);
		names_free(&mods);
		return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
	}
	/* modprobe -a -b NAME...: each on its own, blacklist applied, in the
	 * boot context (this entry point, started by PID 1) */
	char **av = calloc(mods.n + 5, sizeof(char *));
	if (!av) {
		names_free(&files);
		names_free(&mods);
		return EXIT_FAILURE;
	}
	av[0] = (char *)"modprobe";
	av[1] = (char *)"-a";
	av[2] = (char *)"-b";
	av[3] = (char *)"--";
	memcpy(av + 4, mods.v, mods.n * sizeof(char *));
	gate_mark_boot_entry();
	log_set_prog("modprobe");
	r = tool_modprobe((int)mods.n + 4, av);
	free(av);
	names_free(&files);
	names_free(&mods);
	return r;
}
