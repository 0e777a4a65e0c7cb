// SPDX-License-Identifier: LGPL-2.1-or-later
/* One file in, one module out, through the gate (see load.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "common/macros.h"
#include "loader/gate.h"
#include "loader/kernel.h"
#include "loader/kstate.h"
#include "loader/load.h"
#include "loader/transaction.h"

int loader_load(const struct load_request *req, struct load_result *res)
{
	struct gate_request rq;
	struct gate_item it;
	const char *requested = req->requested ? req->requested : req->path;
	int r;

	/* a path is never accepted in the autoload context */
	if ((r = gate_check_path(requested, &res->why)) < 0) {
		res->step = LOAD_STEP_DENIED;
		return r;
	}
	gate_request_init(&rq, requested);
	gate_item_init(&it, &rq, req->name, POLICY_OP_LOAD);
	it.path = req->path;
	it.params = req->params;
	it.kflags = req->kflags;

	/* inspect, verify, decide, record */
	r = gate_decide(&it);
	if (it.warn.len)
		gate_say(4, "%s\n", it.warn.buf);
	strbuf_clear(&it.warn);
	if (r == -ENOMEM || !it.proceed) {
		res->step = it.inspect_err ? LOAD_STEP_INSPECT : LOAD_STEP_DENIED;
		strbuf_append_str(&res->why, it.why.buf);
		r = gate_item_errno(&it);
	} else {
		/* load exactly the bytes decided on; record the result */
		r = gate_kernel_load(&it);
		if (it.warn.len)
			gate_say(4, "%s\n", it.warn.buf);
		if (r < 0)
			res->step = LOAD_STEP_KERNEL;
	}
	gate_item_release(&it);
	return r;
}

void load_result_release(struct load_result *res)
{
	strbuf_release(&res->why);
	res->step = LOAD_STEP_NONE;
}

int loader_unload(const char *name, bool force)
{
	struct gate_request rq;
	struct gate_item it;
	int r;

	gate_request_init(&rq, name);
	gate_item_init(&it, &rq, name, POLICY_OP_UNLOAD);
	it.force = force;
	r = gate_decide(&it);
	if (it.warn.len)
		gate_say(4, "%s\n", it.warn.buf);
	strbuf_clear(&it.warn);
	if (r == -ENOMEM || !it.proceed) {
		gate_say(3, "unloading %s denied: %s\n", name, it.why.buf);
		r = -EPERM;
	} else {
		r = gate_kernel_unload(&it);
		if (it.warn.len)
			gate_say(4, "%s\n", it.warn.buf);
	}
	gate_item_release(&it);
	return r;
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
