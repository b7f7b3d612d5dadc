// SPDX-License-Identifier: GPL-2.0

//! The module notifier (`module_watch.c`), which calls
//! `rspl_module_coming` and `rspl_module_going`
//! (`services/module_watch.rs`) as other modules load and unload.

use crate::sys::shim;
use kernel::prelude::*;

/// The module notifier, registered while this value lives.
pub(crate) struct ModuleWatch(());

impl ModuleWatch {
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: registers the shim's module notifier, undone in `drop`;
        // its callbacks are `rspl_module_coming` and
        // `rspl_module_going`, which stay while rspl is loaded.
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
