// SPDX-License-Identifier: GPL-2.0

//! rspl's trace events fire where a stall happens, in the order a tracer
//! sees them: a stalled grow shows as grow queued, wait timed out,
//! emergency object allocated and freed, grow done with its length; the
//! shrinker shows each scan. (`tests/guest/trace.sh` reads the same
//! events through tracefs.)

use super::helpers::TestCache;
use crate::sys::flags::*;
use crate::sys::kunit::{kassert, kassert_eq, kunit_suite, CaseResult, Failed, Test};
use crate::{
    services::reclaim,
    sys::params::{Param, ParamGuard},
    sys::trace_record::{Event, TraceRecord},
};
use kernel::{c_str, prelude::*};

fn stalled_grow_fires_each_step(t: &mut Test) -> CaseResult {
    let name = c_str!("rspl_test_trace_stall");
    let c = TestCache::new("rspl_test_trace_stall\0", 65536, 0, KMC_VMEM).ok_or(Failed)?;
    let _timeout = ParamGuard::set(Param::GrowTimeoutMs, 100);
    let delay = ParamGuard::set(Param::InjectGrowDelayMs, 400);
    let record = TraceRecord::start(name).map_err(|_| Failed)?;
    let obj = c.alloc(0);
    kassert!(t, !obj.is_null());
    // SAFETY: live, freed once.
    unsafe { c.free(obj) };
    delay.restore();
    kassert!(t, c.wait_grow_done(2000), "the grow never finished");
    let (seen, n) = record.stop().map_err(|_| Failed)?;
    let events: KVec<Event> = {
        let mut v = KVec::new();
        for s in seen.iter() {
            v.push(s.event, GFP_KERNEL).map_err(|_| Failed)?;
        }
        v
    };
    kassert_eq!(
        t,
        events.as_slice(),
        &[
            Event::GrowQueued,
            Event::WaitTimeout,
            Event::EmergencyAlloc,
            Event::EmergencyFree,
            Event::GrowDone,
        ][..]
    );
    kassert_eq!(t, n, 5);
    // What each carries: the wait's length, the object, the grow's result
    // and length (the injected 400 ms delay at least).
    kassert!(t, seen[1].a >= 100_000, "waited {} us", seen[1].a);
    kassert_eq!(t, (seen[2].a, seen[3].a), (obj as usize, obj as usize));
    kassert_eq!(t, seen[2].b, 0);
    kassert!(
        t,
        seen[4].a == 1 && seen[4].b >= 400_000,
        "grow done: added {}, {} us",
        seen[4].a,
        seen[4].b
    );
    Ok(())
}

fn shrinker_scan_is_traced(t: &mut Test) -> CaseResult {
    let record = TraceRecord::start_shrinks().map_err(|_| Failed)?;
    // An odd request, to tell this scan from the kernel's own.
    let asked = 12345;
    let mut busy = false;
    let freed = reclaim::rspl_shrink_scan(asked, false, &mut busy) as usize;
    let (seen, _) = record.stop().map_err(|_| Failed)?;
    kassert!(
        t,
        seen.iter()
            .any(|s| s.event == Event::ShrinkScan && s.a == asked && s.b == freed),
        "no scan of {} objects among {:?}",
        asked,
        seen
    );
    Ok(())
}

kunit_suite!(
    suite,
    "rspl_trace_events",
    [stalled_grow_fires_each_step, shrinker_scan_is_traced,]
);
