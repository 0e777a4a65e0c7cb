/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The facts a policy decision rests on: one struct per decision, filled by the
 * caller (loader/ for a real request, tools/ for `policy test`), read by the
 * evaluator and never kept by it.
 *
 * Three kinds of facts, with different trust (DESIGN.md, invariant 3):
 *  - established by the parent itself: sha256 of the sealed bytes, signature
 *    state, the trust-store certificate that verified it, the file it opened;
 *  - module metadata, read by a sandboxed child from the sealed bytes: as
 *    trustworthy as the signature, a mere claim when `sig` is not valid;
 *  - the request: what was asked, by whom, in which context.
 *
 * A NULL string is an absent fact and matches as the empty string. The
 * requester facts are "unknown" unless requester_known is set (the kernel side
 * saw the request); a rule matches unknown only when it names `unknown`.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

enum policy_sig {
	POLICY_SIG_NONE = 0,	  /* no signature appended */
	POLICY_SIG_VALID = 1,	  /* verified by a certificate of the trust store */
	POLICY_SIG_UNTRUSTED = 2, /* well formed, but no trusted certificate names its signer */
	POLICY_SIG_INVALID = 3,	  /* a trusted certificate, but the signature does not verify */
	POLICY_SIG_MALFORMED = 4, /* a marker, but the trailer or blob is broken */
};

enum policy_op {
	POLICY_OP_LOAD = 0,
	POLICY_OP_UNLOAD = 1,
	POLICY_OP_INSTALL = 2, /* run an `install` command of modprobe.d */
	POLICY_OP_REMOVE = 3,  /* run a `remove` command of modprobe.d */
};

enum policy_context {
	POLICY_CTX_CLI = 0,
	POLICY_CTX_UDEV = 1,
	POLICY_CTX_AUTOLOAD = 2,
	POLICY_CTX_BOOT = 3,
};

enum policy_reason {
	POLICY_REASON_REQUEST = 0,    /* the module asked for (or its alias) */
	POLICY_REASON_DEPENDENCY = 1, /* pulled in by modules.dep */
	POLICY_REASON_SOFTDEP = 2,    /* pulled in by a softdep pre/post */
};

enum policy_userns {
	POLICY_USERNS_INIT = 0,
	POLICY_USERNS_OTHER = 1,
};

/* An audit uid nobody set: (uid_t)-1, written `unset` in rules. */
#define POLICY_AUID_UNSET UINT32_MAX

struct policy_request {
	/* established by the parent */
	const char *sha256; /* 64 lowercase hex digits */
	enum policy_sig sig;
	const char *cert;   /* trust-store file name without extension, when sig is valid */
	bool cert_kernel;   /* that certificate is the one extracted from the target kernel */
	const char *signer; /* the certificate's subject CN (informational) */
	const char *key;    /* key id, lowercase hex without separators */
	const char *hash;   /* digest algorithm, lowercase ("sha256", "sha512") */
	const char *path;   /* the file the parent opened, resolved */
	bool owner_ok;	    /* file and directories root-owned, not writable by others */

	/* module metadata (claims unless sig is valid) */
	const char *name; /* matched with '-' and '_' the same */
	const char *license;
	bool intree;
	bool staging;
	const char *vermagic;

	/* the request */
	enum policy_op op;
	enum policy_context context;
	enum policy_reason reason;
	const char *requested; /* name, alias or path as asked for */
	const char *params;    /* the final parameter string */
	const char *command;   /* install/remove command text */
	uint32_t uid;
	uint32_t auid; /* POLICY_AUID_UNSET when not set */
	const char *exe;
	bool force;

	/* autoload requester, as the kernel side saw it */
	bool requester_known;
	uint32_t requester_uid;
	enum policy_userns requester_userns;
	const char *requester_cgroup;
};
