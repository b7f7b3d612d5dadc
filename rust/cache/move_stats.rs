// SPDX-License-Identifier: GPL-2.0

//! A cache's move counters: emergency objects offered a slab object, and
//! how their consumer answered (`/proc/rspl/kmem/moves`). Written by the
//! aging tick only.

use crate::sys::flags::MoveAnswer;
use core::sync::atomic::{AtomicU64, Ordering};

/// The counters, updated without a lock.
#[derive(Default)]
pub(crate) struct MoveStats {
    offered: AtomicU64,
    /// By answer, in `MoveAnswer`'s order.
    answers: [AtomicU64; 5],
}

/// One reading of a cache's move counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct MoveCounts {
    pub(crate) offered: u64,
    pub(crate) yes: u64,
    pub(crate) no: u64,
    pub(crate) later: u64,
    pub(crate) dont_need: u64,
    pub(crate) dont_know: u64,
}

fn slot(answer: MoveAnswer) -> usize {
    match answer {
        MoveAnswer::Yes => 0,
        MoveAnswer::No => 1,
        MoveAnswer::Later => 2,
        MoveAnswer::DontNeed => 3,
        MoveAnswer::DontKnow => 4,
    }
}

impl MoveStats {
    pub(crate) fn offered(&self) {
        self.offered.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn answered(&self, answer: MoveAnswer) {
        self.answers[slot(answer)].fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn read(&self) -> MoveCounts {
        let answer = |a| self.answers[slot(a)].load(Ordering::Relaxed);
        MoveCounts {
            offered: self.offered.load(Ordering::Relaxed),
            yes: answer(MoveAnswer::Yes),
            no: answer(MoveAnswer::No),
            later: answer(MoveAnswer::Later),
            dont_need: answer(MoveAnswer::DontNeed),
            dont_know: answer(MoveAnswer::DontKnow),
        }
    }
}
