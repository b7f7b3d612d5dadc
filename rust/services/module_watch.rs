// SPDX-License-Identifier: GPL-2.0

//! Other modules loading and unloading (`sys/module_watch.rs` registers the notifier): a
//! module that goes has the caches it left torn down (`owners`), and
//! OpenZFS's `spl.ko` is handed `/proc/spl` as it comes and gives it back
//! as it goes (`report/places.rs`).

use crate::{report::places, services::owners};
use core::ffi::c_void;
use kernel::{ffi::c_char, str::CStr};

/// Module `name` is about to run its init.
///
/// # Safety
///
/// `name` must be NUL-terminated.
#[no_mangle]
pub(crate) unsafe extern "C" fn rspl_module_coming(name: *const c_char) {
    // SAFETY: the module's name, NUL-terminated (the caller's contract).
    let module = unsafe { CStr::from_char_ptr(name) };
    places::module_coming(module);
}

/// Module `owner`, named `name`, has run its exit (or its init failed).
///
/// # Safety
///
/// `name` must be NUL-terminated.
#[no_mangle]
pub(crate) unsafe extern "C" fn rspl_module_going(owner: *const c_void, name: *const c_char) {
    // SAFETY: the module's name, NUL-terminated (the caller's contract).
    let module = unsafe { CStr::from_char_ptr(name) };
    owners::destroy_left_by(owner as usize, module);
    places::module_going(module);
}
