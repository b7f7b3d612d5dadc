// SPDX-License-Identifier: GPL-2.0

//! Emergency objects moved back into slabs (`rspl_kmem_cache_set_move()`):
//! once grows work again, the aging tick offers each live emergency
//! object a constructed slab object, and the consumer's answer decides:
//! moved (the emergency set drains while the consumer keeps its objects),
//! later then moved, declined for good, or no longer needed. A cache
//! without a callback keeps its emergency objects until they are freed.

use super::helpers::{create_with, proc_row, slab_counts, TestCache};
use crate::cache::{complaints::Mistake, Cache};
use crate::capi::handles;
use crate::capi::{rspl_kmem_cache_free, rspl_kmem_cache_set_move};
use crate::services::owners;
use crate::sys::flags::*;
use crate::sys::kunit::{kassert, kassert_eq, kunit_suite, CaseResult, Failed, Test};
use crate::{
    cache::move_stats::MoveCounts,
    sys::memory::msleep,
    sys::params::{Param, ParamGuard},
    sys::trace_record::{Event, TraceRecord},
};
use core::{
    ffi::c_void,
    sync::atomic::{AtomicU32, AtomicUsize, Ordering},
};
use kernel::{c_str, ffi::c_int, prelude::*, sync::Arc};

/// Emergency objects each case makes.
const N: usize = 4;
const SIZE: usize = 65536;
const PRIVATE: usize = 0x5eed;

/// How the test consumer answers.
const MOVES: u32 = 0;
const LATER_THEN_MOVES: u32 = 1;
const DECLINES: u32 = 2;
const DONT_NEED: u32 = 3;
/// Frees the old object during the offer (twice), and does not know it.
const FREES_DURING: u32 = 4;
/// Answers `LATER` to every offer: each tick offers again.
const ALWAYS_LATER: u32 = 5;

static MODE: AtomicU32 = AtomicU32::new(MOVES);
/// The consumer's objects: what it would reach them by.
static HELD: [AtomicUsize; N] = [const { AtomicUsize::new(0) }; N];
/// Offers seen, per object.
static OFFERS: [AtomicU32; N] = [const { AtomicU32::new(0) }; N];
static WRONG_ARGS: AtomicU32 = AtomicU32::new(0);
/// The case's cache handle, for `FREES_DURING`.
static HANDLE: AtomicUsize = AtomicUsize::new(0);
static CONSTRUCTED: AtomicU32 = AtomicU32::new(0);
static DESTRUCTED: AtomicU32 = AtomicU32::new(0);

/// A constructor that counts.
///
/// # Safety
///
/// None: it touches no object.
unsafe extern "C" fn ctor(_obj: *mut c_void, _private: *mut c_void, _kmflags: c_int) -> c_int {
    CONSTRUCTED.fetch_add(1, Ordering::Relaxed);
    0
}

/// A destructor that counts.
///
/// # Safety
///
/// None: it touches no object.
unsafe extern "C" fn dtor(_obj: *mut c_void, _private: *mut c_void) {
    DESTRUCTED.fetch_add(1, Ordering::Relaxed);
}

/// The test consumer's move callback, as `MODE` says.
///
/// # Safety
///
/// `old` and `new` must be distinct live objects of `size` bytes.
unsafe extern "C" fn mover(
    old: *mut c_void,
    new: *mut c_void,
    size: usize,
    private: *mut c_void,
) -> c_int {
    if size != SIZE || private as usize != PRIVATE || old == new {
        WRONG_ARGS.fetch_add(1, Ordering::Relaxed);
    }
    let Some(i) = HELD
        .iter()
        .position(|h| h.load(Ordering::Acquire) == old as usize)
    else {
        return MoveAnswer::DontKnow.raw();
    };
    let offers = OFFERS[i].fetch_add(1, Ordering::Relaxed) + 1;
    let answer = match MODE.load(Ordering::Relaxed) {
        FREES_DURING => {
            HELD[i].store(0, Ordering::Release);
            let c = HANDLE.load(Ordering::Acquire) as *mut c_void;
            // SAFETY: the case's live cache; `old` is its live object,
            // freed once (the second free is the bad free under test).
            unsafe {
                rspl_kmem_cache_free(c, old);
                rspl_kmem_cache_free(c, old);
            }
            MoveAnswer::DontKnow
        }
        LATER_THEN_MOVES if offers == 1 => MoveAnswer::Later,
        ALWAYS_LATER => MoveAnswer::Later,
        DECLINES => MoveAnswer::No,
        DONT_NEED => MoveAnswer::DontNeed,
        _ => MoveAnswer::Yes,
    };
    match answer {
        MoveAnswer::Yes => {
            // SAFETY: both objects are `size` bytes, live, and distinct.
            unsafe { core::ptr::copy_nonoverlapping(old as *const u8, new as *mut u8, size) };
            HELD[i].store(new as usize, Ordering::Release);
        }
        MoveAnswer::DontNeed => HELD[i].store(0, Ordering::Release),
        _ => {}
    }
    answer.raw()
}

