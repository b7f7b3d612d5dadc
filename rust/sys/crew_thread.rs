// SPDX-License-Identifier: GPL-2.0

//! The grow crew's kernel threads (`rust/sys/crew_thread.c`): the wrapper
//! `services/grow_crew.rs` runs on. 6.12's Rust has no kernel-thread API;
//! nothing upstream replaces this yet.

use crate::{services::grow_crew::GrowCrew, sys::shim, sys::wait_queue::WaitQueue};
use core::{pin::Pin, ptr::NonNull, sync::atomic::AtomicI32};
use kernel::ffi::{c_int, c_void};

/// A started member thread, stopped (and waited for) when dropped: never
/// drop one under a spinlock.
///
/// # Invariants
///
/// `task` is a kernel thread started by `rspl_crew_member_start`, whose
/// task reference this value owns.
pub(crate) struct MemberThread {
    task: NonNull<shim::task_struct>,
}

// SAFETY: a task reference may be dropped, and the thread stopped, from
// any thread.
unsafe impl Send for MemberThread {}

/// # Safety
///
/// `crew` is the `GrowCrew` the thread was started for (`MemberThread::
/// start`), which stops the thread before it goes away.
unsafe extern "C" fn serve(crew: *mut c_void) -> c_int {
    // SAFETY: the crew outlives its threads (the contract).
    let crew = unsafe { &*crew.cast::<GrowCrew>() };
    crew.serve();
    0
}

impl MemberThread {
    /// Starts thread `rspl_grow/<n>` running `crew.serve()`; `None` when
    /// no thread could be created. Process context.
    ///
    /// # Safety
    ///
    /// The thread is stopped (the value dropped) before `crew` goes away.
    pub(crate) unsafe fn start(crew: Pin<&GrowCrew>, n: usize) -> Option<Self> {
        let data = (crew.get_ref() as *const GrowCrew).cast_mut().cast();
        // SAFETY: `serve` may be given `data`: the crew is pinned, and
        // outlives the thread (the caller's contract).
        let task = unsafe { shim::rspl_crew_member_start(Some(serve), data, n as u32) };
        // INVARIANT: a started thread, whose reference is now ours.
        NonNull::new(task).map(|task| Self { task })
    }
}

impl Drop for MemberThread {
    fn drop(&mut self) {
        // SAFETY: a started thread whose reference we own (invariant).
        unsafe { shim::rspl_crew_member_stop(self.task.as_ptr()) };
    }
}

/// Sleeps (as an idle thread: no signal, no hung task) until `ready` is
/// not 0 or the calling member is told to stop, and returns whether it
/// is; each `wake_one` wakes one such sleeper.
pub(crate) fn wait_ready(waitq: &WaitQueue, ready: &AtomicI32) -> bool {
    // SAFETY: the queue is initialised and pinned; `ready` is a live
    // `int` that the kernel reads with READ_ONCE(); the caller is a crew
    // member, a kernel thread (kthread_should_stop()).
    unsafe { shim::rspl_crew_wait(waitq.raw(), ready.as_ptr()) != 0 }
}

/// Wakes one member sleeping in `wait_ready`. Any context.
pub(crate) fn wake_one(waitq: &WaitQueue) {
    // SAFETY: the queue is initialised and pinned.
    unsafe { shim::rspl_crew_wake_one(waitq.raw()) };
}
