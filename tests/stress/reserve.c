// SPDX-License-Identifier: GPL-2.0
/*
 * The reserve under a hog: every grow is held up past the timeout and
 * every emergency allocation fails (rspl's fault injection), as when the
 * memory the emergency path would take is gone. Four threads on the I/O
 * path (KM_PUSHPAGE) take the whole reserve between them, each within the
 * grow timeout; four KM_SLEEP threads outside reclaim, at the same time,
 * take none of it: they back off until the stalled grow lands. That grow
 * fills the reserve again before the waiters get their slab.
 */
#include <linux/delay.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include "stress.h"

#define TIMEOUT_MS	100
#define GROW_DELAY_MS	1500
#define RESERVE_OBJS	32
#define PUSHERS		4
#define SLEEPERS	4
#define PUSHER_OBJS	(RESERVE_OBJS / PUSHERS)
/* The free objects the slabs hold after the reserve's fill, at most. */
#define DRAIN_MAX	64
#define MARGIN_MS	(IS_ENABLED(CONFIG_KASAN) ? 150 : 50)

static struct stress_cache reserve_caches[] = {
	{ "rspl_stress_reserve", 64 << 10, KMC_VMEM | KMC_RESERVE },
};

struct reserve_ctx {
	atomic_t holding;
	struct completion all_holding;
	struct completion release;
};

/* One row of /proc/rspl/kmem/reserve. */
struct reserve_row {
	unsigned long target, held, low, taken, dry;
};

static int reserve_row(const char *name, struct reserve_row *r)
{
	char *text, *line;
	size_t len = strlen(name);
	ssize_t n;
	int ret = -ENOENT;

	text = vmalloc(PAGE_SIZE * 16);
	if (!text)
		return -ENOMEM;
	n = stress_read("/proc/rspl/kmem/reserve", text, PAGE_SIZE * 16);
	for (line = n > 0 ? text : NULL; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (strncmp(line, name, len) || line[len] != ' ')
			continue;
		ret = sscanf(line + len, "%lu %lu %lu %lu %lu", &r->target,
			     &r->held, &r->low, &r->taken, &r->dry) == 5 ? 0 : -EINVAL;
		break;
	}
	vfree(text);
	return n < 0 ? n : ret;
}

static void reserve_thread(struct stress_worker *w)
{
	struct reserve_ctx *ctx = w->ctx;
	bool pusher = w->id < PUSHERS;
	unsigned int i, n = pusher ? PUSHER_OBJS : 1;
	struct stress_held held[PUSHER_OBJS] = {};

	for (i = 0; i < n; i++)
		stress_get(w, reserve_caches, 0, pusher ? KM_PUSHPAGE : KM_SLEEP, &held[i]);
	if (atomic_inc_return(&ctx->holding) == PUSHERS + SLEEPERS)
		complete(&ctx->all_holding);
	stress_wait(&ctx->release);
	stress_put_all(w, reserve_caches, held, 0, n);
}

