// SPDX-License-Identifier: GPL-2.0

//! The `KM_*` allocation flags and `KMC_*` cache flags of
//! `include/rspl/kmem_cache.h`, with OpenZFS's values.

/// No flag at all; only tests name it.
#[cfg(CONFIG_KUNIT)]
pub(crate) const KM_SLEEP: i32 = 0x0000;
pub(crate) const KM_NOSLEEP: i32 = 0x0001;
pub(crate) const KM_PUSHPAGE: i32 = 0x0004;
pub(crate) const KM_ZERO: i32 = 0x1000;
pub(crate) const KM_FLAGS_MASK: i32 = KM_NOSLEEP | KM_PUSHPAGE | KM_ZERO;

/// The `KM_*` flags an allocation is served with: the caller's (checked
/// against `KM_FLAGS_MASK`), with `KM_NOSLEEP` added when a sleeping call
/// came in atomic context. One value goes through every path (slabs,
/// emergency object, pass-through, constructor); `rust/sys/memory.c`'s
/// `rspl_km_to_gfp()` is the one translation into GFP flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KmFlags(i32);

impl KmFlags {
    /// The caller's flags, already checked against `KM_FLAGS_MASK`.
    pub(crate) fn new(kmflags: i32) -> Self {
        Self(kmflags & KM_FLAGS_MASK)
    }

    pub(crate) fn bits(self) -> i32 {
        self.0
    }

    pub(crate) fn nosleep(self) -> bool {
        self.0 & KM_NOSLEEP != 0
    }

    pub(crate) fn zero(self) -> bool {
        self.0 & KM_ZERO != 0
    }

    /// Served without sleeping (a sleeping call in atomic context).
    pub(crate) fn without_sleep(self) -> Self {
        Self(self.0 | KM_NOSLEEP)
    }

    /// The same, for memory of rspl's own that is written whole at once
    /// (`KM_ZERO` would clear it for nothing).
    pub(crate) fn without_zero(self) -> Self {
        Self(self.0 & !KM_ZERO)
    }
}

pub(crate) const KMC_NODEBUG: u32 = 1 << 1;
pub(crate) const KMC_KMEM: u32 = 1 << 5;
pub(crate) const KMC_VMEM: u32 = 1 << 6;
pub(crate) const KMC_KVMEM: u32 = 1 << 7;
pub(crate) const KMC_SLAB: u32 = 1 << 8;
pub(crate) const KMC_RECLAIMABLE: u32 = 1 << 21;
/// The flags a caller may pass at creation.
pub(crate) const KMC_CREATE_MASK: u32 =
    KMC_NODEBUG | KMC_KMEM | KMC_VMEM | KMC_KVMEM | KMC_SLAB | KMC_RECLAIMABLE;
pub(crate) const KMC_BACKING_MASK: u32 = KMC_KMEM | KMC_VMEM | KMC_KVMEM | KMC_SLAB;

/// State bits, in the same word as the create flags.
pub(crate) const KMC_BIT_DEADLOCKED: u32 = 14;
pub(crate) const KMC_BIT_GROWING: u32 = 15;
pub(crate) const KMC_BIT_REAPING: u32 = 16;
pub(crate) const KMC_BIT_DESTROY: u32 = 17;

/// Longest cache name, without its NUL.
pub(crate) const NAME_MAX: usize = 63;
/// Largest object.
pub(crate) const OBJ_MAX: usize = 32 << 20;

/// What `rspl_kmem_cache_bytes()` sums (`enum rspl_kmem_bytes`).
pub(crate) const RSPL_KMEM_SLAB_BYTES: i32 = 0;
pub(crate) const RSPL_KMEM_ALLOC_BYTES: i32 = 1;
pub(crate) const RSPL_KMEM_MAX_BYTES: i32 = 2;
