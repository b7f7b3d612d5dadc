// SPDX-License-Identifier: GPL-2.0

//! Other modules loading and unloading (rust/sys/module_watch.c calls in): a
//! module that goes has the caches it left torn down (`owners`), and
//! OpenZFS's `spl.ko` is handed `/proc/spl` as it comes and gives it back
//! as it goes (`report_places`).

use crate::{report::places, services::owners, sys::shim};
use core::ffi::c_void;
use kernel::{ffi::c_char, prelude::*, str::CStr};

/// The module notifier, registered while this value lives.
pub(crate) struct ModuleWatch(());

impl ModuleWatch {
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: registers the shim's module notifier, undone in `drop`;
        // its callbacks are the functions below.
        kernel::error::to_result(unsafe { shim::rspl_module_watch_start() })?;
        Ok(Self(()))
    }
}

impl Drop for ModuleWatch {
    fn drop(&mut self) {
        // SAFETY: started in `new`; waits for a callback still running.
        unsafe { shim::rspl_module_watch_stop() };
    }
}

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
