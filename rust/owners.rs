// SPDX-License-Identifier: GPL-2.0

//! Caches whose owner module unloads without destroying them. Each is
//! reported and destroyed as the module goes (shim/module_watch.c calls
//! in), while the module's code is still there: afterwards a reap would
//! call a reclaim callback in freed memory, and what the cache holds could
//! never be freed.

use crate::{registry, shim};
use core::ffi::c_void;
use kernel::{ffi::c_char, prelude::*, str::CStr};

/// The module unload watch, registered while this value lives.
pub(crate) struct OwnerWatch(());

impl OwnerWatch {
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: registers the shim's module notifier, undone in `drop`;
        // its callback is `rspl_module_going` below.
        kernel::error::to_result(unsafe { shim::rspl_module_watch_start() })?;
        Ok(Self(()))
    }
}

impl Drop for OwnerWatch {
    fn drop(&mut self) {
        // SAFETY: started in `new`; waits for a callback still running.
        unsafe { shim::rspl_module_watch_stop() };
    }
}

/// Module `owner`, named `name`, is going: destroys the caches it left.
///
/// # Safety
///
/// `name` must be NUL-terminated.
#[no_mangle]
pub(crate) unsafe extern "C" fn rspl_module_going(owner: *const c_void, name: *const c_char) {
    let Some(registry) = registry::get() else {
        return;
    };
    // SAFETY: the module's name, NUL-terminated (the caller's contract).
    let module = unsafe { CStr::from_char_ptr(name) };
    while let Some(cache) = registry.remove_owned_by(owner as usize) {
        pr_err!(
            "module {} unloaded without destroying cache {} ({} objects allocated): destroying it\n",
            module.to_str().unwrap_or("?"),
            cache.name(),
            cache.objects_live()
        );
        cache.abandon();
        // The last reference drops here, or in a grow still in flight.
        drop(cache);
    }
}
