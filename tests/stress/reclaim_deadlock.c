// SPDX-License-Identifier: GPL-2.0
/*
 * A real deadlock, nothing injected. A consumer's shrinker, registered
 * with the kernel, takes a mutex that a writeback-like caller holds while
 * it allocates with KM_PUSHPAGE (the shrinker blocks whatever reclaim
 * called it, as a careless one does). A hog fills memory, so that once
 * the cache's grows have used up what is left, a grow's __vmalloc enters
 * direct reclaim, runs that shrinker and blocks on the caller: the grow
 * depends on the caller, which waits for the grow.
 *
 * stress_reclaim_deadlock: the caller must get every object all the same
 * (its waits time out, and it takes emergency objects from the reserves
 * KM_PUSHPAGE opens), and while that grow is stuck, another cache's grow
 * must not wait behind it: its callers get slab objects, none waits out
 * the timeout.
 *
 * stress_unbounded_wait_hangs, the control (suite rspl_stress_control,
 * run in a boot of its own on the debug kernel): the same with the wait
 * bounded only at 40 s, past the hung-task timeout the guest sets. The
 * caller hangs for all of it, and the hung-task detector reports it.
 */
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/debug.h>
#include <linux/shrinker.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include "stress.h"

/* One page: an emergency object then needs neither reclaim nor
 * contiguous pages (memory this full is in single pages). */
#define STUCK_SIZE	(4 << 10)
#define HEALTHY_SIZE	(16 << 10)
/* Objects the caller takes once the grow is stuck, and at most before. */
#define AFTER_STUCK	64
#define CONTROL_AFTER	4
#define CALLER_MAX	16384
/* Slow allocations (a timed-out wait) before the grow blocks on the
 * caller, at most: more means it is stuck elsewhere (the test failed). */
#define TIMEOUTS_ELSEWHERE	8
#define HEALTHY_OBJS	16
/* Handed back once memory is full, for the stuck cache's grows to use up
 * (then they reclaim), and four times as much once a grow has blocked
 * (for the caller's emergency objects and the healthy cache, whose grow
 * then needs no reclaim: it depends on nothing but a grow thread). */
#define HOG_SLACK_PAGES	(8 << (20 - PAGE_SHIFT))
#define HOG_SLACK2_PAGES	(4 * HOG_SLACK_PAGES)
/* The control's grow timeout, past the guest's hung-task timeout (10 s). */
#define CONTROL_TIMEOUT_MS	40000

static struct stress_cache rd_caches[] = {
	{ "rspl_stress_rd_stuck", STUCK_SIZE, KMC_VMEM },
	{ "rspl_stress_rd_healthy", HEALTHY_SIZE, KMC_VMEM },
};
#define STUCK	0
#define HEALTHY	1

enum rd_hog_phase { HOG_HOLD, HOG_SLACK, HOG_LET_GO };

struct rd_ctx {
	bool control;
	/* The caller holds it while it allocates; the shrinker takes it. */
	struct mutex lock;
	atomic_t armed;
	atomic_t scans;
	atomic_t grow_blocked;	/* scans by a grow thread that blocked */
	atomic_t others_blocked;	/* by anyone else (kswapd, ...) */
	atomic_t grow_waiting;	/* grow threads blocked right now */
	struct shrinker *shrinker;

	struct list_head pages;	/* the hog's */
	unsigned long hogged, hog_peak, min_free_kb;
	atomic_t hog_phase;
	struct completion filled, slack_back, hog_gone;
	struct completion caller_holding, healthy_done;

	struct stress_held *held;	/* the caller's, CALLER_MAX */
	unsigned int taken, after_stuck, waiting_at_end, timeouts_elsewhere;
	s64 worst_stuck_ns;
	struct task_struct *caller_task, *test_task;
};

static unsigned long rd_count(struct shrinker *s, struct shrink_control *sc)
{
	struct rd_ctx *ctx = s->private_data;

	/* Enough that the first reclaim pass scans it (a pass scans
	 * count >> priority, from 12 down, in batches of 128). */
	return atomic_read(&ctx->armed) ? 1 << 20 : 0;
}

