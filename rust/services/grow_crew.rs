// SPDX-License-Identifier: GPL-2.0

//! The grow crew: kernel threads that run slab grows, each one cache's at
//! a time. A cache whose grow is stuck (its `__vmalloc` in direct reclaim,
//! behind a shrinker that waits for a lock) holds up one member and its
//! own callers, no other cache: the next cache's grow finds an idle member
//! at once. Every member is started at load, as starting a thread later
//! would wait on kthreadd and a workqueue worker, which may be stuck in the
//! same reclaim. (A `WQ_MEM_RECLAIM` workqueue promises one thread under
//! memory pressure, its rescuer, for all caches: a stuck grow took it, and
//! the next cache's grow waited the full timeout.)

use crate::{
    cache::Cache,
    sys::crew_thread::{self, MemberThread},
    sys::irq_lock::IrqSpinLock,
    sys::wait_queue::WaitQueue,
};
use core::sync::atomic::{AtomicI32, Ordering};
use kernel::{
    list::{List, ListArc},
    new_spinlock,
    prelude::*,
    sync::Arc,
};

/// The id of the list a cache waits on for a member (its `ListLinks`).
pub(crate) const GROW_LIST: u64 = 0;

/// Members, all started at load: up to this many caches, less one, may be
/// stuck at once before another cache's grow waits for a member. Each
/// idle one costs a kernel stack.
const MEMBERS: usize = 16;

/// Added to `ready` when the crew stops: every idle member wakes.
const STOPPING: i32 = 1 << 30;

struct CrewState {
    /// Caches waiting for a member, in the order they asked.
    pending: List<Cache, GROW_LIST>,
    /// The members: filled by `start`, emptied by the crew's drop.
    threads: [Option<MemberThread>; MEMBERS],
    stopping: bool,
}

/// The crew.
///
/// # Invariants
///
/// `ready` is the length of `state.pending`, plus `STOPPING` once the crew
/// stops. Every member thread is in `state.threads` until the crew is
/// dropped, which stops it.
#[pin_data(PinnedDrop)]
pub(crate) struct GrowCrew {
    #[pin]
    state: IrqSpinLock<CrewState>,
    /// What idle members wait on: not 0 when there is work.
    ready: AtomicI32,
    #[pin]
    waitq: WaitQueue,
}

impl GrowCrew {
    /// A crew with its members started (process context, at load); fails
    /// if none could start.
    pub(crate) fn new() -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            state <- IrqSpinLock::new(new_spinlock!(CrewState {
                pending: List::new(),
                threads: [const { None }; MEMBERS],
                stopping: false,
            }, "rspl_grow_crew")),
            ready: AtomicI32::new(0),
            waitq <- WaitQueue::new(),
        }? Error)
        .pin_chain(|crew| crew.into_ref().start())
    }

    fn start(self: Pin<&Self>) -> Result {
        let mut started = 0;
        for n in 0..MEMBERS {
            // SAFETY: the thread goes into a slot, which the crew's drop
            // empties, stopping the thread, before the crew goes away.
            let Some(thread) = (unsafe { MemberThread::start(self, n) }) else {
                continue;
            };
            // Only this function and the crew's drop touch the slots.
            self.state.lock().threads[n] = Some(thread);
            started += 1;
        }
        if started < MEMBERS {
            pr_warn!("{started} of {MEMBERS} grow threads started\n");
        }
        if started == 0 {
            return Err(ENOMEM);
        }
        Ok(())
    }

    /// Queues `cache`'s grow for the next idle member. Any context (a
    /// `KM_NOSLEEP` caller's, in an interrupt too). Gives `cache` back if
    /// it is already queued or the crew is stopping.
    pub(crate) fn enqueue(&self, cache: Arc<Cache>) -> Result<(), Arc<Cache>> {
        let item = ListArc::try_from_arc(cache)?;
        self.push(item).map_err(ListArc::into_arc)
    }

    /// Queues a destroyed cache for a member to drop, from reclaim: like
    /// `enqueue`, but if the cache is queued already and this reference
    /// turns out to be the last (the member dropped its own meanwhile),
    /// it is queued rather than dropped here.
    pub(crate) fn enqueue_or_drop(&self, cache: Arc<Cache>) {
        if let Some(item) = ListArc::try_from_arc_or_drop(cache) {
            // Refused only while unloading, when no reclaim runs any more.
            let _ = self.push(item);
        }
    }

    /// Puts `item` on the list and wakes an idle member, unless the crew
    /// is stopping.
    fn push(&self, item: ListArc<Cache, GROW_LIST>) -> Result<(), ListArc<Cache, GROW_LIST>> {
        let mut state = self.state.lock();
        if state.stopping {
            drop(state);
            return Err(item);
        }
        state.pending.push_back(item);
        // INVARIANT: one more queued cache.
        self.ready.fetch_add(1, Ordering::Release);
        drop(state);
        crew_thread::wake_one(&self.waitq);
        Ok(())
    }

    /// A member's life: runs grows until the crew stops.
    pub(crate) fn serve(&self) {
        loop {
            let mut state = self.state.lock();
            if state.stopping {
                return;
            }
            let Some(item) = state.pending.pop_front() else {
                drop(state);
                if crew_thread::wait_ready(&self.waitq, &self.ready) {
                    // Stopped without the crew stopping: never, but a
                    // stopped thread must return, not spin.
                    return;
                }
                continue;
            };
            // INVARIANT: one queued cache fewer.
            self.ready.fetch_sub(1, Ordering::Relaxed);
            drop(state);
            // Out of the list at once: the cache may be queued again while
            // this grow runs (as a work item may while it runs).
            let cache = item.into_arc();
            cache.grow();
            // A destroyed cache's last reference may drop here: in process
            // context, outside reclaim, holding no lock.
            drop(cache);
        }
    }
}

#[pinned_drop]
impl PinnedDrop for GrowCrew {
    fn drop(self: Pin<&mut Self>) {
        self.state.lock().stopping = true;
        // INVARIANT: the crew stops.
        self.ready.fetch_add(STOPPING, Ordering::Release);
        self.waitq.wake_all();
        // Each waits for its member to return (a grow in flight ends
        // first): never under the lock.
        let threads = core::mem::replace(&mut self.state.lock().threads, [const { None }; MEMBERS]);
        drop(threads);
        // The queued caches' references drop last, unlocked.
        let pending = core::mem::take(&mut self.state.lock().pending);
        drop(pending);
    }
}
