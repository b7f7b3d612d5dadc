// SPDX-License-Identifier: GPL-2.0

//! Where the slab report is. Always at `/proc/rspl/kmem/slab`; and at
//! `/proc/spl/kmem/slab`, where SPL tools look, while no SPL owns
//! `/proc/spl`. OpenZFS's `spl.ko` creates that directory in its init and
//! fails to load if it exists (procfs warns and refuses a duplicate): so
//! rspl leaves it alone when spl.ko was there first, hands it over as
//! spl.ko comes, and takes it back when spl.ko goes.

use crate::{
    report::files::{ReportKind, ReportTree},
    sys::proc_fs,
};
use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::{alloc::flags::GFP_KERNEL, c_str, new_mutex, prelude::*, str::CStr, sync::Mutex};

/// The report's path that is always rspl's.
#[cfg(CONFIG_KUNIT)]
pub(crate) const REPORT_PATH: &CStr = c_str!("/proc/rspl/kmem/slab");
/// The stall counters' path.
#[cfg(CONFIG_KUNIT)]
pub(crate) const STALLS_PATH: &CStr = c_str!("/proc/rspl/kmem/stalls");
/// The reclaim counters' path.
#[cfg(CONFIG_KUNIT)]
pub(crate) const RECLAIM_PATH: &CStr = c_str!("/proc/rspl/kmem/reclaim");

/// The name of OpenZFS's (and every SPL's) module.
const SPL_MODULE: &CStr = c_str!("spl");

/// rspl's hold on `/proc/spl`.
#[pin_data]
struct SplDir {
    #[pin]
    state: Mutex<SplDirState>,
}

struct SplDirState {
    /// rspl's report under `/proc/spl`, while rspl has the directory.
    report: Option<ReportTree>,
    /// An SPL module is between its COMING and its GOING: the directory
    /// is, or is about to be, the SPL's.
    spl_loaded: bool,
}

/// The installed `SplDir`; null before init and after exit.
static SPL_DIR: AtomicPtr<SplDir> = AtomicPtr::new(core::ptr::null_mut());

fn spl_dir() -> Option<&'static SplDir> {
    let p = SPL_DIR.load(Ordering::Acquire);
    // SAFETY: a non-null pointer was installed by `ReportPlaces::new` and
    // stays valid until `ReportPlaces` is dropped, after the module watch
    // (whose callbacks are the other users) is unregistered.
    unsafe { p.as_ref() }
}

impl SplDir {
    /// Creates rspl's `/proc/spl/kmem/slab` unless an SPL has, or is about
    /// to have, the directory.
    fn claim(&self) {
        let mut state = self.state.lock();
        if state.spl_loaded || state.report.is_some() {
            return;
        }
        if proc_fs::path_exists(c_str!("/proc/spl")) {
            pr_info!("/proc/spl belongs to another module (OpenZFS's spl?): report at /proc/rspl/kmem/slab only\n");
            return;
        }
        match ReportTree::new(c_str!("spl"), &[ReportKind::Slab]) {
            Ok(tree) => state.report = Some(tree),
            Err(e) => pr_warn!(
                "report at /proc/rspl/kmem/slab only: /proc/spl failed ({:?})\n",
                e
            ),
        }
    }

    /// An SPL is coming: removes rspl's `/proc/spl` before its init runs.
    fn yield_to_spl(&self) {
        let mut state = self.state.lock();
        state.spl_loaded = true;
        if state.report.take().is_some() {
            pr_info!("spl is loading: /proc/spl is its own now; rspl's report stays at /proc/rspl/kmem/slab\n");
        }
    }

    /// The SPL is gone (its exit removed its `/proc/spl`): takes it back.
    fn spl_gone(&self) {
        self.state.lock().spl_loaded = false;
        self.claim();
        if self.held() {
            pr_info!("spl unloaded: report at /proc/spl/kmem/slab again\n");
        }
    }

    fn held(&self) -> bool {
        self.state.lock().report.is_some()
    }
}

/// The report's places, installed for the module's lifetime.
pub(crate) struct ReportPlaces {
    spl: Pin<KBox<SplDir>>,
    _own: ReportTree,
}

impl ReportPlaces {
    /// Creates `/proc/rspl/kmem/slab`. `/proc/spl` waits for
    /// `claim_spl_dir`.
    pub(crate) fn new() -> Result<Self> {
        let own = ReportTree::new(
            c_str!("rspl"),
            &[
                ReportKind::Slab,
                ReportKind::Stalls,
                ReportKind::Reclaim,
                ReportKind::Reserve,
                ReportKind::Moves,
            ],
        )?;
        let spl = KBox::pin_init(
            pin_init!(SplDir {
                state <- new_mutex!(SplDirState { report: None, spl_loaded: false }, "rspl_spl_dir"),
            }),
            GFP_KERNEL,
        )?;
        let p = &*spl as *const SplDir as *mut SplDir;
        SPL_DIR.store(p, Ordering::Release);
        Ok(Self { spl, _own: own })
    }

    /// Creates `/proc/spl/kmem/slab` unless an SPL owns `/proc/spl`. Call
    /// with the module watch on, so that an SPL loading from now on is seen
    /// coming; returns whether rspl has the directory.
    pub(crate) fn claim_spl_dir(&self) -> bool {
        self.spl.claim();
        self.spl.held()
    }
}

impl Drop for ReportPlaces {
    fn drop(&mut self) {
        SPL_DIR.store(core::ptr::null_mut(), Ordering::Release);
        // The trees are removed as the fields drop.
    }
}

/// Module `name` is about to run its init.
pub(crate) fn module_coming(name: &CStr) {
    if name.as_bytes() == SPL_MODULE.as_bytes() {
        if let Some(dir) = spl_dir() {
            dir.yield_to_spl();
        }
    }
}

/// Module `name` has run its exit (or its init failed).
pub(crate) fn module_going(name: &CStr) {
    if name.as_bytes() == SPL_MODULE.as_bytes() {
        if let Some(dir) = spl_dir() {
            dir.spl_gone();
        }
    }
}

/// Whether `/proc/spl/kmem/slab` is rspl's report now.
#[cfg(CONFIG_KUNIT)]
pub(crate) fn spl_dir_held() -> bool {
    spl_dir().is_some_and(SplDir::held)
}
