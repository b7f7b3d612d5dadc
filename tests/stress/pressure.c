// SPDX-License-Identifier: GPL-2.0
/*
 * Memory pressure: a hog takes and touches pages until the page allocator,
 * after direct reclaim (which runs the shrinkers, rspl's among them),
 * refuses it more, holds them for the case's time, then exits. Meanwhile,
 * and for as long again after, threads allocate and free through rspl,
 * with KM_SLEEP and KM_PUSHPAGE, one of them holding a mutex while it
 * allocates. One cache's reclaim callback, which rspl's shrinker runs in
 * the hog's direct reclaim, allocates from another rspl cache and tries
 * that mutex, as the header allows. No allocation may fail or be
 * corrupted, nothing may hang (lockdep clean on the debug kernel), and
 * once the hog is gone, a reap leaves no empty slab: only what the objects
 * still held need.
 */
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/slab.h>
#include "stress.h"

#define THREADS		4
#define HOLD		32	/* objects a thread holds at most */
#define KEEP		8	/* objects a thread still holds at the end */
/* The hog hands back this much, so that the test's own bookkeeping and
 * the console do not starve while it holds the rest. */
#define HOG_SLACK_PAGES	(8 << (20 - PAGE_SHIFT))

static void pressure_reclaim(void *priv);

static struct stress_cache pressure_caches[] = {
	{ "rspl_stress_mp_256", 256, 0 },
	{ "rspl_stress_mp_24k", 24 << 10, 0, NULL, pressure_reclaim },
	{ "rspl_stress_mp_128k", 128 << 10, KMC_VMEM },
	{ "rspl_stress_mp_40k", 40 << 10, KMC_KMEM },
};
#define NCACHES ARRAY_SIZE(pressure_caches)
/* The cache the reclaim callback allocates from. */
#define RECLAIM_FROM	2

/* Held by thread 0 while it allocates. */
static DEFINE_MUTEX(pressure_lock);
static atomic_t pressure_reclaims = ATOMIC_INIT(0);
static atomic_t pressure_reclaim_allocs = ATOMIC_INIT(0);

/*
 * A reclaim callback that allocates from another rspl cache and tries a
 * lock an allocating thread holds (it must not wait for it).
 */
static void pressure_reclaim(void *priv)
{
	struct rspl_kmem_cache *other = pressure_caches[RECLAIM_FROM].cache;
	void *obj;

	atomic_inc(&pressure_reclaims);
	obj = rspl_kmem_cache_alloc(other, KM_SLEEP);
	if (obj) {
		atomic_inc(&pressure_reclaim_allocs);
		rspl_kmem_cache_free(other, obj);
	}
	if (mutex_trylock(&pressure_lock))
		mutex_unlock(&pressure_lock);
}

struct pressure_ctx {
	unsigned long hog_deadline;	/* jiffies: the hog lets go */
	unsigned long deadline;		/* jiffies: the threads stop */
	struct list_head pages;		/* the hog's */
	unsigned long hogged;		/* pages it took */
	unsigned long refusals;		/* times the allocator said no */
	unsigned long min_free_kb;	/* lowest free memory seen */
	struct stress_held held[THREADS][HOLD];
};

/* Takes pages until refused (after reclaim) a few times in a row. */
static void pressure_hog(struct pressure_ctx *ctx)
{
	unsigned long run = 0, i;
	struct page *page;

	ctx->min_free_kb = ULONG_MAX;
	while (run < 8) {
		page = alloc_page(GFP_HIGHUSER | __GFP_NORETRY | __GFP_NOWARN);
		if (!page) {
			ctx->refusals++;
			run++;
			ctx->min_free_kb = min(ctx->min_free_kb,
					       global_zone_page_state(NR_FREE_PAGES) << (PAGE_SHIFT - 10));
			continue;
		}
		run = 0;
		memset(page_address(page), 0x5a, PAGE_SIZE);
		list_add(&page->lru, &ctx->pages);
		ctx->hogged++;
		if (!(ctx->hogged % 1024))
			cond_resched();
	}
	for (i = 0; i < HOG_SLACK_PAGES && !list_empty(&ctx->pages); i++) {
		page = list_first_entry(&ctx->pages, struct page, lru);
		list_del(&page->lru);
		__free_page(page);
	}
}

