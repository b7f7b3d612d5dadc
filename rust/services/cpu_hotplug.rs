// SPDX-License-Identifier: GPL-2.0

//! Flushing a dead CPU's magazines. A CPU taken offline cannot flush
//! its own magazines, and reap's IPIs reach only online CPUs, so without
//! this its free objects stayed held until it came back. A CPU-hotplug
//! callback, run on a CPU still online once the CPU is dead, flushes them
//! into the slabs, where reap, the aging tick and the shrinker find them.

use crate::{
    services::registry,
    sys::cpu_hotplug::{CpuHotplug, DeadCpu, OnCpuDead},
};
use kernel::prelude::*;

/// Flushes a dead CPU's magazines of every cache.
struct FlushDead;

impl OnCpuDead for FlushDead {
    fn cpu_dead(dead: &DeadCpu) {
        if let Some(registry) = registry::get() {
            let _ = registry.for_each(|cache| {
                cache.cpu_dead(dead);
                Ok::<(), ()>(())
            });
        }
    }
}

/// Registers the hotplug callback, for as long as the value lives.
pub(crate) fn watch() -> Result<CpuHotplug> {
    CpuHotplug::new::<FlushDead>()
}
