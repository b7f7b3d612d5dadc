// SPDX-License-Identifier: GPL-2.0

//! A wait queue (`wait_queue.c`): callers waiting for a grow sleep on one
//! until the GROWING bit of their cache's flag word clears, or a timeout;
//! the grow crew's idle members wait on one for a grow to run
//! (`sys/crew_thread.rs`). 6.12's
//! `CondVar` cannot wait on a bit with a high-resolution timeout; nothing
//! upstream does yet.

use crate::sys::shim;
use core::sync::atomic::AtomicUsize;
use kernel::{prelude::*, types::Opaque};

/// A `wait_queue_head`.
#[pin_data]
pub(crate) struct WaitQueue {
    #[pin]
    head: Opaque<kernel::bindings::wait_queue_head>,
}

// SAFETY: wait queues are made for use from any thread.
unsafe impl Send for WaitQueue {}
// SAFETY: as above; they carry their own lock.
unsafe impl Sync for WaitQueue {}

impl WaitQueue {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            // SAFETY: init_waitqueue_head() initialises the pinned slot.
            head <- Opaque::ffi_init(|slot: *mut kernel::bindings::wait_queue_head| unsafe {
                shim::rspl_waitq_init(slot.cast())
            }),
        })
    }

    pub(crate) fn raw(&self) -> *mut shim::wait_queue_head {
        self.head.get().cast()
    }

    /// Sleeps (uninterruptibly) until bit `bit` of `word` is clear or `ms`
    /// milliseconds pass. Returns whether the bit cleared in time.
    pub(crate) fn wait_bit_clear(&self, word: &AtomicUsize, bit: u32, ms: u32) -> bool {
        // SAFETY: the queue is initialised and pinned; `word` is a live
        // `unsigned long` that the kernel reads with test_bit() (atomic).
        unsafe { shim::rspl_wait_bit_clear(self.raw(), word.as_ptr().cast(), bit, ms) != 0 }
    }

    pub(crate) fn wake_all(&self) {
        // SAFETY: the queue is initialised and pinned.
        unsafe { shim::rspl_wake_all(self.raw()) };
    }
}
