// SPDX-License-Identifier: GPL-2.0

//! The fast path: an allocation that takes from this CPU's magazine and a
//! free that gives to it, inlined into the C API's functions, with no call
//! and no lock. Whatever needs more (a constructor or destructor to run,
//! objects to zero, a checked or pass-through cache, live emergency
//! objects, a destroyed cache) is a bit of the cache's slow word for that
//! direction, so the fast path tests one word; it and a magazine that is
//! empty, full or in use send the call to the slow path, out of line.

use super::Cache;
use crate::{
    cache::magazines::Local,
    sys::flags::{KM_FLAGS_MASK, KM_ZERO},
};
use core::sync::atomic::{AtomicU32, Ordering::Relaxed};

/// Allocation: the cache has a constructor.
pub(super) const CTOR: u32 = 1 << 0;
/// Allocation: objects are zeroed as they are handed out (`init_on_alloc`).
pub(super) const ZERO: u32 = 1 << 1;
/// Free: the cache has a destructor.
pub(super) const DTOR: u32 = 1 << 2;
/// Both: a checked cache, whose objects go straight to their slabs.
pub(super) const CHECKED: u32 = 1 << 3;
/// Both: objects come from a Linux cache.
pub(super) const PASS_THROUGH: u32 = 1 << 4;
/// Free: emergency objects are live; a free may be one of them.
pub(super) const EMERGENCY: u32 = 1 << 5;
/// Both: the cache is destroyed; calls are refused.
pub(super) const DESTROYED: u32 = 1 << 6;

/// Allocation flags that the fast path does not serve: `KM_ZERO`, and
/// unknown bits, which the slow path refuses.
const KM_SLOW: i32 = KM_ZERO | !KM_FLAGS_MASK;

/// Why a cache's calls cannot take the fast path, per direction.
pub(super) struct SlowWords {
    alloc: AtomicU32,
    free: AtomicU32,
}

impl SlowWords {
    pub(super) fn new(alloc: u32, free: u32) -> Self {
        Self {
            alloc: AtomicU32::new(alloc),
            free: AtomicU32::new(free),
        }
    }

    /// Sends frees to the slow path too for `bits`.
    pub(super) fn set_free(&self, bits: u32) {
        self.free.fetch_or(bits, Relaxed);
    }

    pub(super) fn clear_free(&self, bits: u32) {
        self.free.fetch_and(!bits, Relaxed);
    }

    /// Sends every call to the slow path, which refuses it.
    pub(super) fn set_destroyed(&self) {
        self.alloc.fetch_or(DESTROYED, Relaxed);
        self.free.fetch_or(DESTROYED, Relaxed);
    }
}

impl Cache {
    /// An object's address from this CPU's magazine, or 0, which sends
    /// the allocation to the slow path (`Cache::alloc`).
    #[inline(always)]
    pub(crate) fn alloc_fast(&self, kmflags: i32) -> Local<usize> {
        if (kmflags & KM_SLOW) as u32 | self.slow.alloc.load(Relaxed) != 0 {
            return Local {
                value: 0,
                resched: false,
            };
        }
        self.mags.with_local(0, |mag| mag.take().unwrap_or(0))
    }

    /// Puts `obj` on this CPU's magazine; `false` sends the free to the
    /// slow path (`Cache::free`), which also refuses a NULL and the object
    /// freed just before on this CPU.
    #[inline(always)]
    pub(crate) fn free_fast(&self, obj: *mut u8) -> Local<bool> {
        let addr = obj as usize;
        if self.slow.free.load(Relaxed) != 0 || addr == 0 {
            return Local {
                value: false,
                resched: false,
            };
        }
        self.mags
            .with_local(false, |mag| mag.give_unless_last(addr))
    }
}
