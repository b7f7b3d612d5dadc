// SPDX-License-Identifier: GPL-2.0

//! A cache's reap lock: a kernel mutex that can also be tried (6.12's
//! Rust `Mutex` has no `try_lock`; `Mutex::try_lock`, after 6.12, would
//! replace it), so that the shrinker and the aging tick never sleep on
//! it. Held while a reap or an aging tick runs (so that flushes of the
//! cache's magazines run one at a time) and taken by destroy, so that no
//! reclaim callback runs once destroy has returned. One lockdep class for
//! all.

use crate::sys::shim;
use kernel::{bindings, prelude::*, types::Opaque};

/// # Invariants
///
/// `mutex` was initialised by `rspl_reap_lock_init` and is only locked
/// and unlocked in balanced pairs, through `ReapGuard`.
#[pin_data]
pub(crate) struct ReapLock {
    #[pin]
    mutex: Opaque<bindings::mutex>,
}

// SAFETY: a kernel mutex may be locked and unlocked from any task.
unsafe impl Send for ReapLock {}
// SAFETY: as above; the mutex itself serialises its holders.
unsafe impl Sync for ReapLock {}

/// The lock held; unlocked on drop, by the task that locked it.
pub(crate) struct ReapGuard<'a> {
    lock: &'a ReapLock,
    _not_send: core::marker::PhantomData<*mut ()>,
}

impl ReapLock {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            // SAFETY: `slot` is valid, pinned storage for a mutex.
            mutex <- Opaque::ffi_init(|slot: *mut bindings::mutex| unsafe {
                shim::rspl_reap_lock_init(slot.cast())
            }),
        })
    }

    fn ptr(&self) -> *mut shim::mutex {
        self.mutex.get().cast()
    }

    /// Locks, sleeping until the lock is free.
    ///
    /// # Context
    ///
    /// Process context.
    pub(crate) fn lock(&self) -> ReapGuard<'_> {
        // SAFETY: an initialised mutex (invariant), process context.
        unsafe { shim::rspl_mutex_lock(self.ptr()) };
        ReapGuard {
            lock: self,
            _not_send: core::marker::PhantomData,
        }
    }

    /// Locks if the lock is free; never sleeps.
    pub(crate) fn try_lock(&self) -> Option<ReapGuard<'_>> {
        // SAFETY: an initialised mutex (invariant).
        let locked = unsafe { shim::rspl_mutex_trylock(self.ptr()) } != 0;
        // `then`, not `then_some`: a guard made and dropped on failure
        // would unlock a mutex another holds.
        locked.then(|| ReapGuard {
            lock: self,
            _not_send: core::marker::PhantomData,
        })
    }
}

impl Drop for ReapGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: this guard's task holds the mutex (it is not `Send`).
        unsafe { shim::rspl_mutex_unlock(self.lock.ptr()) };
    }
}