/// A cache with `N` live emergency objects, each filled with its index,
/// held in `HELD`; grows work again when it returns.
fn with_emergency_objects(t: &mut Test, mode: u32) -> Result<TestCache, Failed> {
    with_emergency_objects_of(t, mode, 0)
}

/// As `with_emergency_objects`, for owner `owner`.
fn with_emergency_objects_of(t: &mut Test, mode: u32, owner: usize) -> Result<TestCache, Failed> {
    MODE.store(mode, Ordering::Relaxed);
    for i in 0..N {
        HELD[i].store(0, Ordering::Relaxed);
        OFFERS[i].store(0, Ordering::Relaxed);
    }
    WRONG_ARGS.store(0, Ordering::Relaxed);
    CONSTRUCTED.store(0, Ordering::Relaxed);
    DESTRUCTED.store(0, Ordering::Relaxed);
    let c = TestCache::from_handle(create_with(
        c_str!("rspl_test_moves"),
        SIZE,
        KMC_VMEM,
        Some(ctor),
        Some(dtor),
        PRIVATE,
        owner,
    ))
    .ok_or(Failed)?;
    {
        let _timeout = ParamGuard::set(Param::GrowTimeoutMs, 100);
        let _delay = ParamGuard::set(Param::InjectGrowDelayMs, 600);
        for (i, h) in HELD.iter().enumerate() {
            let o = c.alloc(0);
            kassert!(t, !o.is_null());
            // SAFETY: a live object of `SIZE` bytes, the case's own.
            unsafe { core::ptr::write_bytes(o as *mut u8, i as u8, SIZE) };
            h.store(o as usize, Ordering::Release);
        }
    }
    kassert!(t, c.wait_grow_done(3000), "the stalled grow never landed");
    HANDLE.store(c.handle() as usize, Ordering::Release);
    let s = slab_counts(c.cache()).ok_or(Failed)?;
    kassert_eq!(t, (s.emergency, s.slabs.objs_alloc), (N as u64, 0));
    Ok(c)
}

/// Runs aging ticks (the periodic one may run some) until `done`, at
/// most `ticks`; returns whether it was reached.
fn age_until(c: &TestCache, ticks: u32, done: impl Fn() -> bool) -> bool {
    for _ in 0..ticks {
        c.cache().age();
        if done() {
            return true;
        }
        msleep(10);
    }
    done()
}

fn emergency_count(c: &TestCache) -> u64 {
    slab_counts(c.cache()).map_or(u64::MAX, |s| s.emergency)
}

/// Frees what the consumer still holds.
fn free_held(c: &TestCache) {
    for h in HELD.iter() {
        let o = h.swap(0, Ordering::AcqRel);
        if o != 0 {
            // SAFETY: the consumer's live object, freed once.
            unsafe { c.free(o as *mut c_void) };
        }
    }
}

fn set_move(c: &TestCache) {
    // SAFETY: a live handle; the callback lives as long as the module.
    unsafe { rspl_kmem_cache_set_move(c.handle(), Some(mover)) };
}

