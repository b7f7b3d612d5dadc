// SPDX-License-Identifier: GPL-2.0

//! A CPU-hotplug teardown callback (`cpu_hotplug.c`): run on a CPU still
//! online once another CPU is dead. 6.12's Rust has no hotplug bindings.

use crate::sys::shim;
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

/// What runs when a CPU has died.
pub(crate) trait OnCpuDead {
    /// Called in process context, on a CPU still online.
    fn cpu_dead(cpu: &DeadCpu);
}

/// # Safety
///
/// Called by the kernel's CPU hotplug, as the teardown of rspl's state,
/// after CPU `cpu` has died.
unsafe extern "C" fn cpu_dead<H: OnCpuDead>(cpu: c_uint) -> c_int {
    // INVARIANT: the teardown callback of a dead CPU (the contract).
    H::cpu_dead(&DeadCpu(cpu));
    0
}

/// A CPU-hotplug state whose teardown is `H::cpu_dead`, registered while
/// the value lives.
pub(crate) struct CpuHotplug {
    state: c_int,
}

impl CpuHotplug {
    pub(crate) fn new<H: OnCpuDead>() -> Result<Self> {
        // SAFETY: `cpu_dead::<H>` has the callback's type and stays (it is
        // rspl's code) until `drop` removes the state.
        let state = unsafe { shim::rspl_cpu_hotplug_start(Some(cpu_dead::<H>)) };
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
