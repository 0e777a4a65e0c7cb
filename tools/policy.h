/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `modgate policy`: shared between its check/show half and its test/generate half. */
#pragma once

#include <stddef.h>

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
