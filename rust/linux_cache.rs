// SPDX-License-Identifier: GPL-2.0

//! A Linux `kmem_cache`, behind a pass-through rspl cache.

use crate::shim;
use core::ptr::NonNull;
use kernel::str::CStr;

/// A Linux `kmem_cache`, destroyed when dropped.
///
/// # Invariants
///
/// `ptr` is a live kmem_cache created by this value and owned by it.
pub(crate) struct LinuxCache {
    ptr: NonNull<shim::kmem_cache>,
}

// SAFETY: kmem_caches are used from any thread.
unsafe impl Send for LinuxCache {}
// SAFETY: kmem_cache_alloc()/free() may run concurrently.
unsafe impl Sync for LinuxCache {}

impl LinuxCache {
    pub(crate) fn new(name: &CStr, size: usize, align: usize, reclaimable: bool) -> Option<Self> {
        // SAFETY: `name` is NUL-terminated (the slab allocator copies it).
        let ptr = unsafe {
            shim::rspl_linux_cache_create(
                name.as_char_ptr(),
                size as _,
                align as _,
                reclaimable as _,
            )
        };
        NonNull::new(ptr).map(|ptr| Self { ptr })
    }

    /// Allocates an object with rspl's KM_* flags; `None` if none is free.
    pub(crate) fn alloc(&self, kmflags: i32) -> Option<NonNull<u8>> {
        // SAFETY: the cache is live (type invariant).
        NonNull::new(unsafe { shim::rspl_linux_cache_alloc(self.ptr.as_ptr(), kmflags) }.cast())
    }

    /// Frees `obj`.
    ///
    /// # Safety
    ///
    /// `obj` must have come from [`Self::alloc`] of this cache and not have
    /// been freed since.
    pub(crate) unsafe fn free(&self, obj: NonNull<u8>) {
        // SAFETY: the cache is live and `obj` is one of its objects.
        unsafe { shim::rspl_linux_cache_free(self.ptr.as_ptr(), obj.as_ptr().cast()) };
    }
}

impl Drop for LinuxCache {
    fn drop(&mut self) {
        // SAFETY: the cache is live and never used after this.
        unsafe { shim::rspl_linux_cache_destroy(self.ptr.as_ptr()) };
    }
}
