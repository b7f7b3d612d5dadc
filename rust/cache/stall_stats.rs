// SPDX-License-Identifier: GPL-2.0

//! A cache's stall counters: how its grows went, how often and how long
//! callers slept for them, and how many emergency objects it handed out
//! (`/proc/rspl/kmem/stalls`). Written on the slow path only.

use core::sync::atomic::{AtomicU64, Ordering};

/// The counters, updated without a lock.
#[derive(Default)]
pub(crate) struct StallStats {
    grows: AtomicU64,
    grow_failures: AtomicU64,
    waits: AtomicU64,
    /// The longest a caller slept waiting for a grow, in nanoseconds.
    wait_max_ns: AtomicU64,
    emergency_allocs: AtomicU64,
}

/// One reading of a cache's counters, with what its lock protects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct StallCounts {
    pub(crate) grows: u64,
    pub(crate) grow_failures: u64,
    pub(crate) waits: u64,
    /// Waits that timed out (the `dlock` column of the slab report).
    pub(crate) timeouts: u64,
    pub(crate) wait_max_us: u64,
    pub(crate) emergency_allocs: u64,
    pub(crate) emergency_live: u64,
}

impl StallStats {
    pub(crate) fn grow_done(&self, added: bool) {
        self.grows.fetch_add(1, Ordering::Relaxed);
        if !added {
            self.grow_failures.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A caller slept `ns` for a grow.
    pub(crate) fn waited(&self, ns: u64) {
        self.waits.fetch_add(1, Ordering::Relaxed);
        self.wait_max_ns.fetch_max(ns, Ordering::Relaxed);
    }

    pub(crate) fn emergency_alloc(&self) {
        self.emergency_allocs.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn wait_max_us(&self) -> u64 {
        self.wait_max_ns.load(Ordering::Relaxed) / 1000
    }

    /// The counters, with the two that the cache's lock protects.
    pub(crate) fn read(&self, timeouts: u64, emergency_live: u64) -> StallCounts {
        StallCounts {
            grows: self.grows.load(Ordering::Relaxed),
            grow_failures: self.grow_failures.load(Ordering::Relaxed),
            waits: self.waits.load(Ordering::Relaxed),
            timeouts,
            wait_max_us: self.wait_max_us(),
            emergency_allocs: self.emergency_allocs.load(Ordering::Relaxed),
            emergency_live,
        }
    }
}
