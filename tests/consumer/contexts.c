// SPDX-License-Identifier: GPL-2.0
/*
 * rspl's C API from interrupt context, as a driver calls it: in a hard
 * IRQ (irq_work, a self-IPI) and in a softirq (a timer). KM_NOSLEEP
 * allocations and frees on every kind of cache; a KM_SLEEP call served as
 * KM_NOSLEEP, with its constructor told so; a repeated free refused
 * without its destructor; a reap refused. The debug kernel's
 * DEBUG_ATOMIC_SLEEP fails the run on any sleep there.
 */
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/hardirq.h>
#include <linux/irq_work.h>
#include <linux/preempt.h>
#include <linux/smp.h>
#include <linux/timer.h>
#include <rspl/kmem_cache.h>
#include "consumer.h"

#define CTX_OBJS	16

enum ctx_where { CTX_HARDIRQ, CTX_SOFTIRQ };

struct ctx_run {
	struct rspl_kmem_cache *cache;
	int kmflags;
	void (*body)(struct ctx_run *run);
	/* What the body saw and did. */
	bool in_context;
	int got;
	void *objs[CTX_OBJS];
	struct completion done;
	struct irq_work work;
	struct timer_list timer;
};

static void ctx_irq_work(struct irq_work *work)
{
	struct ctx_run *run = container_of(work, struct ctx_run, work);

	run->in_context = in_hardirq();
	run->body(run);
	complete(&run->done);
}

static void ctx_timer(struct timer_list *timer)
{
	struct ctx_run *run = from_timer(run, timer, timer);

	run->in_context = in_serving_softirq();
	run->body(run);
	complete(&run->done);
}

/* Runs run->body in @where on this CPU (the caller stays on it). */
static void ctx_run_in(struct ctx_run *run, enum ctx_where where)
{
	init_completion(&run->done);
	run->in_context = false;
	run->got = 0;
	if (where == CTX_HARDIRQ) {
		/* Hard even on PREEMPT_RT, where plain irq_work is threaded. */
		run->work = IRQ_WORK_INIT_HARD(ctx_irq_work);
		irq_work_queue(&run->work);
		wait_for_completion(&run->done);
		irq_work_sync(&run->work);
	} else {
		timer_setup_on_stack(&run->timer, ctx_timer, 0);
		run->timer.expires = jiffies + 1;
		add_timer_on(&run->timer, smp_processor_id());
		wait_for_completion(&run->done);
		del_timer_sync(&run->timer);
		destroy_timer_on_stack(&run->timer);
	}
}

/* Fills this CPU's magazine (or the Linux cache) with free objects. */
static void ctx_prime(struct rspl_kmem_cache *cache)
{
	void *objs[CTX_OBJS];
	int i;

	for (i = 0; i < CTX_OBJS; i++)
		objs[i] = rspl_kmem_cache_alloc(cache, KM_SLEEP);
	for (i = 0; i < CTX_OBJS; i++)
		rspl_kmem_cache_free(cache, objs[i]);
}

static void ctx_alloc_free(struct ctx_run *run)
{
	int i;

	for (i = 0; i < CTX_OBJS; i++) {
		run->objs[i] = rspl_kmem_cache_alloc(run->cache, run->kmflags);
		run->got += !!run->objs[i];
	}
	for (i = 0; i < CTX_OBJS; i++)
		if (run->objs[i])
			rspl_kmem_cache_free(run->cache, run->objs[i]);
}

static const struct {
	const char *name;
	size_t size;
	int flags;
} ctx_caches[] = {
	{ "rspl_ctx_pass", 200, 0 },
	{ "rspl_ctx_slab", 1000, KMC_SLAB },
	{ "rspl_ctx_kmem", 3 << 10, KMC_KMEM },
	{ "rspl_ctx_kvmem", 24 << 10, KMC_KVMEM },
	{ "rspl_ctx_vmem", 72 << 10, KMC_VMEM },
};

/*
 * KM_NOSLEEP in a hard IRQ and in a softirq, on every kind of cache: the
 * primed objects come back without sleeping, and go back.
 */
