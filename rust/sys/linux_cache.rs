// SPDX-License-Identifier: GPL-2.0

//! A Linux `kmem_cache`, behind a pass-through rspl cache. 6.12's Rust has
//! no `kmem_cache` binding; nothing upstream replaces this yet.

use crate::{sys::counter::PerCpuCounter, sys::shim};
use core::ptr::NonNull;
use kernel::str::{CStr, CString};

/// A Linux `kmem_cache`, destroyed when dropped, and a count of the
/// objects it has handed out.
///
/// # Invariants
///
/// `ptr` is a live kmem_cache created by this value and owned by it.
pub(crate) struct LinuxCache {
    ptr: NonNull<shim::kmem_cache>,
    /// Its name in `/proc/slabinfo` and `/sys/kernel/slab`.
    name: CString,
    /// Objects handed out, per CPU: no shared atomic on this path.
    allocated: PerCpuCounter,
    /// Left alive when dropped: objects are still out.
    keep: bool,
}

// SAFETY: kmem_caches are used from any thread.
unsafe impl Send for LinuxCache {}
// SAFETY: kmem_cache_alloc()/free() may run concurrently.
unsafe impl Sync for LinuxCache {}

impl LinuxCache {
    /// A Linux cache named `name` whose objects are a usercopy region
    /// whole, as OpenZFS's are.
    pub(crate) fn new(name: CString, size: usize, align: usize, reclaimable: bool) -> Option<Self> {
        // SAFETY: `name` is NUL-terminated (the slab allocator copies it).
        let ptr = unsafe {
            shim::rspl_linux_cache_create(
                name.as_char_ptr(),
                size as _,
                align as _,
                reclaimable as _,
            )
        };
        let ptr = NonNull::new(ptr)?;
        let Some(allocated) = PerCpuCounter::new() else {
            // SAFETY: just created, with no object.
            unsafe { shim::rspl_linux_cache_destroy(ptr.as_ptr()) };
            return None;
        };
        Some(Self {
            ptr,
            name,
            allocated,
            keep: false,
        })
    }

    /// Allocates an object with rspl's KM_* flags; `None` if none is free.
    /// The flag is set when a sleeping allocation came from atomic context
    /// and was served as `KM_NOSLEEP`.
    pub(crate) fn alloc(&self, kmflags: i32) -> (Option<NonNull<u8>>, bool) {
        let mut atomic = 0;
        // SAFETY: the cache and the counter are live (type invariant).
        let obj = unsafe {
            shim::rspl_linux_cache_alloc(
                self.ptr.as_ptr(),
                kmflags,
                self.allocated.as_ptr(),
                &mut atomic,
            )
        };
        (NonNull::new(obj.cast()), atomic != 0)
    }

    pub(crate) fn name(&self) -> &CStr {
        &self.name
    }

    /// Objects handed out and not freed (exact when none is in flight).
    pub(crate) fn allocated(&self) -> u64 {
        self.allocated.sum().max(0) as u64
    }

    /// Frees `obj`.
    ///
    /// # Safety
    ///
    /// `obj` must have come from [`Self::alloc`] of this cache and not have
    /// been freed since.
    pub(crate) unsafe fn free(&self, obj: NonNull<u8>) {
        // SAFETY: the cache and the counter are live, and `obj` is one of
        // the cache's objects.
        unsafe {
            shim::rspl_linux_cache_free(
                self.ptr.as_ptr(),
                obj.as_ptr().cast(),
                self.allocated.as_ptr(),
            )
        };
    }
}

impl LinuxCache {
    /// Fills `objs` from the cache in one call, as far as it can; returns
    /// how many it got (0 with IRQs off, where SLUB's bulk call must not
    /// run, or for a sleeping `kmflags` in atomic context).
    pub(crate) fn alloc_bulk(&self, kmflags: i32, objs: &mut [usize]) -> usize {
        // SAFETY: the cache and the counter are live (type invariant);
        // `objs` has room for as many pointers as asked.
        let got = unsafe {
            shim::rspl_linux_cache_alloc_bulk(
                self.ptr.as_ptr(),
                kmflags,
                objs.len() as _,
                objs.as_mut_ptr().cast(),
                self.allocated.as_ptr(),
            )
        };
        (got as usize).min(objs.len())
    }

    /// Frees every object of `objs`.
    ///
    /// # Safety
    ///
    /// As [`Self::free`], for each object.
    pub(crate) unsafe fn free_bulk(&self, objs: &mut [usize]) {
        // SAFETY: the cache and the counter are live, and every object is
        // one of the cache's (the caller's contract).
        unsafe {
            shim::rspl_linux_cache_free_bulk(
                self.ptr.as_ptr(),
                objs.len() as _,
                objs.as_mut_ptr().cast(),
                self.allocated.as_ptr(),
            )
        };
    }

    /// Whether a magazine may keep this kind of cache's freed objects
    /// (not under KASAN or `init_on_free`).
    pub(crate) fn may_park() -> bool {
        // SAFETY: reads configuration fixed at boot.
        unsafe { shim::rspl_linux_cache_may_park() != 0 }
    }

    /// Leaks the Linux cache instead of destroying it when this value
    /// drops: `kmem_cache_destroy()` of a cache with objects out would BUG.
    pub(crate) fn keep_when_dropped(&mut self) {
        self.keep = true;
    }
}

impl Drop for LinuxCache {
    fn drop(&mut self) {
        if self.keep {
            return;
        }
        // SAFETY: the cache is live and never used after this.
        unsafe { shim::rspl_linux_cache_destroy(self.ptr.as_ptr()) };
    }
}
