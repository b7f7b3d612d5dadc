// SPDX-License-Identifier: GPL-2.0

//! The memory behind slabs and emergency objects, as owned values that
//! free themselves. No allocation here starts I/O (rust/sys/memory.c).

use crate::{sys::flags::KmFlags, sys::shim};
use core::ptr::NonNull;
use kernel::{page::PAGE_SIZE, prelude::*};

/// Where a slab's memory comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Backing {
    /// Whole pages (`KMC_KMEM`): physically contiguous, power-of-two sized.
    Pages,
    /// `__vmalloc()` (`KMC_VMEM`).
    Vmalloc,
    /// `kvmalloc()` (`KMC_KVMEM`): kmalloc, or vmalloc when that fails.
    KVmalloc,
}

impl Backing {
    /// The bytes a slab of `bytes` really takes from the system.
    pub(crate) fn footprint(self, bytes: usize) -> usize {
        match self {
            Backing::Pages => PAGE_SIZE << page_order(bytes),
            Backing::Vmalloc | Backing::KVmalloc => bytes.next_multiple_of(PAGE_SIZE),
        }
    }

    /// Whether this backing can hold `bytes` in one piece.
    pub(crate) fn fits(self, bytes: usize) -> bool {
        match self {
            // SAFETY: returns a constant.
            Backing::Pages => page_order(bytes) <= unsafe { shim::rspl_max_page_order() },
            Backing::Vmalloc | Backing::KVmalloc => true,
        }
    }
}

fn page_order(bytes: usize) -> u32 {
    let pages = bytes.div_ceil(PAGE_SIZE).max(1);
    pages.next_power_of_two().trailing_zeros()
}

/// The memory of one slab, freed when dropped.
///
/// # Invariants
///
/// `addr` is the start of a live allocation of `bytes` bytes made with
/// `backing`, owned by this value alone.
pub(crate) struct SlabMemory {
    addr: NonNull<u8>,
    bytes: usize,
    backing: Backing,
}

// SAFETY: the memory is plain bytes owned by this value; any thread may
// free it.
unsafe impl Send for SlabMemory {}
// SAFETY: `&SlabMemory` only reads `addr` and `bytes`.
unsafe impl Sync for SlabMemory {}

impl SlabMemory {
    /// Allocates `bytes` of slab memory without starting any I/O. Must be
    /// called where sleeping is allowed.
    pub(crate) fn new(bytes: usize, backing: Backing) -> Option<Self> {
        // SAFETY: plain allocation calls; a null result is handled below.
        let ptr = unsafe {
            match backing {
                Backing::Pages => shim::rspl_pages_alloc_noio(page_order(bytes)) as *mut u8,
                Backing::Vmalloc => shim::rspl_vmalloc_noio(bytes as _).cast(),
                Backing::KVmalloc => shim::rspl_kvmalloc_noio(bytes as _).cast(),
            }
        };
        // INVARIANT: a non-null result is a fresh allocation of `bytes`.
        NonNull::new(ptr).map(|addr| Self {
            addr,
            bytes,
            backing,
        })
    }

    /// The first byte's address.
    pub(crate) fn addr(&self) -> usize {
        self.addr.as_ptr() as usize
    }

    /// Leaks the memory: for a slab whose objects are still in use when
    /// its cache is destroyed.
    pub(crate) fn leak(self) {
        core::mem::forget(self);
    }
}

impl Drop for SlabMemory {
    fn drop(&mut self) {
        let p = self.addr.as_ptr();
        // SAFETY: by the type invariant `p` is our live allocation from
        // `backing`; it is never used after this.
        unsafe {
            match self.backing {
                Backing::Pages => shim::rspl_pages_free(p as _, page_order(self.bytes)),
                Backing::Vmalloc => shim::rspl_vfree(p.cast()),
                Backing::KVmalloc => shim::rspl_kvfree(p.cast()),
            }
        }
    }
}

/// An emergency object's memory, from `kmalloc()` or (large, for a caller
/// that may sleep) `__vmalloc()`: freed when dropped.
///
/// # Invariants
///
/// `raw` is a live allocation owned by this value, from vmalloc when
/// `vmalloced`, else from kmalloc; `obj` lies in it.
pub(crate) struct EmergencyMemory {
    raw: NonNull<u8>,
    obj: usize,
    vmalloced: bool,
}

// SAFETY: kmalloc and vmalloc memory may be freed from any thread.
unsafe impl Send for EmergencyMemory {}
// SAFETY: `&EmergencyMemory` only reads two addresses.
unsafe impl Sync for EmergencyMemory {}

impl EmergencyMemory {
    /// Allocates an object of `size` bytes aligned to `align` (a power of
    /// two) for an allocation served with `flags` (no I/O; zeroed for
    /// `KM_ZERO`).
    pub(crate) fn new(size: usize, align: usize, flags: KmFlags) -> Option<Self> {
        // kmalloc aligns to 8 bytes, and power-of-two sizes to their size
        // (vmalloc to pages); otherwise ask for `align` more bytes and
        // align inside them.
        let natural = align <= 8 || (size.is_power_of_two() && size >= align);
        let bytes = if natural { size } else { size + align };
        let mut vmalloced = 0;
        // SAFETY: a plain allocation call; null is handled below.
        let raw = unsafe { shim::rspl_emergency_alloc(bytes as _, flags.bits(), &mut vmalloced) };
        let raw = NonNull::new(raw.cast::<u8>())?;
        let obj = (raw.as_ptr() as usize).next_multiple_of(align.max(1));
        // INVARIANT: `obj + size` ends within the `bytes` allocated at
        // `raw`, which the shim says the origin of.
        Some(Self {
            raw,
            obj,
            vmalloced: vmalloced != 0,
        })
    }

