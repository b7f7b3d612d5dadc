/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The benchmark's allocators (each behind the same four calls, so that
 * every one is timed through the same indirect calls) and its cases.
 */
#ifndef _RSPL_BENCH_H
#define _RSPL_BENCH_H

#include <linux/types.h>

/* One allocator serving objects of one size. */
struct bench_alloc {
	const char *name;		/* rspl, slub, kmalloc, spl */
	size_t size;
	char cache_name[32];
	void *cache;			/* the allocator's own, if any */
	void *(*alloc)(struct bench_alloc *a);
	void (*free)(struct bench_alloc *a, void *obj);
	/* Bytes one object takes, from the allocator's own accounting;
	 * @slab: slab bytes per object the kernel counted meanwhile, @pages:
	 * bytes of free pages per object that went. */
	size_t (*footprint)(struct bench_alloc *a, size_t slab, size_t pages);
};

/*
 * OpenZFS's SPL, from rspl_bench_spl.ko (bench/spl) when it is loaded:
 * @init fills in an allocator for a->size, @fini destroys its cache.
 */
struct bench_spl_ops {
	int (*init)(struct bench_alloc *a);
	void (*fini)(struct bench_alloc *a);
	/* As @init, a cache on the SPL's own slabs whatever a->size, whose
	 * allocations are KM_NOSLEEP. */
	int (*init_nosleep)(struct bench_alloc *a);
};
extern const struct bench_spl_ops rspl_bench_spl_ops;

/* How many allocators there are: 3, or 4 with OpenZFS's SPL. */
extern unsigned int bench_allocators;
/* rspl's spl_kmem_cache_slab_limit in this boot. */
extern unsigned int bench_slab_limit;
/* Reads rspl's slab limit and looks for the SPL (bench_allocators is
 * set); bench_allocators_exit() lets it go. -EINVAL if the limit cannot
 * be read. */
int bench_allocators_init(void);
void bench_allocators_exit(void);
/* Makes allocator @i (0: rspl, 1: slub, 2: kmalloc, 3: spl) for @size. */
int bench_alloc_init(struct bench_alloc *a, unsigned int i, size_t size);
/* Allocator @i (0: rspl, 3: spl) on its own slabs whatever @size, its
 * allocations KM_NOSLEEP. */
int bench_alloc_init_nosleep(struct bench_alloc *a, unsigned int i, size_t size);
void bench_alloc_fini(struct bench_alloc *a);

/* timing.c */
u64 bench_now_ns(void);
/* Sorts @v (n values) and returns its median. */
u64 bench_median(u64 *v, unsigned int n);
/* Time of @n empty alloc+free pairs through the same indirect calls. */
u64 bench_empty_pairs_ns(unsigned int n);

/* cases.c: each prints its figures as "rspl-bench: ..." lines. */
extern unsigned int bench_reps;
/* The guest clock counts every vCPU's instructions (icount). */
extern bool bench_clock_all_cpus;
/* Prints the object sizes the cases use, and rspl's slab limit. */
void bench_describe(void);
void bench_pairs(void);
void bench_batches(void);
void bench_two_cpus(void);
void bench_memory(void);
void bench_emergency(void);
void bench_many_caches(void);
void bench_emergency_n(void);

/* Writes an rspl module parameter (through sysfs). */
int bench_set_param(const char *name, unsigned int value);

#endif /* _RSPL_BENCH_H */
