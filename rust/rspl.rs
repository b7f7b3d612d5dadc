// SPDX-License-Identifier: GPL-2.0

//! rspl: a Solaris-Porting-Layer-style `kmem_cache` for Linux, in Rust.
//!
//! Caches with SPL's semantics whose slab growth can never deadlock the
//! writeback path: growth runs on rspl's own kernel threads (the grow
//! crew), callers wait with a timeout and then take an emergency object
//! allocated without I/O.
//!
//! # Lock order
//!
//! Outermost first; a lock is only taken while holding those above it.
//!
//! 1. A cache's reap lock (mutex, `sys/reap_lock.rs`): held across a reap,
//!    which sends IPIs, calls the consumer's reclaim callback and vfree()s;
//!    a callback may create caches (2, 3), and its allocations may enter
//!    the shrinker, which lists the caches (3). Taken by reap and destroy,
//!    which may sleep on it, never with 2 or 3 held; the shrinker and the
//!    aging tick only try it (a cache being reaped is skipped). It also
//!    keeps flushes of a cache's magazines one at a time, and the aging
//!    tick's move offers, whose callbacks run under it as reclaim
//!    callbacks do. One lockdep class: a reclaim or move callback must
//!    not reap.
//! 2. The registry's create lock (mutex, `services/registry.rs`): held across a
//!    whole create, which allocates (`GFP_KERNEL`) and makes Linux caches
//!    (`kmem_cache_create()` takes `cpus_read_lock()`). Only create takes
//!    it; no reclaim path does.
//! 3. The registry's cache list (mutex): held briefly, never while
//!    allocating anything that may reclaim (`GFP_NOWAIT` only) or calling
//!    back a consumer. The CPU-hotplug callback takes it under the kernel's
//!    `cpu_hotplug_lock`, so nothing under it may take that lock.
//! 4. A CPU's magazine (`cache/magazines.rs`): its "held" byte, taken on
//!    its own CPU with preemption off (IRQs stay on: an interrupt that
//!    finds the byte held goes to the slabs, never waits), or by an IPI on
//!    that CPU, or for the CPU dead under hotplug. Never waited for: a
//!    flush whose IPI finds it held tries again later.
//! 5. A cache's state spinlock (`IrqSpinLock`, IRQs off): slabs,
//!    emergency hash, reserve, move callback, counters. Innermost: nothing is allocated under it
//!    but `GFP_NOWAIT` room (partial list, hash buckets), and no callback,
//!    IPI or wait runs under it.
//! 6. The grow crew's spinlock (`services/grow_crew.rs`, IRQs off): the caches
//!    waiting for a grow thread, the threads. A leaf beside 5, never taken
//!    under it: it may be taken under 1 to 4 (a reclaim callback's or a
//!    shrinker's path may queue a grow), and no lock is taken, nothing
//!    allocated, dropped or woken under it.
//!
//! No IPI or flush is sent holding a lock its handler takes: reap's IPIs
//! run with the reap lock only, and their handlers take 4 and 5.
//!
//! A cache's last reference may go in the shrinker (a destroy racing its
//! scan); it is handed to the grow crew then, so that a Linux cache is
//! never destroyed (`cpus_read_lock()`, `slab_mutex`) from reclaim.
//!
//! # Forward progress
//!
//! A caller's sleeps are bounded. A `KM_SLEEP` or `KM_PUSHPAGE` caller
//! whose cache is out of objects waits for the one grow in flight at most
//! `spl_kmem_cache_grow_timeout_ms`, then takes an emergency object
//! allocated without I/O (`KM_PUSHPAGE` with `__GFP_HIGH`'s reserves): it
//! never waits on a grow that may be stuck behind the writeback it is part
//! of. A small one is asked first with no reclaim at all, as the caller
//! may hold a lock the stuck grow's reclaim waits for. While a grow is stuck the cache is marked DEADLOCKED and later
//! misses take emergency objects at once. When even the emergency
//! allocation fails, a caller that services the VM (`KM_PUSHPAGE`, or a
//! task in reclaim or in a NOIO scope) takes an object from its cache's
//! reserve (`KMC_RESERVE`), set aside at creation and filled again only
//! by grows; any other caller, or one that finds the reserve empty, backs
//! off (at most 100 ms a try), looks at the slabs again and waits for a
//! grow anew; it holds no rspl lock meanwhile. Its other sleeps are
//! inside the page allocator.
//!
//! A grow runs on a thread of the grow crew, which holds no rspl lock
//! while it allocates (in a NOIO scope) and takes the state lock only to
//! add the slab. One cache's stuck grow holds up only that cache: the
//! crew's 16 threads are all started at load, as starting one later would
//! wait on kthreadd and a workqueue worker, which may be stuck in the same
//! reclaim; only when 16 caches' grows are stuck at once does another
//! cache's grow wait for a thread (its callers then take emergency objects
//! after the timeout, as any stuck cache's do). The shrinker
//! never sleeps on a reap lock (it tries it, skipping a cache being
//! reaped) and calls consumers' reclaim callbacks only for reclaim that
//! may enter filesystems, so rspl's own NOIO allocations never run them.
//! `KM_NOSLEEP` never sleeps at all.
//!
//! # Vocabulary
//!
//! One verb for each move of an object: a holder (slab, slab set,
//! magazine, cache) is *taken* from and *given* to, one object at a time;
//! a magazine is *refilled* from the slabs and *flushed* back to them, a
//! batch at a time; *alloc* and *free* are the C API's, the consumer's
//! side. A flag is *tested and set* when the old bit matters.
//!
//! # Callbacks
//!
//! Constructors and destructors run under no rspl lock, in the caller's
//! context (a constructor gets `KM_NOSLEEP` when the allocation is served
//! without sleeping), but for those of the objects a move offer makes and
//! ends, which run with the move callback. Reclaim callbacks run under their cache's reap lock
//! only, from a reap or from the shrinker, and must not wait for a lock a
//! task may hold while allocating (`include/rspl/kmem_cache.h`). Move
//! callbacks run under the reap lock only, from the aging tick, on an
//! emergency object that a free during the call cannot take away
//! (`cache/moves.rs`).

// `Cache`'s pin_init! has more fields than the default limit expands.
#![recursion_limit = "256"]

use kernel::prelude::*;

mod cache;
mod capi;
mod report;
mod services;
mod slab;
mod sys;

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
    _watch: sys::module_watch::ModuleWatch,
    _hotplug: sys::cpu_hotplug::CpuHotplug,
    _reclaim: sys::reclaim::Reclaim,
    _report: report::places::ReportPlaces,
    _registry: services::registry::Installed,
}

impl kernel::Module for Rspl {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let registry = services::registry::Installed::new()?;
        let report = report::places::ReportPlaces::new()?;
        let reclaim = sys::reclaim::Reclaim::new()?;
        let hotplug = services::cpu_hotplug::watch()?;
        let watch = sys::module_watch::ModuleWatch::new()?;
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
