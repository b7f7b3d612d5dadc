// SPDX-License-Identifier: GPL-2.0

//! The slow path of an allocation: the slabs are out of objects. One grow
//! at a time runs on the grow crew (`services/grow_crew.rs`), in a no-I/O scope; callers wait
//! for it at most `spl_kmem_cache_grow_timeout_ms`, then take an emergency
//! object, allocated without I/O, rather than wait on a grow that may be
//! stuck behind the writeback they are part of.

use super::{Cache, Source};
use crate::{
    slab::emergency::NewEmergency,
    slab::{Slab, SlabLayout},
    sys::flags::*,
    sys::memory::{self, NoIoScope},
    sys::params,
    sys::trace,
};
use core::{ptr::NonNull, sync::atomic::Ordering};
use kernel::{
    alloc::flags::GFP_KERNEL,
    rbtree::RBTreeNode,
    sync::{Arc, ArcBorrow},
    time::{ktime_ms_delta, Ktime},
};

/// How an allocation's waiting ended.
enum Miss {
    /// Take an emergency object now.
    Emergency,
    /// Look at the slabs again.
    Retry,
}

impl Cache {
    /// An object after the fast path found none: from a new slab, or an
    /// emergency object. Returns whether it is already zeroed.
    pub(super) fn alloc_miss(
        this: ArcBorrow<'_, Self>,
        flags: KmFlags,
    ) -> Option<(NonNull<u8>, bool)> {
        if !matches!(this.source, Source::Slabs { .. }) {
            return None;
        }
        let flags = if !flags.nosleep() && this.km_sleep_in_atomic() {
            flags.without_sleep()
        } else {
            flags
        };
        let nosleep = flags.nosleep();
        // When the first miss happened, and the timeout then: the fast
        // path never reads the clock or the parameter.
        let mut since: Option<(Ktime, u32)> = None;
        let mut failures: u32 = 0;
        loop {
            let deadlocked = this.flag(KMC_BIT_DEADLOCKED);
            // Out of objects: make sure a grow is on its way.
            Self::start_grow(this);
            // Never sleep; while the cache is marked deadlocked, do not
            // wait again either: the stuck grow is still stuck.
            let emergency = nosleep || deadlocked || {
                let (start, timeout_ms) =
                    *since.get_or_insert_with(|| (Ktime::ktime_get(), params::grow_timeout_ms()));
                let waited = ktime_ms_delta(Ktime::ktime_get(), start);
                let left = (timeout_ms as i64 - waited).max(0) as u32;
                matches!(this.wait_for_grow(left), Miss::Emergency)
            };
            if emergency {
                if let Some(obj) = this.emergency_alloc(flags) {
                    return Some((obj, true));
                }
                // The last resort, for the I/O path only.
                if let Some(obj) = this.take_reserve(flags) {
                    return Some((obj, false));
                }
                if nosleep {
                    return None;
                }
                // No memory for an emergency object either: back off, then
                // look at the slabs again and, if they are still out, wait
                // for a grow anew (one may have landed meanwhile), rather
                // than retry the emergency allocation alone forever.
                super::back_off(&this, "emergency allocation", &mut failures);
                since = None;
            }
            if let Some(obj) = this.take() {
                return Some((obj, false));
            }
        }
    }

    /// Waits at most `ms` for the grow in flight.
    fn wait_for_grow(&self, ms: u32) -> Miss {
        let start = Ktime::ktime_get();
        let done = ms > 0 && self.waitq.wait_bit_clear(&self.flags, KMC_BIT_GROWING, ms);
        // How long the sleep took, woken or timed out (`wait_max_us`).
        let slept = (Ktime::ktime_get() - start).to_ns().max(0) as u64;
        self.stalls.waited(slept);
        if !done {
            // The grow is stuck (or just slow): never wait past the timeout.
            trace::wait_timeout(&self.name, slept / 1000);
            self.test_and_set_flag(KMC_BIT_DEADLOCKED);
            self.state.lock().deadlocks += 1;
            return Miss::Emergency;
        }
        if self.last_grow_failed.load(Ordering::Acquire) {
            // No memory for a slab: an emergency object is the way forward.
            return Miss::Emergency;
        }
        Miss::Retry
    }

    /// Drops a reference taken in reclaim: a destroyed cache's, which may
    /// be the last, goes to the grow crew to drop there, in process
    /// context outside reclaim.
    pub(crate) fn release_outside_reclaim(this: Arc<Self>) {
        if this.is_live() {
            return;
        }
        if let Some(crew) = crate::services::registry::grow_crew() {
            crew.enqueue_or_drop(this);
        }
    }

    /// Queues a grow unless one is in flight (the GROWING bit).
    pub(super) fn start_grow(this: ArcBorrow<'_, Self>) {
        if this.test_and_set_flag(KMC_BIT_GROWING) {
            return;
        }
        let queued =
            crate::services::registry::grow_crew().map(|c| c.enqueue(Arc::from(this)).is_ok());
        if queued == Some(true) {
            trace::grow_queued(&this.name);
        } else {
            // No crew (module going away) or already queued: do not leave
            // waiters sleeping on a bit nobody will clear.
            this.clear_flag(KMC_BIT_GROWING);
            this.waitq.wake_all();
        }
    }

