// SPDX-License-Identifier: GPL-2.0

//! The text of `/proc/spl/kmem/slab`, byte for byte OpenZFS's format: two
//! header lines, then one row per cache.

use core::fmt::{self, Write};

/// The two header lines, printed once at the start of the file.
pub(crate) const HEADER: &str = concat!(
    "--------------------- cache ----------",
    "---------------------------------------------  ",
    "----- slab ------  ",
    "---- object -----  ",
    "--- emergency ---\n",
    "name                                  ",
    "  flags      size     alloc slabsize  objsize  ",
    "total alloc   max  ",
    "total alloc   max  ",
    "dlock alloc   max\n",
);

/// The slab and object counters a cache's slabs keep.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct SlabStats {
    pub(crate) slabs_total: u64,
    /// Slabs with at least one object allocated.
    pub(crate) slabs_alloc: u64,
    pub(crate) slabs_max: u64,
    /// Objects on slabs.
    pub(crate) objs_total: u64,
    /// Objects handed out or held in magazines.
    pub(crate) objs_alloc: u64,
    pub(crate) objs_max: u64,
}

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

/// Writes the row of cache `name` with cache flag word `flags`.
pub(crate) fn write_row(
    w: &mut impl Write,
    name: &str,
    flags: u64,
    counts: &RowCounts,
) -> fmt::Result {
    write!(w, "{name:<36}  0x{flags:05x} ")?;
    match *counts {
        RowCounts::Slabs(c) => writeln!(
            w,
            "{:>9} {:>9} {:>8} {:>8}  {:>5} {:>5} {:>5}  {:>5} {:>5} {:>5}  {:>5} {:>5} {:>5}",
            u64::from(c.slab_size) * c.slabs.slabs_total,
            u64::from(c.obj_size) * c.slabs.objs_alloc,
            c.slab_size,
            c.obj_size,
            c.slabs.slabs_total,
            c.slabs.slabs_alloc,
            c.slabs.slabs_max,
            // Emergency objects count in the total, not as allocated.
            c.slabs.objs_total + c.emergency,
            c.slabs.objs_alloc,
            c.slabs.objs_max,
            c.deadlocks,
            c.emergency,
            c.emergency_max,
        ),
        RowCounts::PassThrough {
            obj_size,
            objs_alloc,
        } => writeln!(
            w,
            "{:>9} {:>9} {:>8} {:>8}  {:>5} {:>5} {:>5}  {:>5} {:>5} {:>5}  {:>5} {:>5} {:>5}",
            "-",
            u64::from(obj_size) * objs_alloc,
            "-",
            obj_size,
            "-",
            "-",
            "-",
            "-",
            objs_alloc,
            "-",
            "-",
            "-",
            "-",
        ),
    }
}
