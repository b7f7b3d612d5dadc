// SPDX-License-Identifier: GPL-2.0

//! Per-CPU blocks and calls on other CPUs (`percpu.c`): `alloc_percpu()`
//! memory, each CPU's copy of it, and IPIs. 6.12's Rust has neither; the
//! Rust-for-Linux per-CPU series (after 6.12) would replace the block.

use crate::sys::shim;
use core::{ffi::c_void, ptr::NonNull};
use kernel::prelude::*;

/// A zeroed per-CPU block: `bytes` bytes for every possible CPU.
///
/// # Invariants
///
/// `block` is a live block from `rspl_percpu_alloc`, freed on drop.
pub(crate) struct PerCpuBlock {
    block: NonNull<c_void>,
}

// SAFETY: the block is plain memory, owned by this value alone; what its
// copies hold and who uses them is its owner's business.
unsafe impl Send for PerCpuBlock {}
// SAFETY: as above; `&self` only hands out addresses.
unsafe impl Sync for PerCpuBlock {}

impl PerCpuBlock {
    /// A block of `bytes` bytes per CPU, aligned for `usize`, zeroed.
    pub(crate) fn new(bytes: usize) -> Result<Self> {
        // SAFETY: any size and a power-of-two alignment may be asked.
        let block = unsafe { shim::rspl_percpu_alloc(bytes as _, 8) };
        // INVARIANT: a live block, or none.
        Ok(Self {
            block: NonNull::new(block).ok_or(ENOMEM)?,
        })
    }

    /// The `__percpu` address of the block, to which `this_cpu_ptr` adds
    /// this CPU's offset.
    #[inline(always)]
    pub(crate) fn percpu_addr(&self) -> usize {
        self.block.as_ptr() as usize
    }

    /// The address of CPU `cpu`'s copy, if `cpu` is possible.
    pub(crate) fn copy_of(&self, cpu: u32) -> Option<usize> {
        // SAFETY: `block` is a live per-CPU block (invariant).
        let p = unsafe { shim::rspl_percpu_ptr(self.block.as_ptr(), cpu) };
        (!p.is_null()).then_some(p as usize)
    }
}

impl Drop for PerCpuBlock {
    fn drop(&mut self) {
        // SAFETY: `block` came from `rspl_percpu_alloc` and is freed once.
        unsafe { shim::rspl_percpu_free(self.block.as_ptr()) };
    }
}

/// One past the highest CPU id.
pub(crate) fn nr_cpu_ids() -> u32 {
    // SAFETY: reads a value fixed at boot.
    unsafe { shim::rspl_nr_cpu_ids() }
}

/// # Safety
///
/// `info` points to a live `F`; runs in an IPI, IRQs off.
unsafe extern "C" fn call<F: Fn(u32) + Sync>(info: *mut c_void) {
    // SAFETY: an IPI runs with IRQs off, on the CPU it names.
    let cpu = unsafe { shim::rspl_this_cpu() };
    // SAFETY: `info` is the sender's `F`, alive until every IPI carrying
    // it has run (the senders wait).
    let f = unsafe { &*info.cast::<F>() };
    f(cpu);
}

/// Runs `f(cpu)` on every online CPU, each on its own CPU with IRQs off,
/// and returns when all have run.
///
/// # Context
///
/// Process context with IRQs on, holding no spinlock that `f` takes (the
/// IPIs would wait for it forever).
pub(crate) fn on_each_cpu<F: Fn(u32) + Sync>(f: &F) {
    let info = f as *const F as *mut c_void;
    // SAFETY: `call::<F>` matches the callback type and `info` outlives
    // the call, which waits for every CPU.
    unsafe { shim::rspl_on_each_cpu(Some(call::<F>), info) };
}

/// Runs `f(cpu)` on CPU `cpu` with IRQs off and waits for it; false if
/// that CPU is offline.
///
/// # Context
///
/// As `on_each_cpu`.
pub(crate) fn on_cpu<F: Fn(u32) + Sync>(cpu: u32, f: &F) -> bool {
    let info = f as *const F as *mut c_void;
    // SAFETY: as in `on_each_cpu`, for one CPU.
    unsafe { shim::rspl_on_cpu(cpu, Some(call::<F>), info) == 0 }
}
