// SPDX-License-Identifier: GPL-2.0

//! The slab report read back through the VFS, as `cat` reads it, at
//! `/proc/rspl/kmem/slab` and, while rspl holds it, `/proc/spl/kmem/slab`.

use super::helpers::{proc_row, Objs, TestCache};
use crate::capi::*;
use crate::report::places::{spl_dir_held, RECLAIM_PATH, REPORT_PATH};
use crate::sys::flags::*;
use crate::sys::kunit::{kassert, kassert_eq, kunit_suite, CaseResult, Failed, Test};
use crate::{
    report::format::{self, HEADER},
    sys::kunit::{read_file, write_file},
    sys::memory::msleep,
};
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use kernel::{
    alloc::flags::GFP_KERNEL,
    c_str, new_work,
    prelude::*,
    sync::Arc,
    time::{ktime_ms_delta, Ktime},
    workqueue::{self, impl_has_work, Work, WorkItem},
};

fn proc_file_starts_with_header(t: &mut Test) -> CaseResult {
    let buf = KVec::from_elem(0u8, 64 * 1024, GFP_KERNEL);
    kassert!(t, buf.is_ok(), "no memory for the read buffer");
    let mut buf = buf.unwrap_or_default();
    let n = read_file(REPORT_PATH, &mut buf);
    kassert!(t, n.is_ok(), "reading {} failed: {:?}", REPORT_PATH, n);
    let n = n.unwrap_or(0);
    kassert!(
        t,
        n >= HEADER.len(),
        "read {} bytes, less than the header",
        n
    );
    kassert_eq!(t, &buf[..HEADER.len()], HEADER.as_bytes());
    Ok(())
}

fn proc_file_is_only_header_without_caches(t: &mut Test) -> CaseResult {
    let mut buf = [0u8; 2 * HEADER.len()];
    let n = read_file(REPORT_PATH, &mut buf);
    kassert_eq!(t, n, Ok(HEADER.len()));
    kassert_eq!(t, &buf[..HEADER.len()], HEADER.as_bytes());
    Ok(())
}

/// The value of counter `key` in `/proc/rspl/kmem/reclaim`.
fn reclaim_counter(key: &str) -> Option<u64> {
    let mut buf = [0u8; 1024];
    let n = read_file(RECLAIM_PATH, &mut buf).ok()?;
    let text = core::str::from_utf8(&buf[..n]).ok()?;
    let line = text.lines().find(|l| l.split(' ').next() == Some(key))?;
    line.split(' ').nth(1)?.parse().ok()
}

/// `/proc/rspl/kmem/reclaim` counts reaps, `reap_active` calls and the
/// shrinker's calls as they happen.
fn reclaim_file_counts_calls(t: &mut Test) -> CaseResult {
    let keys = [
        "reclaimable_objects",
        "shrinker_count_calls",
        "shrinker_scan_calls",
        "shrinker_scan_us",
        "shrinker_scan_freed",
        "reap_now_calls",
        "reap_now_us",
        "reap_active_calls",
    ];
    for key in keys {
        kassert!(t, reclaim_counter(key).is_some(), "no counter {}", key);
    }
    let reaps = reclaim_counter("reap_now_calls").ok_or(Failed)?;
    let actives = reclaim_counter("reap_active_calls").ok_or(Failed)?;
    let counts = reclaim_counter("shrinker_count_calls").ok_or(Failed)?;
    let c_cache = TestCache::new("rspl_test_reclaim_counts\0", 4096, 0, KMC_KVMEM).ok_or(Failed)?;
    let c = c_cache.handle();
    // SAFETY: live cache; the object is freed once.
    unsafe {
        let o = rspl_kmem_cache_alloc(c, 0);
        kassert!(t, !o.is_null());
        rspl_kmem_cache_free(c, o);
        rspl_kmem_cache_reap_now(c);
        rspl_kmem_cache_reap_now(c);
        kassert_eq!(t, rspl_kmem_cache_reap_active(), 0);
    }
    drop(c_cache);
    // Others may reap meanwhile (the shrinker does not count as a reap).
    let now = reclaim_counter("reap_now_calls").ok_or(Failed)?;
    kassert!(t, now >= reaps + 2, "reap_now_calls {} -> {}", reaps, now);
    let now = reclaim_counter("reap_active_calls").ok_or(Failed)?;
    kassert!(t, now > actives, "reap_active_calls {} -> {}", actives, now);
    // drop_caches runs every shrinker's count, rspl's among them.
    kassert_eq!(
        t,
        write_file(c_str!("/proc/sys/vm/drop_caches"), b"2\n").ok(),
        Some(2)
    );
    let now = reclaim_counter("shrinker_count_calls").ok_or(Failed)?;
    kassert!(
        t,
        now > counts,
        "shrinker_count_calls {} -> {}",
        counts,
        now
    );
    Ok(())
}