static unsigned long rd_scan(struct shrinker *s, struct shrink_control *sc)
{
	struct rd_ctx *ctx = s->private_data;
	bool grow = !strncmp(current->comm, "rspl_grow/", 10);

	/* The test's own thread is no part of the dependency: should the
	 * healthy cache's allocation reclaim, it must not hang the test. */
	if (!atomic_read(&ctx->armed) || current == READ_ONCE(ctx->test_task))
		return SHRINK_STOP;
	atomic_inc(&ctx->scans);
	if (!mutex_trylock(&ctx->lock)) {
		atomic_inc(grow ? &ctx->grow_blocked : &ctx->others_blocked);
		if (grow)
			atomic_inc(&ctx->grow_waiting);
		mutex_lock(&ctx->lock);
		if (grow)
			atomic_dec(&ctx->grow_waiting);
	}
	mutex_unlock(&ctx->lock);
	return SHRINK_STOP;
}

static void rd_hog_free(struct rd_ctx *ctx, unsigned long n)
{
	struct page *page;

	while (n-- && !list_empty(&ctx->pages)) {
		page = list_first_entry(&ctx->pages, struct page, lru);
		list_del(&page->lru);
		__free_page(page);
		ctx->hogged--;
	}
}

/*
 * Fills memory until the allocator refuses after reclaim, hands a slack
 * back (the grows use it up, then reclaim), holds the rest, hands another
 * slack back when told (a grow is stuck), and lets go when told.
 */
static void rd_hog(struct stress_worker *w)
{
	struct rd_ctx *ctx = w->ctx;
	unsigned long refusals = 0;
	struct page *page;

	ctx->min_free_kb = ULONG_MAX;
	while (refusals < 8) {
		page = alloc_page(GFP_HIGHUSER | __GFP_NORETRY | __GFP_NOWARN);
		if (!page) {
			refusals++;
			ctx->min_free_kb = min(ctx->min_free_kb,
					       global_zone_page_state(NR_FREE_PAGES) << (PAGE_SHIFT - 10));
			continue;
		}
		memset(page_address(page), 0x5a, PAGE_SIZE);
		list_add(&page->lru, &ctx->pages);
		ctx->hogged++;
		if (!(ctx->hogged % 1024))
			cond_resched();
	}
	ctx->hog_peak = ctx->hogged;
	rd_hog_free(ctx, HOG_SLACK_PAGES);
	complete_all(&ctx->filled);
	while (atomic_read(&ctx->hog_phase) == HOG_HOLD)
		msleep(5);
	rd_hog_free(ctx, HOG_SLACK2_PAGES);
	complete(&ctx->slack_back);
	while (atomic_read(&ctx->hog_phase) != HOG_LET_GO)
		msleep(5);
	rd_hog_free(ctx, ULONG_MAX);
	complete(&ctx->hog_gone);
}

/* Holding the lock, allocates until the grow is stuck on it and
 * AFTER_STUCK objects more have come. */
static void rd_caller(struct stress_worker *w)
{
	struct rd_ctx *ctx = w->ctx;
	unsigned int want = ctx->control ? CONTROL_AFTER : AFTER_STUCK;
	ktime_t start;
	s64 took;
	bool stuck;

	stress_wait(&ctx->filled);
	WRITE_ONCE(ctx->caller_task, current);
	mutex_lock(&ctx->lock);
	atomic_set(&ctx->armed, 1);
	while (ctx->taken < CALLER_MAX && ctx->after_stuck < want &&
	       ctx->timeouts_elsewhere < TIMEOUTS_ELSEWHERE) {
		stuck = atomic_read(&ctx->grow_waiting) > 0;
		start = ktime_get();
		if (!stress_get(w, rd_caches, STUCK, KM_PUSHPAGE, &ctx->held[ctx->taken]))
			break;
		ctx->taken++;
		took = ktime_to_ns(ktime_sub(ktime_get(), start));
		if (stuck) {
			ctx->after_stuck++;
			ctx->worst_stuck_ns = max(ctx->worst_stuck_ns, took);
		} else if (took > 50 * NSEC_PER_MSEC) {
			/* A timed-out wait with no grow blocked on the caller:
			 * the first is the one in which the grow blocks; many
			 * mean a grow stuck elsewhere (the setup failed). Stop
			 * before the reserves run out. */
			ctx->timeouts_elsewhere++;
		}
	}
	complete(&ctx->caller_holding);
	stress_wait(&ctx->healthy_done);
	/* Memory back before the lock: reclaimers blocked on it then find
	 * memory rather than go on to the OOM killer. */
	atomic_set(&ctx->hog_phase, HOG_LET_GO);
	stress_wait(&ctx->hog_gone);
	ctx->waiting_at_end = atomic_read(&ctx->grow_waiting);
	atomic_set(&ctx->armed, 0);
	mutex_unlock(&ctx->lock);
}

