// SPDX-License-Identifier: GPL-2.0
/*
 * rspl's module parameters, under /sys/module/rspl/parameters/ with the
 * SPL's names and defaults. Rust reads them through the getters below on
 * every use, so that a write takes effect at once.
 */
#include <linux/compiler.h>
#include <linux/moduleparam.h>
#include <rspl/shim.h>

static unsigned int spl_kmem_cache_obj_per_slab = 8;
module_param(spl_kmem_cache_obj_per_slab, uint, 0644);
MODULE_PARM_DESC(spl_kmem_cache_obj_per_slab, "Number of objects per slab");

static unsigned int spl_kmem_cache_max_size = 32;
module_param(spl_kmem_cache_max_size, uint, 0644);
MODULE_PARM_DESC(spl_kmem_cache_max_size, "Maximum size of a slab in MiB");

static unsigned int spl_kmem_cache_slab_limit = 16384;
module_param(spl_kmem_cache_slab_limit, uint, 0644);
MODULE_PARM_DESC(spl_kmem_cache_slab_limit,
		 "Objects up to this size pass through to a Linux kmem_cache");

static unsigned int spl_kmem_cache_magazine_size;
module_param(spl_kmem_cache_magazine_size, uint, 0444);
MODULE_PARM_DESC(spl_kmem_cache_magazine_size,
		 "Default magazine size (0 = by object size)");

static unsigned int rspl_idle_age_ms = 2000;
module_param(rspl_idle_age_ms, uint, 0644);
MODULE_PARM_DESC(rspl_idle_age_ms,
		 "Aging tick: magazines and empty slabs unused for two ticks are returned (0 = no aging)");

static unsigned int spl_kmem_cache_grow_timeout_ms = 100;
module_param(spl_kmem_cache_grow_timeout_ms, uint, 0644);
MODULE_PARM_DESC(spl_kmem_cache_grow_timeout_ms,
		 "How long a caller waits for a slab grow before taking an emergency object");

static unsigned int spl_kmem_cache_inject_grow_delay_ms;
module_param(spl_kmem_cache_inject_grow_delay_ms, uint, 0644);
MODULE_PARM_DESC(spl_kmem_cache_inject_grow_delay_ms,
		 "Fault injection: the grow worker sleeps this long before allocating");

unsigned int rspl_param_obj_per_slab(void)
{
	return READ_ONCE(spl_kmem_cache_obj_per_slab);
}

unsigned int rspl_param_max_size_mb(void)
{
	return READ_ONCE(spl_kmem_cache_max_size);
}

unsigned int rspl_param_slab_limit(void)
{
	return READ_ONCE(spl_kmem_cache_slab_limit);
}

unsigned int rspl_param_magazine_size(void)
{
	return READ_ONCE(spl_kmem_cache_magazine_size);
}

unsigned int rspl_param_age_ms(void)
{
	return READ_ONCE(rspl_idle_age_ms);
}

void rspl_param_set_age_ms(unsigned int ms)
{
	WRITE_ONCE(rspl_idle_age_ms, ms);
}

unsigned int rspl_param_grow_timeout_ms(void)
{
	return READ_ONCE(spl_kmem_cache_grow_timeout_ms);
}

unsigned int rspl_param_inject_grow_delay_ms(void)
{
	return READ_ONCE(spl_kmem_cache_inject_grow_delay_ms);
}

void rspl_param_set_grow_timeout_ms(unsigned int ms)
{
	WRITE_ONCE(spl_kmem_cache_grow_timeout_ms, ms);
}

void rspl_param_set_inject_grow_delay_ms(unsigned int ms)
{
	WRITE_ONCE(spl_kmem_cache_inject_grow_delay_ms, ms);
}
