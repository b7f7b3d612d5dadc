// SPDX-License-Identifier: GPL-2.0
/*
 * The allocators the benchmark compares, behind one interface: an rspl
 * cache (with rspl's default placement: up to 16 KiB objects pass through
 * to a Linux cache, larger ones live on rspl's slabs), a Linux kmem_cache
 * (SLUB) and kmalloc().
 */
#include <linux/slab.h>
#include <rspl/kmem_cache.h>
#include "bench.h"

static void *rspl_alloc(struct bench_alloc *a)
{
	return rspl_kmem_cache_alloc(a->cache, KM_SLEEP);
}

static void rspl_free(struct bench_alloc *a, void *obj)
{
	rspl_kmem_cache_free(a->cache, obj);
}

static size_t rspl_footprint(struct bench_alloc *a, void *obj)
{
	return rspl_kmem_cache_entry_size(a->cache);
}

static void *slub_alloc(struct bench_alloc *a)
{
	return kmem_cache_alloc(a->cache, GFP_KERNEL);
}

static void slub_free(struct bench_alloc *a, void *obj)
{
	kmem_cache_free(a->cache, obj);
}

static size_t slub_footprint(struct bench_alloc *a, void *obj)
{
	return ksize(obj);
}

static void *kmalloc_alloc(struct bench_alloc *a)
{
	return kmalloc(a->size, GFP_KERNEL);
}

static void kmalloc_free(struct bench_alloc *a, void *obj)
{
	kfree(obj);
}

int bench_alloc_init(struct bench_alloc *a, unsigned int i, size_t size)
{
	char name[32];

	memset(a, 0, sizeof(*a));
	a->size = size;
	switch (i) {
	case 0:
		a->name = "rspl";
		snprintf(name, sizeof(name), "bench_rspl_%zu", size);
		a->cache = rspl_kmem_cache_create(name, size, 0, NULL, NULL, NULL,
						  NULL, NULL, 0);
		a->alloc = rspl_alloc;
		a->free = rspl_free;
		a->footprint = rspl_footprint;
		break;
	case 1:
		a->name = "slub";
		snprintf(name, sizeof(name), "bench_slub_%zu", size);
		a->cache = kmem_cache_create(name, size, 0, 0, NULL);
		a->alloc = slub_alloc;
		a->free = slub_free;
		a->footprint = slub_footprint;
		break;
	default:
		a->name = "kmalloc";
		a->cache = a;	/* nothing to create */
		a->alloc = kmalloc_alloc;
		a->free = kmalloc_free;
		a->footprint = slub_footprint;
		break;
	}
	return a->cache ? 0 : -ENOMEM;
}

void bench_alloc_fini(struct bench_alloc *a)
{
	if (!strcmp(a->name, "rspl"))
		rspl_kmem_cache_destroy(a->cache);
	else if (!strcmp(a->name, "slub"))
		kmem_cache_destroy(a->cache);
}
