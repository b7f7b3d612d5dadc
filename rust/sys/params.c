// SPDX-License-Identifier: GPL-2.0
/*
 * rspl's module parameters, under /sys/module/rspl/parameters/ with the
 * SPL's names and defaults (rspl's own ones start with rspl_). Rust reads
 * them through the getters below on every use, so that a write takes
 * effect at once; tests change some through the setters.
 */
#include <linux/compiler.h>
#include <linux/moduleparam.h>
#include "shim.h"

/* An unsigned int parameter @name and its getter @get. */
#define RSPL_PARAM(name, value, perm, get, desc)		\
	static unsigned int name = value;			\
	module_param(name, uint, perm);				\
	MODULE_PARM_DESC(name, desc);				\
	unsigned int get(void)					\
	{							\
		return READ_ONCE(name);				\
	}

/* The setter @set of parameter @name, for the KUnit suites only. */
#if IS_ENABLED(CONFIG_KUNIT)
#define RSPL_PARAM_SETTER(name, set)				\
	void set(unsigned int value)				\
	{							\
		WRITE_ONCE(name, value);			\
	}
#else
#define RSPL_PARAM_SETTER(name, set)
#endif

RSPL_PARAM(spl_kmem_cache_obj_per_slab, 8, 0644, rspl_param_obj_per_slab,
	   "Number of objects per slab");
RSPL_PARAM(spl_kmem_cache_max_size, 32, 0644, rspl_param_max_size_mb,
	   "Maximum size of a slab in MiB");
RSPL_PARAM(spl_kmem_cache_slab_limit, 16384, 0644, rspl_param_slab_limit,
	   "Objects up to this size pass through to a Linux kmem_cache");
RSPL_PARAM(spl_kmem_cache_magazine_size, 0, 0444, rspl_param_magazine_size,
	   "Default magazine size (0 = by object size; at most 1024)");
RSPL_PARAM_SETTER(spl_kmem_cache_magazine_size, rspl_param_set_magazine_size);
RSPL_PARAM(rspl_idle_age_ms, 2000, 0644, rspl_param_age_ms,
	   "Aging tick: magazines and empty slabs unused for two ticks are returned (0 = no aging)");
RSPL_PARAM_SETTER(rspl_idle_age_ms, rspl_param_set_age_ms);
RSPL_PARAM(rspl_kmem_debug, 0, 0644, rspl_param_kmem_debug,
	   "Caches created while set (and without KMC_NODEBUG) check every free at once: no magazines, small objects on rspl's slabs");
RSPL_PARAM_SETTER(rspl_kmem_debug, rspl_param_set_kmem_debug);
RSPL_PARAM(spl_kmem_cache_grow_timeout_ms, 100, 0644, rspl_param_grow_timeout_ms,
	   "How long a caller waits for a slab grow before taking an emergency object");
RSPL_PARAM_SETTER(spl_kmem_cache_grow_timeout_ms, rspl_param_set_grow_timeout_ms);
RSPL_PARAM(spl_kmem_cache_inject_grow_delay_ms, 0, 0644, rspl_param_inject_grow_delay_ms,
	   "Fault injection: the grow worker sleeps this long before allocating");
RSPL_PARAM_SETTER(spl_kmem_cache_inject_grow_delay_ms, rspl_param_set_inject_grow_delay_ms);
RSPL_PARAM(rspl_kmem_cache_reserve_objs, 16, 0644, rspl_param_reserve_objs,
	   "Objects a KMC_RESERVE cache keeps for KM_PUSHPAGE and reclaim callers, taken when even an emergency object fails");
RSPL_PARAM_SETTER(rspl_kmem_cache_reserve_objs, rspl_param_set_reserve_objs);
RSPL_PARAM(rspl_inject_emergency_fail, 0, 0644, rspl_param_inject_emergency_fail,
	   "Fault injection: every emergency allocation fails while set");
RSPL_PARAM_SETTER(rspl_inject_emergency_fail, rspl_param_set_inject_emergency_fail);
