// SPDX-License-Identifier: GPL-2.0
/*
 * A crew of kernel threads running one function, and the alloc/free
 * helpers every case's threads use: each allocation is timed, each object
 * carries its holder's pattern, checked before it is freed.
 */
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/minmax.h>
#include <linux/random.h>
#include <linux/sched.h>
#include "stress.h"

void stress_wait(struct completion *c)
{
	/* Short uninterruptible waits: the hung-task detector sees progress. */
	while (!wait_for_completion_timeout(c, HZ))
		;
}

static int stress_thread(void *data)
{
	struct stress_worker *w = data;

	w->fn(w);
	complete(&w->done);
	return 0;
}

unsigned int stress_crew_start(struct stress_worker *w, unsigned int n,
			       stress_work_fn fn, void *ctx)
{
	struct task_struct *task;
	unsigned int started;

	for (started = 0; started < n; started++) {
		memset(&w[started], 0, sizeof(w[started]));
		w[started].ctx = ctx;
		w[started].id = started;
		w[started].fn = fn;
		init_completion(&w[started].done);
		task = kthread_run(stress_thread, &w[started], "rspl_stress/%u",
				   started);
		if (IS_ERR(task))
			break;
	}
	return started;
}

void stress_crew_wait(struct stress_worker *w, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		stress_wait(&w[i].done);
}

int stress_crew_run(struct stress_worker *w, unsigned int n,
		    stress_work_fn fn, void *ctx)
{
	unsigned int started = stress_crew_start(w, n, fn, ctx);

	stress_crew_wait(w, started);
	return started == n ? 0 : -EAGAIN;
}

void stress_crew_sum(const struct stress_worker *w, unsigned int n,
		     struct stress_worker *sum)
{
	unsigned int i;

	memset(sum, 0, sizeof(*sum));
	for (i = 0; i < n; i++) {
		sum->allocs += w[i].allocs;
		sum->frees += w[i].frees;
		sum->nulls += w[i].nulls;
		sum->nosleep_nulls += w[i].nosleep_nulls;
		sum->corrupt += w[i].corrupt;
		sum->claimed += w[i].claimed;
		sum->other += w[i].other;
		sum->rounds += w[i].rounds;
		sum->worst_ns = max(sum->worst_ns, w[i].worst_ns);
	}
}

struct stress_cache_set {
	struct stress_cache *c;
	unsigned int n;
};

static void stress_caches_cleanup(void *data)
{
	struct stress_cache_set *set = data;

	stress_caches_destroy(set->c, set->n);
}

int stress_caches_create(struct kunit *test, struct stress_cache *c,
			 unsigned int n)
{
	struct stress_cache_set *set;
	unsigned int i;

	set = kunit_kzalloc(test, sizeof(*set), GFP_KERNEL);
	if (!set)
		return -ENOMEM;
	set->c = c;
	set->n = n;
	for (i = 0; i < n; i++) {
		c[i].cache = rspl_kmem_cache_create(c[i].name, c[i].size, 0, NULL,
						    NULL, c[i].reclaim, &c[i], NULL,
						    c[i].flags);
		if (!c[i].cache) {
			stress_caches_destroy(c, i);
			return -ENOMEM;
		}
	}
	/* Destroyed when the case ends, however it ends. */
	return kunit_add_action_or_reset(test, stress_caches_cleanup, set);
}

void stress_caches_destroy(struct stress_cache *c, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (c[i].cache)
			rspl_kmem_cache_destroy(c[i].cache);
		c[i].cache = NULL;
	}
}

bool stress_get(struct stress_worker *w, struct stress_cache *c,
		unsigned int idx, int kmflags, struct stress_held *h)
{
	ktime_t start = ktime_get();
	void *obj = rspl_kmem_cache_alloc(c[idx].cache, kmflags);
	s64 took = ktime_to_ns(ktime_sub(ktime_get(), start));

	if (!obj) {
		if (kmflags & KM_NOSLEEP)
			w->nosleep_nulls++;
		else
			w->nulls++;
		return false;
	}
	if (!(kmflags & KM_NOSLEEP))
		w->worst_ns = max(w->worst_ns, took);
	if (stress_claimed(obj))
		w->claimed++;
	w->allocs++;
	h->obj = obj;
	h->cache = idx;
	h->tag = ((u64)w->id << 48) ^ (w->allocs << 8) ^ idx;
	stress_mark(obj, c[idx].size, h->tag);
	return true;
}

void stress_put(struct stress_worker *w, struct stress_cache *c,
		struct stress_held *h)
{
	if (!stress_intact(h->obj, c[h->cache].size, h->tag))
		w->corrupt++;
	stress_retire(h->obj);
	rspl_kmem_cache_free(c[h->cache].cache, h->obj);
	h->obj = NULL;
	w->frees++;
}

void stress_toggle(struct stress_worker *w, struct stress_cache *c,
		   unsigned int ncaches, struct stress_held *held,
		   unsigned int hold, int kmflags)
{
	struct stress_held *h = &held[get_random_u32_below(hold)];

	if (h->obj)
		stress_put(w, c, h);
	else
		stress_get(w, c, get_random_u32_below(ncaches), kmflags, h);
}

void stress_put_all(struct stress_worker *w, struct stress_cache *c,
		    struct stress_held *held, unsigned int from,
		    unsigned int hold)
{
	unsigned int i;

	for (i = from; i < hold; i++)
		if (held[i].obj)
			stress_put(w, c, &held[i]);
}

void stress_expect_empty(struct kunit *test, struct stress_cache *c,
			 unsigned int n)
{
	struct stress_row row;
	unsigned int i, tries;
	int ret;

	for (i = 0; i < n; i++) {
		/*
		 * A grow still in flight when the objects came back (one that
		 * was stuck behind the test's own locks, say) may add its slab
		 * after a reap: empty, the next reap returns it. Reaped until
		 * no slab is left, for 2 s at most.
		 */
		for (tries = 0;; tries++) {
			rspl_kmem_cache_reap_now(c[i].cache);
			ret = stress_row(c[i].name, &row);
			if (ret || !row.slabs_total || tries == 40)
				break;
			msleep(50);
		}
		KUNIT_EXPECT_FALSE_MSG(test, rspl_kmem_cache_inuse(c[i].cache),
				       "%s", c[i].name);
		if (ret == -ENOENT)
			continue;	/* a pass-through cache */
		KUNIT_EXPECT_EQ_MSG(test, ret, 0, "%s", c[i].name);
		if (ret)
			continue;
		KUNIT_EXPECT_EQ_MSG(test, row.objs_alloc, 0, "%s", c[i].name);
		KUNIT_EXPECT_EQ_MSG(test, row.emerg, 0, "%s", c[i].name);
		KUNIT_EXPECT_EQ_MSG(test, row.slabs_total, 0, "%s", c[i].name);
	}
}
