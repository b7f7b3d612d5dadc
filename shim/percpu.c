// SPDX-License-Identifier: GPL-2.0
/* Per-CPU data, IRQ masking and cross-CPU calls: macros and inlines in C. */
#include <linux/irqflags.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <rspl/shim.h>

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

unsigned long rspl_irq_save(void)
{
	unsigned long flags;

	local_irq_save(flags);
	return flags;
}

unsigned long rspl_irq_save_cpu(unsigned int *cpu)
{
	unsigned long flags;

	local_irq_save(flags);
	*cpu = smp_processor_id();
	return flags;
}

void rspl_irq_restore(unsigned long flags)
{
	local_irq_restore(flags);
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
