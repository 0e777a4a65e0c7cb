// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The system files `modgate status` inspects (see status.h): the udev rule
 * override of systemd's 80-drivers.rules and whether systemd's copy changed
 * since it was made, and the known routes around the userspace gate.
 *
 * A route is open when something on this system can load modules without
 * asking modgate, and nothing in the kernel stops it. The kernel closes all
 * of them at once when modgate's BPF LSM program is attached (it refuses
 * every load the gate did not register) or kernel.modules_disabled is 1.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/hash.h"
#include "common/fileio.h"
#include "common/macros.h"
#include "common/strbuf.h"
#include "tools/status.h"

#define RULES_MAX (1u << 20)

/* udev's rule directories, highest priority first (a name masks later ones) */
static const char *const udev_dirs[] = {
	"/etc/udev/rules.d",	 "/run/udev/rules.d", "/usr/local/lib/udev/rules.d",
	"/usr/lib/udev/rules.d", "/lib/udev/rules.d",
};

void status_add_route(struct status *s, const char *name, bool open, const char *fmt, ...)
{
	va_list ap;
	if (s->n_routes >= ARRAY_SIZE(s->routes))
		return;
	struct status_route *r = &s->routes[s->n_routes++];
	r->name = name;
	r->open = open;
	va_start(ap, fmt);
	if (vasprintf(&r->detail, fmt, ap) < 0)
		r->detail = NULL;
	va_end(ap);
}

static int file_sha256(const char *path, char out[SHA256_HEX_LEN + 1])
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r = read_full_file(path, RULES_MAX, &text, &len);
	return r < 0 ? r : sha256_hex(text, len, out);
}

/* The first existing file called name in the udev directories, from index
 * `from` on; its directory index, or -1. */
static int udev_find(const char *name, size_t from, char *buf, size_t size)
{
	char rel[PATH_MAX];
	struct stat st;
	for (size_t i = from; i < ARRAY_SIZE(udev_dirs); i++) {
		snprintf(rel, sizeof(rel), "%s/%s", udev_dirs[i], name);
		if (lstat(status_rooted(buf, size, rel), &st) == 0)
			return (int)i;
	}
	return -1;
}

void status_udev(struct status *s)
{
	char sysd[PATH_MAX], want[SHA256_HEX_LEN + 1] = "", have[SHA256_HEX_LEN + 1];
	_cleanup_free_ char *text = NULL;
	struct stat st;

	crypto_init_noconf();
	int at = udev_find("80-drivers.rules", 0, s->udev_override_path,
			   sizeof(s->udev_override_path));
	/* systemd's copy: in the vendor directories, whatever masks it */
	int vendor = udev_find("80-drivers.rules", 3, sysd, sizeof(sysd));
	bool sysd_ok = vendor >= 0 && file_sha256(sysd, have) == 0;
	if (at < 0 || at >= 3) {
		snprintf(s->udev_override_path, sizeof(s->udev_override_path),
			 "/etc/udev/rules.d/80-drivers.rules");
		s->udev_state = sysd_ok ? "absent: udev loads drivers with its builtin 'kmod load' "
					  "(libkmod inside udevd), not through modgate"
					: "absent (and no 80-drivers.rules from systemd)";
		return;
	}
	if (stat(s->udev_override_path, &st) == 0 && S_ISCHR(st.st_mode)) {
		s->udev_state = "masked (/dev/null): udev loads no driver by modalias";
		return;
	}
	if (read_full_file(s->udev_override_path, RULES_MAX, &text, NULL) < 0) {
		s->udev_state = "present, unreadable";
		return;
	}
	const char *tag = strstr(text, STATUS_UDEV_HASH_TAG);
	if (!tag) {
		s->udev_state = "present, not made by modgate (check it calls modprobe, not "
				"'kmod load')";
		return;
	}
	snprintf(want, sizeof(want), "%.64s", tag + strlen(STATUS_UDEV_HASH_TAG));
	if (!sysd_ok) {
		s->udev_state = "modgate's override (systemd's copy not found)";
	} else if (streq(want, have)) {
		s->udev_state = "modgate's override, made from systemd's current copy";
	} else {
		s->udev_state = "modgate's override, made from an older copy of systemd's";
		snprintf(s->udev_warning, sizeof(s->udev_warning),
			 "%s changed since the override was made (sha256 %.12s..., now %.12s...): "
			 "merge the change into %s and update its hash line",
			 sysd, want, have, s->udev_override_path);
	}
}

/* Does a rules file call udev's builtin kmod load on a line of its own? */
static bool calls_kmod_load(const char *path)
{
	_cleanup_free_ char *text = NULL;
	if (read_full_file(path, RULES_MAX, &text, NULL) < 0)
		return false;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		line += strspn(line, " \t");
		if (*line != '#' && strstr(line, "kmod load"))
			return true;
	}
	return false;
}