    /// The grow, run by a grow crew member: adds one slab, then clears
    /// GROWING and wakes every waiter, in that order (a waiter woken before
    /// the bit clears would sleep again for the full timeout).
    pub(crate) fn grow(&self) {
        if !self.is_live() {
            // Queued to drop a destroyed cache's last reference (see
            // `release_outside_reclaim`), or a grow that lost the race.
            self.clear_flag(KMC_BIT_GROWING);
            self.waitq.wake_all();
            return;
        }
        let start = Ktime::ktime_get();
        let delay = params::inject_grow_delay_ms();
        if delay > 0 {
            memory::msleep(delay);
        }
        let added = match &self.source {
            Source::Slabs { layout, .. } => {
                let _noio = NoIoScope::enter();
                // Memory is back if this grow gets any: the reserve first,
                // as what drew on it was short of memory too. A slab the
                // reserve got counts: memory came back.
                let (_, for_reserve) = self.fill_reserve(layout);
                self.add_slab(layout) || for_reserve
            }
            Source::PassThrough { .. } => false,
        };
        self.stalls.grow_done(added);
        let took_us = (Ktime::ktime_get() - start).to_ns().max(0) as u64 / 1000;
        trace::grow_done(&self.name, added, took_us);
        self.last_grow_failed.store(!added, Ordering::Release);
        if added {
            self.clear_flag(KMC_BIT_DEADLOCKED);
        }
        self.clear_flag(KMC_BIT_GROWING);
        self.waitq.wake_all();
    }

    fn add_slab(&self, layout: &SlabLayout) -> bool {
        let Some(slab) = Slab::new(layout) else {
            return false;
        };
        let end = slab.end();
        let Ok(node) = RBTreeNode::new(end, slab, GFP_KERNEL) else {
            return false;
        };
        let rejected = {
            let mut state = self.state.lock();
            let r = state.slabs.add(end, node).err();
            state.settle(0);
            r
        };
        // Dropped (vfree) here, outside the lock, if it was not added.
        rejected.is_none()
    }

    /// Sets slab objects aside until the reserve is full, adding slabs
    /// for it when the slabs are out; returns whether it is full, and
    /// whether it added a slab. Runs where a grow may: at creation and on
    /// the grow crew, never on an allocating caller's path.
    pub(super) fn fill_reserve(&self, layout: &SlabLayout) -> (bool, bool) {
        // Each slab added holds at least one object the reserve may take;
        // callers may take some meanwhile, hence the bound.
        let most_slabs = self.spec.reserve.div_ceil(layout.objs.max(1)) + 2;
        let mut added = false;
        for _ in 0..=most_slabs {
            let full = {
                let mut state = self.state.lock();
                let super::State { slabs, reserve, .. } = &mut *state;
                while reserve.wants() > 0 {
                    let Some(addr) = slabs.take() else { break };
                    // Cannot fail: the reserve wants it.
                    let _ = reserve.put(addr);
                }
                state.settle(0);
                state.reserve.wants() == 0
            };
            if full {
                return (true, added);
            }
            if !self.add_slab(layout) {
                return (false, added);
            }
            added = true;
        }
        (false, added)
    }

    /// Whether the reserve lacks objects that a grow would put back.
    pub(super) fn reserve_short(&self) -> bool {
        self.spec.reserve > 0 && self.state.lock().reserve.wants() > 0
    }

    /// An object from the reserve, for a caller entitled to it: a
    /// `KM_PUSHPAGE` one, or one in reclaim or in a NOIO scope. The grow
    /// in flight (this caller missed), or the aging tick's, fills it again.
    fn take_reserve(&self, flags: KmFlags) -> Option<NonNull<u8>> {
        if self.spec.reserve == 0 || !(flags.pushpage() || memory::task_services_vm()) {
            return None;
        }
        let (addr, left) = {
            let mut state = self.state.lock();
            let addr = state.reserve.take();
            (addr?, state.reserve.len())
        };
        trace::reserve_take(&self.name, addr, left);
        NonNull::new(addr as *mut u8)
    }

    /// Allocates an emergency object for an allocation served with
    /// `flags`, without I/O (the shim's emergency allocations enter their
    /// own NOIO scope), or `None` if there is no memory for one.
    fn emergency_alloc(&self, flags: KmFlags) -> Option<NonNull<u8>> {
        if params::inject_emergency_fail() != 0 {
            return None;
        }
        let new = NewEmergency::new(self.spec.size, self.spec.align, flags)?;
        let inserted = {
            let mut state = self.state.lock();
            let r = state.emergency.insert(new);
            if let Ok(obj) = r {
                trace::emergency_alloc(&self.name, obj, self.spec.size, flags.bits());
                self.emergency_range.widen(obj);
                // Before the object is handed out: its free looks for it.
                self.slow.set_free(super::fast_path::EMERGENCY);
                self.stalls.emergency_alloc();
            }
            r
        };
        // A refused object is dropped (kfree) here, unlocked.
        NonNull::new(inserted.ok()? as *mut u8)
    }
}
