// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Load, attach and pin the program (built only with clang, bpftool and
 * libbpf; enable-absent.c stands in otherwise).
 *
 * Order, so that no moment leaves the kernel with a half-configured program:
 *   1. load the skeleton's object (the object file is embedded in this
 *      binary; libbpf relocates it against the running kernel's BTF);
 *   2. write the settings into mg_config before anything is attached;
 *   3. pin the maps and attach + pin each link in a staging directory;
 *   4. rename the staging directory to LSM_PIN_DIR: the gate sees all of it
 *      or nothing.
 * A failure at any step unpins what was pinned; links not pinned yet die
 * with this process, so nothing stays attached that is not pinned.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "common/macros.h"
#include "common/strbuf.h"
#include "lsm/internal.h"
#include "lsm/libbpf-dl.h"
#include "lsm/lsm.h"
#include "lsm/sysbpf.h"

/* The skeleton's inline functions call libbpf by name; through the table
 * here, so that the binary does not link libbpf (lsm/libbpf-dl.h). A libbpf
 * function the skeleton calls and this list misses fails the link. */
#define bpf_object__open_skeleton    libbpf.bpf_object__open_skeleton
#define bpf_object__load_skeleton    libbpf.bpf_object__load_skeleton
#define bpf_object__attach_skeleton  libbpf.bpf_object__attach_skeleton
#define bpf_object__detach_skeleton  libbpf.bpf_object__detach_skeleton
#define bpf_object__destroy_skeleton libbpf.bpf_object__destroy_skeleton
#include "modgate.skel.h"

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif
#define BPF_FS "/sys/fs/bpf"

static struct strbuf libbpf_log = STRBUF_INIT;

bool lsm_built(void)
{
	return true;
}

const char *lsm_last_log(void)
{
	return libbpf_log.len ? strbuf_str(&libbpf_log) : NULL;
}

/* libbpf's messages (the verifier's log among them) are kept for the caller,
 * which shows them when enabling fails; nothing is printed from here. */
static int keep_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024];
	if (level == LIBBPF_DEBUG)
		return 0;
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n > 0 && libbpf_log.len < 64 * 1024)
		strbuf_append_str(&libbpf_log, line);
	return n;
}

/* systemd mounts bpffs; an initramfs or a container may not have. */
static int ensure_bpffs(void)
{
	struct statfs sf;
	if (statfs(BPF_FS, &sf) == 0 && sf.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", BPF_FS, "bpf", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0700") < 0)
		return -errno;
	return 0;
}

static int write_config(struct modgate_bpf *skel, const struct lsm_settings *s)
{
	struct lsm_config c = {.abi = LSM_ABI_VERSION};
	uint32_t zero = 0;
	if (s->enforce)
		c.flags |= LSM_CFG_ENFORCE;
	if (s->refuse_userns)
		c.flags |= LSM_CFG_REFUSE_USERNS;
	int r = libbpf.bpf_map__update_elem(skel->maps.mg_config, &zero, sizeof(zero), &c,
					    sizeof(c), BPF_ANY);
	return r < 0 ? r : 0;
}

/* Already attached: only the settings change. */
static int update_config(const struct lsm_settings *s)
{
	struct lsm_config c;
	uint32_t zero = 0;
	int r = lsm_config_read(&c);
	if (r < 0)
		return r;
	if (c.abi != LSM_ABI_VERSION)
		return -EPROTO;
	c.flags =
		(s->enforce ? LSM_CFG_ENFORCE : 0) | (s->refuse_userns ? LSM_CFG_REFUSE_USERNS : 0);
	_cleanup_close_ int fd = lsm_open_map(LSM_MAP_CONFIG);
	if (fd < 0)
		return fd;
	return sysbpf_map_update(fd, &zero, &c, BPF_ANY);
}

static void unpin_dir(const char *dir)
{
	char path[PATH_MAX];
	for (size_t i = 0; i < ARRAY_SIZE(lsm_link_pins); i++)
		if (lsm_path(path, sizeof(path), dir, lsm_link_pins[i]) == 0)
			unlink(path);
	for (size_t i = 0; i < ARRAY_SIZE(lsm_map_pins); i++)
		if (lsm_path(path, sizeof(path), dir, lsm_map_pins[i]) == 0)
			unlink(path);
	rmdir(dir);
}

static int pin_all(struct modgate_bpf *skel, const char *dir)
{
	struct bpf_map *maps[] = {skel->maps.mg_files, skel->maps.mg_requests,
				  skel->maps.mg_counters, skel->maps.mg_reported,
				  skel->maps.mg_config};
	struct bpf_program *progs[LSM_N_HOOKS] = {
		skel->progs.mg_read_file, skel->progs.mg_post_read, skel->progs.mg_load_data,
		skel->progs.mg_mod_request};
	char path[PATH_MAX];
	int r;

	_Static_assert(ARRAY_SIZE(maps) == ARRAY_SIZE(lsm_map_pins), "a pin per map");
	for (size_t i = 0; i < ARRAY_SIZE(maps); i++) {
		r = lsm_path(path, sizeof(path), dir, lsm_map_pins[i]);
		if (r == 0)
			r = libbpf.bpf_map__pin(maps[i], path);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < LSM_N_HOOKS; i++) {
		struct bpf_link *link = libbpf.bpf_program__attach_lsm(progs[i]);
		if (!link)
			return -errno;
		r = lsm_path(path, sizeof(path), dir, lsm_link_pins[i]);
		if (r == 0)
			r = libbpf.bpf_link__pin(link, path);
		/* The pin holds the link now; the process's fd goes. */
		libbpf.bpf_link__destroy(link);
		if (r < 0)
			return r;
	}
	return 0;
}

static void skel_destroy(struct modgate_bpf **skel)
{
	modgate_bpf__destroy(*skel);
}

/* Say which step failed, after whatever libbpf said about it. */
static int failed(const char *step, int r)
{
	strbuf_appendf(&libbpf_log, "step failed: %s: %s\n", step, strerror(-r));
	return r;
}

int lsm_enable(const struct lsm_settings *s)
{
	char staging[64];
	int r;

	if (access(lsm_pin_dir(), F_OK) == 0) {
		r = update_config(s);
		return r < 0 ? r : 1;
	}
	strbuf_clear(&libbpf_log);
	r = libbpf_load();
	if (r < 0)
		return failed("load libbpf", r);
	libbpf.libbpf_set_print(keep_log);
	r = ensure_bpffs();
	if (r < 0)
		return failed("mount bpffs on " BPF_FS, r);
	_cleanup_(skel_destroy) struct modgate_bpf *skel = modgate_bpf__open();
	if (!skel)
		return failed("open the embedded object", -errno);
	r = modgate_bpf__load(skel);
	if (r < 0)
		return failed("load the program (the verifier's log is above)", r);
	r = write_config(skel, s);
	if (r < 0)
		return failed("write the settings", r);
	snprintf(staging, sizeof(staging), "%s/modgate_new_%d", BPF_FS, (int)getpid());
	unpin_dir(staging);
	if (mkdir(staging, 0700) < 0)
		return failed("create the staging directory", -errno);
	r = pin_all(skel, staging);
	if (r < 0)
		failed("attach and pin", r);
	/* bpffs refuses names with a dot. rename(2) does not replace a non-empty directory: if
	 * another enable won the race, this one backs out. */
	else if (rename(staging, lsm_pin_dir()) < 0)
		r = failed("rename the staging directory to " LSM_PIN_DIR, -errno);
	if (r < 0)
		unpin_dir(staging);
	return r;
}
