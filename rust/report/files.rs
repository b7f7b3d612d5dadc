// SPDX-License-Identifier: GPL-2.0

//! rspl's report files under `/proc/<top>/kmem/`: `slab` (OpenZFS's
//! format), and in rspl's own tree `stalls`, `reclaim`, `reserve` and
//! `moves` (rspl's counters), with their `show`. Where they are created is
//! `report/places.rs`' business.

pub(crate) use crate::sys::proc_fs::ReportKind;
use crate::{
    report::format,
    report::stats_format,
    services::reclaim_stats,
    sys::proc_fs::{ProcEntry, RawSeqFile, SeqFile},
};
use core::{fmt::Write, ptr::NonNull};
use kernel::ffi::c_int;
use kernel::{c_str, prelude::*, str::CStr};

/// `/proc/<top>/kmem/` and its report files, removed when dropped.
pub(crate) struct ReportTree {
    // Dropped in this order: the files before the directories holding them.
    _files: KVec<ProcEntry>,
    _kmem: ProcEntry,
    _top: ProcEntry,
}

impl ReportTree {
    /// Creates `/proc/<top>/kmem/` with a file for each of `kinds`; `top`
    /// must not exist yet (procfs warns on a duplicate).
    pub(crate) fn new(top: &CStr, kinds: &[ReportKind]) -> Result<Self> {
        let dir = ProcEntry::mkdir(top, None).inspect_err(|e| {
            pr_err!("cannot create /proc/{}: {:?}\n", top, e);
        })?;
        let kmem = ProcEntry::mkdir(c_str!("kmem"), Some(&dir))?;
        let mut files = KVec::with_capacity(kinds.len(), GFP_KERNEL)?;
        for &kind in kinds {
            let name = match kind {
                ReportKind::Slab => c_str!("slab"),
                ReportKind::Stalls => c_str!("stalls"),
                ReportKind::Reclaim => c_str!("reclaim"),
                ReportKind::Reserve => c_str!("reserve"),
                ReportKind::Moves => c_str!("moves"),
            };
            files.push(ProcEntry::create_report(name, &kmem, kind)?, GFP_KERNEL)?;
        }
        Ok(Self {
            _files: files,
            _kmem: kmem,
            _top: dir,
        })
    }
}

/// Writes the whole report `kind`; seq_file calls it again with a larger
/// buffer when it did not fit.
fn write_report(w: &mut impl Write, kind: ReportKind) -> core::fmt::Result {
    if kind == ReportKind::Reclaim {
        return stats_format::write_reclaim(w, &reclaim_stats::reading());
    }
    match kind {
        ReportKind::Slab => w.write_str(format::HEADER)?,
        ReportKind::Reserve => stats_format::write_reserve_header(w)?,
        ReportKind::Moves => stats_format::write_moves_header(w)?,
        _ => stats_format::write_stalls_header(w)?,
    }
    let Some(registry) = crate::services::registry::get() else {
        return Ok(());
    };
    registry.for_each(|cache| match kind {
        ReportKind::Slab => {
            let (flags, counts) = cache.row();
            format::write_row(w, cache.name(), flags, &counts)
        }
        ReportKind::Reserve => {
            stats_format::write_reserve_row(w, cache.name(), &cache.reserve_counts())
        }
        ReportKind::Moves => stats_format::write_moves_row(w, cache.name(), &cache.move_counts()),
        _ => stats_format::write_stalls_row(w, cache.name(), &cache.stall_counts()),
    })
}

/// Writes report `kind` into the seq_file of a running `show` call.
///
/// # Safety
///
/// `m` must be the seq_file of a running `show` call.
pub(crate) unsafe fn show(m: NonNull<RawSeqFile>, kind: ReportKind) -> c_int {
    // SAFETY: the caller passes the seq_file of the running `show`.
    let mut out = unsafe { SeqFile::from_raw(m) };
    // An overflow is not an error: seq_file retries with a larger buffer.
    let _ = write_report(&mut out, kind);
    0
}

/// Bytes a row of the cache reports takes, at most (a long name widens it).
const ROW_BYTES: usize = 200;

/// About how many bytes report `kind` takes now: a row per cache and the
/// header (called by rust/sys/proc_fs.c, to size the report's buffer).
#[no_mangle]
pub(crate) extern "C" fn rspl_report_size(kind: u32) -> kernel::ffi::c_ulong {
    if ReportKind::from_raw(kind) == Some(ReportKind::Reclaim) {
        return 4096;
    }
    let mut caches: usize = 0;
    if let Some(registry) = crate::services::registry::get() {
        let _ = registry.for_each(|_| {
            caches += 1;
            Ok::<(), ()>(())
        });
    }
    ((caches + 4) * ROW_BYTES) as kernel::ffi::c_ulong
}

/// The `show` callback of the report files (called by rust/sys/proc_fs.c).
///
/// # Safety
///
/// `m` must be the seq_file of a running `show` call.
#[no_mangle]
pub(crate) unsafe extern "C" fn rspl_report_show(m: *mut RawSeqFile, kind: u32) -> c_int {
    let (Some(m), Some(kind)) = (NonNull::new(m), ReportKind::from_raw(kind)) else {
        return EINVAL.to_errno();
    };
    // SAFETY: the caller's contract.
    unsafe { show(m, kind) }
}
