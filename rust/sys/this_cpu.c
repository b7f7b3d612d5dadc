// SPDX-License-Identifier: GPL-2.0
/*
 * What rust/sys/this_cpu.rs needs from C: the layout it relies on, and the
 * reschedule that preempt_enable() would call.
 */
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <asm/current.h>
#include "shim.h"

/* rust/sys/this_cpu.rs increments and decrements the count at this offset. */
static_assert(offsetof(struct pcpu_hot, preempt_count) ==
	      RSPL_PCPU_HOT_PREEMPT_COUNT);
static_assert(sizeof_field(struct pcpu_hot, preempt_count) == 4);

void rspl_preempt_resched(void)
{
	/* The count is zero: this enable drops it to zero again, and tests. */
	preempt_disable();
	preempt_enable();
}
