// SPDX-License-Identifier: GPL-2.0
/* Per-CPU counters: alloc_percpu() and per_cpu_ptr() are macros. */
#include <linux/percpu.h>
#include "shim.h"

long *rspl_counter_alloc(void)
{
	return (long __force *)alloc_percpu(long);
}

void rspl_counter_free(long *counter)
{
	free_percpu((long __percpu __force *)counter);
}

long rspl_counter_sum(long *counter)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *per_cpu_ptr((long __percpu __force *)counter, cpu);
	return sum;
}
