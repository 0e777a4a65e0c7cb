// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tools/workers.c: a worker is pinned to one CPU of the process's own
 * affinity mask, the k-th modulo their number, and a mask of one CPU is
 * left alone. Every pin happens in a forked child, so the test process
 * keeps its mask.
 */
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tools/workers.h"

/* In a child: set `mask` (when given), pin worker k, exit with the CPU it
 * is pinned to, 200 if the mask is not one CPU, 201 if it is unchanged. */
static int pinned_cpu(const cpu_set_t *mask, unsigned int k)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		cpu_set_t before, after;
		if (mask && sched_setaffinity(0, sizeof(*mask), mask) < 0)
			_exit(202);
		sched_getaffinity(0, sizeof(before), &before);
		workers_pin(k);
		sched_getaffinity(0, sizeof(after), &after);
		if (CPU_EQUAL(&before, &after))
			_exit(201);
		if (CPU_COUNT(&after) != 1)
			_exit(200);
		for (int c = 0; c < CPU_SETSIZE && c < 200; c++)
			if (CPU_ISSET(c, &after))
				_exit(c);
		_exit(203);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void test_counts_the_mask(void **state)
{
	(void)state;
	cpu_set_t set;
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	assert_int_equal(workers_cpus(), (unsigned int)CPU_COUNT(&set));
}

static void test_pins_round_robin(void **state)
{
	(void)state;
	cpu_set_t set;
	int cpus[CPU_SETSIZE], n = 0;
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			cpus[n++] = c;
	if (n < 2)
		skip(); /* one CPU: nothing to choose (the next test) */
	for (int k = 0; k < 2 * n + 1; k++)
		assert_int_equal(pinned_cpu(NULL, (unsigned int)k), cpus[k % n]);
	/* a mask of two, far apart: the k-th of those, not of the machine */
	cpu_set_t two;
	CPU_ZERO(&two);
	CPU_SET(cpus[0], &two);
	CPU_SET(cpus[n - 1], &two);
	assert_int_equal(pinned_cpu(&two, 0), cpus[0]);
	assert_int_equal(pinned_cpu(&two, 1), cpus[n - 1]);
	assert_int_equal(pinned_cpu(&two, 2), cpus[0]);
	assert_int_equal(pinned_cpu(&two, 7), cpus[n - 1]);
}

static void test_one_cpu_left_alone(void **state)
{
	(void)state;
	cpu_set_t set, one;
	assert_int_equal(sched_getaffinity(0, sizeof(set), &set), 0);
	CPU_ZERO(&one);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set)) {
			CPU_SET(c, &one);
			break;
		}
	assert_int_equal(pinned_cpu(&one, 0), 201);
	assert_int_equal(pinned_cpu(&one, 5), 201);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_the_mask),
		cmocka_unit_test(test_pins_round_robin),
		cmocka_unit_test(test_one_cpu_left_alone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
