// SPDX-License-Identifier: LGPL-2.1-or-later
#include <stdio.h>
#include <stdlib.h>
#include "common/log.h"
#include "tools/policy.h"
int policy_test_main(const char *root, int argc, char *argv[])
{
	log_error("policy test is not built yet\n");
	return EXIT_FAILURE;
}
int policy_generate_main(const char *root, int argc, char *argv[])
{
	log_error("policy generate is not built yet\n");
	return EXIT_FAILURE;
}
