// SPDX-License-Identifier: GPL-2.0

//! Emergency objects moved back into slabs (`rspl_kmem_cache_set_move()`,
//! Solaris's protocol). Once grows work again, the aging tick offers each
//! live emergency object of a cache with a move callback a constructed
//! slab object; the consumer copies its object over and answers:
//!
//! - `YES`: moved. The old object is destructed and freed; the new one is
//!   the consumer's.
//! - `NO`: will not move. The new one goes back; the old one is never
//!   offered again.
//! - `LATER`, `DONT_KNOW`: the new one goes back; the old one is offered
//!   again at a later tick.
//! - `DONT_NEED`: the old object is free. Both are destructed and freed.
//!
//! A free of the old object during the offer runs its destructor at once
//! and leaves the memory to the offer, which frees it when the callback
//! returns, whatever the answer (a second free is refused). So the
//! emergency set drains while the consumer keeps its objects.
//!
//! The offers run under the cache's reap lock, so that destroy (which
//! takes it) never returns while the consumer's callbacks run: the move
//! callback, and the constructor and destructor of the objects offered.

use super::{Cache, Source};
use crate::{slab::emergency::MoveEnd, sys::flags::*, sys::reap_lock::ReapGuard, sys::trace};
use core::{ffi::c_void, ptr::NonNull, sync::atomic::Ordering};
use kernel::ffi::c_int;

/// The C API's move callback: old object, new object, size, private.
pub(crate) type Move = unsafe extern "C" fn(*mut c_void, *mut c_void, usize, *mut c_void) -> c_int;

/// The most emergency objects one aging tick offers a move.
const OFFERS_PER_TICK: usize = 32;

impl Cache {
    /// Sets (or, with `None`, clears) the move callback.
    pub(crate) fn set_move(&self, mover: Option<Move>) {
        self.state.lock().mover = mover;
    }

    /// Offers live emergency objects a slab object to move into, from the
    /// aging tick (under the reap lock, in process context), once grows
    /// work again: none is stuck and the last one got memory.
    pub(super) fn offer_moves(&self, _reaping: &ReapGuard<'_>) {
        let Source::Slabs { init_on_alloc, .. } = self.source else {
            return;
        };
        if self.flag(KMC_BIT_DEADLOCKED) || self.last_grow_failed.load(Ordering::Acquire) {
            return;
        }
        let mut olds = [0usize; OFFERS_PER_TICK];
        let n = {
            let mut state = self.state.lock();
            if state.mover.is_none() {
                return;
            }
            state.emergency.move_candidates(&mut olds)
        };
        for &old in olds[..n].iter() {
            // Each one as it comes: it may have been freed during an
            // earlier offer, and the callback cleared.
            let (mover, new) = {
                let mut state = self.state.lock();
                let Some(mover) = state.mover else {
                    return;
                };
                if !state.emergency.begin_move(old) {
                    continue;
                }
                let new = state.slabs.take();
                state.settle(0);
                (mover, new)
            };
            let Some(new) = new.and_then(|a| NonNull::new(a as *mut u8)) else {
                // Out of slab objects: a grow, and the rest at a later tick.
                self.end_move(old, MoveEnd::Again);
                Self::start_grow(self.arc_borrow());
                return;
            };
            // Constructed, as every object the consumer gets.
            let Some(new) = self.finish_alloc(new, KmFlags::new(0), init_on_alloc, false) else {
                self.end_move(old, MoveEnd::Again);
                continue;
            };
            let answer = self.offer(mover, old, new.as_ptr() as usize);
            let end = match answer {
                MoveAnswer::Yes => MoveEnd::Release,
                MoveAnswer::DontNeed => MoveEnd::Release,
                MoveAnswer::No => MoveEnd::Never,
                MoveAnswer::Later | MoveAnswer::DontKnow => MoveEnd::Again,
            };
            if answer != MoveAnswer::Yes {
                // Not the consumer's: destructed and back to the slabs.
                self.free(new);
            }
            self.end_move(old, end);
        }
    }

    /// Calls the consumer's move callback on `old` and `new`.
    fn offer(&self, mover: Move, old: usize, new: usize) -> MoveAnswer {
        trace::move_offer(&self.name, old, new);
        self.moves.offered();
        // SAFETY: the consumer's callback, as the C API documents it: the
        // old object is live (a free during the call is deferred), the new
        // one constructed and handed to it, both of the cache's size; with
        // its private pointer.
        let raw = unsafe {
            mover(
                old as *mut c_void,
                new as *mut c_void,
                self.spec.size,
                self.callbacks.private,
            )
        };
        let answer = MoveAnswer::from_raw(raw);
        trace::move_answer(&self.name, old, answer.raw());
        self.moves.answered(answer);
        answer
    }

    /// Ends the move offer of the emergency object at `old` as `end`: a
    /// released one is destructed (unless its consumer freed it during the
    /// offer, which did) and freed.
    fn end_move(&self, old: usize, end: MoveEnd) {
        let released = {
            let mut state = self.state.lock();
            let released = state.emergency.end_move(old, end);
            if released.is_some() {
                self.emergency_left(&state, old);
            }
            released
        };
        let Some(released) = released else {
            return;
        };
        if let (false, Some(dtor), Some(obj)) = (
            released.freed_by_consumer,
            self.callbacks.dtor,
            NonNull::new(old as *mut u8),
        ) {
            self.destruct(obj, dtor);
        }
        // kfree()d here, outside the lock, after its destructor.
        drop(released.mem);
    }

    /// The cache's move counters (`/proc/rspl/kmem/moves`).
    pub(crate) fn move_counts(&self) -> super::move_stats::MoveCounts {
        self.moves.read()
    }
}
