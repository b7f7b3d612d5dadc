// SPDX-License-Identifier: GPL-2.0

//! Giving a dead CPU's magazines back. A CPU taken offline cannot flush
//! its own magazines, and reap's IPIs reach only online CPUs, so without
//! this its free objects stayed held until it came back. A CPU-hotplug
//! callback, run on a CPU still online once the CPU is dead, flushes them
//! into the slabs, where reap, the aging tick and the shrinker find them.

use crate::{services::registry, sys::shim};
use kernel::{
    error::to_result,
    ffi::{c_int, c_uint},
    prelude::*,
};

/// A CPU that is offline, for as long as the value lives.
///
/// # Invariants
///
/// Made only in the teardown callback of the CPU it names: that CPU
/// has died and, as hotplug operations are serialized, cannot come back
/// before the callback returns.
pub(crate) struct DeadCpu(u32);

impl DeadCpu {
    pub(crate) fn id(&self) -> u32 {
        self.0
    }
}

/// # Safety
///
/// Called by the kernel's CPU hotplug, as the teardown of rspl's state,
/// after CPU `cpu` has died.
unsafe extern "C" fn cpu_dead(cpu: c_uint) -> c_int {
    // INVARIANT: the teardown callback of a dead CPU (the contract).
    let dead = DeadCpu(cpu);
    if let Some(registry) = registry::get() {
        let _ = registry.for_each(|cache| {
            cache.cpu_dead(&dead);
            Ok::<(), ()>(())
        });
    }
    0
}

/// rspl's CPU-hotplug state, registered while the module is loaded.
pub(crate) struct CpuHotplug {
    state: c_int,
}

impl CpuHotplug {
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: `cpu_dead` has the callback's type and stays (it is
        // rspl's code) until `drop` removes the state.
        let state = unsafe { shim::rspl_cpu_hotplug_start(Some(cpu_dead)) };
        to_result(state.min(0))?;
        Ok(Self { state })
    }
}

impl Drop for CpuHotplug {
    fn drop(&mut self) {
        // SAFETY: `state` came from `rspl_cpu_hotplug_start`, removed once.
        unsafe { shim::rspl_cpu_hotplug_stop(self.state) };
    }
}