    /// The object's address.
    pub(crate) fn obj(&self) -> usize {
        self.obj
    }
}

impl Drop for EmergencyMemory {
    fn drop(&mut self) {
        // SAFETY: `raw` is our live allocation, of the origin `vmalloced`
        // says (type invariant).
        unsafe { shim::rspl_emergency_free(self.raw.as_ptr().cast(), self.vmalloced as _) };
    }
}

/// `value` in a `KBox` whose memory is asked as a small emergency object
/// of an allocation served with `flags` is (`rspl_km_kmalloc`: the one
/// KM-to-GFP translation, no I/O, first without reclaim; never zeroed, as
/// `value` fills it), where Rust's allocator would take flags of its own;
/// `None` without memory.
pub(crate) fn kbox_for<T>(value: T, flags: KmFlags) -> Option<KBox<T>> {
    const { assert!(core::mem::align_of::<T>() <= 8) };
    let size = core::mem::size_of::<T>().max(1);
    // SAFETY: a plain allocation call; null is handled below.
    let raw = unsafe { shim::rspl_km_kmalloc(size as _, flags.without_zero().bits()) };
    let ptr = NonNull::new(raw.cast::<T>())?;
    // SAFETY: `ptr` is valid for a write of a `T`: kmalloc() gave at least
    // `size` bytes, aligned to 8 at least (ARCH_KMALLOC_MINALIGN), which
    // `T` needs at most (asserted above).
    unsafe { ptr.as_ptr().write(value) };
    // SAFETY: `KBox::from_raw` needs a pointer to a `T` allocated as
    // `KBox`'s allocator (`Kmalloc`) does: it allocates with kmalloc()
    // (krealloc() of no memory) and frees with kfree(), and this `T` is in
    // memory from kmalloc().
    Some(unsafe { KBox::from_raw(ptr.as_ptr()) })
}

/// Waits until emergency memory freed in atomic context is given back (at
/// unload: the work item that frees it is rspl's code).
pub(crate) fn flush_deferred_frees() {
    // SAFETY: process context; waits for the shim's work item.
    unsafe { shim::rspl_emergency_flush() };
}

/// Zeroes the object of `size` bytes at `obj`.
///
/// # Safety
///
/// The caller must own the object: `obj..obj + size` is memory rspl handed
/// out to no one else.
pub(crate) unsafe fn zero_object(obj: usize, size: usize) {
    // SAFETY: the caller owns these bytes.
    unsafe { core::ptr::write_bytes(obj as *mut u8, 0, size) };
}

/// Sleeps for `ms` milliseconds.
pub(crate) fn msleep(ms: u32) {
    // SAFETY: msleep() may be called wherever sleeping is allowed; callers
    // only sleep in process context.
    unsafe { shim::rspl_msleep(ms) };
}

/// Whether the kernel zeroes every allocation (`init_on_alloc`, on by
/// default in Debian's kernels; fixed at boot).
pub(crate) fn init_on_alloc() -> bool {
    // SAFETY: reads a static key.
    unsafe { shim::rspl_init_on_alloc() != 0 }
}

/// Whether the caller may not sleep (atomic context or IRQs off).
pub(crate) fn in_atomic() -> bool {
    // SAFETY: reads the preempt count and IRQ state of this CPU.
    unsafe { shim::rspl_in_atomic() != 0 }
}

/// Whether the current task services the VM: it is in reclaim
/// (`PF_MEMALLOC`) or in a NOIO scope (`PF_MEMALLOC_NOIO`), and this is
/// not an interrupt (whose allocation is not the task's). With
/// `KM_PUSHPAGE`, what entitles a caller to a cache's reserve.
pub(crate) fn task_services_vm() -> bool {
    // SAFETY: reads the current task's flags.
    unsafe { shim::rspl_task_services_vm() != 0 }
}

/// A reclaim scope (`memalloc_noreclaim_save()`, `PF_MEMALLOC`), as a
/// task freeing memory is in: tests only.
#[cfg(CONFIG_KUNIT)]
pub(crate) struct NoReclaimScope {
    token: u32,
    // Restored on the task that saved it.
    _not_send: core::marker::PhantomData<*mut ()>,
}

#[cfg(CONFIG_KUNIT)]
impl NoReclaimScope {
    pub(crate) fn enter() -> Self {
        // SAFETY: sets a flag of the current task; restored in `drop`.
        let token = unsafe { shim::rspl_noreclaim_save() };
        Self {
            token,
            _not_send: core::marker::PhantomData,
        }
    }
}

#[cfg(CONFIG_KUNIT)]
impl Drop for NoReclaimScope {
    fn drop(&mut self) {
        // SAFETY: restores what `enter` saved, on the same task.
        unsafe { shim::rspl_noreclaim_restore(self.token) };
    }
}

/// A `memalloc_noio_save()` scope: allocations made while it lives start
/// no I/O, whatever GFP flags they pass (vmalloc's page tables included).
pub(crate) struct NoIoScope {
    token: u32,
    // Restored on the task that saved it.
    _not_send: core::marker::PhantomData<*mut ()>,
}

impl NoIoScope {
    pub(crate) fn enter() -> Self {
        // SAFETY: sets a flag of the current task; restored in `drop`.
        let token = unsafe { shim::rspl_noio_save() };
        Self {
            token,
            _not_send: core::marker::PhantomData,
        }
    }
}

impl Drop for NoIoScope {
    fn drop(&mut self) {
        // SAFETY: restores what `enter` saved, on the same task.
        unsafe { shim::rspl_noio_restore(self.token) };
    }
}
