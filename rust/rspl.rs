// SPDX-License-Identifier: GPL-2.0

//! rspl: a Solaris-Porting-Layer-style `kmem_cache` for Linux, in Rust.
//!
//! Caches with SPL's semantics whose slab growth can never deadlock the
//! writeback path: growth runs on a workqueue, callers wait with a timeout
//! and then take an emergency object allocated without I/O.

// `Cache`'s pin_init! has more fields than the default limit expands.
#![recursion_limit = "256"]

use kernel::prelude::*;

mod addr_hash;
mod cache;
mod capi;
mod complaints;
mod counter;
mod cpu_hotplug;
mod cpu_local;
mod emergency;
mod flags;
mod grow_wait;
mod handles;
mod irq_lock;
mod linux_cache;
mod magazine;
mod memory;
mod module_watch;
mod owners;
mod params;
mod proc_fs;
mod proc_report;
mod reap_lock;
mod reclaim;
mod reclaim_stats;
mod registry;
mod report_format;
mod report_places;
mod shim;
mod slab;
mod slab_set;
mod spec;
mod stall_stats;
mod stats_format;
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
    // Dropped in order: the module watch, CPU hotplug and reclaim first
    // (they walk the caches and move the report), then the report, then
    // the caches.
    _watch: module_watch::ModuleWatch,
    _hotplug: cpu_hotplug::CpuHotplug,
    _reclaim: reclaim::Reclaim,
    _report: report_places::ReportPlaces,
    _registry: registry::Installed,
}

impl kernel::Module for Rspl {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let registry = registry::Installed::new()?;
        let report = report_places::ReportPlaces::new()?;
        let reclaim = reclaim::Reclaim::new()?;
        let hotplug = cpu_hotplug::CpuHotplug::new()?;
        let watch = module_watch::ModuleWatch::new()?;
        // With the watch on: an SPL loading from now on is seen coming.
        if report.claim_spl_dir() {
            pr_info!("loaded; report at /proc/spl/kmem/slab and /proc/rspl/kmem/slab\n");
        } else {
            pr_info!("loaded; report at /proc/rspl/kmem/slab\n");
        }
        Ok(Rspl {
            _watch: watch,
            _hotplug: hotplug,
            _reclaim: reclaim,
            _report: report,
            _registry: registry,
        })
    }
}
