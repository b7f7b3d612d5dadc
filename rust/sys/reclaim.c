// SPDX-License-Identifier: GPL-2.0
/*
 * Reclaim for rspl's Rust code: a shrinker (the kernel asks for memory
 * back under pressure) and a delayed work item that ticks every
 * rspl_idle_age_ms to age idle magazines and empty slabs. Both call back
 * into Rust (rust/services/reclaim.rs).
 */
#include <linux/jiffies.h>
#include <linux/shrinker.h>
#include <linux/workqueue.h>
#include "rust_callbacks.h"
#include "shim.h"

static struct shrinker *rspl_shrinker;

static void rspl_age_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(rspl_age_work, rspl_age_fn);

/* With aging off, look again every second for it to be turned on. */
static unsigned long rspl_age_delay(void)
{
	unsigned int ms = rspl_param_age_ms();

	return msecs_to_jiffies(ms ? ms : 1000);
}

static void rspl_age_fn(struct work_struct *work)
{
	if (rspl_param_age_ms())
		rspl_age_tick();
	schedule_delayed_work(&rspl_age_work, rspl_age_delay());
}

static unsigned long rspl_shrinker_count(struct shrinker *shrinker,
					 struct shrink_control *sc)
{
	unsigned long n = rspl_shrink_count();

	return n ? n : SHRINK_EMPTY;
}

/*
 * Never blocks on rspl's locks. Consumers' reclaim callbacks run only for
 * reclaim that may enter filesystems (as fs/super.c's and the ARC's
 * shrinkers look at __GFP_FS first): not for NOFS/NOIO allocations, which
 * rspl's own are. With nothing freed because another reap held a cache,
 * SHRINK_STOP: no progress can be made now.
 */
static unsigned long rspl_shrinker_scan(struct shrinker *shrinker,
					struct shrink_control *sc)
{
	bool busy = false;
	unsigned long freed = rspl_shrink_scan(sc->nr_to_scan,
					       !!(sc->gfp_mask & __GFP_FS), &busy);

	return !freed && busy ? SHRINK_STOP : freed;
}

int rspl_reclaim_start(void)
{
	rspl_shrinker = shrinker_alloc(0, "rspl");
	if (!rspl_shrinker)
		return -ENOMEM;
	rspl_shrinker->count_objects = rspl_shrinker_count;
	rspl_shrinker->scan_objects = rspl_shrinker_scan;
	rspl_shrinker->seeks = DEFAULT_SEEKS;
	shrinker_register(rspl_shrinker);
	schedule_delayed_work(&rspl_age_work, rspl_age_delay());
	return 0;
}

/* Returns when no shrinker call and no aging tick runs or will run. */
void rspl_reclaim_stop(void)
{
	shrinker_free(rspl_shrinker);
	cancel_delayed_work_sync(&rspl_age_work);
}
