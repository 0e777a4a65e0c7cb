/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading the policy from its fixed places: settings from
 * SYSCONFDIR/modgate/modgate.conf, rules from policy.d/ in SYSCONFDIR/modgate,
 * /run/modgate and LIBDIR_MODGATE (a file name in an earlier directory masks
 * the same name in later ones; the survivors are read in lexical order of
 * file name), then the kernel command line's modgate.mode= through the
 * kernel seam.
 *
 * Only root-owned configuration steers trust: a file or directory not owned by
 * root, writable by others, or writable by a group other than root's refuses
 * the policy, as any parse error does. A symlink to /dev/null (or an empty
 * file) masks without adding rules.
 *
 * Nothing here decides; policy/ does.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "policy/policy.h"

struct policy_load_opts {
	const char *root; /* admin commands' --root; NULL for / (a load never has one) */
	bool cmdline;	  /* apply /proc/cmdline's modgate.mode= (kernel seam) */
};

struct policy_file {
	char *path;	 /* effective file, root prefix included */
	char sha256[65]; /* of the bytes parsed; "" when it was not read */
	char **masked;	 /* the same name in later directories, not read */
	size_t n_masked;
};

struct policy_loaded {
	struct policy *policy;	   /* never NULL after success; may be refused */
	struct policy_diags diags; /* errors (refusing) and warnings, with positions */
	char *settings_path;
	bool settings_found;	  /* false: absent, built-in defaults apply */
	char settings_sha256[65]; /* of modgate.conf's bytes; "" when not read */
	struct policy_file *files;
	size_t n_files;
};

/* 0 (look at out->diags.n_errors / policy_refused) or -ENOMEM. */
int policy_load(const struct policy_load_opts *o, struct policy_loaded *out);
void policy_loaded_release(struct policy_loaded *l);

/* The three rule directories and the settings file, without root, in order. */
extern const char *const policy_rule_dirs[3];
extern const char policy_settings_file[];
