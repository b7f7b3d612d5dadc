// SPDX-License-Identifier: GPL-2.0

//! A cache's reserve (`KMC_RESERVE`): slab objects set aside for the I/O
//! path. Only a caller that services the VM (`KM_PUSHPAGE`, or a task in
//! reclaim or in a NOIO scope) may take one, and only when its wait for a
//! grow is over and even an emergency object failed; the grow crew puts
//! objects back from the slabs, never a caller. Used under the cache's
//! lock: it never allocates there (its room is allocated at creation).

use crate::sys::vec_ext::VecExt;
use kernel::{alloc::flags::GFP_NOWAIT, prelude::*};

/// The objects set aside, and how they were used.
///
/// # Invariants
///
/// `objs.len() <= target <= objs.capacity()`: a put never allocates.
pub(crate) struct Reserve {
    objs: KVec<usize>,
    target: usize,
    /// The fewest it held since it was first full.
    low: usize,
    taken: u64,
    /// Entitled callers that found it empty.
    dry: u64,
}

/// One reading of a cache's reserve (`/proc/rspl/kmem/reserve`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct ReserveCounts {
    pub(crate) target: u64,
    pub(crate) held: u64,
    pub(crate) low: u64,
    pub(crate) taken: u64,
    pub(crate) dry: u64,
}

impl Reserve {
    /// A reserve of `target` objects, empty: its room is allocated now.
    pub(crate) fn new(target: usize) -> Result<Self> {
        Ok(Self {
            objs: KVec::with_capacity(target, GFP_KERNEL)?,
            target,
            low: target,
            taken: 0,
            dry: 0,
        })
    }

    /// Objects it lacks.
    pub(crate) fn wants(&self) -> usize {
        self.target - self.objs.len()
    }

    pub(crate) fn len(&self) -> usize {
        self.objs.len()
    }

    /// Sets `addr`, a slab object, aside; gives it back when full.
    pub(crate) fn put(&mut self, addr: usize) -> Result<(), usize> {
        if self.wants() == 0 {
            return Err(addr);
        }
        // Within the capacity (type invariant): no allocation.
        self.objs.push(addr, GFP_NOWAIT).map_err(|_| addr)
    }

    /// An object for an entitled caller, counted.
    pub(crate) fn take(&mut self) -> Option<usize> {
        let Some(addr) = self.objs.pop() else {
            self.dry += 1;
            return None;
        };
        self.taken += 1;
        self.low = self.low.min(self.objs.len());
        Some(addr)
    }

    /// Any object back out, uncounted (teardown).
    pub(crate) fn drain(&mut self) -> Option<usize> {
        self.objs.pop()
    }

    pub(crate) fn counts(&self) -> ReserveCounts {
        ReserveCounts {
            target: self.target as u64,
            held: self.objs.len() as u64,
            low: self.low as u64,
            taken: self.taken,
            dry: self.dry,
        }
    }
}

#[cfg(CONFIG_KUNIT)]
mod tests {
    use super::Reserve;
    use crate::sys::kunit::{kassert_eq, kunit_suite, CaseResult, Failed, Test};

    /// It holds at most its target, hands out the last put first, and
    /// counts takes, the low mark and takes that found it empty.
    fn holds_its_target_and_counts(t: &mut Test) -> CaseResult {
        let mut r = Reserve::new(3).map_err(|_| Failed)?;
        kassert_eq!(t, r.wants(), 3);
        for a in [0x100, 0x200, 0x300] {
            kassert_eq!(t, r.put(a), Ok(()));
        }
        kassert_eq!(t, r.put(0x400), Err(0x400));
        kassert_eq!(t, (r.take(), r.take()), (Some(0x300), Some(0x200)));
        kassert_eq!(t, r.put(0x500), Ok(()));
        kassert_eq!(
            t,
            (r.take(), r.take(), r.take()),
            (Some(0x500), Some(0x100), None)
        );
        let c = r.counts();
        kassert_eq!(
            t,
            (c.target, c.held, c.low, c.taken, c.dry),
            (3, 0, 0, 4, 1)
        );
        kassert_eq!(t, r.drain(), None);
        Ok(())
    }

    kunit_suite!(suite, "rspl_reserve", [holds_its_target_and_counts]);
}
