/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Events recorded only when something changed: the settings and the policy
 * the gate acts on (settings-load, policy-load, policy-refusal).
 *
 * The gate is a fresh process per module request (udev runs hundreds at
 * boot), and each one reads the policy. "Every process that reads the policy
 * writes a policy-load record" would double the trail and bury the decisions;
 * what a compliance reader needs is the policy in force at each decision,
 * which is the last policy record before it in the chain. So an event with a
 * change_key is written only when its (type, sha256) differs from what the
 * last written event of the same key said, in this trail directory:
 *
 *   changes.state   "modgate-changes 1 <boot id>\n" then one line per key,
 *                   "<key> <type> <sha256>\n"; 0600 beside trail.lock
 *
 * read and replaced (rename) only under the trail's write lock, after the
 * records are fsync'd, so two gate runs racing on the same change write one
 * record, and the state never claims a record that is not in the trail.
 *
 * The state is forgotten (everything counts as changed) when the boot id
 * differs (so every boot's trail says which policy it started with), when the
 * directory starts a fresh chain (a new trail, a new early-boot segment) and
 * when an early-boot segment is carried in (its records may have been for
 * another policy: the initramfs's). Like flood.state it is a cache: a missing
 * or damaged file costs one repeated record, never a lost one.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "audit/event.h"
#include "audit/hash.h"

#define TRAIL_CHANGES  "changes.state"
#define CHANGE_KEYS    8
#define CHANGE_KEY_MAX 24
#define BOOT_ID_LEN    36

struct change_slot {
	char key[CHANGE_KEY_MAX];
	char type[24];
	char sha256[SHA256_HEX_LEN + 1];
};

struct change_table {
	char boot_id[BOOT_ID_LEN + 1];
	struct change_slot slot[CHANGE_KEYS];
	size_t n;
	bool dirty;
};

/* Read dfd's changes.state into ct. A file of another boot, a damaged or
 * missing one leaves ct empty (for this boot); 0 or -errno when it exists
 * but cannot be read safely (not a regular file of the caller's euid). */
int change_load(int dfd, struct change_table *ct);
/* Forget every key (a fresh chain or a carried segment). */
void change_forget(struct change_table *ct);
/* Should ev be written? Always for an event without change_key; for one with
 * it, only when (type, sha256) differs from the key's slot, which is then
 * updated (ct->dirty). */
bool change_decide(struct change_table *ct, const struct audit_event *ev);
/* Replace dfd's changes.state (write a temporary file, rename). 0 or -errno. */
int change_save(int dfd, const struct change_table *ct);