void stress_reserve_under_hog(struct kunit *test)
{
	struct stress_worker *w, pushers, sleepers;
	struct rspl_kmem_cache *cache;
	unsigned int started, i, nr_drained = 0;
	struct reserve_row before, after;
	struct reserve_ctx ctx;
	void **drained;

	w = kunit_kcalloc(test, PUSHERS + SLEEPERS, sizeof(*w), GFP_KERNEL);
	drained = kunit_kcalloc(test, DRAIN_MAX, sizeof(*drained), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	KUNIT_ASSERT_NOT_NULL(test, drained);
	KUNIT_ASSERT_EQ(test, stress_param_for_case(test, "rspl_kmem_cache_reserve_objs",
						    RESERVE_OBJS), 0);
	KUNIT_ASSERT_EQ(test, stress_caches_create(test, reserve_caches, 1), 0);
	cache = reserve_caches[0].cache;
	KUNIT_ASSERT_EQ(test, reserve_row(reserve_caches[0].name, &before), 0);
	KUNIT_EXPECT_EQ(test, before.held, RESERVE_OBJS);
	KUNIT_ASSERT_EQ(test, stress_param_for_case(test, "spl_kmem_cache_grow_timeout_ms",
						    TIMEOUT_MS), 0);
	KUNIT_ASSERT_EQ(test, stress_param_for_case(test, "spl_kmem_cache_inject_grow_delay_ms",
						    GROW_DELAY_MS), 0);
	KUNIT_ASSERT_EQ(test, stress_param_for_case(test, "rspl_inject_emergency_fail", 1), 0);
	/* What the slabs have left goes first (KM_NOSLEEP, which never
	 * takes from the reserve); its miss starts the stalled grow. */
	while (nr_drained < DRAIN_MAX &&
	       (drained[nr_drained] = rspl_kmem_cache_alloc(cache, KM_NOSLEEP)))
		nr_drained++;
	KUNIT_EXPECT_LT(test, nr_drained, DRAIN_MAX);

	atomic_set(&ctx.holding, 0);
	init_completion(&ctx.all_holding);
	init_completion(&ctx.release);
	started = stress_crew_start(w, PUSHERS + SLEEPERS, reserve_thread, &ctx);
	if (started == PUSHERS + SLEEPERS)
		stress_wait(&ctx.all_holding);
	KUNIT_EXPECT_EQ(test, reserve_row(reserve_caches[0].name, &after), 0);
	complete_all(&ctx.release);
	stress_crew_wait(w, started);
	KUNIT_ASSERT_EQ(test, started, PUSHERS + SLEEPERS);
	stress_crew_sum(w, PUSHERS, &pushers);
	stress_crew_sum(w + PUSHERS, SLEEPERS, &sleepers);
	for (i = 0; i < nr_drained; i++)
		rspl_kmem_cache_free(cache, drained[i]);

	stress_figures(test, "reserve_objs=%u pushpage_threads=%u pushpage_allocs=%llu pushpage_worst_ms=%lld.%03lld km_sleep_threads=%u km_sleep_allocs=%llu km_sleep_worst_ms=%lld taken=%lu dry=%lu low=%lu held_after_grow=%lu timeout_ms=%u grow_stall_ms=%u",
		       RESERVE_OBJS, PUSHERS, pushers.allocs, pushers.worst_ns / 1000000,
		       (pushers.worst_ns / 1000) % 1000, SLEEPERS, sleepers.allocs,
		       sleepers.worst_ns / 1000000, after.taken, after.dry, after.low,
		       after.held, TIMEOUT_MS, GROW_DELAY_MS);
	STRESS_EXPECT_SOUND(test, pushers);
	STRESS_EXPECT_SOUND(test, sleepers);
	KUNIT_EXPECT_EQ(test, pushers.allocs, (u64)RESERVE_OBJS);
	KUNIT_EXPECT_EQ(test, sleepers.allocs, (u64)SLEEPERS);
	/* The I/O path got the whole reserve, each call within the timeout. */
	KUNIT_EXPECT_EQ(test, after.taken, RESERVE_OBJS);
	KUNIT_EXPECT_EQ(test, after.low, 0);
	KUNIT_EXPECT_LE(test, pushers.worst_ns,
			(s64)(TIMEOUT_MS + MARGIN_MS) * NSEC_PER_MSEC);
	/* The KM_SLEEP callers took none: they waited for the grow. */
	KUNIT_EXPECT_GE(test, sleepers.worst_ns, (s64)GROW_DELAY_MS / 2 * NSEC_PER_MSEC);
	/* The grow that served them filled the reserve first. */
	KUNIT_EXPECT_EQ(test, after.held, RESERVE_OBJS);
	KUNIT_EXPECT_EQ(test, rspl_kmem_cache_inuse(cache), 0);
}
