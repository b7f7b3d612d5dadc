// SPDX-License-Identifier: GPL-2.0

//! A cache's slabs: a tree by address (so that a free finds its slab), the
//! slabs with free objects, and the counters `/proc/spl/kmem/slab` shows.
//! Used under the cache's lock; allocates nothing but the `partial` room
//! reserved when a slab is added.

use crate::slab::{FreeError, Slab};
use crate::sys::vec_ext::VecExt;
use kernel::{
    alloc::flags::{__GFP_NOWARN, GFP_NOWAIT},
    prelude::*,
    rbtree::{RBTree, RBTreeNode},
};

/// The slab and object counters a cache's slabs keep.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SlabStats {
    pub(crate) slabs_total: u64,
    /// Slabs with at least one object allocated.
    pub(crate) slabs_alloc: u64,
    pub(crate) slabs_max: u64,
    /// Objects on slabs.
    pub(crate) objs_total: u64,
    /// Objects handed out or held in magazines.
    pub(crate) objs_alloc: u64,
    pub(crate) objs_max: u64,
}

pub(crate) struct SlabSet {
    /// Keyed by each slab's end address.
    slabs: RBTree<usize, Slab>,
    /// Keys of the slabs with a free object; the last is used first.
    partial: KVec<usize>,
    /// Objects in each slab.
    objs_per_slab: u64,
    empty: u64,
    /// The most slabs in use at once since the last aging tick: the
    /// working set that empty slabs are kept for (`surplus_empty`).
    working_set: u64,
    stats: SlabStats,
}

impl SlabSet {
    pub(crate) fn new(objs_per_slab: u32) -> Self {
        Self {
            slabs: RBTree::new(),
            partial: KVec::new(),
            objs_per_slab: objs_per_slab as u64,
            empty: 0,
            working_set: 0,
            stats: SlabStats::default(),
        }
    }

    pub(crate) fn stats(&self) -> SlabStats {
        self.stats
    }

    /// Slabs with no object handed out.
    pub(crate) fn empty_slabs(&self) -> u64 {
        self.empty
    }

    /// Whether more slabs are empty than the working set may use again: a
    /// spare, or as many as were in use at once since the last aging tick
    /// beyond those in use now. Freeing those at once, and leaving the
    /// rest to the aging tick and the shrinker, keeps a repeated batch
    /// from growing its slabs again each time, while memory no longer
    /// used goes back within a few ticks.
    pub(crate) fn surplus_empty(&self) -> bool {
        let unused = self.working_set.saturating_sub(self.stats.slabs_alloc);
        self.empty > unused.max(1)
    }

    /// The objects of the slabs with no object handed out.
    pub(crate) fn empty_objects(&self) -> u64 {
        self.empty * self.objs_per_slab
    }

    /// Adds a new, all-free slab that the caller put in a tree node keyed
    /// by `end` (its end address), so that nothing here allocates but the
    /// room to list it. Gives the node back if that room cannot be had.
    pub(crate) fn add(
        &mut self,
        end: usize,
        node: RBTreeNode<usize, Slab>,
    ) -> Result<(), RBTreeNode<usize, Slab>> {
        // Reserve room so that `partial` never allocates when a slab gets
        // a free object back (that happens with IRQs off).
        let want = self.stats.slabs_total as usize + 1;
        if self.partial.capacity() < want
            && self
                .partial
                .reserve(want - self.partial.len(), GFP_NOWAIT | __GFP_NOWARN)
                .is_err()
        {
            return Err(node);
        }
        if self.slabs.get(&end).is_some() {
            // Two live slabs cannot end at the same address.
            return Err(node);
        }
        self.slabs.insert(node);
        // Cannot allocate: reserved above.
        let _ = self.partial.push(end, GFP_NOWAIT);
        self.empty += 1;
        self.stats.slabs_total += 1;
        self.stats.slabs_max = self.stats.slabs_max.max(self.stats.slabs_total);
        self.stats.objs_total += self.objs_per_slab;
        Ok(())
    }

    /// Hands out a free object, if any slab has one.
    pub(crate) fn take(&mut self) -> Option<usize> {
        loop {
            let key = *self.partial.last()?;
            let Some(slab) = self.slabs.get_mut(&key) else {
                self.partial.pop();
                continue;
            };
            let was_empty = slab.inuse() == 0;
            let Some(addr) = slab.take() else {
                self.partial.pop();
                continue;
            };
            if slab.is_full() {
                self.partial.pop();
            }
            if was_empty {
                self.empty -= 1;
                self.stats.slabs_alloc += 1;
                self.working_set = self.working_set.max(self.stats.slabs_alloc);
            }
            self.stats.objs_alloc += 1;
            self.stats.objs_max = self.stats.objs_max.max(self.stats.objs_alloc);
            return Some(addr);
        }
    }

