// SPDX-License-Identifier: GPL-2.0

//! A magazine: one CPU's stack of free objects in front of a cache's slabs.
//! Allocation pops and free pushes, touching nothing shared; an empty
//! magazine is refilled, and a full one flushed, half a magazine at a time,
//! so that the cache's lock is taken once per batch, not once per object.
//!
//! Objects in a magazine are free to the caller but still allocated to the
//! slabs (`/proc/spl/kmem/slab` counts them as allocated, as the SPL does).
//! Where a magazine lives, and who may use it when, is
//! `cache/magazines.rs`; this is what using it does.

use crate::sys::params;
use core::sync::atomic::{AtomicU32, AtomicU8, Ordering::Relaxed};
use kernel::page::PAGE_SIZE;

/// Aging ticks without use after which a magazine is flushed.
const IDLE_TICKS: u8 = 2;

/// The most rounds a magazine has: 8 KiB a CPU, well inside what one
/// `alloc_percpu()` may ask (32 KiB), for any `spl_kmem_cache_magazine_size`.
pub(crate) const MAX_CAPACITY: usize = 1024;

/// The SPL's capacity for objects `stride` bytes apart, unless the
/// `spl_kmem_cache_magazine_size` parameter sets one (at most
/// `MAX_CAPACITY`).
pub(crate) fn capacity_for(stride: usize) -> usize {
    let set = params::magazine_size() as usize;
    if set > 0 {
        return set.min(MAX_CAPACITY);
    }
    match stride {
        s if s > 256 * PAGE_SIZE => 4,
        s if s > 32 * PAGE_SIZE => 16,
        s if s > PAGE_SIZE => 64,
        s if s > PAGE_SIZE / 4 => 128,
        _ => 256,
    }
}

/// A magazine, borrowed for one use by the one context that may use it.
///
/// # Invariants
///
/// `len <= rounds.len()`, the capacity; `rounds[..len]` are the free
/// objects' addresses, oldest first. Other CPUs only read `len`.
pub(crate) struct Magazine<'a> {
    pub(crate) rounds: &'a mut [usize],
    /// Rounds in use: other CPUs read it, as a gauge.
    pub(crate) len: &'a AtomicU32,
    /// Aging ticks since the last pop or push.
    pub(crate) idle_ticks: &'a AtomicU8,
    /// Rounds as last counted in the shrinker's count (`publish`).
    pub(crate) published: &'a AtomicU32,
}

impl Magazine<'_> {
    pub(crate) fn len(&self) -> usize {
        self.len.load(Relaxed) as usize
    }

    fn set_len(&mut self, n: usize) {
        // INVARIANT: callers keep `n` within the capacity.
        self.len.store(n as u32, Relaxed);
    }

    pub(crate) fn capacity(&self) -> usize {
        self.rounds.len()
    }

    /// Objects a refill or a flush moves.
    pub(crate) fn batch(&self) -> usize {
        self.capacity().div_ceil(2)
    }

    /// The most recently freed object.
    #[inline(always)]
    pub(crate) fn pop(&mut self) -> Option<usize> {
        // An empty magazine's index wraps past the capacity: one compare.
        let i = self.len().wrapping_sub(1);
        let addr = *self.rounds.get(i)?;
        self.set_len(i);
        self.idle_ticks.store(0, Relaxed);
        Some(addr)
    }

    /// The most recently freed object, left in place.
    #[inline(always)]
    pub(crate) fn last(&self) -> Option<usize> {
        self.rounds.get(self.len().wrapping_sub(1)).copied()
    }

    /// Keeps a freed object; gives it back if the magazine is full.
    #[inline(always)]
    pub(crate) fn push(&mut self, addr: usize) -> Result<(), usize> {
        let n = self.len();
        let Some(slot) = self.rounds.get_mut(n) else {
            return Err(addr);
        };
        *slot = addr;
        self.set_len(n + 1);
        self.idle_ticks.store(0, Relaxed);
        Ok(())
    }

    /// Keeps a freed object unless the magazine is full or it is the
    /// object freed just before (a repeated free): the fast path's push,
    /// which reads the length once.
    #[inline(always)]
    pub(crate) fn push_unless_last(&mut self, addr: usize) -> bool {
        let n = self.len();
        if n >= self.rounds.len() || (n > 0 && self.rounds[n - 1] == addr) {
            return false;
        }
        self.rounds[n] = addr;
        self.set_len(n + 1);
        self.idle_ticks.store(0, Relaxed);
        true
    }

    /// Takes up to a batch of objects from `take` while it has some.
    /// Returns how many.
    pub(crate) fn refill(&mut self, mut take: impl FnMut() -> Option<usize>) -> usize {
        let room = self.capacity() - self.len();
        let mut n = 0;
        while n < self.batch().min(room) {
            let Some(addr) = take() else { break };
            // Cannot fail: `n < room`.
            let _ = self.push(addr);
            n += 1;
        }
        n
    }

    /// Hands the `n` oldest objects to `give`.
    pub(crate) fn flush_oldest(&mut self, n: usize, mut give: impl FnMut(usize)) {
        let len = self.len();
        let n = n.min(len);
        let rounds = &mut self.rounds[..len];
        rounds[..n].iter().for_each(|&addr| give(addr));
        rounds.copy_within(n.., 0);
        self.set_len(len - n);
    }

    /// Hands every object to `give`.
    pub(crate) fn flush_all(&mut self, give: impl FnMut(usize)) {
        self.flush_oldest(self.len(), give);
    }

    /// How many rounds were gained (or, negative, lost) since the last
    /// call: the change to publish in the shrinker's count.
    pub(crate) fn publish(&mut self) -> isize {
        let now = self.len();
        let delta = now as isize - self.published.load(Relaxed) as isize;
        self.published.store(now as u32, Relaxed);
        delta
    }

    /// Counts an aging tick; returns whether the magazine has gone unused
    /// long enough to be flushed.
    pub(crate) fn tick(&mut self) -> bool {
        let idle = self.idle_ticks.load(Relaxed).saturating_add(1);
        self.idle_ticks.store(idle, Relaxed);
        idle >= IDLE_TICKS && self.len() > 0
    }
}
