// SPDX-License-Identifier: GPL-2.0
/*
 * rspl's trace events (rspl_trace.h), each behind a function for the Rust
 * code: a call costs a static-key test while the event is off, and every
 * caller is on a slow path.
 */
#define CREATE_TRACE_POINTS
#include "rspl_trace.h"
#include "shim.h"

void rspl_trace_grow_queued(const char *cache)
{
	trace_rspl_grow_queued(cache);
}

void rspl_trace_grow_done(const char *cache, int added, unsigned long us)
{
	trace_rspl_grow_done(cache, added, us);
}

void rspl_trace_wait_timeout(const char *cache, unsigned long waited_us)
{
	trace_rspl_wait_timeout(cache, waited_us);
}

void rspl_trace_emergency_alloc(const char *cache, const void *obj,
				unsigned long size, int kmflags)
{
	trace_rspl_emergency_alloc(cache, obj, size, kmflags);
}

void rspl_trace_emergency_free(const char *cache, const void *obj,
			       unsigned long size)
{
	trace_rspl_emergency_free(cache, obj, size);
}

void rspl_trace_reserve_take(const char *cache, const void *obj,
			     unsigned int left)
{
	trace_rspl_reserve_take(cache, obj, left);
}

void rspl_trace_move_offer(const char *cache, const void *old,
			   const void *new)
{
	trace_rspl_move_offer(cache, old, new);
}

void rspl_trace_move_answer(const char *cache, const void *old, int answer)
{
	trace_rspl_move_answer(cache, old, answer);
}

void rspl_trace_shrink_scan(unsigned long asked, unsigned long freed)
{
	trace_rspl_shrink_scan(asked, freed);
}
