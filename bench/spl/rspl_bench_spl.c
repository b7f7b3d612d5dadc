// SPDX-License-Identifier: GPL-2.0
/*
 * rspl_bench_spl.ko: OpenZFS's SPL kmem_cache behind the benchmark's
 * allocator interface. It links to spl.ko's exports; rspl_bench.ko takes
 * its table with symbol_get() when it is loaded (symbol_get() refuses
 * spl.ko's own exports, which are not GPL-only), so that the benchmark
 * runs with or without OpenZFS. The alloc and free calls are direct, as
 * the other allocators' are.
 */
#include <linux/module.h>
#include "bench.h"

/* OpenZFS 2.3's (include/os/linux/spl/sys/kmem_cache.h), types opaque. */
struct spl_kmem_cache;
struct spl_kmem_cache *spl_kmem_cache_create(const char *name, size_t size,
					     size_t align, void *ctor, void *dtor,
					     void *reclaim, void *priv, void *vmp,
					     int flags);
void spl_kmem_cache_destroy(struct spl_kmem_cache *skc);
void *spl_kmem_cache_alloc(struct spl_kmem_cache *skc, int flags);
void spl_kmem_cache_free(struct spl_kmem_cache *skc, void *obj);

#define SPL_KM_SLEEP		0x0000
#define SPL_KM_NOSLEEP		0x0001
/* KMC_KVMEM: the SPL's own slabs (kvmalloc()), whatever the size. */
#define SPL_KMC_KVMEM		(1 << 7)
/* spl_kmem_cache_slab_limit's default: smaller objects pass through. */
#define SPL_SLAB_LIMIT		16384

static void *spl_alloc(struct bench_alloc *a)
{
	return spl_kmem_cache_alloc(a->cache, SPL_KM_SLEEP);
}

static void *spl_alloc_nosleep(struct bench_alloc *a)
{
	return spl_kmem_cache_alloc(a->cache, SPL_KM_NOSLEEP);
}

static void spl_free(struct bench_alloc *a, void *obj)
{
	spl_kmem_cache_free(a->cache, obj);
}

/*
 * Pass-through sizes live in a Linux cache: slab pages. The SPL's own
 * slabs come from kvmalloc() and vmalloc(), which the slab counters miss:
 * the free pages they took stand for them.
 */
static size_t spl_footprint(struct bench_alloc *a, size_t slab, size_t pages)
{
	return a->size <= SPL_SLAB_LIMIT ? slab : pages;
}

static int spl_init(struct bench_alloc *a)
{
	snprintf(a->cache_name, sizeof(a->cache_name), "bench_spl_%zu", a->size);
	a->cache = spl_kmem_cache_create(a->cache_name, a->size, 0, NULL, NULL,
					 NULL, NULL, NULL, 0);
	a->alloc = spl_alloc;
	a->free = spl_free;
	a->footprint = spl_footprint;
	return a->cache ? 0 : -ENOMEM;
}

static int spl_init_nosleep(struct bench_alloc *a)
{
	snprintf(a->cache_name, sizeof(a->cache_name), "bench_spl_nosleep_%zu", a->size);
	a->cache = spl_kmem_cache_create(a->cache_name, a->size, 0, NULL, NULL,
					 NULL, NULL, NULL, SPL_KMC_KVMEM);
	a->alloc = spl_alloc_nosleep;
	a->free = spl_free;
	a->footprint = spl_footprint;
	return a->cache ? 0 : -ENOMEM;
}

static void spl_fini(struct bench_alloc *a)
{
	spl_kmem_cache_destroy(a->cache);
}

const struct bench_spl_ops rspl_bench_spl_ops = {
	.init = spl_init,
	.fini = spl_fini,
	.init_nosleep = spl_init_nosleep,
};
EXPORT_SYMBOL_GPL(rspl_bench_spl_ops);

MODULE_DESCRIPTION("OpenZFS's SPL kmem_cache for rspl's benchmark");
MODULE_LICENSE("GPL");
