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
 * stress_grow_beside_jammed_pool: the same, on a machine where the same
 * reclaim has also stopped the kernel's shared workers. Before the caller
 * allocates, work items on the system's unbound workqueue take pages until
 * each blocks in that shrinker, and the pool's attempt to start a worker
 * for the next one blocks there too (in kthreadd, or in the worker). A
 * grow that needs a worker of that pool then waits for the workqueue's
 * rescuer, which the stuck grow holds; rspl's own grow threads need
 * neither.
 *
 * stress_unbounded_wait_hangs, the control (suite rspl_stress_control,
 * run in a boot of its own on the debug kernel): the same with the wait
 * bounded only at 40 s, past the hung-task timeout the guest sets. The
 * caller hangs for all of it, and the hung-task detector reports it.
 */
#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/kallsyms.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/debug.h>
#include <linux/shrinker.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
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
/* Work items queued to jam the unbound pool, at most; how long one that
 * is queued may wait for a worker before the pool counts as out of them;
 * and the jam's whole budget (a case must stay well under the debug
 * kernel's 20 s hung-task timeout, which insmod's wait for it counts). */
#define JAMMERS_MAX	64
#define JAMMER_START_MS	500
#define JAM_MS		8000

static struct stress_cache rd_caches[] = {
	{ "rspl_stress_rd_stuck", STUCK_SIZE, KMC_VMEM },
	{ "rspl_stress_rd_healthy", HEALTHY_SIZE, KMC_VMEM },
};
#define STUCK	0
#define HEALTHY	1

enum rd_hog_phase { HOG_HOLD, HOG_SLACK, HOG_LET_GO };

enum rd_mode { RD_PLAIN, RD_JAMMED, RD_CONTROL };

struct rd_ctx;

/* A work item on the system's unbound workqueue that takes pages until
 * the one it asks for needs reclaim, and so blocks in the shrinker. */
struct rd_jammer {
	struct work_struct work;
	struct rd_ctx *ctx;
	bool started;
};

struct rd_ctx {
	enum rd_mode mode;
	/* The caller holds it while it allocates; the shrinker takes it. */
	struct mutex lock;
	atomic_t armed;
	atomic_t scans;
	atomic_t grow_blocked;	/* scans by a grow thread that blocked */
	atomic_t others_blocked;	/* by anyone else (kswapd, ...) */
	atomic_t grow_waiting;	/* grow threads blocked right now */
	atomic_t jammers_blocked, kthreadd_blocked;
	struct rd_jammer *jammers;	/* JAMMERS_MAX */
	unsigned int jammers_queued, jammers_started;
	struct rd_jammer *jam;	/* the first that found no worker */
	bool jam_held;	/* it still had none once the healthy cache was done */
	struct shrinker *shrinker;

