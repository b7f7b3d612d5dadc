// SPDX-License-Identifier: GPL-2.0
/*
 * Linux kmem_caches behind pass-through rspl caches (small objects, as the
 * SPL does).
 */
#include <linux/mm.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/slab.h>
#include <rspl/kmem_cache.h>
#include "shim.h"
#include "km_gfp.h"

/*
 * The whole object is a usercopy region, as in OpenZFS's own Linux caches:
 * ZFS copies file data between user memory and its zio_buf objects, which
 * CONFIG_HARDENED_USERCOPY refuses (a BUG) outside such a region. The
 * region also keeps SLUB from merging the cache with another, so that a
 * consumer's bad free can never reach an unrelated kernel cache.
 * kmem_cache_create_usercopy() keeps a copy of the name.
 */
struct kmem_cache *rspl_linux_cache_create(const char *name, unsigned int size,
					   unsigned int align, int reclaimable)
{
	return kmem_cache_create_usercopy(name, size, align,
					  reclaimable ? SLAB_RECLAIM_ACCOUNT : 0,
					  0, size, NULL);
}

void rspl_linux_cache_destroy(struct kmem_cache *cache)
{
	kmem_cache_destroy(cache);
}

/*
 * One call per allocation and per free, for speed: the atomic-context
 * check of a sleeping allocation (served as KM_NOSLEEP, and said so in
 * *@atomic for the caller's report) and the per-CPU count of objects
 * handed out ride along with SLUB's own call.
 */
void *rspl_linux_cache_alloc(struct kmem_cache *cache, int kmflags,
			     long *allocated, int *atomic)
{
	void *obj;

	*atomic = !(kmflags & KM_NOSLEEP) && (in_atomic() || irqs_disabled());
	if (*atomic)
		kmflags |= KM_NOSLEEP;
	obj = kmem_cache_alloc(cache, rspl_km_to_gfp(kmflags));
	if (obj)
		this_cpu_inc(*(long __percpu __force *)allocated);
	return obj;
}

void rspl_linux_cache_free(struct kmem_cache *cache, void *obj, long *allocated)
{
	this_cpu_dec(*(long __percpu __force *)allocated);
	kmem_cache_free(cache, obj);
}

unsigned int rspl_linux_cache_alloc_bulk(struct kmem_cache *cache, int kmflags,
					 unsigned int n, void **objs,
					 long *allocated)
{
	unsigned int got;

	if (irqs_disabled() || (!(kmflags & KM_NOSLEEP) && in_atomic()))
		return 0;
	got = kmem_cache_alloc_bulk(cache, rspl_km_to_gfp(kmflags & ~KM_ZERO),
				    n, objs);
	this_cpu_add(*(long __percpu __force *)allocated, got);
	return got;
}

void rspl_linux_cache_free_bulk(struct kmem_cache *cache, unsigned int n,
				void **objs, long *allocated)
{
	unsigned int i;

	this_cpu_sub(*(long __percpu __force *)allocated, n);
	if (!irqs_disabled()) {
		kmem_cache_free_bulk(cache, n, objs);
		return;
	}
	for (i = 0; i < n; i++)
		kmem_cache_free(cache, objs[i]);
}

int rspl_linux_cache_may_park(void)
{
	return !IS_ENABLED(CONFIG_KASAN) && !want_init_on_free();
}
