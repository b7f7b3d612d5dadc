// SPDX-License-Identifier: GPL-2.0

//! The text of `/proc/spl/kmem/slab`, byte for byte OpenZFS's format: two
//! header lines, then one row per cache.

use crate::cache::counts::RowCounts;
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
