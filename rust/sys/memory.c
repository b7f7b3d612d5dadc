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
#include <linux/llist.h>
#include <linux/mm.h>
#include <linux/irqflags.h>
#include <linux/preempt.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <rspl/kmem_cache.h>
#include "shim.h"
#include "km_gfp.h"

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

/*
 * The one translation of the KM_* flags an allocation is served with into
 * GFP flags, for every allocation made for a caller: its pass-through
 * object (rust/sys/linux_cache.c) and its emergency object. KM_PUSHPAGE (the
 * I/O path) gets no I/O and the reserves of __GFP_HIGH, as in OpenZFS.
 * Sleeping allocations retry but may fail (the caller backs off): rspl
 * never invokes the OOM killer on a caller's behalf.
 */
gfp_t rspl_km_to_gfp(int kmflags)
{
	gfp_t gfp;

	if (kmflags & KM_NOSLEEP)
		gfp = GFP_ATOMIC | __GFP_NORETRY | __GFP_NOWARN;
	else if (kmflags & KM_PUSHPAGE)
		gfp = GFP_NOIO | __GFP_HIGH | __GFP_RETRY_MAYFAIL | __GFP_NOWARN;
	else
		gfp = GFP_KERNEL | __GFP_RETRY_MAYFAIL | __GFP_NOWARN;
	if (kmflags & KM_ZERO)
		gfp |= __GFP_ZERO;
	return gfp;
}

/* Above this, a sleeping caller's emergency object comes from vmalloc. */
#define RSPL_EMERGENCY_KMALLOC_MAX	(PAGE_SIZE << PAGE_ALLOC_COSTLY_ORDER)

/* The caller may be writeback, and has waited already: no I/O, and fail
 * fast rather than retry. */
static gfp_t rspl_emergency_gfp(int kmflags)
{
	gfp_t gfp = rspl_km_to_gfp(kmflags) & ~(__GFP_IO | __GFP_FS | __GFP_RETRY_MAYFAIL);

	return kmflags & KM_NOSLEEP ? gfp : gfp | __GFP_NORETRY;
}

void *rspl_km_kmalloc(unsigned long size, int kmflags)
{
	gfp_t gfp = rspl_emergency_gfp(kmflags), first;
	unsigned int token;
	void *p;

	if (size > KMALLOC_MAX_SIZE)
		return NULL;
	/*
	 * First from free memory, with no reclaim: the grow the caller waited
	 * for may be stuck in reclaim, behind a lock this caller holds, and
	 * so would its own reclaim be. KM_PUSHPAGE (writeback) asks as
	 * GFP_ATOMIC does, with its reserves; any other caller leaves the
	 * reserves a non-blocking allocation may take to interrupts.
	 */
	first = gfp & ~__GFP_DIRECT_RECLAIM;
	if (!(gfp & __GFP_HIGH))
		first |= __GFP_NOMEMALLOC;
	p = kmalloc(size, first);
	if (p || !(gfp & __GFP_DIRECT_RECLAIM))
		return p;
	token = memalloc_noio_save();
	p = kmalloc(size, gfp);
	memalloc_noio_restore(token);
	return p;
}

void *rspl_emergency_alloc(unsigned long size, int kmflags, int *vmalloced)
{
	unsigned int token;
	void *p;

	*vmalloced = 0;
	if ((kmflags & KM_NOSLEEP) || size <= RSPL_EMERGENCY_KMALLOC_MAX)
		return rspl_km_kmalloc(size, kmflags);
	/* vmalloc cannot go without reclaim: larger objects reclaim at once. */
	token = memalloc_noio_save();
	p = __vmalloc(size, rspl_emergency_gfp(kmflags));
	memalloc_noio_restore(token);
	*vmalloced = !!p;
	return p;
}

/*
 * vmalloc'd emergency objects freed where vfree() may not sleep, but not
 * in an interrupt (where vfree() defers by itself): vfree()d by a work
 * item, each linked through its own first bytes.
 */
static LLIST_HEAD(rspl_vfree_list);

static void rspl_vfree_fn(struct work_struct *work)
{
	struct llist_node *node, *next;

	llist_for_each_safe(node, next, llist_del_all(&rspl_vfree_list))
		vfree(node);
}

static DECLARE_WORK(rspl_vfree_work, rspl_vfree_fn);

void rspl_emergency_free(const void *addr, int vmalloced)
{
	if (!vmalloced) {
		kfree(addr);
	} else if (!in_interrupt() && (in_atomic() || irqs_disabled())) {
		if (llist_add((struct llist_node *)addr, &rspl_vfree_list))
			schedule_work(&rspl_vfree_work);
	} else {
		vfree(addr);
	}
}

void rspl_emergency_flush(void)
{
	flush_work(&rspl_vfree_work);
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


int rspl_init_on_alloc(void)
{
	return want_init_on_alloc(0);
}

int rspl_task_services_vm(void)
{
	/* An interrupt's allocation is not the task's it interrupted. */
	if (in_interrupt())
		return 0;
	return !!(current->flags & (PF_MEMALLOC | PF_MEMALLOC_NOIO));
}

#if IS_ENABLED(CONFIG_KUNIT)
unsigned int rspl_noreclaim_save(void)
{
	return memalloc_noreclaim_save();
}

void rspl_noreclaim_restore(unsigned int token)
{
	memalloc_noreclaim_restore(token);
}
#endif

int rspl_in_atomic(void)
{
	/* Best effort: without PREEMPT_COUNT a held spinlock does not show. */
	return in_atomic() || irqs_disabled();
}