/// Creates, uses and destroys caches on a workqueue thread (another CPU
/// when one is idle) until told to stop.
#[pin_data]
struct Churn {
    stop: AtomicBool,
    done: AtomicBool,
    rounds: AtomicUsize,
    failures: AtomicUsize,
    #[pin]
    work: Work<Churn>,
}

impl_has_work! {
    impl HasWork<Self> for Churn { self.work }
}

impl WorkItem for Churn {
    type Pointer = Arc<Churn>;

    fn run(this: Arc<Churn>) {
        let kinds = [(100, 0), (20000, KMC_KVMEM), (3000, KMC_KMEM)];
        let mut i = 0;
        while !this.stop.load(Ordering::Relaxed) && i < 2000 {
            let (size, flags) = kinds[i % kinds.len()];
            match TestCache::new("rspl_test_churn\0", size, 0, flags) {
                Some(c) if Objs::new(&c).alloc().is_some() => {}
                _ => {
                    this.failures.fetch_add(1, Ordering::Relaxed);
                }
            }
            this.rounds.fetch_add(1, Ordering::Relaxed);
            i += 1;
        }
        this.done.store(true, Ordering::Release);
    }
}

/// Whether `text` is the header and then whole rows of 15 columns.
fn well_formed(text: &[u8]) -> bool {
    let Ok(text) = core::str::from_utf8(text) else {
        return false;
    };
    let Some(rows) = text.strip_prefix(HEADER) else {
        return false;
    };
    text.ends_with('\n')
        && rows
            .lines()
            .all(|row| row.split_whitespace().count() == format::COLUMNS)
}

fn readable_while_caches_come_and_go(t: &mut Test) -> CaseResult {
    let churn = Arc::pin_init(
        pin_init!(Churn {
            stop: AtomicBool::new(false),
            done: AtomicBool::new(false),
            rounds: AtomicUsize::new(0),
            failures: AtomicUsize::new(0),
            work <- new_work!("rspl_test_churn"),
        }),
        GFP_KERNEL,
    )
    .map_err(|_| Failed)?;
    // A cache that stays, with objects, so that rows are always there.
    let keep = TestCache::new("rspl_test_proc_keep\0", 50000, 0, KMC_VMEM).ok_or(Failed)?;
    let obj = keep.alloc(0);
    let _ = workqueue::system_unbound().enqueue(churn.clone());
    let mut buf = KVec::from_elem(0u8, 64 * 1024, GFP_KERNEL).map_err(|_| Failed)?;
    let mut reads = 0;
    let mut bad = 0;
    // At most 5 s: the debug kernel reads far slower, and a case may not
    // look like a hung task (20 s there).
    let start = Ktime::ktime_get();
    while !churn.done.load(Ordering::Acquire)
        && reads < 20000
        && ktime_ms_delta(Ktime::ktime_get(), start) < 5000
    {
        match read_file(REPORT_PATH, &mut buf) {
            Ok(n) if buf.get(..n).is_some_and(well_formed) => {}
            _ => bad += 1,
        }
        reads += 1;
    }
    churn.stop.store(true, Ordering::Relaxed);
    while !churn.done.load(Ordering::Acquire) {
        msleep(1);
    }
    // SAFETY: `obj` is live and freed once.
    unsafe { keep.free(obj) };
    drop(keep);
    let rounds = churn.rounds.load(Ordering::Relaxed);
    kassert_eq!(t, bad, 0);
    kassert_eq!(t, churn.failures.load(Ordering::Relaxed), 0);
    kassert!(
        t,
        rounds > 0,
        "no cache came or went during {} reads",
        reads
    );
    Ok(())
}

/// `/proc/spl/kmem/slab` shows rspl's caches exactly while rspl holds
/// `/proc/spl` (no SPL loaded), and never when an SPL has it.
fn spl_path_shows_rspl_only_while_held(t: &mut Test) -> CaseResult {
    let c = TestCache::new("rspl_test_spl_place\0", 200, 0, 0).ok_or(Failed)?;
    let own = proc_row(REPORT_PATH, "rspl_test_spl_place");
    let at_spl = proc_row(c_str!("/proc/spl/kmem/slab"), "rspl_test_spl_place");
    let held = spl_dir_held();
    drop(c);
    kassert!(t, own.is_some(), "no row in {}", REPORT_PATH);
    if held {
        kassert!(t, at_spl == own, "/proc/spl/kmem/slab is not rspl's report");
    } else {
        kassert!(
            t,
            at_spl.is_none(),
            "rspl's cache in another module's /proc/spl"
        );
    }
    Ok(())
}

kunit_suite!(
    suite,
    "rspl_proc_report",
    [
        proc_file_starts_with_header,
        proc_file_is_only_header_without_caches,
        readable_while_caches_come_and_go,
        spl_path_shows_rspl_only_while_held,
        reclaim_file_counts_calls,
    ]
);
