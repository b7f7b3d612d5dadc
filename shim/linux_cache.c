// SPDX-License-Identifier: GPL-2.0
/*
 * Linux kmem_caches behind pass-through rspl caches (small objects, as the
 * SPL does), and the KM_* to GFP translation they use.
 */
#include <linux/slab.h>
#include <rspl/kmem_cache.h>
#include <rspl/shim.h>

struct kmem_cache *rspl_linux_cache_create(const char *name, unsigned int size,
					   unsigned int align, int reclaimable)
{
	return kmem_cache_create(name, size, align,
				 reclaimable ? SLAB_RECLAIM_ACCOUNT : 0, NULL);
}

void rspl_linux_cache_destroy(struct kmem_cache *cache)
{
	kmem_cache_destroy(cache);
}

/*
 * A sleeping allocation that fails is retried by rspl with a backoff
 * (KM_SLEEP never returns NULL): __GFP_RETRY_MAYFAIL keeps the page
 * allocator from OOM-killing a task on rspl's behalf instead.
 */
static gfp_t rspl_km_to_gfp(int kmflags)
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

void *rspl_linux_cache_alloc(struct kmem_cache *cache, int kmflags)
{
	return kmem_cache_alloc(cache, rspl_km_to_gfp(kmflags));
}

void rspl_linux_cache_free(struct kmem_cache *cache, void *obj)
{
	kmem_cache_free(cache, obj);
}
