/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `modgate status`: what it collects (status.c) and the system files it
 * inspects for the udev override and the routes around the gate (status-sys.c). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/strbuf.h"
#include "loader/policy-load.h"
#include "verify/truststore.h"

struct status_trail {
	char dir[4096];
	int error; /* -errno: cannot be read or written */
	uint64_t seq;
	char hash[65];
	bool torn;
};

struct status_route {
	const char *name;
	bool open;
	char *detail;
};

struct status {
	struct policy_loaded pl;
	struct trust_store ts;
	int trust_r;
	struct strbuf trust_err;
	struct status_trail trail, early;
	const char *linux_audit;
	char release[256];
	char *lockdown;
	int sig_enforce, modules_disabled;
	char *modprobe;			/* /proc/sys/kernel/modprobe */
	const char *modprobe_kind;	/* modgate, kmod, other, missing, none */
	const char *sbin_modprobe_kind; /* the same for /sbin/modprobe */
	bool lsm_attached;
	int lsm_error;
	bool lsm_refuse_userns; /* attached, refusing autoloads from other user namespaces */
	/* the udev override of systemd's 80-drivers.rules */
	char udev_override_path[4096];
	const char *udev_state;
	char udev_warning[9216];
	struct status_route routes[8];
	size_t n_routes;
};

int status_collect(struct status *s);
void status_release(struct status *s);
void status_print_json(const struct status *s);

/* status-sys.c */
void status_udev(struct status *s);
void status_routes(struct status *s);
void status_add_route(struct status *s, const char *name, bool open, const char *fmt, ...)
	_printf_(4, 5);

/* root (`modgate --root`) + path into buf. */
const char *status_rooted(char *buf, size_t size, const char *path);

/* The first line of udev's override that carries the sha256 of the systemd
 * rules file it was made from. */
#define STATUS_UDEV_HASH_TAG "# modgate-systemd-sha256: "
