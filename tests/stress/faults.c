// SPDX-License-Identifier: GPL-2.0
/*
 * Injected failures, a suite of its own (rspl_stress_faults): the guest
 * script (tests/guest/stress.sh) arms failslab and fail_page_alloc for
 * allocations made from rspl's code (the stack filter over rspl.ko's
 * text), then loads this module: a tenth of rspl's slab allocations and a
 * twentieth of its page allocations fail, so grows and emergency objects
 * fail often. (Debugfs knobs cannot be written from the kernel.) KM_SLEEP
 * and KM_PUSHPAGE callers must still get every object; KM_NOSLEEP callers
 * may get NULL, and must; the counters must come back to nothing
 * allocated, and nothing may leak (the debug kernel's kmemleak scan at the
 * end of the run).
 */
#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include "stress.h"

#define THREADS		4
#define HOLD		32

static struct stress_cache fault_caches[] = {
	{ "rspl_stress_fi_256", 256, 0 },
	{ "rspl_stress_fi_8k", 8 << 10, KMC_KMEM },
	{ "rspl_stress_fi_20k", 20 << 10, 0 },
	{ "rspl_stress_fi_128k", 128 << 10, KMC_VMEM },
};
#define NCACHES ARRAY_SIZE(fault_caches)

struct fault_ctx {
	unsigned long deadline;
	struct stress_held held[THREADS][HOLD];
};

static void fault_thread(struct stress_worker *w)
{
	static const int kmflags[] = { KM_SLEEP, KM_PUSHPAGE, KM_NOSLEEP };
	struct fault_ctx *ctx = w->ctx;
	struct stress_held *held = ctx->held[w->id];
	unsigned long next_reap = jiffies;
	unsigned int i;

	while (time_before(jiffies, ctx->deadline)) {
		stress_toggle(w, fault_caches, NCACHES, held, HOLD,
			      kmflags[get_random_u32_below(3)]);
		/* Thread 0 reaps every 20 ms, so that slabs are freed and
		 * grown again: page allocations to fail, not only slab ones. */
		if (w->id == 0 && time_after_eq(jiffies, next_reap)) {
			for (i = 0; i < NCACHES; i++)
				rspl_kmem_cache_reap_now(fault_caches[i].cache);
			next_reap = jiffies + msecs_to_jiffies(20);
		}
		cond_resched();
	}
	stress_put_all(w, fault_caches, held, 0, HOLD);
}

void stress_injected_faults(struct kunit *test)
{
	struct stress_worker *w, sum;
	struct fault_ctx *ctx;
	unsigned int tries;
	int ret;

	w = kunit_kcalloc(test, THREADS, sizeof(*w), GFP_KERNEL);
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	/* Creating a cache fails under the faults too (NULL, with a
	 * message): a caller tries again. */
	for (tries = 1; stress_caches_create(test, fault_caches, NCACHES); tries++)
		KUNIT_ASSERT_LT_MSG(test, tries, 1000, "no cache creation succeeded");

	ctx->deadline = jiffies + stress_seconds * HZ;
	ret = stress_crew_run(w, THREADS, fault_thread, ctx);
	KUNIT_ASSERT_EQ(test, ret, 0);
	stress_crew_sum(w, THREADS, &sum);

	stress_figures(test, "threads=%u seconds=%u allocs=%llu create_tries=%u nosleep_nulls=%llu worst_wait_ms=%lld",
		       THREADS, stress_seconds, sum.allocs, tries,
		       sum.nosleep_nulls, sum.worst_ns / NSEC_PER_MSEC);
	KUNIT_EXPECT_GT(test, sum.allocs, 0);
	STRESS_EXPECT_SOUND(test, sum);
	KUNIT_EXPECT_EQ(test, sum.frees, sum.allocs);
	/* The faults reached KM_NOSLEEP callers (the guest script counts
	 * the faults injected). */
	KUNIT_EXPECT_GT(test, sum.nosleep_nulls, 0);
	stress_expect_empty(test, fault_caches, NCACHES);
}