	struct list_head pages;	/* the hog's */
	unsigned long hogged, hog_peak, min_free_kb;
	atomic_t hog_phase;
	struct completion filled, slack_back, hog_gone;
	struct completion caller_locked, go, caller_holding, healthy_done;

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

static bool rd_is_jammer(struct rd_ctx *ctx, struct work_struct *work)
{
	return work && ctx->jammers && work >= &ctx->jammers[0].work &&
	       work <= &ctx->jammers[JAMMERS_MAX - 1].work;
}

/*
 * A grow, whatever runs it: one of rspl's grow threads, or a workqueue
 * worker (the rescuer included) running a work function of rspl.ko, as
 * a grow on a workqueue would. Told apart so that the test says the same
 * of any way of running grows.
 */
static bool rd_is_grow(struct work_struct *work)
{
	char sym[KSYM_SYMBOL_LEN];

	if (strstr(current->comm, "rspl_grow"))
		return true;
	if (!work)
		return false;
	sprint_symbol_no_offset(sym, (unsigned long)work->func);
	return strstr(sym, "[rspl]");
}

static atomic_t *rd_blocked_count(struct rd_ctx *ctx, bool grow, struct work_struct *work)
{
	if (grow)
		return &ctx->grow_blocked;
	if (rd_is_jammer(ctx, work))
		return &ctx->jammers_blocked;
	if (!strcmp(current->comm, "kthreadd"))
		return &ctx->kthreadd_blocked;
	return &ctx->others_blocked;
}

static unsigned long rd_scan(struct shrinker *s, struct shrink_control *sc)
{
	struct rd_ctx *ctx = s->private_data;
	struct work_struct *work;
	bool grow;

	/* The test's own thread is no part of the dependency: should the
	 * healthy cache's allocation reclaim, it must not hang the test. */
	if (!atomic_read(&ctx->armed) || current == READ_ONCE(ctx->test_task))
		return SHRINK_STOP;
	atomic_inc(&ctx->scans);
	if (!mutex_trylock(&ctx->lock)) {
		work = current_work();
		grow = rd_is_grow(work);
		atomic_inc(rd_blocked_count(ctx, grow, work));
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
	unsigned int want = ctx->mode == RD_CONTROL ? CONTROL_AFTER : AFTER_STUCK;
	ktime_t start;
	s64 took;
	bool stuck;

	stress_wait(&ctx->filled);
	WRITE_ONCE(ctx->caller_task, current);
	mutex_lock(&ctx->lock);
	atomic_set(&ctx->armed, 1);
	complete(&ctx->caller_locked);
	stress_wait(&ctx->go);
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

static void rd_jammer_run(struct work_struct *work)
{
	struct rd_jammer *j = container_of(work, struct rd_jammer, work);
	struct rd_ctx *ctx = j->ctx;
	struct page *page, *next;
	LIST_HEAD(pages);

	WRITE_ONCE(j->started, true);
	while (atomic_read(&ctx->armed)) {
		page = alloc_page(GFP_KERNEL | __GFP_NOWARN);
		if (!page)
			break;
		list_add(&page->lru, &pages);
	}
	list_for_each_entry_safe(page, next, &pages, lru)
		__free_page(page);
}

/*
 * With memory full and the shrinker armed: queues jammers one at a time,
 * each once the last has blocked (holding its worker), until one finds no
 * worker to run it: the unbound pool can neither run work nor start a
 * worker (the one that tried waits for kthreadd, or blocked itself).
 */
static void rd_jam(struct rd_ctx *ctx)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(JAM_MS), until;
	struct rd_jammer *j;
	int blocked;

	while (ctx->jammers_queued < JAMMERS_MAX && time_before(jiffies, deadline)) {
		blocked = atomic_read(&ctx->jammers_blocked);
		j = &ctx->jammers[ctx->jammers_queued++];
		j->ctx = ctx;
		INIT_WORK(&j->work, rd_jammer_run);
		queue_work(system_unbound_wq, &j->work);
		until = jiffies + msecs_to_jiffies(JAMMER_START_MS);
		while (!READ_ONCE(j->started) && time_before(jiffies, until))
			usleep_range(500, 1000);
		if (!READ_ONCE(j->started)) {
			ctx->jam = j;
			return;
		}
		/* Memory may still come back (the debug kernel's KASAN
		 * quarantine drains): the jammer takes it until it blocks. */
		while (atomic_read(&ctx->jammers_blocked) == blocked && time_before(jiffies, deadline))
			usleep_range(500, 1000);
	}
}

static void rd_unjam(struct rd_ctx *ctx)
{
	unsigned int i;

	for (i = 0; i < ctx->jammers_queued; i++) {
		flush_work(&ctx->jammers[i].work);
		ctx->jammers_started += ctx->jammers[i].started;
	}
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

static void rd_run(struct kunit *test, enum rd_mode mode)
{
	bool control = mode == RD_CONTROL;
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
	ctx->mode = mode;
	if (mode == RD_JAMMED) {
		ctx->jammers = kunit_kcalloc(test, JAMMERS_MAX, sizeof(*ctx->jammers), GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, ctx->jammers);
	}
	ctx->test_task = current;
	mutex_init(&ctx->lock);
	INIT_LIST_HEAD(&ctx->pages);
	init_completion(&ctx->filled);
	init_completion(&ctx->slack_back);
	init_completion(&ctx->hog_gone);
	init_completion(&ctx->caller_locked);
	init_completion(&ctx->go);
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
		stress_wait(&ctx->caller_locked);
		if (mode == RD_JAMMED)
			rd_jam(ctx);
		complete(&ctx->go);
		rd_slack_once_stuck(ctx);
		/* Where the caller is, should it hang (the control's does). */
		for (waited = 1; !wait_for_completion_timeout(&ctx->caller_holding, HZ); waited++)
			if (!(waited % 30) && READ_ONCE(ctx->caller_task))
				sched_show_task(ctx->caller_task);
		if (!control && atomic_read(&ctx->grow_waiting) > 0)
			rd_healthy(test, ctx, &healthy, healthy_held);
		ctx->jam_held = ctx->jam && !READ_ONCE(ctx->jam->started);
	}
	complete(&ctx->healthy_done);
	if (started < 2) {
		complete_all(&ctx->filled);
		complete(&ctx->go);
		atomic_set(&ctx->hog_phase, HOG_LET_GO);
		complete(&ctx->hog_gone);
	}
	stress_crew_wait(w, started);
	rd_unjam(ctx);
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
	if (mode == RD_JAMMED)
		stress_figures(test, "jammers_queued=%u jammers_started=%u jammers_blocked=%d kthreadd_blocked=%d jam_held=%d",
			       ctx->jammers_queued, ctx->jammers_started,
			       atomic_read(&ctx->jammers_blocked),
			       atomic_read(&ctx->kthreadd_blocked), ctx->jam_held);

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
	/* The pool was jammed all along: its workers blocked in the
	 * shrinker, and a jammer found none, before the caller allocated and
	 * still once the healthy cache was done. */
	if (mode == RD_JAMMED) {
		KUNIT_EXPECT_TRUE(test, ctx->jam_held);
		KUNIT_EXPECT_GT(test, atomic_read(&ctx->jammers_blocked), 0);
	}
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
	rd_run(test, RD_PLAIN);
}

void stress_grow_beside_jammed_pool(struct kunit *test)
{
	rd_run(test, RD_JAMMED);
}

void stress_unbounded_wait_hangs(struct kunit *test)
{
	rd_run(test, RD_CONTROL);
}
