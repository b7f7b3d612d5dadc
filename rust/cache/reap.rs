// SPDX-License-Identifier: GPL-2.0

//! Giving a cache's free memory back to the system: at once on request
//! (`reap`, also the shrinker's tool), and gradually (`age`, the aging
//! tick), which flushes magazines and frees empty slabs that went unused
//! for two ticks; and a dead CPU's magazine (`cpu_dead`).

use super::{Cache, Source};
use crate::{
    cache::complaints::Mistake, services::registry, sys::cpu_hotplug::DeadCpu, sys::flags::*,
    sys::memory, sys::reap_lock::ReapGuard,
};
use core::sync::atomic::{AtomicU64, Ordering};

/// Aging ticks an empty slab stays before it is freed.
const SLAB_IDLE_TICKS: u32 = 2;

impl Cache {
    /// Returns free memory now: flushes every CPU's magazine, calls the
    /// reclaim callback while it frees objects, then frees every empty
    /// slab. Returns the objects freed: those the freed slabs held, or
    /// for a pass-through cache those its magazines gave back to SLUB.
    ///
    /// # Context
    ///
    /// Process context (it sends IPIs and vfree()s); refused otherwise.
    /// Sleeps while another reap of the cache runs.
    pub(crate) fn reap(&self) -> u64 {
        if memory::in_atomic() {
            self.complain(
                Mistake::ReapInAtomic,
                format_args!("reap in atomic context refused"),
            );
            return 0;
        }
        let reaping = self.reap_lock.lock();
        self.reap_locked(reaping, true)
    }

    /// A reap for the shrinker, which must never sleep on rspl's locks:
    /// `None`, doing nothing, when another reap of the cache runs (it may
    /// be this task's own, whose reclaim callback is allocating). Calls
    /// the reclaim callback only when `call_back`.
    ///
    /// # Context
    ///
    /// Process context, in reclaim.
    pub(crate) fn try_reap(&self, call_back: bool) -> Option<u64> {
        let reaping = self.reap_lock.try_lock()?;
        Some(self.reap_locked(reaping, call_back))
    }

    fn reap_locked(&self, reaping: ReapGuard<'_>, call_back: bool) -> u64 {
        if !self.is_live() {
            return 0;
        }
        self.test_and_set_flag(KMC_BIT_REAPING);
        registry::reap_started();
        let flushed = self.flush_magazines(&reaping, false);
        if let (true, Some(reclaim)) = (call_back, self.callbacks.reclaim) {
            for _ in 0..8 {
                let before = self.objects_live();
                // SAFETY: the caller's reclaim callback with its pointer;
                // destroy waits for `reap_lock`, so the cache (and the
                // module that made it) is still there.
                unsafe { reclaim(self.callbacks.private) };
                if self.objects_live() >= before {
                    break;
                }
            }
        }
        // A pass-through cache's magazine objects went back to SLUB: freed,
        // as the shrinker counted them (`reclaimable`).
        let freed = match &self.source {
            Source::Slabs { .. } => self.free_empty_slabs(0),
            Source::PassThrough { .. } => flushed,
        };
        self.clear_flag(KMC_BIT_REAPING);
        registry::reap_finished();
        freed
    }

    /// One aging tick: flushes magazines unused since the last tick but
    /// one, and frees slabs empty as long. Skipped while a reap of the
    /// cache runs, which flushes everything anyway.
    pub(crate) fn age(&self) {
        let Some(reaping) = self.reap_lock.try_lock() else {
            return;
        };
        // Destroyed since the tick listed it: no callback may run now.
        if !self.is_live() {
            return;
        }
        self.flush_magazines(&reaping, true);
        // Before empty slabs go: the moves may fill them.
        self.offer_moves(&reaping);
        self.state.lock().slabs.tick_empty();
        self.free_empty_slabs(SLAB_IDLE_TICKS);
        // Memory may be back: the grow crew fills the reserve again (not
        // while a grow is stuck: the next one that lands does).
        if self.reserve_short() && !self.flag(KMC_BIT_DEADLOCKED) {
            Self::start_grow(self.arc_borrow());
        }
    }

    /// Objects a reap could give back now (the shrinker's count): those in
    /// magazines and those of empty slabs.
    pub(crate) fn reclaimable(&self) -> u64 {
        match &self.source {
            Source::Slabs { layout, .. } => {
                let empty = self.state.lock().slabs.empty_slabs();
                self.mags.gauge_sum() as u64 + empty * u64::from(layout.objs)
            }
            Source::PassThrough { .. } => self.mags.gauge_sum() as u64,
        }
    }

    /// Flushes every CPU's magazine (only the idle ones for `only_idle`)
    /// back to the slabs, each on its own CPU; returns the objects moved.
    /// The reap lock keeps flushes of the cache one at a time.
    fn flush_magazines(&self, reaping: &ReapGuard<'_>, only_idle: bool) -> u64 {
        if self.mags.gauge_sum() == 0 {
            // Every magazine is empty: no IPIs to an idle system.
            return 0;
        }
        let flushed = AtomicU64::new(0);
        self.mags.on_each_cpu(reaping, |mag| {
            if only_idle && !mag.tick() {
                return;
            }
            flushed.fetch_add(mag.len() as u64, Ordering::Relaxed);
            self.flush_magazine(mag);
        });
        flushed.into_inner()
    }

    /// Gives the magazine of a CPU that has gone offline back to the slabs.
    pub(crate) fn cpu_dead(&self, cpu: &DeadCpu) {
        self.mags.with_dead(cpu, |mag| self.flush_magazine(mag));
    }

    /// Frees the empty slabs idle for at least `ticks` aging ticks; returns
    /// the objects they held.
    fn free_empty_slabs(&self, ticks: u32) -> u64 {
        let Source::Slabs { layout, .. } = &self.source else {
            return 0;
        };
        let mut freed = 0;
        loop {
            let slab = {
                let mut state = self.state.lock();
                let slab = state.slabs.remove_idle(ticks);
                state.settle(0);
                slab
            };
            // vfree()d here, unlocked.
            match slab {
                Some(slab) => drop(slab),
                None => return freed,
            }
            freed += u64::from(layout.objs);
        }
    }

    /// Frees the empty slabs the working set may not use again (beyond a
    /// spare, `SlabSet::surplus_empty`), when the caller may sleep
    /// (vfree); otherwise the aging tick frees them.
    pub(super) fn free_surplus_slabs(&self) {
        if memory::in_atomic() {
            return;
        }
        loop {
            let slab = {
                let mut state = self.state.lock();
                let slab = if state.slabs.surplus_empty() {
                    state.slabs.remove_empty()
                } else {
                    None
                };
                state.settle(0);
                slab
            };
            match slab {
                Some(slab) => drop(slab),
                None => return,
            }
        }
    }
}
