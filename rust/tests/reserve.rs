// SPDX-License-Identifier: GPL-2.0

//! A `KMC_RESERVE` cache's reserve, under a hog that stalls every grow
//! and fails every emergency allocation: `KM_PUSHPAGE` callers, and
//! callers in reclaim or in a NOIO scope, still get objects within the
//! grow timeout, from the reserve; `KM_NOSLEEP` and `KM_SLEEP` callers
//! outside reclaim never take one; the grow crew fills it again once the
//! hog lets go. `/proc/rspl/kmem/reserve` shows it.

use super::helpers::{proc_row, Objs, TestCache};
use crate::sys::flags::*;
use crate::sys::kunit::{kassert, kassert_eq, kunit_suite, CaseResult, Failed, Test};
use crate::{
    slab::reserve::ReserveCounts,
    sys::memory::{NoIoScope, NoReclaimScope},
    sys::params::{Param, ParamGuard},
    sys::trace_record::{Event, TraceRecord},
};
use core::ffi::{c_int, c_void};
use kernel::{
    c_str,
    time::{ktime_ms_delta, Ktime},
};

/// One more object of `objs` with `kmflags`, and how many ms it took.
fn timed(objs: &mut Objs<'_>, kmflags: c_int) -> (Option<*mut c_void>, i64) {
    let start = Ktime::ktime_get();
    let o = objs.alloc_with(kmflags);
    (o, ktime_ms_delta(Ktime::ktime_get(), start))
}

fn only_the_io_path_takes_the_reserve(t: &mut Test) -> CaseResult {
    let _objs = ParamGuard::set(Param::ReserveObjs, 4);
    let c =
        TestCache::new("rspl_test_reserve\0", 65536, 0, KMC_VMEM | KMC_RESERVE).ok_or(Failed)?;
    let cache = c.cache();
    // Full from the start.
    kassert_eq!(
        t,
        (cache.reserve_counts().target, cache.reserve_counts().held),
        (4, 4)
    );
    // The hog: no grow lands for 1.5 s, no emergency object at all.
    let _timeout = ParamGuard::set(Param::GrowTimeoutMs, 100);
    let delay = ParamGuard::set(Param::InjectGrowDelayMs, 1500);
    let hog = ParamGuard::set(Param::InjectEmergencyFail, 1);
    let record = TraceRecord::start(c_str!("rspl_test_reserve")).map_err(|_| Failed)?;
    let mut objs = Objs::new(&c);
    // KM_NOSLEEP takes what the slabs have left, then gets NULL: it
    // never takes from the reserve.
    let mut free_ones = 0;
    while free_ones < 64 && objs.alloc_with(KM_NOSLEEP).is_some() {
        free_ones += 1;
    }
    // KM_NOSLEEP took none.
    kassert_eq!(t, cache.reserve_counts().held, 4);
    // The I/O path: a KM_PUSHPAGE caller waits out the timeout, then the
    // reserve serves it; then a NOIO scope's and a reclaimer's KM_SLEEP
    // callers, at once (the cache is marked deadlocked).
    let margin = if cfg!(CONFIG_KASAN) { 150 } else { 50 };
    let (pushpage, pushpage_ms) = timed(&mut objs, KM_PUSHPAGE);
    kassert!(
        t,
        pushpage.is_some() && pushpage_ms <= 100 + margin,
        "KM_PUSHPAGE: {:?} after {} ms",
        pushpage,
        pushpage_ms
    );
    let (noio, noio_ms) = {
        let _scope = NoIoScope::enter();
        timed(&mut objs, KM_SLEEP)
    };
    let (reclaim, reclaim_ms) = {
        let _scope = NoReclaimScope::enter();
        timed(&mut objs, KM_SLEEP)
    };
    kassert!(
        t,
        noio.is_some() && reclaim.is_some() && noio_ms <= margin && reclaim_ms <= margin,
        "NOIO scope {} ms, reclaim {} ms",
        noio_ms,
        reclaim_ms
    );
    kassert_eq!(
        t,
        cache.reserve_counts(),
        ReserveCounts {
            target: 4,
            held: 1,
            low: 1,
            taken: 3,
            dry: 0
        }
    );
    // A KM_SLEEP caller outside reclaim leaves the last one: it backs off
    // until the stalled grow lands, and gets a slab object.
    let (sleeper, sleeper_ms) = timed(&mut objs, KM_SLEEP);
    kassert!(t, sleeper.is_some());
    // KM_SLEEP took none.
    kassert_eq!(t, cache.reserve_counts().taken, 3);
    // The grow that landed filled the reserve first: memory was back.
    hog.restore();
    delay.restore();
    kassert!(t, c.wait_grow_done(3000));
    let held = cache.reserve_counts().held;
    kassert_eq!(t, held, 4);
    let (seen, _) = record.stop().map_err(|_| Failed)?;
    let takes = seen
        .iter()
        .filter(|s| s.event == Event::ReserveTake)
        .count();
    let last_left = seen
        .iter()
        .filter(|s| s.event == Event::ReserveTake)
        .map(|s| s.b)
        .next_back();
    kassert_eq!(t, (takes, last_left), (3, Some(1)));
    // The report's row: target, held, low, taken, dry.
    let row = proc_row(c_str!("/proc/rspl/kmem/reserve"), "rspl_test_reserve").ok_or(Failed)?;
    let text = core::str::from_utf8(&row).map_err(|_| Failed)?;
    let mut cols = text.split_whitespace().skip(1);
    let mut next = || cols.next().and_then(|c| c.parse::<u64>().ok());
    kassert_eq!(
        t,
        (next(), next(), next(), next(), next()),
        (Some(4), Some(4), Some(1), Some(3), Some(0))
    );
    t.info(format_args!(
        "figures: reserve: objects=4 timeout_ms=100 grow_stall_ms=1500 emergency=failing pushpage_ms={} noio_ms={} reclaim_ms={} reserve_taken=3 km_sleep_took=0 km_sleep_ms={} refilled_to={}",
        pushpage_ms,
        noio_ms,
        reclaim_ms,
        sleeper_ms,
        held
    ));
    Ok(())
}

/// No reserve without the flag; a reserve cache is filled at creation,
/// its objects count as nobody's, and destroy takes them back.
fn a_reserve_is_nobodys_objects(t: &mut Test) -> CaseResult {
    let _objs = ParamGuard::set(Param::ReserveObjs, 20);
    let plain = TestCache::new("rspl_test_no_reserve\0", 4096, 0, KMC_KVMEM).ok_or(Failed)?;
    kassert_eq!(t, plain.cache().reserve_counts(), ReserveCounts::default());
    let c = TestCache::new("rspl_test_reserve_small\0", 64, 0, KMC_RESERVE).ok_or(Failed)?;
    let counts = c.cache().reserve_counts();
    kassert_eq!(t, (counts.target, counts.held), (20, 20));
    // On rspl's slabs, though small; and nobody holds an object.
    kassert!(t, c.cache().linux_name().is_none());
    kassert_eq!(t, c.inuse(), 0);
    let objs = c.alloc_n(t, 3)?;
    kassert_eq!(t, c.inuse(), 3);
    drop(objs);
    kassert_eq!(t, c.inuse(), 0);
    Ok(())
}

kunit_suite!(
    suite,
    "rspl_reserve_cache",
    [
        a_reserve_is_nobodys_objects,
        only_the_io_path_takes_the_reserve,
    ]
);
