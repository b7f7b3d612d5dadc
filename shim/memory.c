// SPDX-License-Identifier: GPL-2.0
/*
 * Backing memory of slabs and emergency objects. Everything here may be
 * called from the writeback path, so it never starts I/O to satisfy an
 * allocation: GFP_NOIO inside a memalloc_noio_save() scope (which is also
 * what makes __vmalloc()'s own page-table allocations NOIO).
 */
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/irqflags.h>
#include <linux/preempt.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <rspl/shim.h>

void *rspl_vmalloc_noio(unsigned long size)
{
	unsigned int token = memalloc_noio_save();
	void *p = __vmalloc(size, GFP_NOIO | __GFP_NOWARN);

	memalloc_noio_restore(token);
	return p;
}

void rspl_vfree(const void *addr)
{
	vfree(addr);
}

void *rspl_kvmalloc_noio(unsigned long size)
{
	unsigned int token = memalloc_noio_save();
	/* GFP_KERNEL in a NOIO scope: kvmalloc's vmalloc fallback needs it. */
	void *p = kvmalloc(size, GFP_KERNEL | __GFP_NOWARN);

	memalloc_noio_restore(token);
	return p;
}

void rspl_kvfree(const void *addr)
{
	kvfree(addr);
}

unsigned long rspl_pages_alloc_noio(unsigned int order)
{
	unsigned int token = memalloc_noio_save();
	unsigned long addr = __get_free_pages(GFP_NOIO | __GFP_NOWARN | __GFP_COMP, order);

	memalloc_noio_restore(token);
	return addr;
}

void rspl_pages_free(unsigned long addr, unsigned int order)
{
	free_pages(addr, order);
}

unsigned int rspl_max_page_order(void)
{
	return MAX_PAGE_ORDER;
}

void *rspl_kmalloc_emergency(unsigned long size, int nosleep, int zero)
{
	gfp_t gfp = (nosleep ? GFP_ATOMIC : GFP_NOIO) | __GFP_NOWARN;
	unsigned int token;
	void *p;

	if (zero)
		gfp |= __GFP_ZERO;
	if (nosleep)
		return kmalloc(size, gfp);
	token = memalloc_noio_save();
	p = kmalloc(size, gfp);
	memalloc_noio_restore(token);
	return p;
}

void rspl_kfree(const void *addr)
{
	kfree(addr);
}

unsigned int rspl_noio_save(void)
{
	return memalloc_noio_save();
}

void rspl_noio_restore(unsigned int token)
{
	memalloc_noio_restore(token);
}

void rspl_msleep(unsigned int ms)
{
	msleep(ms);
}

unsigned long rspl_msecs_to_jiffies(unsigned int ms)
{
	return msecs_to_jiffies(ms);
}

int rspl_in_atomic(void)
{
	/* Best effort: without PREEMPT_COUNT a held spinlock does not show. */
	return in_atomic() || irqs_disabled();
}
