// SPDX-License-Identifier: GPL-2.0

//! This CPU's per-CPU data and preemption, inline: what C's
//! `this_cpu_ptr()`, `preempt_disable()` and `preempt_enable()` compile
//! to on x86_64, written with `asm!` because 6.12's Rust has no per-CPU
//! bindings and cannot inline the kernel's C helpers. The Rust-for-Linux
//! per-CPU series (after 6.12) reads `gs:` the same way; it would replace
//! this file.
//!
//! Per-CPU symbols are zero-based offsets on x86_64 SMP: `gs:[sym]` is
//! this CPU's copy. `this_cpu_off` holds this CPU's offset, and
//! `pcpu_hot.preempt_count` the preemption count, whose offset the shim
//! checks at build time (`RSPL_PCPU_HOT_PREEMPT_COUNT`).

#[cfg(not(all(target_arch = "x86_64", CONFIG_SMP)))]
compile_error!("rspl's per-CPU fast path is written for x86_64 SMP kernels");

use crate::sys::shim;
use core::arch::asm;

extern "C" {
    /// x86's per-CPU `struct pcpu_hot` (exported per-CPU symbol).
    static pcpu_hot: [u8; 64];
    /// This CPU's per-CPU offset (exported per-CPU symbol).
    static this_cpu_off: usize;
}

/// The byte offset of `preempt_count` in `pcpu_hot`.
const PREEMPT_COUNT: u32 = shim::RSPL_PCPU_HOT_PREEMPT_COUNT;

/// This CPU's copy of the per-CPU block `block` (a `__percpu` pointer):
/// C's `this_cpu_ptr()`. Stays this CPU's only while preemption (or IRQs)
/// are off.
#[inline(always)]
pub(crate) fn this_cpu_ptr(block: usize) -> usize {
    let offset: usize;
    // SAFETY: reads this CPU's `this_cpu_off`, which every CPU has from
    // boot; nothing is written.
    unsafe {
        asm!(
            "mov {off}, qword ptr gs:[{sym}]",
            off = out(reg) offset,
            sym = sym this_cpu_off,
            options(nostack, readonly, preserves_flags),
        )
    };
    block.wrapping_add(offset)
}

/// Disables preemption: one increment of this CPU's count, and a compiler
/// barrier (the asm may touch any memory), as C's `preempt_disable()`.
#[inline(always)]
pub(crate) fn preempt_disable() {
    #[cfg(CONFIG_PREEMPT_COUNT)]
    // SAFETY: increments this CPU's preemption count, which any context
    // may do; `preempt_enable` undoes it.
    unsafe {
        asm!(
            "inc dword ptr gs:[{hot} + {off}]",
            hot = sym pcpu_hot,
            off = const PREEMPT_COUNT,
            options(nostack),
        )
    };
    #[cfg(not(CONFIG_PREEMPT_COUNT))]
    core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
}

/// Enables preemption again after `preempt_disable`: one decrement.
/// Returns whether it reached zero (x86 folds "reschedule due" into the
/// count): the caller must then call [`resched`], as C's
/// `preempt_enable()` does. The fast path makes that call a tail call,
/// so that it needs no stack frame.
#[inline(always)]
#[must_use]
pub(crate) fn preempt_enable_test() -> bool {
    #[cfg(CONFIG_PREEMPT_COUNT)]
    {
        let mut due = false;
        // SAFETY: undoes a `preempt_disable` of this task's; the label
        // only sets a local.
        unsafe {
            asm!(
                "dec dword ptr gs:[{hot} + {off}]",
                "jz {zero}",
                hot = sym pcpu_hot,
                off = const PREEMPT_COUNT,
                zero = label { due = true },
                options(nostack),
            )
        };
        due
    }
    #[cfg(not(CONFIG_PREEMPT_COUNT))]
    {
        core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
        false
    }
}

/// `preempt_enable()`: preemption back on, rescheduling if that is due.
#[inline(always)]
pub(crate) fn preempt_enable() {
    if preempt_enable_test() {
        resched();
    }
}

/// Reschedules if the preemption model says so, once
/// [`preempt_enable_test`] found a reschedule due.
#[cold]
#[inline(never)]
pub(crate) fn resched() {
    // SAFETY: called with preemption on, where the kernel may reschedule.
    unsafe { shim::rspl_preempt_resched() };
}
