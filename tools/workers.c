// SPDX-License-Identifier: LGPL-2.1-or-later
#include <sched.h>

#include "tools/workers.h"

unsigned int workers_cpus(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return 1;
	int n = CPU_COUNT(&set);
	return n > 0 ? (unsigned int)n : 1;
}

void workers_pin(unsigned int k)
{
	cpu_set_t set, one;
	unsigned int n, want;

	if (sched_getaffinity(0, sizeof(set), &set) < 0 || (n = (unsigned int)CPU_COUNT(&set)) < 2)
		return;
	want = k % n;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &set) || want-- > 0)
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		(void)sched_setaffinity(0, sizeof(one), &one);
		return;
	}
}
