// SPDX-License-Identifier: GPL-2.0

//! One slab: a piece of backing memory cut into equal objects, with its
//! free objects on a stack and a bitmap of the ones handed out.
//!
//! Bookkeeping lives beside the slab, not in it, so a caller writing past
//! its object cannot corrupt it, and every free is checked: a pointer into
//! the middle of an object or a double free is refused, not obeyed.

pub(crate) mod addr_hash;
pub(crate) mod emergency;
pub(crate) mod magazine;
pub(crate) mod reserve;
pub(crate) mod set;

use crate::sys::memory::{Backing, SlabMemory};
use crate::sys::vec_ext::VecExt;
use kernel::{alloc::flags::GFP_KERNEL, prelude::*};

/// How a cache's slabs are cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SlabLayout {
    /// Bytes from one object to the next: the size rounded up to the
    /// alignment.
    pub(crate) stride: usize,
    /// Objects in a slab.
    pub(crate) objs: u32,
    /// Bytes a slab takes from the system.
    pub(crate) bytes: usize,
    pub(crate) backing: Backing,
}

impl SlabLayout {
    /// Lays out slabs of about `per_slab` objects of `size` bytes aligned
    /// to `align`, no larger than `max_bytes` unless one object is. Fills
    /// the slack of the backing's rounding with more objects.
    pub(crate) fn new(
        size: usize,
        align: usize,
        per_slab: u32,
        max_bytes: usize,
        backing: Backing,
    ) -> Self {
        let stride = size.next_multiple_of(align.max(8));
        let want = (per_slab.max(1) as usize).min((max_bytes / stride).max(1));
        let bytes = backing.footprint(want * stride);
        Self {
            stride,
            objs: (bytes / stride) as u32,
            bytes,
            backing,
        }
    }
}

/// Why a free was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FreeError {
    /// The address is in no slab of the cache.
    NotInCache,
    /// The address is inside an object, not at its start.
    NotObjectStart,
    /// The object is already free.
    DoubleFree,
}

/// # Invariants
///
/// `free` has room for every object of the slab, so pushing onto it never
/// allocates; an index on `free` has its bit in `allocated` clear. An index
/// with its bit clear that is not on `free` has been claimed by a free
/// still running its destructor (`claim`), and still counts as in use.
pub(crate) struct Slab {
    mem: SlabMemory,
    layout: SlabLayout,
    /// Indices of free objects; the last is handed out next.
    free: KVec<u32>,
    /// One bit per object, set while it is handed out.
    allocated: KVec<u64>,
    /// Aging ticks this slab has spent empty.
    idle_ticks: u32,
}

impl Slab {
    /// Allocates a slab. Sleeps; starts no I/O (GFP_NOIO and a NOIO scope
    /// around the backing; the caller runs this inside a NOIO scope too).
    pub(crate) fn new(layout: &SlabLayout) -> Option<Self> {
        let n = layout.objs as usize;
        let mut free = KVec::with_capacity(n, GFP_KERNEL).ok()?;
        // Hand out low addresses first: pop from the end.
        for i in (0..layout.objs).rev() {
            free.push(i, GFP_KERNEL).ok()?;
        }
        let allocated = KVec::from_elem(0u64, n.div_ceil(64), GFP_KERNEL).ok()?;
        let mem = SlabMemory::new(layout.bytes, layout.backing)?;
        // INVARIANT: every index is free, with room for all of them.
        Some(Self {
            mem,
            layout: *layout,
            free,
            allocated,
            idle_ticks: 0,
        })
    }

    pub(crate) fn base(&self) -> usize {
        self.mem.addr()
    }

    /// One past the last byte of the objects.
    pub(crate) fn end(&self) -> usize {
        self.base() + self.layout.objs as usize * self.layout.stride
    }

    pub(crate) fn inuse(&self) -> u32 {
        self.layout.objs - self.free.len() as u32
    }

    pub(crate) fn is_full(&self) -> bool {
        self.free.is_empty()
    }

    /// Hands out a free object's address.
    pub(crate) fn take(&mut self) -> Option<usize> {
        let i = self.free.pop()? as usize;
        self.allocated[i / 64] |= 1 << (i % 64);
        self.idle_ticks = 0;
        Some(self.base() + i * self.layout.stride)
    }

    /// Takes back the object at `addr`.
    pub(crate) fn give(&mut self, addr: usize) -> Result<(), FreeError> {
        self.claim(addr)?;
        self.unclaim(addr);
        Ok(())
    }

    /// Accepts the free of the object at `addr`, or says why not, without
    /// making it free yet: a second free of it is refused from now on, and
    /// it is not handed out again before `unclaim`.
    pub(crate) fn claim(&mut self, addr: usize) -> Result<(), FreeError> {
        if addr < self.base() || addr >= self.end() {
            return Err(FreeError::NotInCache);
        }
        let off = addr - self.base();
        if off % self.layout.stride != 0 {
            return Err(FreeError::NotObjectStart);
        }
        let i = off / self.layout.stride;
        let bit = 1u64 << (i % 64);
        if self.allocated[i / 64] & bit == 0 {
            return Err(FreeError::DoubleFree);
        }
        // INVARIANT: claimed: bit clear, not yet on `free`.
        self.allocated[i / 64] &= !bit;
        Ok(())
    }

