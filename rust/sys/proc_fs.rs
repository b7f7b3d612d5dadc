// SPDX-License-Identifier: GPL-2.0

//! Safe wrappers of procfs entries and seq_file output. Upstream:
//! `kernel::seq_file` (after 6.12) would replace `SeqFile`; procfs has no
//! Rust binding yet.

use crate::sys::shim;
use core::{fmt, marker::PhantomData, ptr::NonNull};
use kernel::{prelude::*, str::CStr};

/// The C `struct seq_file`, opaque to Rust.
pub(crate) type RawSeqFile = shim::seq_file;

/// What a report file shows (`enum rspl_report_kind` of the shim).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReportKind {
    /// `slab`: OpenZFS's `/proc/spl/kmem/slab`, byte for byte.
    Slab,
    /// `stalls`: each cache's grows, waits and emergency objects.
    Stalls,
    /// `reclaim`: shrinker and reap calls and their cost.
    Reclaim,
    /// `reserve`: each cache's reserve for the I/O path, and its use.
    Reserve,
    /// `moves`: each cache's emergency objects offered a move, and the
    /// answers.
    Moves,
}

impl ReportKind {
    /// The kind C's `enum rspl_report_kind` value `kind` names.
    pub(crate) fn from_raw(kind: u32) -> Option<Self> {
        match kind {
            shim::rspl_report_kind_RSPL_REPORT_SLAB => Some(Self::Slab),
            shim::rspl_report_kind_RSPL_REPORT_STALLS => Some(Self::Stalls),
            shim::rspl_report_kind_RSPL_REPORT_RECLAIM => Some(Self::Reclaim),
            shim::rspl_report_kind_RSPL_REPORT_RESERVE => Some(Self::Reserve),
            shim::rspl_report_kind_RSPL_REPORT_MOVES => Some(Self::Moves),
            _ => None,
        }
    }

    fn raw(self) -> u32 {
        match self {
            Self::Slab => shim::rspl_report_kind_RSPL_REPORT_SLAB,
            Self::Stalls => shim::rspl_report_kind_RSPL_REPORT_STALLS,
            Self::Reclaim => shim::rspl_report_kind_RSPL_REPORT_RECLAIM,
            Self::Reserve => shim::rspl_report_kind_RSPL_REPORT_RESERVE,
            Self::Moves => shim::rspl_report_kind_RSPL_REPORT_MOVES,
        }
    }
}

/// A procfs directory or file, removed (with what is below it) when dropped.
///
/// # Invariants
///
/// `ptr` points to a live `proc_dir_entry` that this value created and
/// that nothing else removes.
pub(crate) struct ProcEntry {
    ptr: NonNull<shim::proc_dir_entry>,
}

// SAFETY: a `proc_dir_entry` may be removed from any thread.
unsafe impl Send for ProcEntry {}
// SAFETY: `ProcEntry` has no `&self` method that changes the entry.
unsafe impl Sync for ProcEntry {}

impl ProcEntry {
    fn parent_ptr(parent: Option<&ProcEntry>) -> *mut shim::proc_dir_entry {
        parent.map_or(core::ptr::null_mut(), |p| p.ptr.as_ptr())
    }

    /// Creates directory `name` under `parent` (under `/proc` for `None`).
    pub(crate) fn mkdir(name: &CStr, parent: Option<&ProcEntry>) -> Result<Self> {
        // SAFETY: `name` is NUL-terminated; the parent pointer is null or
        // live by the type invariant of `parent`.
        let ptr = unsafe { shim::rspl_proc_mkdir(name.as_char_ptr(), Self::parent_ptr(parent)) };
        // procfs gives no reason; an existing name is the likely one.
        NonNull::new(ptr).map(|ptr| Self { ptr }).ok_or(EEXIST)
    }

    /// Creates the read-only file `name` under `parent` whose content is
    /// written by `rspl_report_show` (`report/files.rs`) for report `kind`.
    pub(crate) fn create_report(name: &CStr, parent: &ProcEntry, kind: ReportKind) -> Result<Self> {
        // SAFETY: `name` is NUL-terminated and `parent` is live.
        let ptr = unsafe {
            shim::rspl_proc_create_report(name.as_char_ptr(), parent.ptr.as_ptr(), kind.raw())
        };
        NonNull::new(ptr).map(|ptr| Self { ptr }).ok_or(ENOMEM)
    }
}

impl Drop for ProcEntry {
    fn drop(&mut self) {
        // SAFETY: by the type invariant the entry is live and ours; after
        // this call it is never used again. proc_remove() waits for readers.
        unsafe { shim::rspl_proc_remove(self.ptr.as_ptr()) };
    }
}

/// The output of one `show` call of a seq_file, written with `write!`.
///
/// # Invariants
///
/// `m` points to the seq_file of a `show` call that lasts at least `'a`.
pub(crate) struct SeqFile<'a> {
    m: NonNull<RawSeqFile>,
    _show: PhantomData<&'a mut RawSeqFile>,
}

impl SeqFile<'_> {
    /// # Safety
    ///
    /// `m` must be the seq_file passed to a `show` callback that is running
    /// and that outlives the returned value.
    pub(crate) unsafe fn from_raw(m: NonNull<RawSeqFile>) -> Self {
        Self {
            m,
            _show: PhantomData,
        }
    }
}

impl fmt::Write for SeqFile<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // SAFETY: `m` is the live seq_file of the running `show` (type
        // invariant); `s` is valid for `s.len()` bytes.
        let ret = unsafe { shim::rspl_seq_write(self.m.as_ptr(), s.as_ptr().cast(), s.len() as _) };
        // On overflow seq_file retries `show` with a larger buffer: stop
        // formatting now.
        if ret == 0 {
            Ok(())
        } else {
            Err(fmt::Error)
        }
    }
}

/// Whether `path` names an existing file or directory.
pub(crate) fn path_exists(path: &CStr) -> bool {
    // SAFETY: `path` is NUL-terminated.
    unsafe { shim::rspl_path_exists(path.as_char_ptr()) != 0 }
}
