// SPDX-License-Identifier: GPL-2.0
/*
 * What rspl's trace events fired, for the KUnit suites (CONFIG_KUNIT
 * only): a probe on each event records one cache's events in order, as a
 * tracer attached to them would see them.
 */
#include <linux/errno.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <rspl/kmem_flags.h>
#include "rspl_trace.h"
#include "shim.h"

#define RSPL_TRACE_RECORD_MAX	256

static DEFINE_SPINLOCK(rspl_record_lock);
static char rspl_record_cache[RSPL_KMEM_CACHE_NAME_MAX + 1];
static struct rspl_trace_seen rspl_record[RSPL_TRACE_RECORD_MAX];
static unsigned int rspl_recorded;

static void rspl_note(const char *cache, unsigned int event, unsigned long a,
		      unsigned long b)
{
	unsigned long flags;

	/* One cache's events, or (no cache named) the shrinker's. */
	if (cache ? strcmp(cache, rspl_record_cache) : rspl_record_cache[0])
		return;
	spin_lock_irqsave(&rspl_record_lock, flags);
	if (rspl_recorded < RSPL_TRACE_RECORD_MAX)
		rspl_record[rspl_recorded] = (struct rspl_trace_seen){
			.event = event, .a = a, .b = b,
		};
	rspl_recorded++;
	spin_unlock_irqrestore(&rspl_record_lock, flags);
}

static void rspl_on_grow_queued(void *data, const char *cache)
{
	rspl_note(cache, RSPL_TRACE_GROW_QUEUED, 0, 0);
}

static void rspl_on_grow_done(void *data, const char *cache, int added,
			      unsigned long us)
{
	rspl_note(cache, RSPL_TRACE_GROW_DONE, added, us);
}

static void rspl_on_wait_timeout(void *data, const char *cache,
				 unsigned long waited_us)
{
	rspl_note(cache, RSPL_TRACE_WAIT_TIMEOUT, waited_us, 0);
}

static void rspl_on_emergency_alloc(void *data, const char *cache,
				    const void *obj, unsigned long size,
				    int kmflags)
{
	rspl_note(cache, RSPL_TRACE_EMERGENCY_ALLOC, (unsigned long)obj, kmflags);
}

static void rspl_on_emergency_free(void *data, const char *cache,
				   const void *obj, unsigned long size)
{
	rspl_note(cache, RSPL_TRACE_EMERGENCY_FREE, (unsigned long)obj, 0);
}

static void rspl_on_reserve_take(void *data, const char *cache,
				 const void *obj, unsigned int left)
{
	rspl_note(cache, RSPL_TRACE_RESERVE_TAKE, (unsigned long)obj, left);
}

static void rspl_on_move_offer(void *data, const char *cache, const void *old,
			       const void *new)
{
	rspl_note(cache, RSPL_TRACE_MOVE_OFFER, (unsigned long)old,
		  (unsigned long)new);
}

static void rspl_on_move_answer(void *data, const char *cache,
				const void *old, int answer)
{
	rspl_note(cache, RSPL_TRACE_MOVE_ANSWER, (unsigned long)old, answer);
}

static void rspl_on_shrink_scan(void *data, unsigned long asked,
				unsigned long freed)
{
	rspl_note(NULL, RSPL_TRACE_SHRINK_SCAN, asked, freed);
}

/* Every event and its probe, for the register and unregister loops. */
#define RSPL_PROBES(X)						\
	X(rspl_grow_queued, rspl_on_grow_queued)		\
	X(rspl_grow_done, rspl_on_grow_done)			\
	X(rspl_wait_timeout, rspl_on_wait_timeout)		\
	X(rspl_emergency_alloc, rspl_on_emergency_alloc)	\
	X(rspl_emergency_free, rspl_on_emergency_free)		\
	X(rspl_reserve_take, rspl_on_reserve_take)		\
	X(rspl_move_offer, rspl_on_move_offer)			\
	X(rspl_move_answer, rspl_on_move_answer)		\
	X(rspl_shrink_scan, rspl_on_shrink_scan)

/* Unregisters every probe registered (a probe not registered is skipped). */
static void rspl_unregister_all(void)
{
#define RSPL_UNREGISTER(event, probe) unregister_trace_##event(probe, NULL);
	RSPL_PROBES(RSPL_UNREGISTER)
#undef RSPL_UNREGISTER
	tracepoint_synchronize_unregister();
}

int rspl_trace_record_start(const char *cache)
{
	int err = 0;

	if (!IS_ENABLED(CONFIG_TRACEPOINTS))
		return -ENOSYS;
	strscpy(rspl_record_cache, cache ?: "", sizeof(rspl_record_cache));
	rspl_recorded = 0;
#define RSPL_REGISTER(event, probe) \
	if (!err)                   \
		err = register_trace_##event(probe, NULL);
	RSPL_PROBES(RSPL_REGISTER)
#undef RSPL_REGISTER
	if (err)
		rspl_unregister_all();
	return err;
}

unsigned int rspl_trace_record_stop(struct rspl_trace_seen *out,
				    unsigned int max)
{
	unsigned int n;

	rspl_unregister_all();
	n = min(rspl_recorded, (unsigned int)RSPL_TRACE_RECORD_MAX);
	if (out)
		memcpy(out, rspl_record, min(n, max) * sizeof(*out));
	return rspl_recorded;
}
