// SPDX-License-Identifier: GPL-2.0
/*
 * Churn: two threads create caches of every kind, use them and destroy
 * them, over and over, while two others allocate from long-lived caches
 * and one reads /proc/rspl/kmem/slab in a loop. Every create and every
 * allocation must succeed, KM_ZERO objects must come zeroed, every read
 * must give a whole report, and no churned cache may be left behind.
 */
#include <linux/jiffies.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include "stress.h"

#define HOLD		16
#define REPORT_MAX	(256 << 10)

static struct stress_cache churn_steady[] = {
	{ "rspl_stress_ch_steady_512", 512, 0 },
	{ "rspl_stress_ch_steady_36k", 36 << 10, 0 },
};

struct churn_ctx {
	unsigned long deadline;
	struct stress_held held[2][HOLD];
};

enum churn_role { CHURNER_A, CHURNER_B, USER_A, USER_B, READER, ROLES };

/* One create, use, destroy cycle; false if anything was wrong. */
static bool churn_cycle(struct stress_worker *w, unsigned int cycle)
{
	static const size_t sizes[] = { 96, 4000, 24 << 10, 200 << 10 };
	static const int flags[] = { 0, KMC_SLAB, KMC_KMEM, KMC_VMEM, KMC_KVMEM };
	struct stress_held held[HOLD] = {};
	struct stress_cache c = { .size = sizes[get_random_u32_below(4)] };
	unsigned int i, n = 1 + get_random_u32_below(HOLD);
	char name[48];
	bool ok = true;
	u8 *obj;

	snprintf(name, sizeof(name), "rspl_stress_ch_%u_%u", w->id, cycle);
	c.name = name;
	c.flags = flags[get_random_u32_below(5)];
	if (c.flags == KMC_SLAB && c.size > (16 << 10))
		c.flags = 0;
	c.cache = rspl_kmem_cache_create(name, c.size, 0, NULL, NULL, NULL,
					 NULL, NULL, c.flags);
	if (!c.cache)
		return false;
	obj = rspl_kmem_cache_alloc(c.cache, KM_ZERO);
	if (!obj || memchr_inv(obj, 0, c.size))
		ok = false;
	if (obj)
		rspl_kmem_cache_free(c.cache, obj);
	for (i = 0; i < n; i++)
		stress_get(w, &c, 0, KM_SLEEP, &held[i]);
	for (i = 0; i < n; i++)
		if (held[i].obj)
			stress_put(w, &c, &held[i]);
	rspl_kmem_cache_destroy(c.cache);
	return ok;
}

/* Whether @text is a whole report: its header, then whole lines. */
static bool churn_report_whole(const char *text, ssize_t len)
{
	return len > 0 && !strncmp(text, "--------------------- cache", 27) &&
	       text[len - 1] == '\n';
}

static void churn_thread(struct stress_worker *w)
{
	struct churn_ctx *ctx = w->ctx;
	unsigned int cycle = 0;
	struct stress_held *held;
	ssize_t len;
	char *text;

	switch (w->id) {
	case CHURNER_A:
	case CHURNER_B:
		while (time_before(jiffies, ctx->deadline)) {
			if (!churn_cycle(w, cycle++))
				w->other++;	/* a failed create or KM_ZERO */
			w->rounds++;
			cond_resched();
		}
		break;
	case USER_A:
	case USER_B:
		held = ctx->held[w->id - USER_A];
		while (time_before(jiffies, ctx->deadline)) {
			stress_toggle(w, churn_steady, 2, held, HOLD, KM_SLEEP);
			cond_resched();
		}
		stress_put_all(w, churn_steady, held, 0, HOLD);
		break;
	case READER:
		text = vmalloc(REPORT_MAX);
		if (!text) {
			w->other++;
			break;
		}
		while (time_before(jiffies, ctx->deadline)) {
			len = stress_read("/proc/rspl/kmem/slab", text, REPORT_MAX);
			if (!churn_report_whole(text, len))
				w->other++;	/* a torn or failed read */
			w->rounds++;
			cond_resched();
		}
		vfree(text);
		break;
	}
}

void stress_churn(struct kunit *test)
{
	struct stress_worker *w, sum;
	struct churn_ctx *ctx;
	char *text;
	ssize_t len;

	w = kunit_kcalloc(test, ROLES, sizeof(*w), GFP_KERNEL);
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	text = kunit_kmalloc(test, REPORT_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, w);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_NOT_NULL(test, text);
	KUNIT_ASSERT_EQ(test, stress_caches_create(test, churn_steady, 2), 0);
	ctx->deadline = jiffies + stress_seconds * HZ;
	KUNIT_ASSERT_EQ(test, stress_crew_run(w, ROLES, churn_thread, ctx), 0);
	stress_crew_sum(w, ROLES, &sum);

	stress_figures(test, "seconds=%u caches_created=%llu allocs=%llu proc_reads=%llu failures=%llu",
		       stress_seconds, w[CHURNER_A].rounds + w[CHURNER_B].rounds,
		       sum.allocs, w[READER].rounds, sum.other);
	STRESS_EXPECT_SOUND(test, sum);
	KUNIT_EXPECT_GT(test, w[CHURNER_A].rounds + w[CHURNER_B].rounds, 0);
	KUNIT_EXPECT_GT(test, w[READER].rounds, 0);
	/* No churned cache is left in the report. */
	len = stress_read("/proc/rspl/kmem/slab", text, REPORT_MAX);
	KUNIT_EXPECT_TRUE(test, churn_report_whole(text, len));
	KUNIT_EXPECT_NULL(test, strstr(text, "rspl_stress_ch_0_"));
	KUNIT_EXPECT_NULL(test, strstr(text, "rspl_stress_ch_1_"));
	stress_expect_empty(test, churn_steady, 2);
}
