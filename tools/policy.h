/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `modgate policy`: shared between its check/show half and its test/generate half. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "common/strbuf.h"
#include "moddb/config.h"
#include "moddb/lookup.h"
#include "moddb/plan.h"
#include "policy/policy.h"
#include "verify/truststore.h"

struct policy_names {
	char **v;
	size_t n;
};

/* Names of the trust store's certificate files, without extension. */
int policy_trust_names(const char *root, struct policy_names *out);
void policy_names_release(struct policy_names *n);

/* `policy test` and `policy generate` (tools/policy-test.c): argv[0] is the
 * subcommand. Exit status. */
int policy_test_main(const char *root, int argc, char *argv[]);
int policy_generate_main(const char *root, int argc, char *argv[]);

/* A module tree as `policy test` and `generate` read it: /lib/modules/VERSION
 * under root (VERSION: the running kernel's by default), modprobe.d under
 * root, the trust store under root. */
struct policy_tree {
	const char *version;
	char version_buf[256];
	char *dirname;
	struct modprobe_config cfg;
	struct moddb *db;
	struct plan *plan;
	struct trust_store ts;
};

/* Logs what fails. 0 or -errno. */
int policy_tree_open(struct policy_tree *t, const char *root, const char *version);
void policy_tree_close(struct policy_tree *t);

/* One diagnostic on stderr, "file:line:col: error: ..." */
void policy_diag_log(const struct policy_diag *g);
/* s as a JSON string (quoted, escaped). */
void json_string(struct strbuf *sb, const char *s);
