// SPDX-License-Identifier: GPL-2.0

//! The shrinker and the aging tick's delayed work (`reclaim.c`), which
//! call `rspl_shrink_count`, `rspl_shrink_scan` and `rspl_age_tick`
//! (`services/reclaim.rs`).

use crate::sys::shim;
use kernel::prelude::*;

/// The shrinker and the aging tick, registered while this value lives.
pub(crate) struct Reclaim(());

impl Reclaim {
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: registers the shim's shrinker and work item, undone in
        // `drop`; their callbacks are `rspl_shrink_count`,
        // `rspl_shrink_scan` and `rspl_age_tick`, which stay while rspl is loaded.
        kernel::error::to_result(unsafe { shim::rspl_reclaim_start() })?;
        Ok(Self(()))
    }
}

impl Drop for Reclaim {
    fn drop(&mut self) {
        // SAFETY: started in `new`; waits for callbacks still running.
        unsafe { shim::rspl_reclaim_stop() };
    }
}
