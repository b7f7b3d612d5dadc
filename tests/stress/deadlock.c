// SPDX-License-Identifier: GPL-2.0
/*
 * Forced deadlock: every slab grow is held up far beyond the grow timeout
 * (the fault injection parameter), as when the grow would wait on the
 * writeback its callers are part of. Eight threads allocate thousands of
 * objects of four sizes, 1 MiB vmalloc-backed ones among them, half with
 * KM_SLEEP and half with KM_PUSHPAGE, hold them all, then free them in a
 * shuffled order. No allocation may fail, and no caller may sleep for a
 * grow past the timeout (rspl measures every such sleep); emergency
 * objects must appear and all be found and freed; the caches must then
 * recover once grows work again.
 */
#include <linux/delay.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include "stress.h"

#define TIMEOUT_MS	100
#define GROW_DELAY_MS	2000
/*
 * How far past the timeout a caller may sleep for a grow (rspl measures
 * each sleep, from its start until the caller runs again): the timer's
 * tick and the wakeup. The eight threads time out together on two CPUs,
 * so the last one woken runs after the others' turns (measured: up to
 * 30 ms late on the test kernel, 25 ms on the debug one, where each turn
 * is slower under KASAN and lockdep). Next to a busy ZFS pool, ZFS's
 * I/O threads take their turns too (measured: up to 57 ms late), and
 * tests/guest/zfs.sh sets a wider margin. A caller that missed its timeout
 * would sleep until the grow ends (2 s).
 */
#define MARGIN_MS	(stress_margin_ms ?: IS_ENABLED(CONFIG_KASAN) ? 150 : 50)

static struct stress_cache deadlock_caches[] = {
	{ "rspl_stress_dl_256", 256, 0 },		/* passes through */
	{ "rspl_stress_dl_20k", 20 << 10, 0 },		/* kvmalloc slabs */
	{ "rspl_stress_dl_64k", 64 << 10, KMC_VMEM },
	{ "rspl_stress_dl_1m", 1 << 20, KMC_VMEM },
};
#define NCACHES ARRAY_SIZE(deadlock_caches)

struct deadlock_ctx {
	atomic_t holding;		/* threads holding all their objects */
	struct completion all_holding;
	struct completion release;
};

/* Which cache the i-th object comes from: mostly small, 1% of 1 MiB. */
static unsigned int deadlock_cache_of(unsigned int i)
{
	unsigned int r = i % 100;

	return r < 60 ? 0 : r < 90 ? 1 : r < 99 ? 2 : 3;
}

static void deadlock_thread(struct stress_worker *w)
{
	struct deadlock_ctx *ctx = w->ctx;
	int kmflags = w->id % 2 ? KM_PUSHPAGE : KM_SLEEP;
	unsigned int i, n = stress_objects;
	struct stress_held *held;

	held = vcalloc(n, sizeof(*held));
	if (held) {
		for (i = 0; i < n; i++) {
			stress_get(w, deadlock_caches, deadlock_cache_of(i),
				   kmflags, &held[i]);
			/* The kernel may not preempt (PREEMPT_NONE): let the
			 * woken waiters run, as a long kernel loop must. */
			cond_resched();
		}
	} else {
		w->other++;	/* no memory for the bookkeeping */
	}
	if (atomic_inc_return(&ctx->holding) == stress_threads)
		complete(&ctx->all_holding);
	stress_wait(&ctx->release);
	if (!held)
		return;
	/* Free in a shuffled order (Fisher-Yates; swap() reads its
	 * arguments twice, so the random index is drawn first). */
	for (i = n; i > 1; i--) {
		unsigned int j = get_random_u32_below(i);

		swap(held[i - 1], held[j]);
	}
	for (i = 0; i < n; i++) {
		if (held[i].obj)
			stress_put(w, deadlock_caches, &held[i]);
		cond_resched();
	}
	vfree(held);
}

/* Emergency objects live now, and the deadlock marks, over all caches. */
static void deadlock_rows(struct kunit *test, unsigned long *emerg,
			  unsigned long *dlock, unsigned long *deadlocked)
{
	struct stress_row row;
	unsigned int i;

	*emerg = *dlock = *deadlocked = 0;
	for (i = 1; i < NCACHES; i++) {
		/* Not an assertion: the threads wait for this case to go on. */
		KUNIT_EXPECT_EQ(test, stress_row(deadlock_caches[i].name, &row), 0);
		*emerg += row.emerg;
		*dlock += row.dlock;
		*deadlocked += !!(row.flags & KMC_DEADLOCKED);
	}
}

