// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One depmod run, in kmod 30's order of steps: the kernel's symbols (-E/-F),
 * the configuration and the walk, the module order, the facts, the graph,
 * the files. Each step logs its own failure once; this file only sequences.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "moddb/depmod-out.h"
#include "moddb/depmod.h"
#include "moddb/graph.h"

static int load_kernel_symbols(struct dm_graph *g, const struct depmod_request *rq)
{
	const char *path = rq->symvers ? rq->symvers : rq->system_map;
	if (!path)
		return 0;
	int r = rq->symvers ? dm_graph_load_symvers(g, path) : dm_graph_load_system_map(g, path);
	if (r < 0)
		fatal("could not load %s: %s\n", path, strerror(-r));
	return r;
}

static int find_modules(struct dm_config *cfg, struct dm_modules *mods,
			const struct depmod_request *rq)
{
	int r;
	if (!rq->all)
		return dm_scan_paths(cfg, rq->paths, rq->n_paths, mods);
	r = dm_config_load(cfg, rq->config_paths);
	if (r < 0) {
		fatal("could not load configuration files\n");
		return r;
	}
	r = dm_scan_tree(cfg, mods);
	if (r < 0)
		fatal("could not search modules: %s\n", strerror(-r));
	return r;
}

static int build_graph(struct dm_graph *g)
{
	int r = dm_graph_load_exports(g);
	if (r == 0)
		r = dm_graph_link(g);
	if (r == -ENOMEM)
		log_error("out of memory building the dependency graph\n");
	if (r == 0)
		r = dm_graph_sort(g);
	return r;
}

int depmod_run(struct dm_config *cfg, const struct depmod_request *rq)
{
	struct dm_modules mods = {.byname = DM_MAP_INIT};
	struct dm_graph g;
	dm_graph_init(&g, cfg, &mods);

	int r = load_kernel_symbols(&g, rq);
	if (r == 0)
		r = find_modules(cfg, &mods, rq);
	if (r == 0) {
		r = dm_order_modules(cfg, &mods);
		if (r < 0)
			fatal("could not build module array: %s\n", strerror(-r));
	}
	if (r == 0)
		r = dm_load_facts(cfg, &mods, rq);
	if (r == 0)
		r = build_graph(&g);
	if (r == 0) {
		dm_warn_refused(&mods);
		r = dm_write_outputs(cfg, &mods, &g, rq->show);
	}
	dm_graph_release(&g);
	dm_modules_release(&mods);
	return r;
}

/* 1: nothing newer than mtime below dir; 0: something is; errors are
 * logged and skipped, as kmod does. */
static int up_to_date_dir(DIR *d, time_t mtime, struct strbuf *path)
{
	size_t baselen = path->len;
	int dfd = dirfd(d), res = 1;
	struct dirent *de;
	while (res == 1 && (de = readdir(d)) != NULL) {
		const char *name = de->d_name;
		struct stat st;
		if (streq(name, ".") || streq(name, "..") || streq(name, "build") ||
		    streq(name, "source"))
			continue;
		path->len = baselen;
		if (strbuf_append_str(path, name) < 0)
			return -ENOMEM;
		if (fstatat(dfd, name, &st, 0) < 0) {
			log_error("fstatat(%d, %s): %s\n", dfd, name, strerror(errno));
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
			DIR *sub = fd >= 0 ? fdopendir(fd) : NULL;
			if (!sub) {
				log_error("openat(%d, %s, O_RDONLY): %s\n", dfd, name,
					  strerror(errno));
				if (fd >= 0)
					close(fd);
				continue;
			}
			if (strbuf_append_char(path, '/') < 0)
				res = -ENOMEM;
			else
				res = up_to_date_dir(sub, mtime, path);
			closedir(sub);
		} else if (S_ISREG(st.st_mode)) {
			if (dm_path_has_module_ext(name, strlen(name)) && st.st_mtime > mtime)
				res = 0;
		} else {
			log_error("unsupported file type %s: %o\n", path->buf,
				  (unsigned int)(st.st_mode & S_IFMT));
		}
	}
	return res;
}

int dm_depfile_up_to_date(const char *dirname)
{
	DIR *d = opendir(dirname);
	if (!d) {
		int e = errno;
		log_error("could not open directory %s: %s\n", dirname, strerror(e));
		return -e;
	}
	struct stat st;
	if (fstatat(dirfd(d), "modules.dep", &st, 0) != 0) {
		int e = errno;
		log_error("could not fstatat(%s, modules.dep): %s\n", dirname, strerror(e));
		closedir(d);
		return -e;
	}
	_cleanup_strbuf_ struct strbuf path = STRBUF_INIT;
	int r = strbuf_appendf(&path, "%s/", dirname);
	if (r == 0)
		r = up_to_date_dir(d, st.st_mtime, &path);
	closedir(d);
	return r;
}
