// SPDX-License-Identifier: GPL-2.0

//! The text of rspl's own counters: `/proc/rspl/kmem/stalls` (a header
//! line, then one row per cache) and `/proc/rspl/kmem/reclaim` (one
//! `name value` line per counter). Columns are separated by spaces, so
//! that `awk` reads them by name from the header.

use crate::{cache::stall_stats::StallCounts, services::reclaim_stats::ReclaimCounts};
use core::fmt::{self, Write};

/// Writes one line of `stalls`: the header's words or a cache's numbers.
macro_rules! stalls_line {
    ($w:expr, $($col:expr),+ $(,)?) => {
        writeln!($w, "{:<36} {:>8} {:>9} {:>8} {:>8} {:>11} {:>12} {:>10}", $($col),+)
    };
}

/// Writes the header line of `stalls`.
pub(crate) fn write_stalls_header(w: &mut impl Write) -> fmt::Result {
    stalls_line!(
        w,
        "name",
        "grows",
        "grow_fail",
        "waits",
        "timeouts",
        "wait_max_us",
        "emerg_allocs",
        "emerg_live"
    )
}

/// Writes the `stalls` row of cache `name`.
pub(crate) fn write_stalls_row(w: &mut impl Write, name: &str, c: &StallCounts) -> fmt::Result {
    stalls_line!(
        w,
        name,
        c.grows,
        c.grow_failures,
        c.waits,
        c.timeouts,
        c.wait_max_us,
        c.emergency_allocs,
        c.emergency_live,
    )
}

/// Writes the whole `reclaim` file.
pub(crate) fn write_reclaim(w: &mut impl Write, c: &ReclaimCounts) -> fmt::Result {
    for (name, value) in [
        ("reclaimable_objects", c.reclaimable),
        ("shrinker_count_calls", c.count_calls),
        ("shrinker_scan_calls", c.scan_calls),
        ("shrinker_scan_us", c.scan_us),
        ("shrinker_scan_freed", c.scan_freed),
        ("reap_now_calls", c.reap_calls),
        ("reap_now_us", c.reap_us),
        ("reap_active_calls", c.reap_active_calls),
    ] {
        writeln!(w, "{name} {value}")?;
    }
    Ok(())
}
