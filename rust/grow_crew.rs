// SPDX-License-Identifier: GPL-2.0

//! The grow crew: kernel threads that run slab grows, each one cache's at
//! a time. A cache whose grow is stuck (its `__vmalloc` in direct reclaim,
//! behind a shrinker that waits for a lock) holds up one member and its
//! own callers, no other cache: the next cache's grow finds an idle member
//! at once. Members are started before they are needed: when one takes a
//! grow and leaves none idle, another is hired (up to `MEMBERS_MAX`), off
//! every grow's path, as creating a thread waits on kthreadd, which may be
//! stuck in the same reclaim. (A `WQ_MEM_RECLAIM` workqueue promises one
//! thread under memory pressure, its rescuer, for all caches: a stuck
//! grow took it, and the next cache's grow waited the full timeout.)

use crate::{
    cache::Cache,
    crew_thread::{self, MemberThread},
    grow_wait::GrowWaitQueue,
    irq_lock::IrqSpinLock,
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

/// Members at most: up to this many caches, less one, may be stuck at
/// once before another cache's grow waits for a member.
const MEMBERS_MAX: usize = 16;
/// Members started at load.
const MEMBERS_FIRST: usize = 2;

/// Added to `ready` when the crew stops: every idle member wakes.
const STOPPING: i32 = 1 << 30;

struct CrewState {
    /// Caches waiting for a member, in the order they asked.
    pending: List<Cache, GROW_LIST>,
    /// Members waiting for a grow.
    idle: usize,
    /// Members started or being hired: at most `MEMBERS_MAX`.
    members: usize,
    /// Members the hiring work is to start.
    to_hire: usize,
    /// Threads started, named in order.
    started: u32,
    threads: [Option<MemberThread>; MEMBERS_MAX],
    stopping: bool,
}

/// The crew.
///
/// # Invariants
///
/// `ready` is the length of `state.pending`, plus `STOPPING` once the crew
/// stops. Every started thread is in `state.threads` (from just after its
/// start) until the crew is dropped, which stops it.
#[pin_data(PinnedDrop)]
pub(crate) struct GrowCrew {
    #[pin]
    state: IrqSpinLock<CrewState>,
    /// What idle members wait on: not 0 when there is work.
    ready: AtomicI32,
    #[pin]
    waitq: GrowWaitQueue,
}

impl GrowCrew {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            state <- IrqSpinLock::new(new_spinlock!(CrewState {
                pending: List::new(),
                idle: 0,
                members: 0,
                to_hire: 0,
                started: 0,
                threads: [const { None }; MEMBERS_MAX],
                stopping: false,
            }, "rspl_grow_crew")),
            ready: AtomicI32::new(0),
            waitq <- GrowWaitQueue::new(),
        })
    }

    /// Starts the first members; fails if none could start.
    pub(crate) fn start(self: Pin<&Self>) -> Result {
        let crew = self.get_ref();
        // SAFETY: the crew is pinned, and its drop calls `hiring_stop`.
        unsafe { crew_thread::hiring_start(crew) };
        {
            let mut state = crew.state.lock();
            state.members = MEMBERS_FIRST;
            state.to_hire = MEMBERS_FIRST;
        }
        crew.hire();
        if crew.state.lock().members == 0 {
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
        self.ready.fetch_add(1, Ordering::Release);
        drop(state);
        self.waitq.wake_one();
        Ok(())
    }

    /// A member's life: runs grows until the crew stops.
    pub(crate) fn serve(&self) {
        let mut state = self.state.lock();
        state.idle += 1;
        loop {
            if state.stopping {
                state.idle -= 1;
                return;
            }
            let Some(item) = state.pending.pop_front() else {
                drop(state);
                if self.waitq.wait_ready(&self.ready) {
                    // Stopped without the crew stopping: never, but a
                    // stopped thread must return, not spin.
                    self.state.lock().idle -= 1;
                    return;
                }
                state = self.state.lock();
                continue;
            };
            self.ready.fetch_sub(1, Ordering::Relaxed);
            // Out of the list at once: the cache may be queued again while
            // this grow runs (as a work item may while it runs).
            let cache = item.into_arc();
            state.idle -= 1;
            let hire = state.idle == 0 && state.members < MEMBERS_MAX;
            if hire {
                state.members += 1;
                state.to_hire += 1;
            }
            drop(state);
            if hire {
                crew_thread::hire_later();
            }
            cache.grow();
            // A destroyed cache's last reference may drop here: in process
            // context, outside reclaim, holding no lock.
            drop(cache);
            state = self.state.lock();
            state.idle += 1;
        }
    }

    /// Starts the members `to_hire` asks for (the hiring work, and
    /// `start`).
    pub(crate) fn hire(&self) {
        loop {
            let n = {
                let mut state = self.state.lock();
                if state.stopping || state.to_hire == 0 {
                    return;
                }
                state.to_hire -= 1;
                state.started += 1;
                state.started
            };
            // SAFETY: the crew is pinned (`start` and the hiring work are
            // reached only through a pinned crew) and stops its threads
            // before it is dropped.
            let thread = unsafe { MemberThread::start(self, n - 1) };
            let mut state = self.state.lock();
            match thread {
                Some(thread) => {
                    // `members` counts this one, so a slot is free.
                    let unplaced = match state.threads.iter_mut().find(|t| t.is_none()) {
                        Some(slot) => slot.replace(thread),
                        None => Some(thread),
                    };
                    drop(state);
                    // None: stopping a thread sleeps, never under the lock.
                    drop(unplaced);
                }
                None => {
                    state.members -= 1;
                    drop(state);
                    pr_warn!("no grow thread could be started\n");
                }
            }
        }
    }
}

impl GrowCrew {
    fn take_threads(&self) -> [Option<MemberThread>; MEMBERS_MAX] {
        core::mem::replace(
            &mut self.state.lock().threads,
            [const { None }; MEMBERS_MAX],
        )
    }
}

#[pinned_drop]
impl PinnedDrop for GrowCrew {
    fn drop(self: Pin<&mut Self>) {
        self.state.lock().stopping = true;
        self.ready.fetch_add(STOPPING, Ordering::Release);
        self.waitq.wake_all();
        // Each waits for its member to return (a grow in flight ends
        // first). Members may queue the hiring work until then: cancel it
        // only once none is left (it sees `stopping`), then stop what it
        // started meanwhile.
        drop(self.take_threads());
        crew_thread::hiring_stop();
        drop(self.take_threads());
        // The queued caches' references drop last, unlocked.
        let pending = core::mem::take(&mut self.state.lock().pending);
        drop(pending);
    }
}
