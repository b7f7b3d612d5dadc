// SPDX-License-Identifier: GPL-2.0

//! The text of rspl's own counters: `/proc/rspl/kmem/stalls`, `reserve`
//! and `moves` (a header line, then one row per cache) and
//! `/proc/rspl/kmem/reclaim` (one `name value` line per counter). Columns are separated by spaces, so
//! that `awk` reads them by name from the header.

use crate::{
    cache::move_stats::MoveCounts, cache::stall_stats::StallCounts,
    services::reclaim_stats::ReclaimCounts, slab::reserve::ReserveCounts,
};
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

/// Writes one line of `reserve` or `moves`: a name, then numbers.
macro_rules! counts_line {
    ($w:expr, $name:expr, $($col:expr),+ $(,)?) => {{
        write!($w, "{:<36}", $name)?;
        $(write!($w, " {:>9}", $col)?;)+
        writeln!($w)
    }};
}

/// Writes the header line of `reserve`.
pub(crate) fn write_reserve_header(w: &mut impl Write) -> fmt::Result {
    counts_line!(w, "name", "target", "held", "low", "taken", "dry")
}

/// Writes the `reserve` row of cache `name`: the objects it keeps, holds
/// now and held at the fewest, those taken, and entitled callers that
/// found it empty.
pub(crate) fn write_reserve_row(w: &mut impl Write, name: &str, c: &ReserveCounts) -> fmt::Result {
    counts_line!(w, name, c.target, c.held, c.low, c.taken, c.dry)
}

/// Writes the header line of `moves`.
pub(crate) fn write_moves_header(w: &mut impl Write) -> fmt::Result {
    counts_line!(
        w,
        "name",
        "offered",
        "yes",
        "no",
        "later",
        "dont_need",
        "dont_know"
    )
}

/// Writes the `moves` row of cache `name`: offers, and each answer.
pub(crate) fn write_moves_row(w: &mut impl Write, name: &str, c: &MoveCounts) -> fmt::Result {
    counts_line!(
        w,
        name,
        c.offered,
        c.yes,
        c.no,
        c.later,
        c.dont_need,
        c.dont_know
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
