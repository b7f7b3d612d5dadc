// SPDX-License-Identifier: GPL-2.0

//! rspl's trace events (`trace.c`, system `rspl`, under
//! `/sys/kernel/tracing/events/rspl/`): one function per event, called on
//! slow paths only. While an event is off, its call costs a static-key
//! test. Objects are passed as addresses; the events print them hashed.

use crate::sys::shim;
use core::ffi::c_void;
use kernel::{ffi::c_int, str::CStr};

fn obj(addr: usize) -> *const c_void {
    addr as *const c_void
}

/// A grow was handed to the grow crew.
pub(crate) fn grow_queued(cache: &CStr) {
    // SAFETY: `cache` is a NUL-terminated string for the call's duration;
    // the event copies it.
    unsafe { shim::rspl_trace_grow_queued(cache.as_char_ptr()) }
}

/// A grow finished after `us` microseconds, `added` a slab or not.
pub(crate) fn grow_done(cache: &CStr, added: bool, us: u64) {
    // SAFETY: as in `grow_queued`.
    unsafe { shim::rspl_trace_grow_done(cache.as_char_ptr(), added.into(), us as _) }
}

/// A caller's wait for a grow timed out after `waited_us`.
pub(crate) fn wait_timeout(cache: &CStr, waited_us: u64) {
    // SAFETY: as in `grow_queued`.
    unsafe { shim::rspl_trace_wait_timeout(cache.as_char_ptr(), waited_us as _) }
}

/// An emergency object of `size` bytes was allocated at `addr`, for an
/// allocation served with `kmflags`.
pub(crate) fn emergency_alloc(cache: &CStr, addr: usize, size: usize, kmflags: i32) {
    // SAFETY: as in `grow_queued`; the address is only recorded.
    unsafe { shim::rspl_trace_emergency_alloc(cache.as_char_ptr(), obj(addr), size as _, kmflags) }
}

/// The emergency object at `addr` was freed (or moved into a slab).
pub(crate) fn emergency_free(cache: &CStr, addr: usize, size: usize) {
    // SAFETY: as in `emergency_alloc`.
    unsafe { shim::rspl_trace_emergency_free(cache.as_char_ptr(), obj(addr), size as _) }
}

/// The object at `addr` was taken from the reserve, `left` remain.
pub(crate) fn reserve_take(cache: &CStr, addr: usize, left: usize) {
    let left = u32::try_from(left).unwrap_or(u32::MAX);
    // SAFETY: as in `emergency_alloc`.
    unsafe { shim::rspl_trace_reserve_take(cache.as_char_ptr(), obj(addr), left) }
}

/// The emergency object at `old` was offered the slab object at `new`.
pub(crate) fn move_offer(cache: &CStr, old: usize, new: usize) {
    // SAFETY: as in `emergency_alloc`.
    unsafe { shim::rspl_trace_move_offer(cache.as_char_ptr(), obj(old), obj(new)) }
}

/// The consumer answered `answer` (a `kmem_cbrc_t`) to the move of `old`.
pub(crate) fn move_answer(cache: &CStr, old: usize, answer: c_int) {
    // SAFETY: as in `emergency_alloc`.
    unsafe { shim::rspl_trace_move_answer(cache.as_char_ptr(), obj(old), answer) }
}

/// The shrinker was asked for `asked` objects and freed `freed`.
pub(crate) fn shrink_scan(asked: u64, freed: u64) {
    // SAFETY: a plain call with two numbers.
    unsafe { shim::rspl_trace_shrink_scan(asked as _, freed as _) }
}
