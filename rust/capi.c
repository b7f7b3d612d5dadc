// SPDX-License-Identifier: GPL-2.0
/*
 * Exports rspl's C API (implemented in rust/capi.rs) to other modules.
 * Including the header here makes the compiler hold the declarations
 * against each other; the Rust side follows the same signatures.
 */
#include <linux/export.h>
#include <rspl/kmem_cache.h>

EXPORT_SYMBOL_GPL(rspl_kmem_cache_create_owned);
EXPORT_SYMBOL_GPL(rspl_kmem_cache_destroy);
EXPORT_SYMBOL_GPL(rspl_kmem_cache_alloc);
EXPORT_SYMBOL_GPL(rspl_kmem_cache_free);
EXPORT_SYMBOL_GPL(rspl_kmem_cache_reap_now);
EXPORT_SYMBOL_GPL(rspl_kmem_cache_reap_active);
EXPORT_SYMBOL_GPL(rspl_kmem_cache_set_move);
EXPORT_SYMBOL_GPL(rspl_kmem_cache_inuse);
EXPORT_SYMBOL_GPL(rspl_kmem_cache_entry_size);
EXPORT_SYMBOL_GPL(rspl_kmem_cache_wait_max_us);
EXPORT_SYMBOL_GPL(rspl_kmem_reap);
EXPORT_SYMBOL_GPL(rspl_kmem_cache_report);
EXPORT_SYMBOL_GPL(rspl_kmem_cache_bytes);
