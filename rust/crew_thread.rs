// SPDX-License-Identifier: GPL-2.0

//! The grow crew's kernel threads and its hiring work (`shim/grow_crew.c`):
//! the wrapper `grow_crew.rs` runs on.

use crate::{grow_crew::GrowCrew, shim};
use core::ptr::NonNull;
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
    /// no thread could be created.
    ///
    /// # Safety
    ///
    /// `crew` stays where it is until the thread is stopped (it is pinned
    /// and stops its threads before it is dropped).
    pub(crate) unsafe fn start(crew: &GrowCrew, n: u32) -> Option<Self> {
        let data = (crew as *const GrowCrew).cast_mut().cast();
        // SAFETY: `serve` may be given `data` (the caller's contract).
        let task = unsafe { shim::rspl_crew_member_start(Some(serve), data, n) };
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

/// # Safety
///
/// `crew` is the crew given to `hiring_start`, which calls `hiring_stop`
/// before it goes away.
unsafe extern "C" fn hire(crew: *mut c_void) {
    // SAFETY: the crew outlives its hiring work (the contract).
    let crew = unsafe { &*crew.cast::<GrowCrew>() };
    crew.hire();
}

/// Makes `hire_later` run `crew.hire()`.
///
/// # Safety
///
/// `crew` stays where it is until `hiring_stop` has returned.
pub(crate) unsafe fn hiring_start(crew: &GrowCrew) {
    let data = (crew as *const GrowCrew).cast_mut().cast();
    // SAFETY: `hire` may be given `data` (the caller's contract).
    unsafe { shim::rspl_crew_hiring_start(Some(hire), data) };
}

/// Queues the hiring work, on the system's unbound workqueue.
pub(crate) fn hire_later() {
    // SAFETY: queues a static work item; it runs only once `hiring_start`
    // has set what it calls (`GrowCrew::start` calls that first).
    unsafe { shim::rspl_crew_hire_later() };
}

/// Cancels the hiring work and waits for it to finish.
pub(crate) fn hiring_stop() {
    // SAFETY: cancels a static work item; sleeps (process context only).
    unsafe { shim::rspl_crew_hiring_stop() };
}
