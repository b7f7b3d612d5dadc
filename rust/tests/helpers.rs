// SPDX-License-Identifier: GPL-2.0

//! What several suites share: a cache made through the C API for one case
//! (`TestCache`), and reading its counters and its report row.

use crate::{
    cache::counts,
    cache::{Cache, Ctor, Dtor},
    capi::{
        rspl_kmem_cache_alloc, rspl_kmem_cache_create_owned, rspl_kmem_cache_destroy,
        rspl_kmem_cache_free, rspl_kmem_cache_inuse, rspl_kmem_cache_reap_now,
    },
    sys::kunit::{kassert, read_file, Failed, Test},
};
use core::{
    ffi::c_void,
    ptr::{null_mut, NonNull},
};
use kernel::{
    alloc::flags::GFP_KERNEL,
    ffi::{c_char, c_int},
    prelude::*,
    str::CStr,
};

/// Creates a cache with no callbacks. `name` must end with a NUL.
pub(crate) fn create(name: &'static str, size: usize, align: usize, flags: u32) -> *mut c_void {
    // SAFETY: `name` ends with a NUL (callers pass literals with "\0").
    unsafe {
        create_raw(
            name.as_ptr() as *const c_char,
            size,
            align,
            null_mut(),
            flags as c_int,
        )
    }
}

/// Creates a cache with no callbacks from raw C arguments, bad ones
/// included.
///
/// # Safety
///
/// `name` must be null or NUL-terminated.
pub(crate) unsafe fn create_raw(
    name: *const c_char,
    size: usize,
    align: usize,
    vmp: *mut c_void,
    flags: c_int,
) -> *mut c_void {
    // SAFETY: `name` is null or NUL-terminated (the caller's contract);
    // there are no callbacks.
    unsafe {
        rspl_kmem_cache_create_owned(
            name,
            size,
            align,
            None,
            None,
            None,
            null_mut(),
            vmp,
            flags,
            null_mut(),
        )
    }
}

/// Creates a cache with a constructor and a destructor that get
/// `private`, for owner `owner` (a module's address, a token that stands
/// for one, or 0: rspl's tests).
pub(crate) fn create_with(
    name: &CStr,
    size: usize,
    flags: u32,
    ctor: Option<Ctor>,
    dtor: Option<Dtor>,
    private: usize,
    owner: usize,
) -> *mut c_void {
    // SAFETY: `name` is NUL-terminated; the callbacks are the tests' own,
    // callable for the cache's life.
    unsafe {
        rspl_kmem_cache_create_owned(
            name.as_char_ptr(),
            size,
            0,
            ctor,
            dtor,
            None,
            private as *mut c_void,
            null_mut(),
            flags as c_int,
            owner as *mut c_void,
        )
    }
}

/// A cache made through the C API for one case, destroyed when it drops:
/// a failed assertion, which returns from the case early, destroys it too.
///
/// # Invariants
///
/// `handle` is a live cache handle from `rspl_kmem_cache_create_owned`;
/// only `drop` destroys it.
pub(crate) struct TestCache {
    handle: NonNull<c_void>,
}

// SAFETY: rspl's C API takes a live handle from any thread and context
// its functions allow.
unsafe impl Send for TestCache {}
// SAFETY: as above; `&self` only passes the handle to the C API.
unsafe impl Sync for TestCache {}

impl TestCache {
    /// A cache with no callbacks; `None` if the create was refused. `name`
    /// must end with a NUL.
    pub(crate) fn new(name: &'static str, size: usize, align: usize, flags: u32) -> Option<Self> {
        Self::from_handle(create(name, size, align, flags))
    }

    /// A cache with a constructor and a destructor that get `private`.
    pub(crate) fn with_callbacks(
        name: &CStr,
        size: usize,
        flags: u32,
        ctor: Option<Ctor>,
        dtor: Option<Dtor>,
        private: usize,
    ) -> Option<Self> {
        Self::from_handle(create_with(name, size, flags, ctor, dtor, private, 0))
    }

    /// Takes over a handle a create returned (null: `None`).
    pub(crate) fn from_handle(handle: *mut c_void) -> Option<Self> {
        // INVARIANT: a create's non-null result is a live handle, ours.
        NonNull::new(handle).map(|handle| Self { handle })
    }

    pub(crate) fn handle(&self) -> *mut c_void {
        self.handle.as_ptr()
    }

    /// The cache itself.
    pub(crate) fn cache(&self) -> &Cache {
        // SAFETY: live until `self` drops (type invariant).
        unsafe { cache_of(self.handle()) }
    }

    /// `rspl_kmem_cache_alloc()`.
    pub(crate) fn alloc(&self, kmflags: c_int) -> *mut c_void {
        // SAFETY: a live handle (type invariant).
        unsafe { rspl_kmem_cache_alloc(self.handle(), kmflags) }
    }

    /// `rspl_kmem_cache_free()`.
    ///
    /// # Safety
    ///
    /// `obj` came from this cache and is not freed yet, or is a bad free
    /// this cache refuses (one on rspl's own slabs: a checked cache refuses
    /// any, another one a repeat of the last free at once, the rest when
    /// its magazine flushes).
    pub(crate) unsafe fn free(&self, obj: *mut c_void) {
        // SAFETY: a live handle (type invariant); `obj` as the caller says.
        unsafe { rspl_kmem_cache_free(self.handle(), obj) }
    }

