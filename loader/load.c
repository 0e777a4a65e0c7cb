// SPDX-License-Identifier: LGPL-2.1-or-later
/* The load and unload transactions (see load.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "common/macros.h"
#include "inspect/inspect.h"
#include "loader/kernel.h"
#include "loader/kstate.h"
#include "loader/load.h"
#include "lsm/lsm.h"

int loader_load(const struct load_request *req, struct load_result *res)
{
	struct inspected in;
	int r;

	/* 1. inspect: the only way module bytes enter this process is as a
	 *    sealed memfd whose contents sandboxed children produced and parsed */
	r = inspect_file(AT_FDCWD, req->path, &inspect_default_limits, &in, &res->why);
	if (r < 0) {
		res->step = LOAD_STEP_INSPECT;
		return r;
	}

	/* 2-4 (issue 9): verify the signature over in.memfd_ro, decide by
	 *    policy, record the decision. Nothing here stands in for them. */

	/* 5. load exactly those bytes; while the kernel side (lsm/) is
	 *    attached, the kernel reads only a file registered for this load */
	r = lsm_register_file(in.memfd_ro);
	if (r >= 0) {
		r = kernel_finit_module(in.memfd_ro, req->name, req->params, (int)req->kflags);
		lsm_unregister_file(in.memfd_ro);
	}
	if (r < 0)
		res->step = LOAD_STEP_KERNEL;

	/* 6 (issue 9): record the result */
	inspected_release(&in);
	return r;
}

void load_result_release(struct load_result *res)
{
	strbuf_release(&res->why);
	res->step = LOAD_STEP_NONE;
}

int loader_unload(const char *name, bool force)
{
	/* O_NONBLOCK always: the kernel's blocking wait for a busy module is gone
	 * and would hang the caller; O_TRUNC forces (and taints R) */
	return kernel_delete_module(name, O_NONBLOCK | (force ? O_TRUNC : 0));
}

static char *permission_reason(void)
{
	_cleanup_free_ char *lockdown = NULL;
	char *s;
	if (kstate_modules_disabled() == 1)
		return strdup("the kernel refuses every module load (kernel.modules_disabled=1)");
	if (kstate_lockdown(&lockdown) == 0 && !streq(lockdown, "none")) {
		if (asprintf(&s,
			     "the kernel is locked down (%s) and refused the module: "
			     "unsigned, or signed by a key it does not trust",
			     lockdown) < 0)
			return NULL;
		return s;
	}
	return strdup("the kernel refused the load: no CAP_SYS_MODULE, module_blacklist= on "
		      "the kernel command line, or a security module said no");
}

char *loader_explain_load_error(int err)
{
	switch (err < 0 ? -err : err) {
	case EKEYREJECTED:
	case ENOKEY:
	case EBADMSG: {
		char *s;
		int enforce = kstate_sig_enforce();
		if (asprintf(&s, "the kernel rejected the module signature%s",
			     enforce == 1
				     ? " (module.sig_enforce=1: only validly signed modules load)"
				     : " (it is invalid, or made by a key the kernel does not "
				       "trust)") < 0)
			return NULL;
		return s;
	}
	case EPERM:
		return permission_reason();
	case ETXTBSY:
		return strdup("the kernel found the module bytes open for writing (ETXTBSY)");
	case ENOEXEC:
		return strdup(
			"the kernel cannot use this module: wrong vermagic, architecture or ELF "
			"format (see dmesg)");
	default:
		return NULL;
	}
}