fn moved_objects_leave_the_emergency_set(t: &mut Test) -> CaseResult {
    let c = with_emergency_objects(t, MOVES)?;
    let mut were = [0usize; N];
    for (w, h) in were.iter_mut().zip(HELD.iter()) {
        *w = h.load(Ordering::Relaxed);
        kassert!(t, c.cache().emergency_may_hold(*w));
    }
    let record = TraceRecord::start(c_str!("rspl_test_moves")).map_err(|_| Failed)?;
    set_move(&c);
    let drained = age_until(&c, 50, || emergency_count(&c) == 0);
    let (seen, _) = record.stop().map_err(|_| Failed)?;
    kassert!(t, drained, "{} emergency objects left", emergency_count(&c));
    // The consumer kept its objects: now slab objects, its data intact.
    let s = slab_counts(c.cache()).ok_or(Failed)?;
    kassert_eq!(t, s.slabs.objs_alloc, N as u64);
    for (i, h) in HELD.iter().enumerate() {
        let o = h.load(Ordering::Acquire);
        kassert!(t, o != 0 && o != were[i], "object {} not moved", i);
        // SAFETY: the consumer's live object of `SIZE` bytes.
        let bytes = unsafe { core::slice::from_raw_parts(o as *const u8, SIZE) };
        kassert!(
            t,
            bytes.iter().all(|&b| b == i as u8),
            "object {} changed",
            i
        );
    }
    // Each new object was constructed, each old one destructed.
    kassert_eq!(
        t,
        (
            CONSTRUCTED.load(Ordering::Relaxed),
            DESTRUCTED.load(Ordering::Relaxed),
            WRONG_ARGS.load(Ordering::Relaxed)
        ),
        (2 * N as u32, N as u32, 0)
    );
    kassert_eq!(
        t,
        c.cache().move_counts(),
        MoveCounts {
            offered: N as u64,
            yes: N as u64,
            ..Default::default()
        }
    );
    let count = |e| seen.iter().filter(|s| s.event == e).count();
    kassert_eq!(
        t,
        (
            count(Event::MoveOffer),
            count(Event::MoveAnswer),
            count(Event::EmergencyFree)
        ),
        (N, N, N)
    );
    kassert!(
        t,
        seen.iter()
            .all(|s| s.event != Event::MoveAnswer || s.b == 0)
    );
    // The report counts them: offered, yes, no, later, dont_need, dont_know.
    let row = proc_row(c_str!("/proc/rspl/kmem/moves"), "rspl_test_moves").ok_or(Failed)?;
    let text = core::str::from_utf8(&row).map_err(|_| Failed)?;
    let cols: KVec<u64> = {
        let mut v = KVec::new();
        for col in text.split_whitespace().skip(1) {
            v.push(col.parse::<u64>().map_err(|_| Failed)?, GFP_KERNEL)
                .map_err(|_| Failed)?;
        }
        v
    };
    kassert_eq!(t, cols.as_slice(), &[N as u64, N as u64, 0, 0, 0, 0][..]);
    free_held(&c);
    kassert_eq!(
        t,
        (c.inuse(), DESTRUCTED.load(Ordering::Relaxed)),
        (0, 2 * N as u32)
    );
    Ok(())
}

fn later_then_yes_moves_at_the_next_offer(t: &mut Test) -> CaseResult {
    let c = with_emergency_objects(t, LATER_THEN_MOVES)?;
    set_move(&c);
    kassert!(t, age_until(&c, 50, || emergency_count(&c) == 0));
    let m = c.cache().move_counts();
    kassert_eq!(
        t,
        (m.offered, m.later, m.yes, m.no),
        (2 * N as u64, N as u64, N as u64, 0)
    );
    kassert!(t, OFFERS.iter().all(|o| o.load(Ordering::Relaxed) == 2));
    // Each refused new object was destructed and given back.
    kassert_eq!(t, c.inuse(), N as u64);
    kassert_eq!(t, DESTRUCTED.load(Ordering::Relaxed), 2 * N as u32);
    free_held(&c);
    kassert_eq!(t, c.inuse(), 0);
    Ok(())
}

fn declined_objects_are_offered_once(t: &mut Test) -> CaseResult {
    let c = with_emergency_objects(t, DECLINES)?;
    // Without a callback nothing is offered, and nothing moves. (The
    // ticks free the slab the grow added: the offers below grow anew.)
    for _ in 0..3 {
        c.cache().age();
    }
    kassert_eq!(t, c.cache().move_counts(), MoveCounts::default());
    kassert_eq!(t, (emergency_count(&c), c.inuse()), (N as u64, N as u64));
    set_move(&c);
    kassert!(
        t,
        age_until(&c, 50, || c.cache().move_counts().no == N as u64)
    );
    for _ in 0..3 {
        c.cache().age();
    }
    let m = c.cache().move_counts();
    kassert_eq!(
        t,
        (m.offered, m.no, emergency_count(&c)),
        (N as u64, N as u64, N as u64)
    );
    // The slab objects offered went back; the consumer's are still live.
    kassert_eq!(
        t,
        (c.inuse(), DESTRUCTED.load(Ordering::Relaxed)),
        (N as u64, N as u32)
    );
    free_held(&c);
    kassert_eq!(t, (c.inuse(), emergency_count(&c)), (0, 0));
    Ok(())
}

