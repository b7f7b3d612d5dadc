// SPDX-License-Identifier: GPL-2.0
/*
 * rspl_demo: a ZFS-shaped user of rspl's caches, so that scripts/demo can
 * show /proc/spl/kmem/slab with live caches.
 *
 * At load it creates caches shaped like ZFS's (large I/O buffers on rspl's
 * slabs, small headers passed through to Linux caches) and keeps objects
 * allocated in each. Writing N to /sys/module/rspl_demo/parameters/burst
 * allocates N more objects from a cache of 1 MiB buffers made for that
 * write, as writeback would: with rspl's grow-delay fault injection set,
 * they come from the emergency path. Everything is freed at unload.
 */
#define RSPL_SPL_COMPAT
#include <rspl/kmem_cache.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/string.h>

struct demo_cache {
	const char *name;
	size_t size;
	int flags;
	unsigned int objects;
	kmem_cache_t *cache;
	void **objs;
	unsigned int held;
};

static struct demo_cache demo_caches[] = {
	{ "zio_buf_131072", 131072, 0, 20 },
	{ "zio_data_buf_524288", 524288, KMC_VMEM, 6 },
	{ "zio_buf_comb_16384", 16384, KMC_KMEM, 40 },
	{ "dnode_t", 808, 0, 500 },
	{ "arc_buf_hdr_t_full", 240, KMC_RECLAIMABLE, 1000 },
	/* Filled by writes to the burst parameter. */
	{ "zio_buf_1048576", 1048576, KMC_VMEM, 0 },
};

#define BURST_CACHE	(ARRAY_SIZE(demo_caches) - 1)
#define BURST_MAX	64

static DEFINE_MUTEX(demo_lock);

static void demo_fill(struct demo_cache *dc, unsigned int n, int kmflags)
{
	while (n-- && dc->held < dc->objects) {
		void *obj = kmem_cache_alloc(dc->cache, kmflags);

		if (!obj)
			break;
		memset(obj, 0xd5, dc->size);
		dc->objs[dc->held++] = obj;
	}
}

static void demo_release(struct demo_cache *dc)
{
	if (!dc->cache)
		return;
	while (dc->held)
		kmem_cache_free(dc->cache, dc->objs[--dc->held]);
	kvfree(dc->objs);
	kmem_cache_destroy(dc->cache);
	dc->cache = NULL;
}

static int demo_burst_set(const char *val, const struct kernel_param *kp)
{
	struct demo_cache *dc = &demo_caches[BURST_CACHE];
	unsigned int n;
	int ret;

	ret = kstrtouint(val, 0, &n);
	if (ret)
		return ret;
	mutex_lock(&demo_lock);
	n = min(n, BURST_MAX - dc->held);
	dc->objects = dc->held + n;
	/* The I/O path's flag: no I/O may be started to satisfy it. */
	demo_fill(dc, n, KM_PUSHPAGE);
	mutex_unlock(&demo_lock);
	return 0;
}

static const struct kernel_param_ops demo_burst_ops = {
	.set = demo_burst_set,
};
module_param_cb(burst, &demo_burst_ops, NULL, 0200);
MODULE_PARM_DESC(burst, "Allocate this many more 1 MiB buffers (writeback-style, KM_PUSHPAGE)");

static void demo_exit(void)
{
	int i;

	for (i = ARRAY_SIZE(demo_caches) - 1; i >= 0; i--)
		demo_release(&demo_caches[i]);
}

static int __init demo_init(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(demo_caches); i++) {
		struct demo_cache *dc = &demo_caches[i];
		unsigned int room = i == BURST_CACHE ? BURST_MAX : dc->objects;

		dc->objs = kvcalloc(room, sizeof(void *), GFP_KERNEL);
		dc->cache = kmem_cache_create(dc->name, dc->size, 0, NULL, NULL,
					      NULL, NULL, NULL, dc->flags);
		if (!dc->objs || !dc->cache) {
			kvfree(dc->objs);
			if (dc->cache)
				kmem_cache_destroy(dc->cache);
			dc->cache = NULL;
			demo_exit();
			return -ENOMEM;
		}
		demo_fill(dc, dc->objects, KM_SLEEP);
	}
	return 0;
}

module_init(demo_init);
module_exit(demo_exit);
MODULE_DESCRIPTION("A ZFS-shaped user of rspl's kmem_cache, for the demo");
MODULE_LICENSE("GPL");
