/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * From what the parent established about one module file (inspect/, verify/,
 * the path it opened) to the facts of a policy decision (policy/request.h).
 *
 * Which facts are whose (DESIGN.md, invariant 3): sha256, sig, cert, path and
 * owner-ok are the parent's own; the signer's CN and key id are the trust
 * store certificate's when the signature is valid, the child's claim
 * otherwise; name, license, intree, staging and vermagic are read by the
 * child from the sealed bytes.
 */
#pragma once

#include <stdbool.h>

#include "inspect/inspect.h"
#include "policy/request.h"
#include "verify/verify.h"

/* Storage for the strings a policy_request points to. */
struct module_policy_facts {
	char sha256[65];
	enum policy_sig sig;
	char *cert; /* trust-store file name without extension */
	bool cert_kernel;
	char *signer;
	char *key;
	char *hash;
	char *path;
	bool owner_ok;
	char *name;
	char *license;
	bool intree, staging;
	char *vermagic;
};

/* kernel_release: the kernel the module is for; its certificate is the
 * trust-store file "kernel-<release>" (`modgate keys extract-kernel`), which
 * rules call @kernel. path: the file as opened. 0 or -ENOMEM. */
int module_policy_facts_init(struct module_policy_facts *f, const char *path,
			     const struct inspected *in, const struct verify_result *vr,
			     const char *kernel_release);
/* Point rq's module facts at f (which must outlive rq's use). */
void module_policy_facts_apply(const struct module_policy_facts *f, struct policy_request *rq);
void module_policy_facts_release(struct module_policy_facts *f);

/* The file and every directory above it owned by root and not writable by
 * group or others (a sticky world-writable directory such as /tmp is fine
 * above it: nobody else can rename what root put there). */
bool path_owner_ok(const char *resolved);

/* A trust-store file name without its extension (.pem, .crt, .der). */
char *cert_name_of_file(const char *file);

/* The caller's own request facts: uid, auid (/proc/self/loginuid through the
 * kernel seam; POLICY_AUID_UNSET when unreadable) and exe. *exe is freed by
 * the caller. */
void caller_policy_facts(struct policy_request *rq, char **exe);
