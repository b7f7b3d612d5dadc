// SPDX-License-Identifier: GPL-2.0

//! The slab report file, `<top>/kmem/slab` under `/proc`, and its `show`.
//! Where it is created is `report_places`' business.

use crate::{
    proc_fs::{ProcEntry, SeqFile},
    report_format, shim,
};
use core::{fmt::Write, ptr::NonNull};
use kernel::ffi::c_int;
use kernel::{c_str, prelude::*, str::CStr};

/// `/proc/<top>/kmem/slab` and its directories, removed when dropped.
pub(crate) struct ReportTree {
    // Dropped in this order: the file before the directories holding it.
    _slab: ProcEntry,
    _kmem: ProcEntry,
    _top: ProcEntry,
}

impl ReportTree {
    /// Creates `/proc/<top>/kmem/slab`; `top` must not exist yet (procfs
    /// warns on a duplicate).
    pub(crate) fn new(top: &CStr) -> Result<Self> {
        let dir = ProcEntry::mkdir(top, None).inspect_err(|e| {
            pr_err!("cannot create /proc/{}: {:?}\n", top, e);
        })?;
        let kmem = ProcEntry::mkdir(c_str!("kmem"), Some(&dir))?;
        let slab = ProcEntry::create_report(c_str!("slab"), &kmem)?;
        Ok(Self {
            _slab: slab,
            _kmem: kmem,
            _top: dir,
        })
    }
}

/// Writes the whole report; seq_file calls it again with a larger buffer
/// when it did not fit.
fn write_report(w: &mut impl Write) -> core::fmt::Result {
    w.write_str(report_format::HEADER)?;
    let Some(registry) = crate::registry::get() else {
        return Ok(());
    };
    registry.for_each(|cache| {
        let (flags, counts) = cache.row();
        report_format::write_row(w, cache.name(), flags, &counts)
    })
}

/// The `show` callback of the report (called by shim/procfs.c).
///
/// # Safety
///
/// `m` must be the seq_file of a running `show` call.
#[no_mangle]
pub(crate) unsafe extern "C" fn rspl_report_show(m: *mut shim::seq_file) -> c_int {
    let Some(m) = NonNull::new(m) else {
        return EINVAL.to_errno();
    };
    // SAFETY: the caller passes the seq_file of the running `show`.
    let mut out = unsafe { SeqFile::from_raw(m) };
    // An overflow is not an error: seq_file retries with a larger buffer.
    let _ = write_report(&mut out);
    0
}