    /// Takes back the object at `addr`.
    pub(crate) fn give(&mut self, addr: usize) -> Result<(), FreeError> {
        let (end, was_full, now_empty) = self.with_slab_of(addr, |end, slab| {
            let was_full = slab.is_full();
            slab.give(addr).map(|()| (end, was_full, slab.inuse() == 0))
        })??;
        self.count_freed(end, was_full, now_empty);
        Ok(())
    }

    /// Runs `f` on the slab holding `addr`, with its key.
    fn with_slab_of<R>(
        &mut self,
        addr: usize,
        f: impl FnOnce(usize, &mut Slab) -> R,
    ) -> Result<R, FreeError> {
        let key = addr.checked_add(1).ok_or(FreeError::NotInCache)?;
        let mut cursor = self
            .slabs
            .cursor_lower_bound(&key)
            .ok_or(FreeError::NotInCache)?;
        let (&end, slab) = cursor.current_mut();
        Ok(f(end, slab))
    }

    /// Accepts the free of the object at `addr` or says why not, leaving
    /// it in use until `unclaim`: a free whose destructor must run first
    /// is decided before the destructor runs (`Slab::claim`).
    pub(crate) fn claim(&mut self, addr: usize) -> Result<(), FreeError> {
        self.with_slab_of(addr, |_, slab| slab.claim(addr))?
    }

    /// Takes back the object at `addr`, which `claim` accepted.
    pub(crate) fn unclaim(&mut self, addr: usize) {
        // A claimed object keeps its slab in the set.
        let Ok((end, was_full, now_empty)) = self.with_slab_of(addr, |end, slab| {
            let was_full = slab.is_full();
            slab.unclaim(addr);
            (end, was_full, slab.inuse() == 0)
        }) else {
            return;
        };
        self.count_freed(end, was_full, now_empty);
    }

    /// Books an object given back to the slab ending at `end`.
    fn count_freed(&mut self, end: usize, was_full: bool, now_empty: bool) {
        if was_full {
            // Cannot allocate: room for every slab was reserved in `add`.
            let _ = self.partial.push(end, GFP_NOWAIT);
        }
        if now_empty {
            self.empty += 1;
            self.stats.slabs_alloc -= 1;
        }
        self.stats.objs_alloc -= 1;
    }

    /// Counts an aging tick on every empty slab, and starts the working
    /// set anew from the slabs in use now.
    pub(crate) fn tick_empty(&mut self) {
        self.working_set = self.stats.slabs_alloc;
        if self.empty == 0 {
            return;
        }
        for key in self.partial.iter() {
            if let Some(slab) = self.slabs.get_mut(key) {
                if slab.inuse() == 0 {
                    slab.tick_idle();
                }
            }
        }
    }

    /// Removes one empty slab, for the caller to drop outside its lock.
    pub(crate) fn remove_empty(&mut self) -> Option<Slab> {
        self.remove_empty_where(|_| true)
    }

    /// Removes one empty slab that has been idle for `ticks` aging ticks.
    pub(crate) fn remove_idle(&mut self, ticks: u32) -> Option<Slab> {
        self.remove_empty_where(|s| s.idle_ticks() >= ticks)
    }

    /// Removes one empty slab for which `pick` holds. Scans the slabs with
    /// free objects: callers free slabs in batches, not per object.
    fn remove_empty_where(&mut self, pick: impl Fn(&Slab) -> bool) -> Option<Slab> {
        if self.empty == 0 {
            return None;
        }
        let pos = self
            .partial
            .iter()
            .position(|k| self.slabs.get(k).is_some_and(|s| s.inuse() == 0 && pick(s)))?;
        let key = self.partial.swap_remove_at(pos)?;
        let slab = self.slabs.remove(&key)?;
        self.empty -= 1;
        self.stats.slabs_total -= 1;
        self.stats.objs_total -= self.objs_per_slab;
        Some(slab)
    }

