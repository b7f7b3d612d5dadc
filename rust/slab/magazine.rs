// SPDX-License-Identifier: GPL-2.0

//! A magazine: one CPU's stack of free objects in front of a cache's slabs.
//! Allocation takes from its top and free gives to it, touching nothing
//! shared; an empty magazine is refilled, and a full one flushed, half a
//! magazine at a time, so that the cache's lock is taken once per batch,
//! not once per object.
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
    /// Aging ticks since the last take or give.
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
    pub(crate) fn take(&mut self) -> Option<usize> {
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
    pub(crate) fn give(&mut self, addr: usize) -> Result<(), usize> {
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
    /// object freed just before (a repeated free): the fast path's give,
    /// which reads the length once.
    #[inline(always)]
    pub(crate) fn give_unless_last(&mut self, addr: usize) -> bool {
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
            let _ = self.give(addr);
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

#[cfg(CONFIG_KUNIT)]
mod tests {
    use super::{capacity_for, Magazine, IDLE_TICKS};
    use crate::sys::kunit::{kassert, kassert_eq, kunit_suite, CaseResult, Test};
    use crate::sys::params::{Param, ParamGuard};
    use core::sync::atomic::{AtomicU32, AtomicU8};
    use kernel::page::PAGE_SIZE;

    /// A magazine's bookkeeping, as a CPU's copy holds it.
    struct Parts {
        len: AtomicU32,
        idle: AtomicU8,
        published: AtomicU32,
    }

    impl Parts {
        fn new() -> Self {
            Self {
                len: AtomicU32::new(0),
                idle: AtomicU8::new(0),
                published: AtomicU32::new(0),
            }
        }

        fn magazine<'a>(&'a self, rounds: &'a mut [usize]) -> Magazine<'a> {
            Magazine {
                rounds,
                len: &self.len,
                idle_ticks: &self.idle,
                published: &self.published,
            }
        }
    }

    /// A stack: the last object pushed is popped first; a full magazine
    /// gives the object back, an empty one has none.
    fn takes_the_last_given(t: &mut Test) -> CaseResult {
        let parts = Parts::new();
        let mut rounds = [0; 4];
        let mut mag = parts.magazine(&mut rounds);
        kassert_eq!(t, mag.take(), None);
        for addr in [0x1000, 0x2000, 0x3000, 0x4000] {
            kassert_eq!(t, mag.give(addr), Ok(()));
        }
        kassert_eq!(t, mag.give(0x5000), Err(0x5000));
        kassert_eq!(t, mag.last(), Some(0x4000));
        kassert_eq!(t, mag.take(), Some(0x4000));
        kassert_eq!(t, mag.take(), Some(0x3000));
        kassert_eq!(t, mag.len(), 2);
        Ok(())
    }

    /// The fast path's give refuses the object freed just before (a
    /// repeated free) and a full magazine, and takes anything else.
    fn give_unless_last_refuses_a_repeat(t: &mut Test) -> CaseResult {
        let parts = Parts::new();
        let mut rounds = [0; 3];
        let mut mag = parts.magazine(&mut rounds);
        kassert!(t, mag.give_unless_last(0x1000));
        kassert!(t, !mag.give_unless_last(0x1000));
        kassert!(t, mag.give_unless_last(0x2000));
        // Not the last one: a free this check cannot see.
        kassert!(t, mag.give_unless_last(0x1000));
        kassert!(
            t,
            !mag.give_unless_last(0x3000),
            "pushed into a full magazine"
        );
        kassert_eq!(t, mag.len(), 3);
        Ok(())
    }

    /// A refill takes half a magazine at most, and no more than fits or
    /// than the source has.
    fn refill_takes_half(t: &mut Test) -> CaseResult {
        let parts = Parts::new();
        let mut rounds = [0; 8];
        let mut mag = parts.magazine(&mut rounds);
        let mut next = 0x10000;
        let mut source = || {
            next += 0x1000;
            Some(next)
        };
        kassert_eq!(t, mag.refill(&mut source), 4);
        kassert_eq!(t, mag.refill(&mut source), 4);
        kassert_eq!(t, mag.refill(&mut source), 0);
        let mut left = 1;
        let mut dry = || {
            (left > 0).then(|| {
                left -= 1;
                0x1
            })
        };
        mag.flush_oldest(3, |_| ());
        kassert_eq!(t, mag.refill(&mut dry), 1);
        Ok(())
    }

    /// A flush hands out the oldest objects, in order, and keeps the
    /// newest ones at the bottom of the stack.
    fn flush_gives_the_oldest(t: &mut Test) -> CaseResult {
        let parts = Parts::new();
        let mut rounds = [0; 6];
        let mut mag = parts.magazine(&mut rounds);
        for addr in 1..=6 {
            let _ = mag.give(addr);
        }
        let mut given = [0; 6];
        let mut n = 0;
        mag.flush_oldest(4, |a| {
            given[n] = a;
            n += 1;
        });
        kassert_eq!(t, &given[..n], &[1, 2, 3, 4][..]);
        kassert_eq!(t, mag.take(), Some(6));
        kassert_eq!(t, mag.take(), Some(5));
        kassert_eq!(t, mag.take(), None);
        Ok(())
    }

    /// `publish` reports the change since its last call, either way.
    fn publish_reports_the_change(t: &mut Test) -> CaseResult {
        let parts = Parts::new();
        let mut rounds = [0; 8];
        let mut mag = parts.magazine(&mut rounds);
        for addr in 1..=5 {
            let _ = mag.give(addr);
        }
        kassert_eq!(t, mag.publish(), 5);
        kassert_eq!(t, mag.publish(), 0);
        mag.flush_all(|_| ());
        kassert_eq!(t, mag.publish(), -5);
        Ok(())
    }

    /// The aging tick flushes a magazine only once it has gone unused for
    /// `IDLE_TICKS` ticks, and only if it holds something; a use starts
    /// the count again.
    fn tick_waits_for_idle(t: &mut Test) -> CaseResult {
        let parts = Parts::new();
        let mut rounds = [0; 4];
        let mut mag = parts.magazine(&mut rounds);
        kassert!(
            t,
            !mag.tick() && !mag.tick(),
            "an empty magazine is never due"
        );
        let _ = mag.give(1);
        for _ in 1..IDLE_TICKS {
            kassert!(t, !mag.tick());
        }
        kassert!(t, mag.tick());
        let _ = mag.take();
        let _ = mag.give(1);
        kassert!(t, !mag.tick(), "a use restarts the count");
        Ok(())
    }

    /// The SPL's capacities by object size.
    fn capacity_follows_the_spl(t: &mut Test) -> CaseResult {
        let _by_size = ParamGuard::set(Param::MagazineSize, 0);
        for (stride, want) in [
            (64, 256),
            (PAGE_SIZE / 4, 256),
            (PAGE_SIZE, 128),
            (32 * PAGE_SIZE, 64),
            (256 * PAGE_SIZE, 16),
            (257 * PAGE_SIZE, 4),
        ] {
            let got = capacity_for(stride);
            kassert!(t, got == want, "stride {stride}: {got}, not {want}");
        }
        Ok(())
    }

    kunit_suite!(
        suite,
        "rspl_magazine_rounds",
        [
            takes_the_last_given,
            give_unless_last_refuses_a_repeat,
            refill_takes_half,
            flush_gives_the_oldest,
            publish_reports_the_change,
            tick_waits_for_idle,
            capacity_follows_the_spl,
        ]
    );
}
