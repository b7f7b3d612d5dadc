// SPDX-License-Identifier: GPL-2.0

//! What several suites share: making a cache through the C API and
//! reading its counters and its report row.

use crate::{
    cache::counts,
    cache::{Cache, Ctor, Dtor},
    capi::rspl_kmem_cache_create_owned,
    sys::kunit::read_file,
    sys::params,
};
use core::{ffi::c_void, ptr::null_mut};
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
/// `private`.
pub(crate) fn create_with(
    name: &CStr,
    size: usize,
    flags: u32,
    ctor: Option<Ctor>,
    dtor: Option<Dtor>,
    private: usize,
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
            null_mut(),
        )
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

/// Grows held up by `ms` (`spl_kmem_cache_inject_grow_delay_ms`) until
/// `lift` or drop: a case that fails midway must not leave the next cases
/// with hung grows.
pub(crate) struct GrowDelay(());

impl GrowDelay {
    pub(crate) fn set(ms: u32) -> Self {
        params::set_inject_grow_delay_ms(ms);
        Self(())
    }

    pub(crate) fn lift(self) {}
}

impl Drop for GrowDelay {
    fn drop(&mut self) {
        params::set_inject_grow_delay_ms(0);
    }
}
