// SPDX-License-Identifier: GPL-2.0

//! A value per CPU that only its own CPU touches, with IRQs off: from the
//! CPU's own code path ([`CpuLocal::with_local`]) or from an IPI
//! ([`CpuLocal::on_each_cpu`]). No lock and no shared atomic guards it:
//! IRQs off on the owning CPU is the whole of the exclusion. A dead CPU's
//! value is touched by the CPU-hotplug teardown ([`CpuLocal::with_dead`]).
//!
//! Each value publishes a gauge (a count, e.g. how many objects it holds)
//! that other CPUs may read at any time, exact when the CPUs are quiet.

use crate::{cpu_hotplug::DeadCpu, irq_lock::IrqsOff, shim};
use core::{
    cell::{Cell, UnsafeCell},
    ffi::c_void,
    sync::atomic::{AtomicUsize, Ordering},
};
use kernel::{alloc::flags::GFP_KERNEL, prelude::*};

/// What a per-CPU value shows other CPUs.
pub(crate) trait Gauge {
    fn gauge(&self) -> usize;
}

/// One CPU's value, in its own allocation (no false sharing).
struct Slot<T> {
    /// Set while a `&mut T` exists: refuses re-entry from inside `f`.
    busy: Cell<bool>,
    /// `value.gauge()` as of the last access, for other CPUs.
    gauge: AtomicUsize,
    value: UnsafeCell<T>,
}

/// # Invariants
///
/// `slots[cpu]` is only ever accessed mutably on CPU `cpu` with IRQs off,
/// or while CPU `cpu` is dead (`DeadCpu`), and then only while its `busy`
/// flag is set.
pub(crate) struct CpuLocal<T> {
    slots: KVec<KBox<Slot<T>>>,
}

// SAFETY: values move between CPUs only as `T: Send` would allow.
unsafe impl<T: Send> Send for CpuLocal<T> {}
// SAFETY: a shared `CpuLocal` hands each CPU its own slot only, with IRQs
// off (invariant); other CPUs read nothing but the atomic gauge.
unsafe impl<T: Send> Sync for CpuLocal<T> {}

impl<T: Gauge> CpuLocal<T> {
    /// A value for every possible CPU id, each made by `init`.
    pub(crate) fn new(mut init: impl FnMut() -> Result<T>) -> Result<Self> {
        // SAFETY: reads a constant.
        let n = unsafe { shim::rspl_nr_cpu_ids() } as usize;
        let mut slots = KVec::with_capacity(n, GFP_KERNEL)?;
        for _ in 0..n {
            let slot = Slot {
                busy: Cell::new(false),
                gauge: AtomicUsize::new(0),
                value: UnsafeCell::new(init()?),
            };
            slots.push(KBox::new(slot, GFP_KERNEL)?, GFP_KERNEL)?;
        }
        Ok(Self { slots })
    }

    /// Runs `f` on this CPU's value with IRQs off. `None` only if called
    /// again from inside `f`. `f` must be short: IRQs are off.
    pub(crate) fn with_local<R>(&self, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        // With IRQs off, this code stays on `cpu`.
        let (_irqs, cpu) = IrqsOff::new_on_cpu();
        Self::enter(self.slots.get(cpu as usize)?, f)
    }

    /// Runs `f` on a dead CPU's value, from the CPU-hotplug teardown that
    /// `cpu` stands for. `None` if the CPU has no slot.
    pub(crate) fn with_dead<R>(&self, cpu: &DeadCpu, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        // The slot's CPU runs nothing until the teardown returns, and no
        // other CPU takes it for its own (`DeadCpu`'s invariant).
        Self::enter(self.slots.get(cpu.id() as usize)?, f)
    }

    /// Runs `f` on the slot's value. Must be called on the slot's CPU with
    /// IRQs off, or for a dead CPU (`with_dead`).
    fn enter<R>(slot: &Slot<T>, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        if slot.busy.replace(true) {
            return None;
        }
        // SAFETY: we are on the slot's CPU with IRQs off, so no other code
        // runs here, or the slot's CPU is dead and runs nothing; other CPUs
        // never touch the slot's value otherwise (invariant), and `busy`
        // was clear: no other reference to the value exists.
        let value = unsafe { &mut *slot.value.get() };
        let r = f(value);
        slot.gauge.store(value.gauge(), Ordering::Relaxed);
        slot.busy.set(false);
        Some(r)
    }

    /// Runs `f` on every online CPU's value, each on its own CPU with IRQs
    /// off (by IPI), and returns when all have run.
    ///
    /// # Context
    ///
    /// Process context with IRQs on, holding no spinlock that `f` takes
    /// (the IPIs would wait for it forever).
    pub(crate) fn on_each_cpu<F: Fn(&mut T) + Sync>(&self, f: F) {
        /// # Safety
        ///
        /// `info` points to a live `(&CpuLocal<T>, &F)`; runs with IRQs off.
        unsafe extern "C" fn call<T: Gauge, F: Fn(&mut T) + Sync>(info: *mut c_void) {
            // SAFETY: `info` is the `(&CpuLocal, &F)` below, alive until
            // on_each_cpu() returns, which waits for every call.
            let (this, f) = unsafe { &*info.cast::<(&CpuLocal<T>, &F)>() };
            // SAFETY: on_each_cpu() runs this with IRQs off.
            let cpu = unsafe { shim::rspl_this_cpu() } as usize;
            if let Some(slot) = this.slots.get(cpu) {
                let _ = CpuLocal::enter(slot, f);
            }
        }
        let info: (&CpuLocal<T>, &F) = (self, &f);
        // SAFETY: `call::<T, F>` matches the callback type and `info`
        // outlives the call, which waits for every CPU.
        unsafe {
            shim::rspl_on_each_cpu(
                Some(call::<T, F>),
                &info as *const (&CpuLocal<T>, &F) as *mut c_void,
            )
        };
    }

    /// Runs `f` on every CPU's value, online or not: `&mut self` proves
    /// that no CPU is using them.
    pub(crate) fn for_each_mut(&mut self, mut f: impl FnMut(&mut T)) {
        for slot in self.slots.iter_mut() {
            let value = slot.value.get_mut();
            f(value);
            *slot.gauge.get_mut() = value.gauge();
        }
    }

    /// The sum of every CPU's gauge.
    pub(crate) fn gauge_sum(&self) -> usize {
        self.slots
            .iter()
            .map(|s| s.gauge.load(Ordering::Relaxed))
            .sum()
    }
}
