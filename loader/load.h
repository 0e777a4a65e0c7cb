/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The load and unload transactions: one module file to the kernel, one module
 * name out of it.
 *
 * A load reads top to bottom, one call per step:
 *
 *   inspect   sandboxed children decompress the file into a memfd and parse
 *             it; the parent seals it and keeps a read-only descriptor
 *   (verify, decide, record: the gate's steps, inserted here by issue 9)
 *   load      finit_module on that sealed descriptor, never on the path and
 *             never init_module: the kernel reads exactly the inspected bytes
 *   (record the result: issue 9)
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
};

struct load_request {
	const char *path;    /* module file: absolute, or relative to the working directory */
	const char *name;    /* module name as the caller established it */
	const char *params;  /* module parameters, NULL for none */
	unsigned int kflags; /* LOAD_IGNORE_* */
};

struct load_result {
	enum load_step step; /* where a failure happened */
	struct strbuf why;   /* LOAD_STEP_INSPECT: one sentence, without the path */
	const char *name;    /* set by loader_probe: the module that failed, and */
	const char *path;    /* its file (both owned by the plan) */
};

#define LOAD_RESULT_INIT                                                                           \
	{                                                                                          \
		LOAD_STEP_NONE, STRBUF_INIT, NULL, NULL                                            \
	}

/* 0 or -errno (the kernel's, or inspect's). */
int loader_load(const struct load_request *req, struct load_result *res);
void load_result_release(struct load_result *res);

/* delete_module(2): always O_NONBLOCK, O_TRUNC when forced. 0 or -errno. */
int loader_unload(const char *name, bool force);

/* A sentence saying why the kernel refused a load, for the errnos whose
 * strerror(3) text explains nothing (signature, permission, busy file,
 * format), using the kernel's state (sig_enforce, modules_disabled,
 * lockdown). NULL for the others, whose kmod messages already say it.
 * The caller frees it. */
char *loader_explain_load_error(int err);
