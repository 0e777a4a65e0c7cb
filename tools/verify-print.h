/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How `modgate verify` shows one file: a block of "key: value" lines, or one
 * JSON object per line (--json). Parent-established facts (sha256, state,
 * the matching certificate) are shown as such; what only the sandboxed child
 * says (the signer's name when no trusted certificate matched) is marked as
 * claimed.
 */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "inspect/facts.h"
#include "verify/verify.h"

struct verify_report {
	const char *path;
	const char *error; /* inspection failed: no verdict */
	const struct verify_result *res;
	const struct sig_facts *sig;
};

void verify_report_print(FILE *f, const struct verify_report *r, bool json);

/* s as a JSON string ("null" for NULL): bytes outside printable ASCII as
 * \u00XX, so the output stays ASCII whatever a path or a child's claim holds. */
void tools_json_str(FILE *f, const char *s);