fn dont_need_frees_both(t: &mut Test) -> CaseResult {
    let c = with_emergency_objects(t, DONT_NEED)?;
    set_move(&c);
    kassert!(t, age_until(&c, 50, || emergency_count(&c) == 0));
    kassert_eq!(t, c.cache().move_counts().dont_need, N as u64);
    kassert!(t, HELD.iter().all(|h| h.load(Ordering::Relaxed) == 0));
    kassert_eq!(
        t,
        (c.inuse(), DESTRUCTED.load(Ordering::Relaxed)),
        (0, 2 * N as u32)
    );
    Ok(())
}

fn a_free_during_the_offer_is_deferred(t: &mut Test) -> CaseResult {
    let c = with_emergency_objects(t, FREES_DURING)?;
    let bad_frees = c.cache().complaints().count(Mistake::BadFree);
    set_move(&c);
    kassert!(t, age_until(&c, 50, || emergency_count(&c) == 0));
    // Each old object destructed once, by its free; each new one given
    // back; each second free refused.
    kassert_eq!(t, c.cache().move_counts().dont_know, N as u64);
    kassert_eq!(
        t,
        (c.inuse(), DESTRUCTED.load(Ordering::Relaxed)),
        (0, 2 * N as u32)
    );
    kassert_eq!(
        t,
        c.cache().complaints().count(Mistake::BadFree) - bad_frees,
        N as u64
    );
    Ok(())
}

/// Stands for the module that owns the racing case's cache.
static RACE_OWNER: u8 = 0;

fn offers() -> u32 {
    OFFERS.iter().map(|o| o.load(Ordering::Relaxed)).sum()
}

fn a_tick_racing_destroy_calls_back_nothing_after(t: &mut Test) -> CaseResult {
    // The periodic tick every 10 ms, offering moves again and again.
    let _age = ParamGuard::set(Param::IdleAgeMs, 10);
    let owner = core::ptr::addr_of!(RACE_OWNER) as usize;
    let c = with_emergency_objects_of(t, ALWAYS_LATER, owner)?;
    set_move(&c);
    // The tick already queued runs within the old period (2 s).
    let mut waited = 0;
    while offers() < 2 * N as u32 && waited < 10_000 {
        msleep(10);
        waited += 10;
    }
    kassert!(
        t,
        offers() >= 2 * N as u32,
        "the tick offered {} moves",
        offers()
    );
    // As a tick that listed the cache before it went: a reference of its own.
    let held: Arc<Cache> = c.cache().arc_borrow().into();
    let handle = c.handle() as usize;
    // Destroyed as its owner's unload does (which frees the objects it
    // left), while the ticks run.
    core::mem::forget(c);
    owners::destroy_left_by(owner, c_str!("rspl_test_moves"));
    let at_destroy = offers();
    // SAFETY: the result is only tested, never used.
    kassert!(t, unsafe { handles::lookup(handle) }.is_none());
    msleep(100);
    for _ in 0..3 {
        held.age();
    }
    kassert_eq!(
        t,
        (offers(), WRONG_ARGS.load(Ordering::Relaxed)),
        (at_destroy, 0)
    );
    // The last reference frees the cache, and the objects with it.
    drop(held);
    HELD.iter().for_each(|h| h.store(0, Ordering::Relaxed));
    Ok(())
}

kunit_suite!(
    suite,
    "rspl_moves",
    [
        a_free_during_the_offer_is_deferred,
        moved_objects_leave_the_emergency_set,
        later_then_yes_moves_at_the_next_offer,
        declined_objects_are_offered_once,
        dont_need_frees_both,
        a_tick_racing_destroy_calls_back_nothing_after,
    ]
);
