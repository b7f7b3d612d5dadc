// SPDX-License-Identifier: GPL-2.0
/* Per-CPU data, IRQ masking and cross-CPU calls: macros and inlines in C. */
#include <linux/irqflags.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/smp.h>
#include <asm/current.h>
#include <rspl/shim.h>

/* rust/this_cpu.rs increments and decrements the count at this offset. */
static_assert(offsetof(struct pcpu_hot, preempt_count) ==
	      RSPL_PCPU_HOT_PREEMPT_COUNT);
static_assert(sizeof_field(struct pcpu_hot, preempt_count) == 4);

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

void rspl_preempt_resched(void)
{
	/* The count is zero: this enable drops it to zero again, and tests. */
	preempt_disable();
	preempt_enable();
}

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

int rspl_on_cpu(unsigned int cpu, void (*func)(void *info), void *info)
{
	return smp_call_function_single(cpu, func, info, 1);
}
