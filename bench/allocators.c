// SPDX-License-Identifier: GPL-2.0
/*
 * The allocators the benchmark compares, behind one interface: an rspl
 * cache (with rspl's default placement: objects up to
 * spl_kmem_cache_slab_limit pass through to a Linux cache, larger ones live
 * on rspl's slabs), a Linux kmem_cache
 * (SLUB), kmalloc(), and OpenZFS's SPL when bench/spl's module is loaded.
 * Each one's memory per object comes from its own accounting: the
 * kernel's slab page counters for Linux caches (an rspl pass-through
 * cache's included), rspl's entry size for rspl's slabs, the page order
 * for large kmalloc().
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <rspl/kmem_cache.h>
#include <rspl_test/file_io.h>
#include "bench.h"

/* rspl's spl_kmem_cache_slab_limit as this boot has it: objects up to it
 * pass through (read once, at load). */
unsigned int bench_slab_limit;

static void *rspl_alloc(struct bench_alloc *a)
{
	return rspl_kmem_cache_alloc(a->cache, KM_SLEEP);
}

static void *rspl_alloc_nosleep(struct bench_alloc *a)
{
	return rspl_kmem_cache_alloc(a->cache, KM_NOSLEEP);
}

static void rspl_free(struct bench_alloc *a, void *obj)
{
	rspl_kmem_cache_free(a->cache, obj);
}

/*
 * A pass-through cache's objects live in a Linux cache: slab pages. On
 * rspl's own slabs, an object takes its share of a slab (the slab counters
 * would count kvmalloc()'s large kmalloc()s too, and miss its vmalloc()s).
 */
static size_t rspl_footprint(struct bench_alloc *a, size_t slab, size_t pages)
{
	if (a->size <= bench_slab_limit)
		return slab;
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

static size_t slub_footprint(struct bench_alloc *a, size_t slab, size_t pages)
{
	return slab;
}

static void *kmalloc_alloc(struct bench_alloc *a)
{
	return kmalloc(a->size, GFP_KERNEL);
}

static void kmalloc_free(struct bench_alloc *a, void *obj)
{
	kfree(obj);
}

/* Small sizes come from a kmalloc-N cache, larger ones are whole pages. */
static size_t kmalloc_footprint(struct bench_alloc *a, size_t slab, size_t pages)
{
	return a->size > KMALLOC_MAX_CACHE_SIZE ? PAGE_SIZE << get_order(a->size) : slab;
}

static const struct bench_spl_ops *spl_ops;
unsigned int bench_allocators = 3;

int bench_allocators_init(void)
{
	char text[16] = "";
	ssize_t n;

	n = rspl_test_read_file("/sys/module/rspl/parameters/spl_kmem_cache_slab_limit",
				text, sizeof(text) - 1, false);
	if (n <= 0 || kstrtouint(strim(text), 10, &bench_slab_limit)) {
		pr_err("rspl-bench: cannot read rspl's spl_kmem_cache_slab_limit (%zd)\n", n);
		return -EINVAL;
	}
	spl_ops = symbol_get(rspl_bench_spl_ops);
	bench_allocators = spl_ops ? 4 : 3;
	return 0;
}

void bench_allocators_exit(void)
{
	if (spl_ops)
		symbol_put(rspl_bench_spl_ops);
}

int bench_alloc_init(struct bench_alloc *a, unsigned int i, size_t size)
{
	memset(a, 0, sizeof(*a));
	a->size = size;
	switch (i) {
	case 0:
		a->name = "rspl";
		snprintf(a->cache_name, sizeof(a->cache_name), "bench_rspl_%zu", size);
		a->cache = rspl_kmem_cache_create(a->cache_name, size, 0, NULL, NULL, NULL,
						  NULL, NULL, 0);
		a->alloc = rspl_alloc;
		a->free = rspl_free;
		a->footprint = rspl_footprint;
		break;
	case 1:
		a->name = "slub";
		snprintf(a->cache_name, sizeof(a->cache_name), "bench_slub_%zu", size);
		a->cache = kmem_cache_create(a->cache_name, size, 0, 0, NULL);
		a->alloc = slub_alloc;
		a->free = slub_free;
		a->footprint = slub_footprint;
		break;
	case 2:
		a->name = "kmalloc";
		a->cache = a;	/* nothing to create */
		a->alloc = kmalloc_alloc;
		a->free = kmalloc_free;
		a->footprint = kmalloc_footprint;
		break;
	default:
		a->name = "spl";
		if (!spl_ops)
			return -ENODEV;
		return spl_ops->init(a);
	}
	return a->cache ? 0 : -ENOMEM;
}

int bench_alloc_init_nosleep(struct bench_alloc *a, unsigned int i, size_t size)
{
	memset(a, 0, sizeof(*a));
	a->size = size;
	switch (i) {
	case 0:
		a->name = "rspl";
		snprintf(a->cache_name, sizeof(a->cache_name), "bench_rspl_nosleep_%zu", size);
		a->cache = rspl_kmem_cache_create(a->cache_name, size, 0, NULL, NULL, NULL,
						  NULL, NULL, KMC_KVMEM);
		a->alloc = rspl_alloc_nosleep;
		a->free = rspl_free;
		a->footprint = rspl_footprint;
		return a->cache ? 0 : -ENOMEM;
	case 3:
		a->name = "spl";
		return spl_ops ? spl_ops->init_nosleep(a) : -ENODEV;
	default:
		return -EINVAL;
	}
}

void bench_alloc_fini(struct bench_alloc *a)
{
	if (!strcmp(a->name, "rspl"))
		rspl_kmem_cache_destroy(a->cache);
	else if (!strcmp(a->name, "slub"))
		kmem_cache_destroy(a->cache);
	else if (!strcmp(a->name, "spl"))
		spl_ops->fini(a);
}
