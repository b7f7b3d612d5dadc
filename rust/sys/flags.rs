// SPDX-License-Identifier: GPL-2.0

//! The `KM_*` allocation flags and `KMC_*` cache flags of the C API, with
//! OpenZFS's values: each taken from `include/rspl/kmem_flags.h` by
//! bindgen (`flags_generated.rs`), typed here as the Rust code uses it.

mod c {
    #![allow(
        non_camel_case_types,
        non_upper_case_globals,
        dead_code,
        unreachable_pub,
        clippy::all
    )]
    include!("flags_generated.rs");
}

/// No flag at all; only tests name it.
#[cfg(CONFIG_KUNIT)]
pub(crate) const KM_SLEEP: i32 = c::KM_SLEEP as i32;
pub(crate) const KM_NOSLEEP: i32 = c::KM_NOSLEEP as i32;
pub(crate) const KM_PUSHPAGE: i32 = c::KM_PUSHPAGE as i32;
pub(crate) const KM_ZERO: i32 = c::KM_ZERO as i32;
pub(crate) const KM_FLAGS_MASK: i32 = c::KM_FLAGS_MASK as i32;

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

    pub(crate) fn pushpage(self) -> bool {
        self.0 & KM_PUSHPAGE != 0
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

pub(crate) const KMC_NODEBUG: u32 = c::KMC_NODEBUG;
pub(crate) const KMC_KMEM: u32 = c::KMC_KMEM;
pub(crate) const KMC_VMEM: u32 = c::KMC_VMEM;
pub(crate) const KMC_KVMEM: u32 = c::KMC_KVMEM;
pub(crate) const KMC_SLAB: u32 = c::KMC_SLAB;
pub(crate) const KMC_RECLAIMABLE: u32 = c::KMC_RECLAIMABLE;
/// rspl's own: the cache keeps a reserve for the I/O path.
pub(crate) const KMC_RESERVE: u32 = c::KMC_RESERVE;
/// The flags a caller may pass at creation.
pub(crate) const KMC_CREATE_MASK: u32 = c::KMC_CREATE_MASK;
pub(crate) const KMC_BACKING_MASK: u32 = KMC_KMEM | KMC_VMEM | KMC_KVMEM | KMC_SLAB;

/// State bits, in the same word as the create flags.
pub(crate) const KMC_BIT_DEADLOCKED: u32 = c::KMC_BIT_DEADLOCKED;
pub(crate) const KMC_BIT_GROWING: u32 = c::KMC_BIT_GROWING;
pub(crate) const KMC_BIT_REAPING: u32 = c::KMC_BIT_REAPING;
pub(crate) const KMC_BIT_DESTROY: u32 = c::KMC_BIT_DESTROY;

/// Longest cache name, without its NUL.
pub(crate) const NAME_MAX: usize = c::RSPL_KMEM_CACHE_NAME_MAX as usize;
/// Largest object.
pub(crate) const OBJ_MAX: usize = c::RSPL_KMEM_CACHE_OBJ_MAX as usize;

/// What `rspl_kmem_cache_bytes()` sums (`enum rspl_kmem_bytes`).
pub(crate) const RSPL_KMEM_SLAB_BYTES: i32 = c::rspl_kmem_bytes_RSPL_KMEM_SLAB_BYTES as i32;
pub(crate) const RSPL_KMEM_ALLOC_BYTES: i32 = c::rspl_kmem_bytes_RSPL_KMEM_ALLOC_BYTES as i32;
pub(crate) const RSPL_KMEM_MAX_BYTES: i32 = c::rspl_kmem_bytes_RSPL_KMEM_MAX_BYTES as i32;

/// A move callback's answers (`enum rspl_kmem_cbrc`, OpenZFS's
/// `kmem_cbrc_t`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MoveAnswer {
    /// Moved: the old object is freed.
    Yes,
    /// Will not move: never offered again.
    No,
    /// Cannot move now: offered again later.
    Later,
    /// The old object is free: both are freed.
    DontNeed,
    /// Unknown object (or an answer outside the protocol): offered again
    /// later.
    DontKnow,
}

impl MoveAnswer {
    pub(crate) fn from_raw(raw: kernel::ffi::c_int) -> Self {
        match raw as u32 {
            c::rspl_kmem_cbrc_RSPL_KMEM_CBRC_YES => Self::Yes,
            c::rspl_kmem_cbrc_RSPL_KMEM_CBRC_NO => Self::No,
            c::rspl_kmem_cbrc_RSPL_KMEM_CBRC_LATER => Self::Later,
            c::rspl_kmem_cbrc_RSPL_KMEM_CBRC_DONT_NEED => Self::DontNeed,
            _ => Self::DontKnow,
        }
    }

    /// The answer's C value.
    pub(crate) fn raw(self) -> kernel::ffi::c_int {
        (match self {
            Self::Yes => c::rspl_kmem_cbrc_RSPL_KMEM_CBRC_YES,
            Self::No => c::rspl_kmem_cbrc_RSPL_KMEM_CBRC_NO,
            Self::Later => c::rspl_kmem_cbrc_RSPL_KMEM_CBRC_LATER,
            Self::DontNeed => c::rspl_kmem_cbrc_RSPL_KMEM_CBRC_DONT_NEED,
            Self::DontKnow => c::rspl_kmem_cbrc_RSPL_KMEM_CBRC_DONT_KNOW,
        }) as kernel::ffi::c_int
    }
}
