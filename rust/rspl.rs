// SPDX-License-Identifier: GPL-2.0

//! rspl: a Solaris-Porting-Layer-style `kmem_cache` for Linux, in Rust.
//!
//! Caches with SPL's semantics whose slab growth can never deadlock the
//! writeback path: growth runs on a workqueue, callers wait with a timeout
//! and then take an emergency object from `kmalloc(GFP_NOIO)`.

use kernel::prelude::*;

mod addr_hash;
mod cache;
mod capi;
mod counter;
mod cpu_local;
mod emergency;
mod flags;
mod grow_wait;
mod irq_lock;
mod linux_cache;
mod magazine;
mod memory;
mod owners;
mod params;
mod proc_fs;
mod proc_report;
mod reclaim;
mod registry;
mod report_format;
mod shim;
mod slab;
mod slab_set;
mod spec;
mod vec_ext;

#[cfg(CONFIG_KUNIT)]
mod kunit;
#[cfg(CONFIG_KUNIT)]
mod tests;

module! {
    type: Rspl,
    name: "rspl",
    author: "rspl developers",
    description: "SPL-style kmem_cache that never deadlocks the writeback path",
    license: "GPL",
}

/// The loaded module: what it owns is torn down, in reverse, on unload.
struct Rspl {
    // Dropped in order: the unload watch and reclaim first (they walk the
    // caches), then the report, then the caches.
    _owners: owners::OwnerWatch,
    _reclaim: reclaim::Reclaim,
    _report: proc_report::ProcReport,
    _registry: registry::Installed,
}

impl kernel::Module for Rspl {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let registry = registry::Installed::new()?;
        let report = proc_report::ProcReport::new()?;
        let reclaim = reclaim::Reclaim::new()?;
        let owners = owners::OwnerWatch::new()?;
        pr_info!("loaded; report at /proc/spl/kmem/slab\n");
        Ok(Rspl {
            _owners: owners,
            _reclaim: reclaim,
            _report: report,
            _registry: registry,
        })
    }
}