static bool seen(struct strbuf *names, const char *name)
{
	char key[NAME_MAX + 3];
	snprintf(key, sizeof(key), "/%s/", name);
	if (names->len && strstr(names->buf, key))
		return true;
	strbuf_appendf(names, "/%s/", name);
	return false;
}

/* The effective rules files (a name in an earlier directory masks it) that
 * call the builtin, as a list for the report. */
static void udev_kmod_users(struct strbuf *out)
{
	_cleanup_strbuf_ struct strbuf names = STRBUF_INIT;
	char dir[PATH_MAX], path[PATH_MAX * 2];
	for (size_t i = 0; i < ARRAY_SIZE(udev_dirs); i++) {
		DIR *d = opendir(status_rooted(dir, sizeof(dir), udev_dirs[i]));
		if (!d)
			continue;
		for (struct dirent *de; (de = readdir(d));) {
			size_t n = strlen(de->d_name);
			if (n < 7 || !streq(de->d_name + n - 6, ".rules") ||
			    seen(&names, de->d_name))
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			if (calls_kmod_load(path))
				strbuf_appendf(out, "%s%s", out->len ? ", " : "", path);
		}
		closedir(d);
	}
}

static const char *first_existing(const char *const *paths, size_t n, char *buf, size_t size)
{
	struct stat st;
	for (size_t i = 0; i < n; i++)
		if (stat(status_rooted(buf, size, paths[i]), &st) == 0)
			return buf;
	return NULL;
}

/* initramfs-tools puts busybox into the image unless BUSYBOX=n. */
static bool initramfs_busybox(char *why, size_t size)
{
	static const char *const bb[] = {"/usr/lib/initramfs-tools/bin/busybox", "/bin/busybox",
					 "/usr/bin/busybox"};
	char conf[PATH_MAX], buf[PATH_MAX];
	_cleanup_free_ char *text = NULL;
	if (!first_existing(bb, ARRAY_SIZE(bb), buf, sizeof(buf)))
		return false;
	status_rooted(conf, sizeof(conf), "/etc/initramfs-tools/initramfs.conf");
	if (read_full_file(conf, RULES_MAX, &text, NULL) == 0) {
		const char *v = strstr(text, "\nBUSYBOX=");
		if (v && (v[9] == 'n' || v[9] == 'N'))
			return false;
	}
	snprintf(why, size, "%s is installed and initramfs-tools copies it into the image", buf);
	return true;
}

void status_routes(struct status *s)
{
	static const char *const libkmod[] = {"/usr/lib/x86_64-linux-gnu/libkmod.so.2",
					      "/lib/x86_64-linux-gnu/libkmod.so.2",
					      "/usr/lib64/libkmod.so.2", "/usr/lib/libkmod.so.2",
					      "/usr/lib/aarch64-linux-gnu/libkmod.so.2"};
	static const char *const kmod_bin[] = {"/bin/kmod", "/usr/bin/kmod"};
	_cleanup_strbuf_ struct strbuf rules = STRBUF_INIT;
	char buf[PATH_MAX], why[PATH_MAX + 128];
	bool kernel = s->lsm_attached || s->modules_disabled == 1;
	const char *closed = s->lsm_attached
				     ? "the kernel side refuses loads the gate did not register"
				     : "kernel.modules_disabled=1";

	ssize_t n = readlink("/proc/1/exe", buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	if (strstr(buf, "systemd"))
		status_add_route(s, "PID 1's own loads", !kernel,
				 "%s loads autofs4, ipv6, unix, ip_tables, virtio_rng itself "
				 "through libkmod%s%s",
				 buf, kernel ? "; closed: " : "", kernel ? closed : "");
	else
		status_add_route(s, "PID 1's own loads", false,
				 "PID 1 is %s, which loads none itself", n > 0 ? buf : "unknown");
	if (first_existing(libkmod, ARRAY_SIZE(libkmod), buf, sizeof(buf)))
		status_add_route(s, "libkmod", !kernel,
				 "%s is installed: any program linked with it loads modules "
				 "without asking modgate%s%s",
				 buf, kernel ? "; closed: " : "", kernel ? closed : "");
	if (first_existing(kmod_bin, ARRAY_SIZE(kmod_bin), buf, sizeof(buf)))
		status_add_route(s, "kmod's tools", !kernel, "%s (kmod insmod, kmod modprobe)%s%s",
				 buf, kernel ? "; closed: " : "", kernel ? closed : "");
	udev_kmod_users(&rules);
	if (rules.len)
		status_add_route(s, "udev builtin 'kmod load'", !kernel, "called by %s%s%s",
				 rules.buf, kernel ? "; closed: " : "", kernel ? closed : "");
	else
		status_add_route(s, "udev builtin 'kmod load'", false, "no rules file calls it");
	if (initramfs_busybox(why, sizeof(why)))
		status_add_route(s, "busybox insmod in the initramfs", true,
				 "%s (early boot, before the kernel side is attached)", why);
}
