// SPDX-License-Identifier: GPL-2.0

//! Emergency objects: what a caller gets, allocated without I/O, when its
//! wait for a slab grow timed out, tracked by address so that free finds
//! them in O(1).

use crate::{
    slab::addr_hash::{AddrHash, HashNode},
    sys::flags::KmFlags,
    sys::memory::{self, EmergencyMemory},
};
use core::sync::atomic::{AtomicUsize, Ordering};
use kernel::{
    alloc::flags::{__GFP_NOWARN, GFP_NOWAIT},
    prelude::*,
};

/// The addresses of a cache's live emergency objects, as a range that a
/// free reads without the cache's lock: an address outside it is no
/// emergency object, so the free skips the hash and the lock. Slab objects
/// fall outside it unless their slab lies between emergency objects.
pub(crate) struct EmergencyRange {
    lo: AtomicUsize,
    hi: AtomicUsize,
}

impl EmergencyRange {
    pub(crate) fn new() -> Self {
        Self {
            lo: AtomicUsize::new(usize::MAX),
            hi: AtomicUsize::new(0),
        }
    }

    /// Whether `addr` may be a live emergency object's: read on every free
    /// of the cache, without its lock.
    #[inline(always)]
    pub(crate) fn may_hold(&self, addr: usize) -> bool {
        self.lo.load(Ordering::Relaxed) <= addr && addr <= self.hi.load(Ordering::Relaxed)
    }

    /// Takes in a new emergency object at `addr`. Under the cache's lock.
    pub(crate) fn widen(&self, addr: usize) {
        self.lo.fetch_min(addr, Ordering::Relaxed);
        self.hi.fetch_max(addr, Ordering::Relaxed);
    }

    /// Empties the range, once no emergency object is live. Under the
    /// cache's lock.
    pub(crate) fn clear(&self) {
        self.lo.store(usize::MAX, Ordering::Relaxed);
        self.hi.store(0, Ordering::Relaxed);
    }
}

/// The cache's emergency objects (used under the cache's lock).
pub(crate) struct EmergencySet {
    table: AddrHash<EmergencyMemory>,
    max: u64,
}

/// A new emergency object, allocated before taking the cache's lock.
pub(crate) struct NewEmergency {
    node: KBox<HashNode<EmergencyMemory>>,
    obj: usize,
}

impl NewEmergency {
    /// Allocates the object for an allocation served with `flags`, and its
    /// hash node, with the same flags (`memory::kbox_for`): a `KM_PUSHPAGE`
    /// caller's node has the reserves its object had.
    pub(crate) fn new(size: usize, align: usize, flags: KmFlags) -> Option<Self> {
        let mem = EmergencyMemory::new(size, align, flags)?;
        let obj = mem.obj();
        let node = memory::kbox_for(HashNode::new(obj, mem), flags)?;
        Some(Self { node, obj })
    }
}

impl EmergencySet {
    pub(crate) fn new() -> Self {
        Self {
            table: AddrHash::new(),
            max: 0,
        }
    }

    pub(crate) fn count(&self) -> u64 {
        self.table.len() as u64
    }

    pub(crate) fn max(&self) -> u64 {
        self.max
    }

    /// Tracks `new` and returns its object's address, or gives `new` back
    /// when the table has no bucket at all (its first GFP_NOWAIT bucket
    /// array could not be had). The bucket array grows here with
    /// GFP_NOWAIT when it can: if it cannot, chains get longer, nothing is
    /// lost.
    pub(crate) fn insert(&mut self, new: NewEmergency) -> Result<usize, NewEmergency> {
        if let Some(n) = self.table.wants_buckets() {
            if let Ok(buckets) = AddrHash::new_buckets(n, GFP_NOWAIT | __GFP_NOWARN) {
                // The old array is empty of nodes: dropping it here only
                // kfree()s it, which is allowed with IRQs off.
                drop(self.table.rehash(buckets));
            }
        }
        let obj = new.obj;
        self.table
            .insert(new.node)
            .map_err(|node| NewEmergency { node, obj })?;
        self.max = self.max.max(self.count());
        Ok(obj)
    }

    /// Takes the emergency object at `obj` out, if it is one; the caller
    /// drops it (kfree) after unlocking.
    pub(crate) fn remove(&mut self, obj: usize) -> Option<EmergencyMemory> {
        self.table.remove(obj).map(HashNode::into_value)
    }

    /// Takes any emergency object out (teardown).
    pub(crate) fn pop_any(&mut self) -> Option<EmergencyMemory> {
        self.table.pop_any().map(HashNode::into_value)
    }
}
