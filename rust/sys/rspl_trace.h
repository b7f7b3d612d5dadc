/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rspl's trace events (system "rspl"): one for each step of a stall, from
 * the grow queued to the emergency object freed, and for the shrinker.
 * They fire on slow paths only; rust/sys/trace.c defines them and wraps
 * each in a function the Rust code calls (rust/sys/trace.rs).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM rspl

#if !defined(_RSPL_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _RSPL_TRACE_H

#include <linux/tracepoint.h>

/* An event that names only its cache. */
DECLARE_EVENT_CLASS(rspl_cache_event,
	TP_PROTO(const char *cache),
	TP_ARGS(cache),
	TP_STRUCT__entry(__string(cache, cache)),
	TP_fast_assign(__assign_str(cache);),
	TP_printk("cache=%s", __get_str(cache))
);

/* A grow was handed to the grow crew (a caller found no object). */
DEFINE_EVENT(rspl_cache_event, rspl_grow_queued,
	TP_PROTO(const char *cache),
	TP_ARGS(cache)
);

/* A grow finished: a slab added, or none (no memory). */
TRACE_EVENT(rspl_grow_done,
	TP_PROTO(const char *cache, int added, unsigned long us),
	TP_ARGS(cache, added, us),
	TP_STRUCT__entry(
		__string(cache, cache)
		__field(int, added)
		__field(unsigned long, us)
	),
	TP_fast_assign(
		__assign_str(cache);
		__entry->added = added;
		__entry->us = us;
	),
	TP_printk("cache=%s added=%d us=%lu", __get_str(cache),
		  __entry->added, __entry->us)
);

/* A caller's wait for a grow timed out: it takes an emergency object. */
TRACE_EVENT(rspl_wait_timeout,
	TP_PROTO(const char *cache, unsigned long waited_us),
	TP_ARGS(cache, waited_us),
	TP_STRUCT__entry(
		__string(cache, cache)
		__field(unsigned long, waited_us)
	),
	TP_fast_assign(
		__assign_str(cache);
		__entry->waited_us = waited_us;
	),
	TP_printk("cache=%s waited_us=%lu", __get_str(cache),
		  __entry->waited_us)
);

/* An emergency object was allocated, with the flags it was served with. */
TRACE_EVENT(rspl_emergency_alloc,
	TP_PROTO(const char *cache, const void *obj, unsigned long size,
		 int kmflags),
	TP_ARGS(cache, obj, size, kmflags),
	TP_STRUCT__entry(
		__string(cache, cache)
		__field(const void *, obj)
		__field(unsigned long, size)
		__field(int, kmflags)
	),
	TP_fast_assign(
		__assign_str(cache);
		__entry->obj = obj;
		__entry->size = size;
		__entry->kmflags = kmflags;
	),
	TP_printk("cache=%s obj=%p size=%lu kmflags=%#x", __get_str(cache),
		  __entry->obj, __entry->size, __entry->kmflags)
);

/* An emergency object was freed, or moved back into a slab. */
TRACE_EVENT(rspl_emergency_free,
	TP_PROTO(const char *cache, const void *obj, unsigned long size),
	TP_ARGS(cache, obj, size),
	TP_STRUCT__entry(
		__string(cache, cache)
		__field(const void *, obj)
		__field(unsigned long, size)
	),
	TP_fast_assign(
		__assign_str(cache);
		__entry->obj = obj;
		__entry->size = size;
	),
	TP_printk("cache=%s obj=%p size=%lu", __get_str(cache), __entry->obj,
		  __entry->size)
);

/* A caller entitled to the reserve took an object from it. */
TRACE_EVENT(rspl_reserve_take,
	TP_PROTO(const char *cache, const void *obj, unsigned int left),
	TP_ARGS(cache, obj, left),
	TP_STRUCT__entry(
		__string(cache, cache)
		__field(const void *, obj)
		__field(unsigned int, left)
	),
	TP_fast_assign(
		__assign_str(cache);
		__entry->obj = obj;
		__entry->left = left;
	),
	TP_printk("cache=%s obj=%p left=%u", __get_str(cache), __entry->obj,
		  __entry->left)
);

/* An emergency object was offered a slab object to move into. */
TRACE_EVENT(rspl_move_offer,
	TP_PROTO(const char *cache, const void *old, const void *new),
	TP_ARGS(cache, old, new),
	TP_STRUCT__entry(
		__string(cache, cache)
		__field(const void *, old)
		__field(const void *, new)
	),
	TP_fast_assign(
		__assign_str(cache);
		__entry->old = old;
		__entry->new = new;
	),
	TP_printk("cache=%s old=%p new=%p", __get_str(cache), __entry->old,
		  __entry->new)
);

/* The consumer's answer to a move (kmem_cbrc_t). */
TRACE_EVENT(rspl_move_answer,
	TP_PROTO(const char *cache, const void *old, int answer),
	TP_ARGS(cache, old, answer),
	TP_STRUCT__entry(
		__string(cache, cache)
		__field(const void *, old)
		__field(int, answer)
	),
	TP_fast_assign(
		__assign_str(cache);
		__entry->old = old;
		__entry->answer = answer;
	),
	TP_printk("cache=%s old=%p answer=%s", __get_str(cache), __entry->old,
		  __print_symbolic(__entry->answer,
				   { 0, "YES" }, { 1, "NO" }, { 2, "LATER" },
				   { 3, "DONT_NEED" }, { 4, "DONT_KNOW" }))
);

/* One call of rspl's shrinker: objects asked for, and freed. */
TRACE_EVENT(rspl_shrink_scan,
	TP_PROTO(unsigned long asked, unsigned long freed),
	TP_ARGS(asked, freed),
	TP_STRUCT__entry(
		__field(unsigned long, asked)
		__field(unsigned long, freed)
	),
	TP_fast_assign(
		__entry->asked = asked;
		__entry->freed = freed;
	),
	TP_printk("asked=%lu freed=%lu", __entry->asked, __entry->freed)
);

#endif /* _RSPL_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE rspl_trace
#include <trace/define_trace.h>
