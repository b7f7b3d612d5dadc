// SPDX-License-Identifier: GPL-2.0

//! What a cache counts, as its `/proc/spl/kmem/slab` row shows it
//! (`report/format.rs` writes the row; the cache only fills this in).

use crate::slab::set::SlabStats;

/// What a row says of a cache whose objects live on rspl's own slabs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SlabCounts {
    /// Bytes of one slab.
    pub(crate) slab_size: u32,
    /// Bytes of one object, as the cache was asked for.
    pub(crate) obj_size: u32,
    pub(crate) slabs: SlabStats,
    /// Times a caller's wait for a grow timed out.
    pub(crate) deadlocks: u64,
    pub(crate) emergency: u64,
    pub(crate) emergency_max: u64,
}

/// The columns of one cache's row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RowCounts {
    /// Objects on rspl's own slabs: every column has a number.
    Slabs(SlabCounts),
    /// Objects passed through to a Linux kmem_cache: only the object size
    /// and the objects allocated are known, the rest print `-`.
    PassThrough { obj_size: u32, objs_alloc: u64 },
}