/* Once grows work again, each slab cache serves from a new slab. */
static void deadlock_recovers(struct kunit *test)
{
	struct stress_row row;
	unsigned int i, tries;
	void *obj;

	for (i = 1; i < NCACHES; i++) {
		const char *name = deadlock_caches[i].name;

		/* A miss queues a grow; the one still sleeping ends first. */
		for (tries = 0; tries < 100; tries++) {
			obj = rspl_kmem_cache_alloc(deadlock_caches[i].cache, KM_SLEEP);
			KUNIT_ASSERT_NOT_NULL(test, obj);
			rspl_kmem_cache_free(deadlock_caches[i].cache, obj);
			KUNIT_ASSERT_EQ(test, stress_row(name, &row), 0);
			if (!(row.flags & KMC_DEADLOCKED) && row.slabs_total > 0)
				break;
			msleep(100);
		}
		KUNIT_EXPECT_FALSE_MSG(test, row.flags & KMC_DEADLOCKED,
				       "%s still marked deadlocked", name);
		KUNIT_EXPECT_GT_MSG(test, row.slabs_total, 0, "%s grew no slab", name);
		KUNIT_EXPECT_EQ_MSG(test, row.emerg, 0, "%s", name);
	}
}

void stress_forced_deadlock(struct kunit *test)
{
	unsigned int n = stress_threads, started, i;
	unsigned long emerg, dlock, deadlocked, slept_us = 0;
	struct stress_worker *w, sum;
	struct deadlock_ctx ctx;

	w = kunit_kcalloc(test, n, sizeof(*w), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	KUNIT_ASSERT_EQ(test, stress_param_for_case(test, "spl_kmem_cache_grow_timeout_ms",
						    TIMEOUT_MS), 0);
	KUNIT_ASSERT_EQ(test, stress_param_for_case(test, "spl_kmem_cache_inject_grow_delay_ms",
						    GROW_DELAY_MS), 0);
	KUNIT_ASSERT_EQ(test, stress_caches_create(test, deadlock_caches, NCACHES), 0);

	atomic_set(&ctx.holding, 0);
	init_completion(&ctx.all_holding);
	init_completion(&ctx.release);
	/* The threads hold everything until released: read the rows then. */
	started = stress_crew_start(w, n, deadlock_thread, &ctx);
	if (started == n)
		stress_wait(&ctx.all_holding);
	deadlock_rows(test, &emerg, &dlock, &deadlocked);
	complete_all(&ctx.release);
	stress_crew_wait(w, started);
	KUNIT_ASSERT_EQ(test, started, n);
	stress_crew_sum(w, n, &sum);

	for (i = 1; i < NCACHES; i++)
		slept_us = max(slept_us, rspl_kmem_cache_wait_max_us(deadlock_caches[i].cache));
	stress_figures(test, "threads=%u objects=%llu emergency_live_peak=%lu dlock=%lu worst_sleep_ms=%lu.%03lu worst_alloc_ms=%lld.%03lld timeout_ms=%u",
		       n, sum.allocs, emerg, dlock, slept_us / 1000, slept_us % 1000,
		       sum.worst_ns / 1000000, (sum.worst_ns / 1000) % 1000, TIMEOUT_MS);
	STRESS_EXPECT_SOUND(test, sum);
	KUNIT_EXPECT_EQ(test, sum.allocs, (u64)n * stress_objects);
	KUNIT_EXPECT_EQ(test, sum.frees, sum.allocs);
	KUNIT_EXPECT_GT(test, emerg, 0);
	KUNIT_EXPECT_GT(test, dlock, 0);
	KUNIT_EXPECT_GT(test, deadlocked, 0);
	/* No caller slept past the timeout: none waited for the stuck grow. */
	KUNIT_EXPECT_GT(test, slept_us, 0);
	KUNIT_EXPECT_LE(test, slept_us, (unsigned long)(TIMEOUT_MS + MARGIN_MS) * USEC_PER_MSEC);
	/* Whole calls (with the emergency kmalloc() and the turns of eight
	 * threads on two CPUs after waking) are reported; none came near the
	 * grow's 2 s. */
	KUNIT_EXPECT_LT(test, sum.worst_ns, (s64)GROW_DELAY_MS / 2 * NSEC_PER_MSEC);
	/* Every emergency object was found and freed. */
	deadlock_rows(test, &emerg, &dlock, &deadlocked);
	KUNIT_EXPECT_EQ(test, emerg, 0);

	/* Grows work again. */
	KUNIT_ASSERT_EQ(test, stress_set_param("spl_kmem_cache_inject_grow_delay_ms", 0), 0);
	deadlock_recovers(test);
	stress_expect_empty(test, deadlock_caches, NCACHES);
}