    /// Removes any slab, for tearing the set down.
    pub(crate) fn remove_any(&mut self) -> Option<Slab> {
        let key = *self.slabs.iter().next()?.0;
        if let Some(pos) = self.partial.iter().position(|k| *k == key) {
            self.partial.swap_remove_at(pos);
        }
        let slab = self.slabs.remove(&key)?;
        if slab.inuse() == 0 {
            self.empty -= 1;
        } else {
            self.stats.slabs_alloc -= 1;
            self.stats.objs_alloc -= slab.inuse() as u64;
        }
        self.stats.slabs_total -= 1;
        self.stats.objs_total -= self.objs_per_slab;
        Some(slab)
    }
}

#[cfg(CONFIG_KUNIT)]
mod tests {
    use super::SlabSet;
    use crate::slab::{FreeError, Slab, SlabLayout};
    use crate::sys::kunit::{kassert, kassert_eq, kunit_suite, CaseResult, Failed, Test};
    use crate::sys::memory::Backing;
    use kernel::{alloc::flags::GFP_KERNEL, rbtree::RBTreeNode};

    /// Four objects of 1 KiB a slab.
    fn layout() -> SlabLayout {
        SlabLayout::new(1024, 0, 4, 1 << 20, Backing::KVmalloc)
    }

    /// Adds a new slab to `set`, as a grow does.
    fn grow(t: &mut Test, set: &mut SlabSet) -> CaseResult {
        let slab = Slab::new(&layout()).ok_or(Failed)?;
        let end = slab.end();
        let node = RBTreeNode::new(end, slab, GFP_KERNEL).map_err(|_| Failed)?;
        kassert!(t, set.add(end, node).is_ok());
        Ok(())
    }

    /// Objects come from every slab until all are out; each free goes back
    /// to its own slab, and the counters follow.
    fn takes_from_every_slab(t: &mut Test) -> CaseResult {
        let mut set = SlabSet::new(layout().objs);
        kassert_eq!(t, set.take(), None);
        grow(t, &mut set)?;
        grow(t, &mut set)?;
        let mut objs = [0; 8];
        for o in objs.iter_mut() {
            *o = set.take().ok_or(Failed)?;
        }
        kassert_eq!(t, set.take(), None);
        let s = set.stats();
        kassert_eq!(
            t,
            (s.slabs_total, s.slabs_alloc, s.objs_total, s.objs_alloc),
            (2, 2, 8, 8)
        );
        for &o in &objs[..4] {
            kassert_eq!(t, set.give(o), Ok(()));
        }
        let s = set.stats();
        kassert_eq!(t, (s.slabs_alloc, s.objs_alloc, s.objs_max), (1, 4, 8));
        kassert_eq!(t, set.empty_slabs(), 1);
        Ok(())
    }

    /// A free the set cannot place, or of an object already free, is
    /// refused and counts nothing.
    fn refuses_what_is_not_out(t: &mut Test) -> CaseResult {
        let mut set = SlabSet::new(layout().objs);
        grow(t, &mut set)?;
        let a = set.take().ok_or(Failed)?;
        kassert_eq!(t, set.give(a + (1 << 30)), Err(FreeError::NotInCache));
        kassert_eq!(t, set.give(a + 1024), Err(FreeError::DoubleFree));
        kassert_eq!(t, set.give(a), Ok(()));
        kassert_eq!(t, set.give(a), Err(FreeError::DoubleFree));
        kassert_eq!(t, set.stats().objs_alloc, 0);
        Ok(())
    }

    /// Only empty slabs are removed, and only once idle long enough for
    /// `remove_idle`; the aging tick counts their idle time.
    fn removes_only_empty_slabs(t: &mut Test) -> CaseResult {
        let mut set = SlabSet::new(layout().objs);
        grow(t, &mut set)?;
        grow(t, &mut set)?;
        let kept = set.take().ok_or(Failed)?;
        kassert_eq!(t, set.empty_slabs(), 1);
        kassert!(t, set.remove_idle(1).is_none(), "removed a slab never idle");
        set.tick_empty();
        let gone = set.remove_idle(1);
        kassert!(t, gone.is_some());
        kassert!(t, set.remove_empty().is_none(), "removed the slab in use");
        kassert_eq!(t, set.stats().slabs_total, 1);
        kassert_eq!(t, set.give(kept), Ok(()));
        kassert!(t, set.remove_empty().is_some());
        kassert_eq!(t, set.stats().slabs_total, 0);
        Ok(())
    }

    kunit_suite!(
        suite,
        "rspl_slab_set",
        [
            takes_from_every_slab,
            refuses_what_is_not_out,
            removes_only_empty_slabs,
        ]
    );
}