    /// Makes the object at `addr`, which `claim` accepted, free.
    pub(crate) fn unclaim(&mut self, addr: usize) {
        // `claim` checked `addr`: the arithmetic cannot fail.
        let Some(i) = addr
            .checked_sub(self.base())
            .and_then(|off| off.checked_div(self.layout.stride))
        else {
            return;
        };
        // Cannot fail or allocate: there is room for every object
        // (type invariant).
        let _ = self.free.push(i as u32, kernel::alloc::flags::GFP_NOWAIT);
    }

    /// Counts an aging tick spent empty; returns the ticks so far.
    pub(crate) fn tick_idle(&mut self) -> u32 {
        self.idle_ticks = self.idle_ticks.saturating_add(1);
        self.idle_ticks
    }

    pub(crate) fn idle_ticks(&self) -> u32 {
        self.idle_ticks
    }

    /// Gives up the memory without freeing it: objects in it are still in
    /// use by someone who did not free them.
    pub(crate) fn leak(self) {
        self.mem.leak();
    }
}

#[cfg(CONFIG_KUNIT)]
mod tests {
    use super::{FreeError, Slab, SlabLayout};
    use crate::sys::kunit::{kassert, kassert_eq, kunit_suite, CaseResult, Failed, Test};
    use crate::sys::memory::Backing;
    use kernel::page::PAGE_SIZE;

    /// Four objects of 1 KiB in one page-rounded slab.
    fn small_layout() -> SlabLayout {
        SlabLayout::new(1024, 0, 3, 1 << 20, Backing::KVmalloc)
    }

    /// The layout rounds the size to the alignment and fills the slack of
    /// the backing's rounding with more objects.
    fn layout_fills_the_slack(t: &mut Test) -> CaseResult {
        let l = small_layout();
        kassert_eq!(t, (l.stride, l.objs, l.bytes), (1024, 4, PAGE_SIZE));
        let l = SlabLayout::new(100, 64, 8, 1 << 20, Backing::Vmalloc);
        kassert_eq!(t, l.stride, 128);
        kassert_eq!(t, l.objs as usize, PAGE_SIZE / 128);
        // One object larger than the cap still gets its slab.
        let l = SlabLayout::new(3 << 20, 0, 8, 1 << 20, Backing::Vmalloc);
        kassert_eq!(t, l.objs, 1);
        Ok(())
    }

    /// Every object is handed out once, a stride apart inside the slab,
    /// low addresses first; then there are none.
    fn hands_out_each_object_once(t: &mut Test) -> CaseResult {
        let mut slab = Slab::new(&small_layout()).ok_or(Failed)?;
        for i in 0..4 {
            kassert_eq!(t, slab.take(), Some(slab.base() + i * 1024));
        }
        kassert!(t, slab.is_full());
        kassert_eq!(t, slab.take(), None);
        kassert_eq!(t, slab.inuse(), 4);
        kassert_eq!(t, slab.end(), slab.base() + 4096);
        Ok(())
    }

    /// A free outside the slab, inside an object or of a free object is
    /// refused, and changes nothing.
    fn refuses_bad_frees(t: &mut Test) -> CaseResult {
        let mut slab = Slab::new(&small_layout()).ok_or(Failed)?;
        let a = slab.take().ok_or(Failed)?;
        let base = slab.base();
        kassert_eq!(
            t,
            slab.give(base.wrapping_sub(1024)),
            Err(FreeError::NotInCache)
        );
        kassert_eq!(t, slab.give(slab.end()), Err(FreeError::NotInCache));
        kassert_eq!(t, slab.give(a + 8), Err(FreeError::NotObjectStart));
        kassert_eq!(t, slab.give(a + 1024), Err(FreeError::DoubleFree));
        kassert_eq!(t, slab.inuse(), 1);
        kassert_eq!(t, slab.give(a), Ok(()));
        kassert_eq!(t, slab.give(a), Err(FreeError::DoubleFree));
        kassert_eq!(t, slab.inuse(), 0);
        Ok(())
    }

    /// A claimed object refuses a second free at once, yet is not handed
    /// out again until unclaimed (its destructor is still running).
    fn claim_holds_the_object(t: &mut Test) -> CaseResult {
        let mut slab = Slab::new(&small_layout()).ok_or(Failed)?;
        let objs = [
            slab.take().ok_or(Failed)?,
            slab.take().ok_or(Failed)?,
            slab.take().ok_or(Failed)?,
            slab.take().ok_or(Failed)?,
        ];
        kassert_eq!(t, slab.claim(objs[2]), Ok(()));
        kassert_eq!(t, slab.claim(objs[2]), Err(FreeError::DoubleFree));
        kassert_eq!(t, slab.take(), None);
        kassert_eq!(t, slab.inuse(), 4);
        slab.unclaim(objs[2]);
        kassert_eq!(t, slab.take(), Some(objs[2]));
        Ok(())
    }

    kunit_suite!(
        suite,
        "rspl_slab",
        [
            layout_fills_the_slack,
            hands_out_each_object_once,
            refuses_bad_frees,
            claim_holds_the_object,
        ]
    );
}
