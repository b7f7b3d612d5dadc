// SPDX-License-Identifier: GPL-2.0

//! A magazine: one CPU's stack of free objects in front of a cache's slabs.
//! Allocation pops and free pushes, touching nothing shared; an empty
//! magazine is refilled, and a full one flushed, half a magazine at a time,
//! so that the cache's lock is taken once per batch, not once per object.
//!
//! Objects in a magazine are free to the caller but still allocated to the
//! slabs (`/proc/spl/kmem/slab` counts them as allocated, as the SPL does).

use crate::{cpu_local::Gauge, params, vec_ext::VecExt};
use kernel::{
    alloc::flags::{GFP_KERNEL, GFP_NOWAIT},
    page::PAGE_SIZE,
    prelude::*,
};

/// Aging ticks without use after which a magazine is flushed.
const IDLE_TICKS: u32 = 2;

/// # Invariants
///
/// `rounds.len() <= capacity <= rounds.capacity()`: pushing never allocates.
pub(crate) struct Magazine {
    /// Free objects' addresses, oldest first.
    rounds: KVec<usize>,
    capacity: usize,
    /// Aging ticks since the last pop or push.
    idle_ticks: u32,
    /// Rounds as last counted in the shrinker's count (`publish`).
    published: usize,
}

impl Magazine {
    /// The SPL's capacity for objects `stride` bytes apart, unless the
    /// `spl_kmem_cache_magazine_size` parameter sets one.
    pub(crate) fn capacity_for(stride: usize) -> usize {
        let set = params::magazine_size() as usize;
        if set > 0 {
            return set;
        }
        match stride {
            s if s > 256 * PAGE_SIZE => 4,
            s if s > 32 * PAGE_SIZE => 16,
            s if s > PAGE_SIZE => 64,
            s if s > PAGE_SIZE / 4 => 128,
            _ => 256,
        }
    }

    pub(crate) fn new(capacity: usize) -> Result<Self> {
        let capacity = capacity.max(1);
        // INVARIANT: empty, with room for `capacity`.
        Ok(Self {
            rounds: KVec::with_capacity(capacity, GFP_KERNEL)?,
            capacity,
            idle_ticks: 0,
            published: 0,
        })
    }

    /// Objects a refill or a flush moves.
    pub(crate) fn batch(&self) -> usize {
        self.capacity.div_ceil(2)
    }

    /// The most recently freed object.
    pub(crate) fn pop(&mut self) -> Option<usize> {
        self.idle_ticks = 0;
        self.rounds.pop()
    }

    /// The most recently freed object, left in place.
    pub(crate) fn last(&self) -> Option<usize> {
        self.rounds.last().copied()
    }

    /// Keeps a freed object; gives it back if the magazine is full.
    pub(crate) fn push(&mut self, addr: usize) -> Result<(), usize> {
        self.idle_ticks = 0;
        if self.rounds.len() >= self.capacity {
            return Err(addr);
        }
        // Cannot allocate: there is room (type invariant).
        self.rounds.push(addr, GFP_NOWAIT).map_err(|_| addr)
    }

    /// Takes up to a batch of objects from `take` while it has some.
    /// Returns how many.
    pub(crate) fn refill(&mut self, mut take: impl FnMut() -> Option<usize>) -> usize {
        let room = self.capacity - self.rounds.len();
        let mut n = 0;
        while n < self.batch().min(room) {
            let Some(addr) = take() else { break };
            // Cannot fail: `n < room`.
            let _ = self.rounds.push(addr, GFP_NOWAIT);
            n += 1;
        }
        n
    }

    /// Hands the `n` oldest objects to `give`.
    pub(crate) fn flush_oldest(&mut self, n: usize, mut give: impl FnMut(usize)) {
        let n = n.min(self.rounds.len());
        let rounds = self.rounds.as_mut_slice();
        rounds[..n].iter().for_each(|&addr| give(addr));
        rounds.copy_within(n.., 0);
        let keep = rounds.len() - n;
        while self.rounds.len() > keep {
            self.rounds.pop();
        }
    }

    /// Hands every object to `give`.
    pub(crate) fn flush_all(&mut self, give: impl FnMut(usize)) {
        self.flush_oldest(self.rounds.len(), give);
    }

    /// How many rounds were gained (or, negative, lost) since the last
    /// call: the change to publish in the shrinker's count.
    pub(crate) fn publish(&mut self) -> isize {
        let now = self.rounds.len();
        let delta = now as isize - self.published as isize;
        self.published = now;
        delta
    }

    /// Counts an aging tick; returns whether the magazine has gone unused
    /// long enough to be flushed.
    pub(crate) fn tick(&mut self) -> bool {
        self.idle_ticks = self.idle_ticks.saturating_add(1);
        self.idle_ticks >= IDLE_TICKS && !self.rounds.is_empty()
    }
}

impl Gauge for Magazine {
    fn gauge(&self) -> usize {
        self.rounds.len()
    }
}