static void pressure_unhog(struct pressure_ctx *ctx)
{
	struct page *page, *next;

	list_for_each_entry_safe(page, next, &ctx->pages, lru)
		__free_page(page);
	INIT_LIST_HEAD(&ctx->pages);
}

static void pressure_thread(struct stress_worker *w)
{
	struct pressure_ctx *ctx = w->ctx;
	struct stress_held *held = ctx->held[w->id];
	int kmflags = w->id % 2 ? KM_PUSHPAGE : KM_SLEEP;

	while (time_before(jiffies, ctx->deadline)) {
		if (w->id == 0)
			mutex_lock(&pressure_lock);
		stress_toggle(w, pressure_caches, NCACHES, held, HOLD, kmflags);
		if (w->id == 0)
			mutex_unlock(&pressure_lock);
		cond_resched();
	}
	/* Keep a few, so that the end state is not just "empty". */
	stress_put_all(w, pressure_caches, held, KEEP, HOLD);
}

static void pressure_hog_thread(struct stress_worker *w)
{
	struct pressure_ctx *ctx = w->ctx;

	pressure_hog(ctx);
	while (time_before(jiffies, ctx->hog_deadline))
		msleep(20);
	pressure_unhog(ctx);
}

void stress_memory_pressure(struct kunit *test)
{
	struct stress_worker *w, sum;
	struct pressure_ctx *ctx;
	unsigned long kept[NCACHES] = {};
	struct stress_row row;
	unsigned int i, t, started;

	w = kunit_kcalloc(test, THREADS + 1, sizeof(*w), GFP_KERNEL);
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	INIT_LIST_HEAD(&ctx->pages);
	KUNIT_ASSERT_EQ(test, stress_caches_create(test, pressure_caches, NCACHES), 0);

	ctx->hog_deadline = jiffies + stress_seconds * HZ;
	ctx->deadline = ctx->hog_deadline + stress_seconds * HZ;
	started = stress_crew_start(w, THREADS, pressure_thread, ctx);
	/* The hog runs beside the crew, and lets go half way through. */
	stress_crew_run(&w[THREADS], 1, pressure_hog_thread, ctx);
	stress_crew_wait(w, started);
	KUNIT_ASSERT_EQ(test, started, THREADS);
	stress_crew_sum(w, THREADS, &sum);

	stress_figures(test, "threads=%u seconds=%u allocs=%llu hog_mib=%lu refusals=%lu min_free_kib=%lu worst_wait_ms=%lld reclaim_callbacks=%d their_allocs=%d",
		       THREADS, 2 * stress_seconds, sum.allocs,
		       ctx->hogged >> (20 - PAGE_SHIFT), ctx->refusals,
		       ctx->min_free_kb, sum.worst_ns / NSEC_PER_MSEC,
		       atomic_read(&pressure_reclaims),
		       atomic_read(&pressure_reclaim_allocs));
	KUNIT_EXPECT_GT(test, sum.allocs, 0);
	STRESS_EXPECT_SOUND(test, sum);
	/* The hog met a refusal: memory really ran short. */
	KUNIT_EXPECT_GT(test, ctx->refusals, 0);

	/* After a reap, each slab cache keeps only slabs with objects held. */
	for (t = 0; t < THREADS; t++)
		for (i = 0; i < KEEP; i++)
			if (ctx->held[t][i].obj)
				kept[ctx->held[t][i].cache]++;
	for (i = 0; i < NCACHES; i++) {
		rspl_kmem_cache_reap_now(pressure_caches[i].cache);
		if (stress_row(pressure_caches[i].name, &row))
			continue;	/* passes through */
		KUNIT_EXPECT_EQ_MSG(test, row.objs_alloc + row.emerg, kept[i], "%s",
				    pressure_caches[i].name);
		KUNIT_EXPECT_EQ_MSG(test, row.slabs_total, row.slabs_alloc,
				    "%s keeps empty slabs", pressure_caches[i].name);
		KUNIT_EXPECT_LE_MSG(test, row.slabs_alloc, kept[i], "%s",
				    pressure_caches[i].name);
	}
	for (t = 0; t < THREADS; t++)
		stress_put_all(&w[t], pressure_caches, ctx->held[t], 0, KEEP);
	stress_expect_empty(test, pressure_caches, NCACHES);
}
