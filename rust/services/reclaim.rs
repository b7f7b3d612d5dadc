// SPDX-License-Identifier: GPL-2.0

//! Memory back to the system without being asked by a cache's user: the
//! shrinker reaps caches under memory pressure, and the aging tick returns
//! what idle magazines and empty slabs hold (`sys/reclaim.rs` registers both).

use crate::{cache::Cache, services::reclaim_stats, services::registry, sys::trace};
use core::sync::atomic::Ordering;
use kernel::ffi::c_ulong;

/// Objects the shrinker could free now: one atomic load, no lock and no
/// allocation (the caches keep the count up to date on their slow paths).
#[no_mangle]
pub(crate) extern "C" fn rspl_shrink_count() -> c_ulong {
    reclaim_stats::SHRINK_COUNT.count();
    reclaim_stats::reclaimable()
        .try_into()
        .unwrap_or(c_ulong::MAX)
}

/// Reaps caches until about `nr` objects' memory is freed, never sleeping
/// on a cache's reap lock: a cache being reaped is skipped, and `*busy`
/// set. Reclaim callbacks run only when `call_back` (the reclaiming
/// allocation may enter filesystems, `__GFP_FS`): never in the reclaim of
/// a NOFS or NOIO allocation, such as rspl's own emergency objects and
/// grows, or the I/O path's.
#[no_mangle]
pub(crate) extern "C" fn rspl_shrink_scan(
    nr: c_ulong,
    call_back: bool,
    busy: &mut bool,
) -> c_ulong {
    let freed = reclaim_stats::SHRINK_SCAN.time(|| {
        let Some(caches) = registry::get().and_then(|r| r.snapshot()) else {
            return 0;
        };
        let mut freed: u64 = 0;
        for cache in caches.iter() {
            if freed >= nr as u64 {
                break;
            }
            match cache.try_reap(call_back) {
                Some(n) => freed += n,
                None => *busy = true,
            }
        }
        // A cache destroyed meanwhile may have its last reference here:
        // its teardown (a Linux cache's kmem_cache_destroy()) must not run
        // in reclaim.
        caches.into_iter().for_each(Cache::release_outside_reclaim);
        freed
    });
    reclaim_stats::SHRINK_FREED.fetch_add(freed, Ordering::Relaxed);
    trace::shrink_scan(nr as u64, freed);
    freed.try_into().unwrap_or(c_ulong::MAX)
}

/// One aging tick over every cache.
#[no_mangle]
pub(crate) extern "C" fn rspl_age_tick() {
    if let Some(caches) = registry::get().and_then(|r| r.snapshot()) {
        caches.iter().for_each(|c| c.age());
    }
}
