// SPDX-License-Identifier: GPL-2.0

//! IRQs off on this CPU, and a spinlock taken with IRQs off so that
//! `KM_NOSLEEP` callers in interrupt context and process-context callers
//! can share it (6.12's Rust `SpinLock` has no irqsave variant).
//! Upstream: the interrupt-disabling `SpinLockIrq` (after 6.12) replaces it.

use crate::sys::shim;
use core::ops::{Deref, DerefMut};
use kernel::{
    prelude::*,
    sync::{lock::spinlock::SpinLockBackend, lock::Guard, SpinLock},
};

/// IRQs off on this CPU for the value's lifetime.
pub(crate) struct IrqsOff {
    flags: kernel::ffi::c_ulong,
    // Restoring must happen on the CPU that saved.
    _not_send: PhantomData<*mut ()>,
}

use core::marker::PhantomData;

impl IrqsOff {
    pub(crate) fn new() -> Self {
        // SAFETY: local_irq_save() may be called in any context.
        let flags = unsafe { shim::rspl_irq_save() };
        Self {
            flags,
            _not_send: PhantomData,
        }
    }
}

impl Drop for IrqsOff {
    fn drop(&mut self) {
        // SAFETY: restores what `new` saved, on the same CPU (not `Send`).
        unsafe { shim::rspl_irq_restore(self.flags) };
    }
}

/// A spinlock always held with IRQs off.
#[pin_data]
pub(crate) struct IrqSpinLock<T> {
    #[pin]
    inner: SpinLock<T>,
}

impl<T> IrqSpinLock<T> {
    pub(crate) fn new(inner: impl PinInit<SpinLock<T>>) -> impl PinInit<Self> {
        pin_init!(Self { inner <- inner })
    }

    pub(crate) fn lock(&self) -> IrqSpinGuard<'_, T> {
        let irqs = IrqsOff::new();
        IrqSpinGuard {
            guard: self.inner.lock(),
            _irqs: irqs,
        }
    }
}

/// The held lock. Fields drop in order: unlock, then IRQs back on.
pub(crate) struct IrqSpinGuard<'a, T> {
    guard: Guard<'a, T, SpinLockBackend>,
    _irqs: IrqsOff,
}

impl<T> Deref for IrqSpinGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> DerefMut for IrqSpinGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}
