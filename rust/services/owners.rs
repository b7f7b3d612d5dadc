// SPDX-License-Identifier: GPL-2.0

//! Caches whose owner module unloads without destroying them. Each is
//! reported and destroyed as the module goes (`module_watch` calls in),
//! while the module's code is still there: afterwards a reap would call a
//! reclaim callback in freed memory, and what the cache holds could never
//! be freed.

use crate::services::registry;
use kernel::{prelude::*, str::CStr};

/// Destroys the caches module `owner`, named `module`, left behind.
pub(crate) fn destroy_left_by(owner: usize, module: &CStr) {
    let Some(registry) = registry::get() else {
        return;
    };
    while let Some(cache) = registry.remove_owned_by(owner) {
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
