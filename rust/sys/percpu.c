// SPDX-License-Identifier: GPL-2.0
/* Per-CPU blocks and cross-CPU calls: macros and inlines in C. */
#include <linux/percpu.h>
#include <linux/smp.h>
#include "shim.h"

void *rspl_percpu_alloc(unsigned long size, unsigned long align)
{
	return (void __force *)__alloc_percpu(size, align);
}

void rspl_percpu_free(void *block)
{
	free_percpu((void __percpu __force *)block);
}

void *rspl_percpu_ptr(void *block, unsigned int cpu)
{
	if (cpu >= nr_cpu_ids || !cpu_possible(cpu))
		return NULL;
	return per_cpu_ptr((void __percpu __force *)block, cpu);
}

unsigned int rspl_nr_cpu_ids(void)
{
	return nr_cpu_ids;
}

unsigned int rspl_this_cpu(void)
{
	return smp_processor_id();
}

void rspl_on_each_cpu(void (*func)(void *info), void *info)
{
	on_each_cpu(func, info, 1);
}

int rspl_on_cpu(unsigned int cpu, void (*func)(void *info), void *info)
{
	return smp_call_function_single(cpu, func, info, 1);
}
