// SPDX-License-Identifier: GPL-2.0

//! Waiting for a cache's grow: a wait queue whose waiters sleep until the
//! GROWING bit of the cache's flag word clears, or a timeout; and the
//! workqueue grows run on.

use crate::shim;
use core::{ptr::NonNull, sync::atomic::AtomicUsize};
use kernel::{prelude::*, types::Opaque, workqueue::Queue};

/// A `wait_queue_head`.
#[pin_data]
pub(crate) struct GrowWaitQueue {
    #[pin]
    head: Opaque<kernel::bindings::wait_queue_head>,
}

// SAFETY: wait queues are made for use from any thread.
unsafe impl Send for GrowWaitQueue {}
// SAFETY: as above; they carry their own lock.
unsafe impl Sync for GrowWaitQueue {}

impl GrowWaitQueue {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            // SAFETY: init_waitqueue_head() initialises the pinned slot.
            head <- Opaque::ffi_init(|slot: *mut kernel::bindings::wait_queue_head| unsafe {
                shim::rspl_waitq_init(slot.cast())
            }),
        })
    }

    fn raw(&self) -> *mut shim::wait_queue_head {
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

/// rspl's grow workqueue (`WQ_MEM_RECLAIM`: it has a rescuer thread, so a
/// grow runs even when no worker thread can be created).
///
/// # Invariants
///
/// `ptr` is a live workqueue created and owned by this value.
pub(crate) struct GrowQueue {
    ptr: NonNull<shim::workqueue_struct>,
}

// SAFETY: workqueues are used from any thread.
unsafe impl Send for GrowQueue {}
// SAFETY: as above.
unsafe impl Sync for GrowQueue {}

impl GrowQueue {
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: a plain creation call.
        let ptr = unsafe { shim::rspl_grow_wq_create() };
        NonNull::new(ptr).map(|ptr| Self { ptr }).ok_or(ENOMEM)
    }

    pub(crate) fn queue(&self) -> &Queue {
        // SAFETY: the workqueue is live for as long as `self` (invariant).
        unsafe { Queue::from_raw(self.ptr.as_ptr().cast()) }
    }
}

impl Drop for GrowQueue {
    fn drop(&mut self) {
        // SAFETY: the queue is live; destroy_workqueue() drains it first.
        unsafe { shim::rspl_wq_destroy(self.ptr.as_ptr()) };
    }
}
