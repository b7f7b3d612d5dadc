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
