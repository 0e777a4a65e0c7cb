/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The load and unload transactions: one module file to the kernel, one module
 * name out of it.
 *
 * Both go through the gate (loader/gate.h): a load is inspected, verified,
 * decided and recorded before finit_module gets the sealed bytes, never the
 * path; an unload is decided and recorded before delete_module. modprobe's
 * transaction over a whole plan is loader/transaction.h.
 */
#pragma once

#include <stdbool.h>

#include "common/strbuf.h"

/* finit_module flags (uapi linux/module.h), set only by --force* */
#define LOAD_IGNORE_MODVERSIONS 1u
#define LOAD_IGNORE_VERMAGIC	2u

enum load_step {
	LOAD_STEP_NONE,
	LOAD_STEP_INSPECT, /* the file could not be turned into sealed bytes */
	LOAD_STEP_KERNEL,  /* finit_module refused */
	LOAD_STEP_DENIED,  /* the gate refused (why: the cause; name: the module) */
};

struct load_request {
	const char *requested; /* what was asked for (the file argument); NULL: path */
	const char *path;    /* module file: absolute, or relative to the working directory */
	const char *name;    /* module name as the caller established it */
	const char *params;  /* module parameters, NULL for none */
	unsigned int kflags; /* LOAD_IGNORE_* */
};

struct load_result {
	enum load_step step; /* where a failure happened */
	struct strbuf why;   /* LOAD_STEP_INSPECT, _DENIED: one sentence, without the path */
	const char *name;    /* set by loader_probe: the module that failed, and */
	const char *path;    /* its file (both owned by the plan) */
};

#define LOAD_RESULT_INIT                                                                           \
	{                                                                                          \
		LOAD_STEP_NONE, STRBUF_INIT, NULL, NULL                                            \
	}

/* 0 or -errno (the kernel's, inspect's, or -EPERM when the gate denied). */
int loader_load(const struct load_request *req, struct load_result *res);
void load_result_release(struct load_result *res);

/* delete_module(2) after the gate's decision (op=unload, force= a fact):
 * always O_NONBLOCK, O_TRUNC when forced. 0 or -errno (-EPERM: denied, the
 * cause said through gate_options.say). */
int loader_unload(const char *name, bool force);

/* A sentence saying why the kernel refused a load, for the errnos whose
 * strerror(3) text explains nothing (signature, permission, busy file,
 * format), using the kernel's state (sig_enforce, modules_disabled,
 * lockdown). NULL for the others, whose kmod messages already say it.
 * The caller frees it. */
char *loader_explain_load_error(int err);
