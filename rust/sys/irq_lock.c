// SPDX-License-Identifier: GPL-2.0
/* IRQ masking: local_irq_save() and local_irq_restore() are macros. */
#include <linux/irqflags.h>
#include "shim.h"

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
