// SPDX-License-Identifier: GPL-2.0

//! A per-CPU counter: adding (in the shim, `this_cpu` operations) touches
//! only this CPU's slot (no shared atomic); reading sums every CPU's.
//! Upstream: a per-CPU variable of the Rust per-CPU series would replace
//! the C side.

use crate::sys::shim;
use core::ptr::NonNull;

/// # Invariants
///
/// `ptr` is a live per-CPU `long` allocated by this value.
pub(crate) struct PerCpuCounter {
    ptr: NonNull<kernel::ffi::c_long>,
}

// SAFETY: per-CPU data is meant for every CPU.
unsafe impl Send for PerCpuCounter {}
// SAFETY: this_cpu_add() is safe against concurrent adds and sums.
unsafe impl Sync for PerCpuCounter {}

impl PerCpuCounter {
    pub(crate) fn new() -> Option<Self> {
        // SAFETY: a plain allocation call (zeroed per-CPU memory).
        NonNull::new(unsafe { shim::rspl_counter_alloc() }).map(|ptr| Self { ptr })
    }

    /// The per-CPU `long`, for the shim to add to.
    pub(crate) fn as_ptr(&self) -> *mut kernel::ffi::c_long {
        self.ptr.as_ptr()
    }

    /// The sum over all CPUs (not a snapshot: adds may race with it).
    pub(crate) fn sum(&self) -> i64 {
        // SAFETY: the counter is live (type invariant).
        unsafe { shim::rspl_counter_sum(self.ptr.as_ptr()) as i64 }
    }
}

impl Drop for PerCpuCounter {
    fn drop(&mut self) {
        // SAFETY: the counter is live and never used after this.
        unsafe { shim::rspl_counter_free(self.ptr.as_ptr()) };
    }
}
