// SPDX-License-Identifier: GPL-2.0
/*
 * rspl_leaky.ko: a consumer with a bug, for the unload tests
 * (tests/guest/unload.sh). It creates caches, one with a reclaim callback,
 * allocates from them, and never destroys them: rspl must tear them down
 * when it unloads, before the callback's code is gone. With fail_init=1
 * its init fails after creating them, which unloads it at once.
 */
#include <linux/module.h>
#include <rspl/kmem_cache.h>

static bool fail_init;
module_param(fail_init, bool, 0444);
MODULE_PARM_DESC(fail_init, "Fail the module's init after creating the caches");

static unsigned long leaky_reclaims;

static void leaky_reclaim(void *priv)
{
	/* Module data: touching it after the unload is a use-after-free. */
	leaky_reclaims++;
}

static int __init leaky_init(void)
{
	struct rspl_kmem_cache *reclaimable, *held, *freed;
	unsigned int i;
	void *obj;

	reclaimable = rspl_kmem_cache_create("rspl_leaky_reclaim", 20 << 10, 0,
					     NULL, NULL, leaky_reclaim, NULL,
					     NULL, 0);
	held = rspl_kmem_cache_create("rspl_leaky_held", 64 << 10, 0, NULL,
				      NULL, NULL, NULL, NULL, KMC_VMEM);
	freed = rspl_kmem_cache_create("rspl_leaky_freed", 256, 0, NULL, NULL,
				       NULL, NULL, NULL, 0);
	if (!reclaimable || !held || !freed)
		return -ENOMEM;
	/* Free objects sit in the caches, and ten are never freed. */
	for (i = 0; i < 10; i++) {
		obj = rspl_kmem_cache_alloc(reclaimable, KM_SLEEP);
		rspl_kmem_cache_free(reclaimable, obj);
		rspl_kmem_cache_alloc(held, KM_SLEEP);
		obj = rspl_kmem_cache_alloc(freed, KM_SLEEP);
		rspl_kmem_cache_free(freed, obj);
	}
	return fail_init ? -ENODEV : 0;
}

static void __exit leaky_exit(void)
{
	/* The bug: no rspl_kmem_cache_destroy(). */
}

module_init(leaky_init);
module_exit(leaky_exit);
MODULE_DESCRIPTION("An rspl consumer that forgets to destroy its caches");
MODULE_LICENSE("GPL");
