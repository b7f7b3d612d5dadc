// SPDX-License-Identifier: GPL-2.0

//! Emergency objects: what a caller gets, allocated without I/O, when its
//! wait for a slab grow timed out, tracked by address so that free finds
//! them in O(1); and where each stands in being moved back into a slab
//! (`cache/moves.rs`).

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

/// Where an emergency object stands in being moved into a slab.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MoveState {
    /// Offered a move at the next tick.
    Idle,
    /// Its consumer will not move it: never offered again.
    Declined,
    /// Being offered one now, outside the lock.
    Moving,
    /// Freed by its consumer while being offered one: the mover frees it.
    FreedWhileMoving,
}

/// A live emergency object.
struct Tracked {
    mem: EmergencyMemory,
    state: MoveState,
}

/// The cache's emergency objects (used under the cache's lock).
pub(crate) struct EmergencySet {
    table: AddrHash<Tracked>,
    max: u64,
}

/// A new emergency object, allocated before taking the cache's lock.
pub(crate) struct NewEmergency {
    node: KBox<HashNode<Tracked>>,
    obj: usize,
}

/// What a free found.
pub(crate) enum Removal {
    /// An emergency object, now out of the set: freed when dropped.
    Removed(EmergencyMemory),
    /// An emergency object being offered a move: its mover frees it.
    Deferred,
    /// An emergency object freed already during its move offer: a double
    /// free.
    AlreadyFreed,
    /// No live emergency object.
    NotFound,
}

/// What becomes of an emergency object once its move offer is answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MoveEnd {
    /// Out of the set, to be freed (moved, or no longer needed).
    Release,
    /// Offered again at a later tick.
    Again,
    /// Never offered again.
    Never,
}

/// An emergency object whose move ended in its release.
pub(crate) struct Released {
    /// Freed when dropped.
    pub(crate) mem: EmergencyMemory,
    /// Its consumer freed it during the offer: its destructor has run.
    pub(crate) freed_by_consumer: bool,
}

impl NewEmergency {
    /// Allocates the object for an allocation served with `flags`, and its
    /// hash node, with the same flags (`memory::kbox_for`): a `KM_PUSHPAGE`
    /// caller's node has the reserves its object had.
    pub(crate) fn new(size: usize, align: usize, flags: KmFlags) -> Option<Self> {
        let mem = EmergencyMemory::new(size, align, flags)?;
        let obj = mem.obj();
        let tracked = Tracked {
            mem,
            state: MoveState::Idle,
        };
        let node = memory::kbox_for(HashNode::new(obj, tracked), flags)?;
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

    /// A free of `obj`: takes the emergency object out, if it is one (the
    /// caller drops it, kfree, after unlocking), unless a move offer holds
    /// it.
    pub(crate) fn remove(&mut self, obj: usize) -> Removal {
        let mut kept = Removal::NotFound;
        let taken = self.table.remove_if(obj, |t| match t.state {
            MoveState::FreedWhileMoving => {
                kept = Removal::AlreadyFreed;
                false
            }
            MoveState::Moving => {
                t.state = MoveState::FreedWhileMoving;
                kept = Removal::Deferred;
                false
            }
            MoveState::Idle | MoveState::Declined => true,
        });
        match taken {
            Some(node) => Removal::Removed(node.into_value().mem),
            None => kept,
        }
    }

    /// Writes the addresses of up to `out.len()` objects to offer a move
    /// (not declined, not being moved) into `out`; returns how many.
    pub(crate) fn move_candidates(&mut self, out: &mut [usize]) -> usize {
        let mut n = 0;
        self.table.visit_mut(|obj, t| {
            if n < out.len() && t.state == MoveState::Idle {
                out[n] = obj;
                n += 1;
            }
            n < out.len()
        });
        n
    }

    /// Marks `obj` as being offered a move, if it is still a candidate
    /// (not freed, declined or being moved meanwhile).
    pub(crate) fn begin_move(&mut self, obj: usize) -> bool {
        match self.table.get_mut(obj) {
            Some(t) if t.state == MoveState::Idle => {
                t.state = MoveState::Moving;
                true
            }
            _ => false,
        }
    }

    /// Ends the move offer of `obj` as `end`; returns the object if it
    /// leaves the set: released, or freed by its consumer meanwhile.
    pub(crate) fn end_move(&mut self, obj: usize, end: MoveEnd) -> Option<Released> {
        let mut freed_by_consumer = false;
        let taken = self.table.remove_if(obj, |t| {
            freed_by_consumer = t.state == MoveState::FreedWhileMoving;
            if freed_by_consumer || end == MoveEnd::Release {
                return true;
            }
            t.state = if end == MoveEnd::Never {
                MoveState::Declined
            } else {
                MoveState::Idle
            };
            false
        });
        let mem = taken?.into_value().mem;
        Some(Released {
            mem,
            freed_by_consumer,
        })
    }

    /// Takes any emergency object out (teardown).
    pub(crate) fn pop_any(&mut self) -> Option<EmergencyMemory> {
        self.table.pop_any().map(|node| node.into_value().mem)
    }
}
