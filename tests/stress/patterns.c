// SPDX-License-Identifier: GPL-2.0
/*
 * Patterns: eight threads allocate and free at random over caches of
 * every kind (a Linux cache behind rspl, page, vmalloc and kvmalloc
 * slabs), each object marked by its holder and checked before its free,
 * while a ninth takes CPU 1 offline and back and reaps every cache. No
 * object may be handed out while held, or changed while held.
 */
#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include "stress.h"

#define THREADS		8
#define HOLD		64

static struct stress_cache pattern_caches[] = {
	{ "rspl_stress_pt_64", 64, 0 },
	{ "rspl_stress_pt_1000", 1000, KMC_SLAB },
	{ "rspl_stress_pt_3k", 3 << 10, KMC_KMEM },
	{ "rspl_stress_pt_24k", 24 << 10, KMC_KVMEM },
	{ "rspl_stress_pt_72k", 72 << 10, KMC_VMEM },
};
#define NCACHES ARRAY_SIZE(pattern_caches)

struct pattern_ctx {
	unsigned long deadline;
	/* Times CPU 1 went offline (with objects in its magazines). */
	unsigned int offlines;
	/* CPU 1 did not come back within a second. */
	bool stuck_offline;
	struct stress_held held[THREADS][HOLD];
};

/* The ninth thread: CPU 1 offline, every cache reaped, CPU 1 back. */
static void hotplug_thread(struct pattern_ctx *ctx)
{
	unsigned int i, tries;

	while (time_before(jiffies, ctx->deadline) && !ctx->stuck_offline) {
		msleep(100);
		if (num_online_cpus() < 2 || remove_cpu(1))
			continue;
		ctx->offlines++;
		for (i = 0; i < NCACHES; i++)
			rspl_kmem_cache_reap_now(pattern_caches[i].cache);
		msleep(50);
		for (tries = 0; add_cpu(1); tries++) {
			if (tries == 100) {
				ctx->stuck_offline = true;
				break;
			}
			msleep(10);
		}
	}
}

static void pattern_thread(struct stress_worker *w)
{
	struct pattern_ctx *ctx = w->ctx;
	struct stress_held *held = ctx->held[w->id];
	unsigned int slot, i;

	if (w->id == THREADS) {
		hotplug_thread(ctx);
		return;
	}
	while (time_before(jiffies, ctx->deadline)) {
		/* Runs of allocations and of frees, so that magazines fill,
		 * flush, empty and refill. */
		bool alloc = get_random_u32_below(2);
		unsigned int run = 1 + get_random_u32_below(HOLD);

		for (i = 0; i < run; i++) {
			slot = get_random_u32_below(HOLD);
			if (alloc && !held[slot].obj)
				stress_get(w, pattern_caches, get_random_u32_below(NCACHES),
					   w->id % 2 ? KM_PUSHPAGE : KM_SLEEP, &held[slot]);
			else if (!alloc && held[slot].obj)
				stress_put(w, pattern_caches, &held[slot]);
		}
		cond_resched();
	}
	stress_put_all(w, pattern_caches, held, 0, HOLD);
}

void stress_patterns(struct kunit *test)
{
	struct stress_worker *w, sum;
	struct pattern_ctx *ctx;

	w = kunit_kcalloc(test, THREADS + 1, sizeof(*w), GFP_KERNEL);
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_EQ(test, stress_caches_create(test, pattern_caches, NCACHES), 0);
	ctx->deadline = jiffies + stress_seconds * HZ;
	KUNIT_ASSERT_EQ(test, stress_crew_run(w, THREADS + 1, pattern_thread, ctx), 0);
	stress_crew_sum(w, THREADS, &sum);

	stress_figures(test, "threads=%u seconds=%u allocs=%llu frees=%llu corrupt=%llu handed_out_while_held=%llu cpu1_offlines=%u",
		       THREADS, stress_seconds, sum.allocs, sum.frees,
		       sum.corrupt, sum.claimed, ctx->offlines);
	/* The guests have two CPUs: CPU 1 must have gone offline. */
	KUNIT_EXPECT_GT(test, ctx->offlines, 0);
	KUNIT_EXPECT_FALSE(test, ctx->stuck_offline);
	KUNIT_EXPECT_GT(test, sum.allocs, 0);
	STRESS_EXPECT_SOUND(test, sum);
	KUNIT_EXPECT_EQ(test, sum.frees, sum.allocs);
	stress_expect_empty(test, pattern_caches, NCACHES);
}
