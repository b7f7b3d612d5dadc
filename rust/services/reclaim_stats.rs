// SPDX-License-Identifier: GPL-2.0

//! What reclaim costs, module-wide: how often the kernel's shrinker calls
//! and consumers' reaps ran and how long they took
//! (`/proc/rspl/kmem/reclaim`), and the shrinker's count of objects a
//! scan could give back, kept up to date by the caches' slow paths so
//! that counting takes no lock, allocates nothing and is O(1) (the kernel
//! counts often: OpenZFS saw its SPL shrinker called ~10,000 times a
//! second under an ARC at its limit).

use core::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use kernel::time::Ktime;

/// Objects the caches could give back now: free objects of empty slabs,
/// and free objects in magazines as of each magazine's last refill or
/// flush (the fast path does not update it; each magazine is off by at
/// most its capacity).
static RECLAIMABLE: AtomicI64 = AtomicI64::new(0);

/// A counter of calls and the time they took.
pub(crate) struct CallStats {
    calls: AtomicU64,
    ns: AtomicU64,
}

impl CallStats {
    const fn new() -> Self {
        Self {
            calls: AtomicU64::new(0),
            ns: AtomicU64::new(0),
        }
    }

    /// Runs `f`, counting the call and its time.
    pub(crate) fn time<R>(&self, f: impl FnOnce() -> R) -> R {
        let start = Ktime::ktime_get();
        let r = f();
        let ns = (Ktime::ktime_get() - start).to_ns().max(0) as u64;
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.ns.fetch_add(ns, Ordering::Relaxed);
        r
    }

    /// Counts a call too quick to time.
    pub(crate) fn count(&self) {
        self.calls.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    pub(crate) fn us(&self) -> u64 {
        self.ns.load(Ordering::Relaxed) / 1000
    }
}

/// The shrinker's count callback.
pub(crate) static SHRINK_COUNT: CallStats = CallStats::new();
/// The shrinker's scan callback.
pub(crate) static SHRINK_SCAN: CallStats = CallStats::new();
/// Objects' worth of memory the scans gave back.
pub(crate) static SHRINK_FREED: AtomicU64 = AtomicU64::new(0);
/// `rspl_kmem_cache_reap_now()` and `rspl_kmem_reap()`.
pub(crate) static REAP_NOW: CallStats = CallStats::new();
/// `rspl_kmem_cache_reap_active()`.
pub(crate) static REAP_ACTIVE: CallStats = CallStats::new();

/// One reading of the module-wide counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ReclaimCounts {
    pub(crate) reclaimable: u64,
    pub(crate) count_calls: u64,
    pub(crate) scan_calls: u64,
    pub(crate) scan_us: u64,
    pub(crate) scan_freed: u64,
    pub(crate) reap_calls: u64,
    pub(crate) reap_us: u64,
    pub(crate) reap_active_calls: u64,
}

pub(crate) fn reading() -> ReclaimCounts {
    ReclaimCounts {
        reclaimable: reclaimable(),
        count_calls: SHRINK_COUNT.calls(),
        scan_calls: SHRINK_SCAN.calls(),
        scan_us: SHRINK_SCAN.us(),
        scan_freed: SHRINK_FREED.load(Ordering::Relaxed),
        reap_calls: REAP_NOW.calls(),
        reap_us: REAP_NOW.us(),
        reap_active_calls: REAP_ACTIVE.calls(),
    }
}

/// Adds `delta` objects to the shrinker's count (a cache's slow path).
pub(crate) fn account(delta: i64) {
    if delta != 0 {
        RECLAIMABLE.fetch_add(delta, Ordering::Relaxed);
    }
}

/// The shrinker's count: one load.
pub(crate) fn reclaimable() -> u64 {
    RECLAIMABLE.load(Ordering::Relaxed).max(0) as u64
}