static void contexts_nosleep_every_cache(struct kunit *test)
{
	struct ctx_run run = { .kmflags = KM_NOSLEEP, .body = ctx_alloc_free };
	enum ctx_where where;
	int i;

	for (i = 0; i < ARRAY_SIZE(ctx_caches); i++) {
		run.cache = rspl_kmem_cache_create(ctx_caches[i].name,
				ctx_caches[i].size, 0, NULL, NULL, NULL, NULL,
				NULL, ctx_caches[i].flags);
		consumer_own(test, run.cache);
		migrate_disable();
		for (where = CTX_HARDIRQ; where <= CTX_SOFTIRQ; where++) {
			ctx_prime(run.cache);
			ctx_run_in(&run, where);
			KUNIT_EXPECT_TRUE_MSG(test, run.in_context, "%s in %s",
					      ctx_caches[i].name, where ? "softirq" : "hardirq");
			KUNIT_EXPECT_EQ_MSG(test, run.got, CTX_OBJS, "%s in %s",
					    ctx_caches[i].name, where ? "softirq" : "hardirq");
		}
		migrate_enable();
		KUNIT_EXPECT_EQ(test, rspl_kmem_cache_inuse(run.cache), 0);
		consumer_destroy(test, run.cache);
	}
}

static atomic_t ctx_ctor_flags = ATOMIC_INIT(-1);
static atomic_t ctx_dtors = ATOMIC_INIT(0);

static int ctx_ctor(void *obj, void *priv, int kmflags)
{
	atomic_set(&ctx_ctor_flags, kmflags);
	return 0;
}

static void ctx_dtor(void *obj, void *priv)
{
	atomic_inc(&ctx_dtors);
}

/*
 * KM_SLEEP in interrupt context is served as KM_NOSLEEP (reported, never
 * sleeping), and the constructor gets KM_NOSLEEP.
 */
static void contexts_km_sleep_served_nosleep(struct kunit *test)
{
	struct ctx_run run = { .kmflags = KM_SLEEP, .body = ctx_alloc_free };
	enum ctx_where where;
	int i;

	for (i = 0; i < ARRAY_SIZE(ctx_caches); i++) {
		run.cache = rspl_kmem_cache_create(ctx_caches[i].name,
				ctx_caches[i].size, 0, ctx_ctor, ctx_dtor, NULL,
				NULL, NULL, ctx_caches[i].flags);
		consumer_own(test, run.cache);
		migrate_disable();
		for (where = CTX_HARDIRQ; where <= CTX_SOFTIRQ; where++) {
			ctx_prime(run.cache);
			atomic_set(&ctx_ctor_flags, -1);
			ctx_run_in(&run, where);
			KUNIT_EXPECT_TRUE(test, run.in_context);
			KUNIT_EXPECT_EQ_MSG(test, run.got, CTX_OBJS, "%s", ctx_caches[i].name);
			KUNIT_EXPECT_EQ_MSG(test, atomic_read(&ctx_ctor_flags), KM_NOSLEEP,
					    "%s in %s", ctx_caches[i].name,
					    where ? "softirq" : "hardirq");
		}
		migrate_enable();
		consumer_destroy(test, run.cache);
	}
}

static void ctx_refree_and_reap(struct ctx_run *run)
{
	void *obj = rspl_kmem_cache_alloc(run->cache, KM_NOSLEEP);

	if (!obj)
		return;
	run->got = 1;
	rspl_kmem_cache_free(run->cache, obj);
	/* The object freed just before on this CPU: refused. */
	rspl_kmem_cache_free(run->cache, obj);
	/* A reap sends IPIs and frees memory: refused here. */
	rspl_kmem_cache_reap_now(run->cache);
}

/*
 * In interrupt context, a repeated free is refused before the destructor
 * runs, and a reap is refused without sleeping.
 */
static void contexts_refused_calls(struct kunit *test)
{
	struct ctx_run run = { .body = ctx_refree_and_reap };
	enum ctx_where where;
	int dtors;

	run.cache = rspl_kmem_cache_create("rspl_ctx_refree", 132 << 10, 0,
					   NULL, ctx_dtor, NULL, NULL, NULL, KMC_VMEM);
	consumer_own(test, run.cache);
	migrate_disable();
	for (where = CTX_HARDIRQ; where <= CTX_SOFTIRQ; where++) {
		ctx_prime(run.cache);
		dtors = atomic_read(&ctx_dtors);
		ctx_run_in(&run, where);
		KUNIT_EXPECT_TRUE(test, run.in_context);
		KUNIT_EXPECT_EQ(test, run.got, 1);
		KUNIT_EXPECT_EQ(test, atomic_read(&ctx_dtors) - dtors, 1);
	}
	migrate_enable();
	KUNIT_EXPECT_EQ(test, rspl_kmem_cache_inuse(run.cache), 0);
	consumer_destroy(test, run.cache);
}

static struct kunit_case contexts_cases[] = {
	KUNIT_CASE(contexts_nosleep_every_cache),
	KUNIT_CASE(contexts_km_sleep_served_nosleep),
	KUNIT_CASE(contexts_refused_calls),
	{}
};

static struct kunit_suite contexts_suite = {
	.name = "rspl_consumer_contexts",
	.test_cases = contexts_cases,
};

kunit_test_suite(contexts_suite);