/* The other cache, while the first one's grow is stuck: from the test's
 * own thread, which holds no lock. */
static void rd_healthy(struct kunit *test, struct rd_ctx *ctx,
		       struct stress_worker *w, struct stress_held *held)
{
	unsigned int i;

	for (i = 0; i < HEALTHY_OBJS; i++)
		stress_get(w, rd_caches, HEALTHY, KM_SLEEP, &held[i]);
}

/*
 * As soon as a grow blocks on the caller (or the caller is done without
 * that), has the hog hand the second slack back: the caller's emergency
 * objects and the healthy cache's grow then find free memory, and rely
 * on no reserve the kernel may have spent, while the stuck grow stays
 * blocked on the mutex all the same.
 */
static void rd_slack_once_stuck(struct rd_ctx *ctx)
{
	while (!atomic_read(&ctx->grow_waiting) && !completion_done(&ctx->caller_holding))
		usleep_range(200, 500);
	atomic_set(&ctx->hog_phase, HOG_SLACK);
	stress_wait(&ctx->slack_back);
}

static void rd_run(struct kunit *test, bool control)
{
	struct stress_worker *w, healthy = {};
	struct stress_held healthy_held[HEALTHY_OBJS] = {};
	struct stress_row stuck_row = {}, healthy_row = {};
	unsigned int i, started, waited;
	struct rd_ctx *ctx;
	int stuck_rc, healthy_rc;

	w = kunit_kcalloc(test, 2, sizeof(*w), GFP_KERNEL);
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->held = kunit_kcalloc(test, CALLER_MAX, sizeof(*ctx->held), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->held);
	ctx->control = control;
	ctx->test_task = current;
	mutex_init(&ctx->lock);
	INIT_LIST_HEAD(&ctx->pages);
	init_completion(&ctx->filled);
	init_completion(&ctx->slack_back);
	init_completion(&ctx->hog_gone);
	init_completion(&ctx->caller_holding);
	init_completion(&ctx->healthy_done);
	if (control)
		KUNIT_ASSERT_EQ(test, stress_param_for_case(test, "spl_kmem_cache_grow_timeout_ms",
							    CONTROL_TIMEOUT_MS), 0);
	KUNIT_ASSERT_EQ(test, stress_caches_create(test, rd_caches, ARRAY_SIZE(rd_caches)), 0);
	ctx->shrinker = shrinker_alloc(0, "rspl-stress-deadlock");
	KUNIT_ASSERT_NOT_NULL(test, ctx->shrinker);
	ctx->shrinker->count_objects = rd_count;
	ctx->shrinker->scan_objects = rd_scan;
	ctx->shrinker->private_data = ctx;
	shrinker_register(ctx->shrinker);

	/* w[0]: the caller (rspl_stress/0, the control's hung task); w[1]: the hog. */
	started = stress_crew_start(w, 1, rd_caller, ctx);
	if (started == 1)
		started += stress_crew_start(&w[1], 1, rd_hog, ctx);
	if (started == 2) {
		stress_wait(&ctx->filled);
		rd_slack_once_stuck(ctx);
		/* Where the caller is, should it hang (the control's does). */
		for (waited = 1; !wait_for_completion_timeout(&ctx->caller_holding, HZ); waited++)
			if (!(waited % 30) && READ_ONCE(ctx->caller_task))
				sched_show_task(ctx->caller_task);
		if (!control && atomic_read(&ctx->grow_waiting) > 0)
			rd_healthy(test, ctx, &healthy, healthy_held);
	}
	complete(&ctx->healthy_done);
	if (started < 2) {
		complete_all(&ctx->filled);
		atomic_set(&ctx->hog_phase, HOG_LET_GO);
		complete(&ctx->hog_gone);
	}
	stress_crew_wait(w, started);
	shrinker_free(ctx->shrinker);
	KUNIT_ASSERT_EQ(test, started, 2);

	stuck_rc = stress_row(rd_caches[STUCK].name, &stuck_row);
	healthy_rc = stress_row(rd_caches[HEALTHY].name, &healthy_row);
	stress_figures(test, "hog_mib=%lu min_free_kib=%lu caller_objs=%u after_stuck=%u timeouts_elsewhere=%u worst_ms=%lld worst_stuck_ms=%lld emergency=%lu grow_blocked=%d others_blocked=%d scans=%d healthy_objs=%llu healthy_worst_ms=%lld healthy_emergency=%lu healthy_timeouts=%lu",
		       ctx->hog_peak >> (20 - PAGE_SHIFT), ctx->min_free_kb,
		       ctx->taken, ctx->after_stuck, ctx->timeouts_elsewhere, w[0].worst_ns / NSEC_PER_MSEC,
		       ctx->worst_stuck_ns / NSEC_PER_MSEC,
		       stuck_row.emerg_max, atomic_read(&ctx->grow_blocked),
		       atomic_read(&ctx->others_blocked), atomic_read(&ctx->scans),
		       healthy.allocs, healthy.worst_ns / NSEC_PER_MSEC,
		       healthy_row.emerg_max, healthy_row.dlock);

	/* The dependency was real: the grow blocked on the caller, and was
	 * still blocked when the caller had all its objects. */
	KUNIT_EXPECT_GT(test, atomic_read(&ctx->grow_blocked), 0);
	KUNIT_EXPECT_GT(test, ctx->waiting_at_end, 0);
	KUNIT_EXPECT_EQ(test, ctx->after_stuck, control ? CONTROL_AFTER : AFTER_STUCK);
	KUNIT_EXPECT_LT(test, ctx->timeouts_elsewhere, TIMEOUTS_ELSEWHERE);
	KUNIT_EXPECT_EQ(test, w[0].nulls, 0);
	KUNIT_EXPECT_EQ(test, stuck_rc, 0);
	KUNIT_EXPECT_GT(test, stuck_row.dlock, 0);
	KUNIT_EXPECT_GT(test, stuck_row.emerg_max, 0);
	if (control) {
		/* Nothing but the timeout ended the wait. */
		KUNIT_EXPECT_GE(test, w[0].worst_ns / NSEC_PER_MSEC, CONTROL_TIMEOUT_MS);
	} else {
		KUNIT_EXPECT_EQ(test, healthy.allocs, HEALTHY_OBJS);
		KUNIT_EXPECT_EQ(test, healthy.nulls, 0);
		KUNIT_EXPECT_EQ(test, healthy_rc, 0);
		/* Its grow never waited behind the stuck one. */
		KUNIT_EXPECT_EQ(test, healthy_row.dlock, 0);
		KUNIT_EXPECT_EQ(test, healthy_row.emerg_max, 0);
		KUNIT_EXPECT_LT(test, healthy.worst_ns / NSEC_PER_MSEC,
				stress_get_param("spl_kmem_cache_grow_timeout_ms"));
	}

	for (i = 0; i < ctx->taken; i++)
		stress_put(&w[0], rd_caches, &ctx->held[i]);
	for (i = 0; i < HEALTHY_OBJS; i++)
		if (healthy_held[i].obj)
			stress_put(&healthy, rd_caches, &healthy_held[i]);
	KUNIT_EXPECT_EQ(test, w[0].corrupt + healthy.corrupt, 0);
	stress_expect_empty(test, rd_caches, ARRAY_SIZE(rd_caches));
}

void stress_reclaim_deadlock(struct kunit *test)
{
	rd_run(test, false);
}

void stress_unbounded_wait_hangs(struct kunit *test)
{
	rd_run(test, true);
}