    /// Waits up to `ms` for the cache's grow in flight, if any, to finish;
    /// returns whether none is in flight now.
    pub(crate) fn wait_grow_done(&self, ms: u32) -> bool {
        let growing = || self.cache().row().0 & (1 << crate::sys::flags::KMC_BIT_GROWING) != 0;
        for _ in 0..ms.div_ceil(10) {
            if !growing() {
                return true;
            }
            crate::sys::memory::msleep(10);
        }
        !growing()
    }

    /// `rspl_kmem_cache_inuse()`.
    pub(crate) fn inuse(&self) -> u64 {
        // SAFETY: a live handle (type invariant).
        unsafe { rspl_kmem_cache_inuse(self.handle()) }
    }

    /// `rspl_kmem_cache_reap_now()`.
    pub(crate) fn reap(&self) {
        // SAFETY: a live handle (type invariant).
        unsafe { rspl_kmem_cache_reap_now(self.handle()) }
    }

    /// `n` objects, KM_SLEEP; fails the case if one is refused.
    pub(crate) fn alloc_n(&self, t: &mut Test, n: usize) -> Result<Objs<'_>, Failed> {
        let mut objs = Objs::new(self);
        kassert!(t, objs.alloc_n(n), "KM_SLEEP allocation returned NULL");
        Ok(objs)
    }
}

/// Objects of one `TestCache`, freed when they drop (or by `free_all`):
/// a failed assertion frees them too.
///
/// # Invariants
///
/// Every pointer of `ptrs` came from `cache.alloc` and is not freed.
pub(crate) struct Objs<'a> {
    cache: &'a TestCache,
    ptrs: KVec<*mut c_void>,
}

impl<'a> Objs<'a> {
    pub(crate) fn new(cache: &'a TestCache) -> Self {
        Self {
            cache,
            ptrs: KVec::new(),
        }
    }

    /// One more object, KM_SLEEP; `None` if refused.
    pub(crate) fn alloc(&mut self) -> Option<*mut c_void> {
        self.alloc_with(0)
    }

    /// One more object, with `kmflags`; `None` if refused.
    pub(crate) fn alloc_with(&mut self, kmflags: c_int) -> Option<*mut c_void> {
        self.ptrs.reserve(1, GFP_KERNEL).ok()?;
        let o = self.cache.alloc(kmflags);
        if o.is_null() {
            return None;
        }
        // INVARIANT: just allocated from `cache`. Cannot fail: reserved.
        self.ptrs.push(o, GFP_KERNEL).ok()?;
        Some(o)
    }

    /// `n` more objects; false if one was refused.
    pub(crate) fn alloc_n(&mut self, n: usize) -> bool {
        (0..n).all(|_| self.alloc().is_some())
    }

    /// The objects, oldest first.
    pub(crate) fn as_slice(&self) -> &[*mut c_void] {
        self.ptrs.as_slice()
    }

    /// Frees every object, oldest first.
    pub(crate) fn free_all(&mut self) {
        for &o in self.ptrs.as_slice() {
            // SAFETY: each came from `cache` and is freed once (invariant;
            // the vector is emptied below).
            unsafe { self.cache.free(o) };
        }
        self.ptrs = KVec::new();
    }
}

impl Drop for Objs<'_> {
    fn drop(&mut self) {
        self.free_all();
    }
}

impl Drop for TestCache {
    fn drop(&mut self) {
        // SAFETY: a live handle, destroyed once (type invariant).
        unsafe { rspl_kmem_cache_destroy(self.handle()) };
    }
}

/// The cache behind a handle.
///
/// # Safety
///
/// `c` must be a live cache from `rspl_kmem_cache_create`, not destroyed
/// while the reference is used.
pub(crate) unsafe fn cache_of<'a>(c: *mut c_void) -> &'a Cache {
    // SAFETY: the handle is live and stays so (caller).
    let cache = unsafe { crate::capi::handles::lookup(c as usize) };
    cache.expect("a live cache's handle")
}

/// The slab counters of a cache on rspl's own slabs, as its row shows them.
pub(crate) fn slab_counts(cache: &Cache) -> Option<counts::SlabCounts> {
    match cache.row().1 {
        counts::RowCounts::Slabs(s) => Some(s),
        counts::RowCounts::PassThrough { .. } => None,
    }
}

/// The row of cache `name` in the report at `path`, as text; `None` when
/// the file cannot be read or has no such row.
pub(crate) fn proc_row(path: &CStr, name: &str) -> Option<KVec<u8>> {
    let mut buf = KVec::from_elem(0u8, 64 * 1024, GFP_KERNEL).ok()?;
    let n = read_file(path, buf.as_mut_slice()).ok()?;
    let text = core::str::from_utf8(&buf.as_slice()[..n]).ok()?;
    let line = text
        .lines()
        .find(|l| l.split_whitespace().next() == Some(name))?;
    let mut out = KVec::new();
    out.extend_from_slice(line.as_bytes(), GFP_KERNEL).ok()?;
    out.push(b'\n', GFP_KERNEL).ok()?;
    Some(out)
}
