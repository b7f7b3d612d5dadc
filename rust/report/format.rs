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

/// The columns of a row, its name included (`tests/include/rspl_test/
/// slab_row.h` and `tests/guest/slab_columns.sh` read them).
pub(crate) const COLUMNS: usize = 15;

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

#[cfg(CONFIG_KUNIT)]
mod tests {
    //! The report's text against lines of a real OpenZFS 2.3.2
    //! `/proc/spl/kmem/slab`.

    use super::{write_row, HEADER};
    use crate::cache::counts::{RowCounts, SlabCounts};
    use crate::slab::set::SlabStats;
    use crate::sys::kunit::{kassert_eq, kunit_suite, CaseResult, Test};
    use kernel::str::CString;

    /// Formats one row into a string.
    fn row(name: &str, flags: u64, counts: &RowCounts) -> CString {
        CString::try_from_fmt(kernel::fmt!("{}", RowText(name, flags, counts)))
            .expect("allocation failed")
    }

    struct RowText<'a>(&'a str, u64, &'a RowCounts);

    impl core::fmt::Display for RowText<'_> {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            write_row(f, self.0, self.1, self.2)
        }
    }

    fn header_is_openzfs_header(t: &mut Test) -> CaseResult {
        let expected = concat!(
            "--------------------- cache -------------------------------------------------------",
            "  ----- slab ------  ---- object -----  --- emergency ---\n",
            "name                                    flags      size     alloc slabsize  objsize",
            "  total alloc   max  total alloc   max  dlock alloc   max\n",
        );
        kassert_eq!(t, HEADER, expected);
        kassert_eq!(t, HEADER.find('\n'), Some(140));
        Ok(())
    }

    fn slab_row_matches_openzfs(t: &mut Test) -> CaseResult {
        let counts = RowCounts::Slabs(SlabCounts {
            slab_size: 1085440,
            obj_size: 131072,
            slabs: SlabStats {
                slabs_total: 1,
                slabs_alloc: 1,
                slabs_max: 1,
                objs_total: 8,
                objs_alloc: 8,
                objs_max: 8,
            },
            deadlocks: 0,
            emergency: 0,
            emergency_max: 0,
        });
        let text = row("zio_buf_comb_131072", 0x82, &counts);
        kassert_eq!(
            t,
            text.to_str().unwrap_or(""),
            "zio_buf_comb_131072                   0x00082   1085440   1048576  1085440   131072      1     1     1      8     8     8      0     0     0\n"
        );
        Ok(())
    }

    fn pass_through_row_matches_openzfs(t: &mut Test) -> CaseResult {
        let counts = RowCounts::PassThrough {
            obj_size: 240,
            objs_alloc: 4,
        };
        let text = row("arc_buf_hdr_t_full", 0x200100, &counts);
        kassert_eq!(
            t,
            text.to_str().unwrap_or(""),
            "arc_buf_hdr_t_full                    0x200100         -       960        -      240      -     -     -      -     4     -      -     -     -\n"
        );
        Ok(())
    }

    fn emergency_columns_and_wide_values(t: &mut Test) -> CaseResult {
        // The reference doc's rendered example: emergency columns in use.
        let counts = RowCounts::Slabs(SlabCounts {
            slab_size: 4194304,
            obj_size: 131072,
            // 91 on slabs: the row's total of 93 adds the 2 emergency objects.
            slabs: SlabStats {
                slabs_total: 3,
                slabs_alloc: 3,
                slabs_max: 5,
                objs_total: 91,
                objs_alloc: 20,
                objs_max: 150,
            },
            deadlocks: 1,
            emergency: 2,
            emergency_max: 7,
        });
        let text = row("zio_buf_131072", 0x40, &counts);
        kassert_eq!(
            t,
            text.to_str().unwrap_or(""),
            "zio_buf_131072                        0x00040  12582912   2621440  4194304   131072      3     3     5     93    20   150      1     2     7\n"
        );
        // A name longer than its column is printed whole, as printf's %-36s does.
        let long = "a_cache_name_that_is_longer_than_thirty_six";
        let text = row(
            long,
            0x100,
            &RowCounts::PassThrough {
                obj_size: 8,
                objs_alloc: 0,
            },
        );
        let s = text.to_str().unwrap_or("");
        kassert_eq!(
            t,
            s.strip_prefix(long).map(|r| r.starts_with("  0x00100 ")),
            Some(true)
        );
        // Every row has the columns its readers count on.
        kassert_eq!(t, s.split_whitespace().count(), super::COLUMNS);
        Ok(())
    }

    kunit_suite!(
        suite,
        "rspl_report_format",
        [
            header_is_openzfs_header,
            slab_row_matches_openzfs,
            pass_through_row_matches_openzfs,
            emergency_columns_and_wide_values,
        ]
    );
}
