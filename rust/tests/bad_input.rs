// SPDX-License-Identifier: GPL-2.0

//! Bad input to the C API: refused with a message, nothing corrupted, and
//! the next valid call works. A checked cache (`rspl_kmem_debug`) refuses
//! every bad free at once; an unchecked one refuses a repeated free at
//! once and other bad frees when its magazine flushes. A free refused at
//! once runs no destructor; messages are rate-limited.

use super::helpers::{cache_of, create, create_with, slab_counts, TestCache};
use crate::cache::complaints::Mistake;
use crate::capi::{handles, *};
use crate::sys::flags::*;
use crate::sys::kunit::{kassert, kassert_eq, kunit_suite, CaseResult, Failed, StayOnCpu, Test};
use crate::{
    cache::counts::RowCounts,
    cache::Cache,
    sys::params::{Param, ParamGuard},
};
use core::{
    ffi::c_void,
    ptr::null_mut,
    sync::atomic::{AtomicU64, Ordering},
};
use kernel::c_str;

/// Objects the cache's slabs have handed out (magazines included).
fn allocated(t: &mut Test, cache: &Cache) -> Result<u64, Failed> {
    let s = slab_counts(cache);
    kassert!(
        t,
        s.is_some(),
        "cache {} is not on rspl's slabs",
        cache.name()
    );
    Ok(s.ok_or(Failed)?.slabs.objs_alloc)
}

/// Fills an object with a byte that tells whether anyone wrote into it.
fn fill(obj: *mut c_void, len: usize, byte: u8) {
    // SAFETY: the caller holds `obj`, at least `len` bytes.
    unsafe { core::ptr::write_bytes(obj.cast::<u8>(), byte, len) };
}

fn filled_with(obj: *mut c_void, len: usize, byte: u8) -> bool {
    // SAFETY: the caller holds `obj`, at least `len` bytes.
    let bytes = unsafe { core::slice::from_raw_parts(obj.cast::<u8>(), len) };
    bytes.iter().all(|&b| b == byte)
}

const SMALL: usize = 200;

/// Objects `a1` and `a2` of cache `a` and `b1` of cache `b` (both live
/// checked caches of `SMALL` objects), `a2` and `b1` filled with a byte
/// that tells whether anyone wrote into them.
fn two_objects_and_a_foreign_one(
    t: &mut Test,
    a: *mut c_void,
    b: *mut c_void,
) -> Result<(*mut c_void, *mut c_void, *mut c_void), Failed> {
    kassert!(t, !a.is_null() && !b.is_null());
    // SAFETY: live caches.
    let (a1, a2, b1) = unsafe {
        (
            rspl_kmem_cache_alloc(a, KM_SLEEP),
            rspl_kmem_cache_alloc(a, KM_SLEEP),
            rspl_kmem_cache_alloc(b, KM_SLEEP),
        )
    };
    kassert!(t, !a1.is_null() && !a2.is_null() && !b1.is_null());
    fill(a2, SMALL, 0xa2);
    fill(b1, SMALL, 0xb1);
    Ok((a1, a2, b1))
}

fn checked_cache_refuses_every_bad_free(t: &mut Test) -> CaseResult {
    let (a, b) = {
        let _debug = ParamGuard::set(Param::KmemDebug, 1);
        (
            create("rspl_test_checked_a\0", SMALL, 0, 0),
            create("rspl_test_checked_b\0", SMALL, 0, 0),
        )
    };
    let (a1, a2, b1) = two_objects_and_a_foreign_one(t, a, b)?;
    // SAFETY: live until destroyed at the end.
    let (ca, cb) = unsafe { (cache_of(a), cache_of(b)) };
    // No magazines: the slabs count exactly what callers hold.
    kassert_eq!(t, allocated(t, ca)?, 2);
    let outside = [0u8; 64];
    // SAFETY: each bad free is refused before the object is touched.
    unsafe {
        rspl_kmem_cache_free(a, b1);
        rspl_kmem_cache_free(a, a1.cast::<u8>().add(8).cast());
        rspl_kmem_cache_free(a, outside.as_ptr() as *mut c_void);
    }
    kassert_eq!(t, allocated(t, ca)?, 2);
    kassert_eq!(t, allocated(t, cb)?, 1);
    // SAFETY: `a1` is live; the second free is a double free, refused.
    unsafe {
        rspl_kmem_cache_free(a, a1);
        rspl_kmem_cache_free(a, a1);
    }
    kassert_eq!(t, allocated(t, ca)?, 1);
    // The next calls work, and no object is handed out twice.
    // SAFETY: live cache.
    let (x, y) = unsafe {
        (
            rspl_kmem_cache_alloc(a, KM_SLEEP),
            rspl_kmem_cache_alloc(a, KM_SLEEP),
        )
    };
    kassert!(
        t,
        !x.is_null() && !y.is_null() && x != y && x != a2 && y != a2
    );
    kassert!(
        t,
        filled_with(a2, SMALL, 0xa2) && filled_with(b1, SMALL, 0xb1)
    );
    // SAFETY: every object is live and freed once, to its own cache.
    unsafe {
        rspl_kmem_cache_free(a, x);
        rspl_kmem_cache_free(a, y);
        rspl_kmem_cache_free(a, a2);
        rspl_kmem_cache_free(b, b1);
    }
    kassert_eq!(t, (allocated(t, ca)?, allocated(t, cb)?), (0, 0));
    // SAFETY: live, destroyed once.
    unsafe {
        rspl_kmem_cache_destroy(a);
        rspl_kmem_cache_destroy(b);
    }
    Ok(())
}

fn kmc_nodebug_opts_out(t: &mut Test) -> CaseResult {
    let c_cache = {
        let _debug = ParamGuard::set(Param::KmemDebug, 1);
        TestCache::new("rspl_test_nodebug\0", SMALL, 0, KMC_NODEBUG)
    }
    .ok_or(Failed)?;
    let row = c_cache.cache().row().1;
    let passes_through = matches!(row, RowCounts::PassThrough { .. });
    kassert!(t, passes_through, "a KMC_NODEBUG cache was checked");
    Ok(())
}

/// 132 KiB objects on rspl's slabs, behind magazines of 16.
const BIG: usize = 132 << 10;

fn unchecked_cache_refuses_a_repeated_free(t: &mut Test) -> CaseResult {
    let _here = StayOnCpu::new();
    let c_cache = TestCache::new("rspl_test_refree\0", BIG, 0, KMC_VMEM).ok_or(Failed)?;
    let c = c_cache.handle();
    let cache = c_cache.cache();
    let o = c_cache.alloc(KM_SLEEP);
    kassert!(t, !o.is_null());
    let before = cache.magazine_objects();
    // SAFETY: as above.
    unsafe {
        rspl_kmem_cache_free(c, o);
        rspl_kmem_cache_free(c, o);
    }
    kassert_eq!(t, cache.magazine_objects(), before + 1);
    // SAFETY: live cache.
    let (x, y) = unsafe {
        (
            rspl_kmem_cache_alloc(c, KM_SLEEP),
            rspl_kmem_cache_alloc(c, KM_SLEEP),
        )
    };
    kassert!(
        t,
        !x.is_null() && !y.is_null() && x != y,
        "handed out twice"
    );
    // SAFETY: live, freed once.
    unsafe {
        rspl_kmem_cache_free(c, x);
        rspl_kmem_cache_free(c, y);
        rspl_kmem_cache_reap_now(c);
    }
    kassert_eq!(t, allocated(t, cache)?, 0);
    Ok(())
}

fn unchecked_cache_refuses_foreign_objects_at_flush(t: &mut Test) -> CaseResult {
    let _here = StayOnCpu::new();
    let a = create("rspl_test_foreign_a\0", BIG, 0, KMC_VMEM);
    let b = create("rspl_test_foreign_b\0", BIG, 0, KMC_VMEM);
    kassert!(t, !a.is_null() && !b.is_null());
    // SAFETY: live until destroyed at the end.
    let (ca, cb) = unsafe { (cache_of(a), cache_of(b)) };
    // SAFETY: live caches.
    let (a1, b1) = unsafe {
        (
            rspl_kmem_cache_alloc(a, KM_SLEEP),
            rspl_kmem_cache_alloc(b, KM_SLEEP),
        )
    };
    kassert!(t, !a1.is_null() && !b1.is_null());
    fill(b1, 64, 0xb1);
    // SAFETY: `b1` is B's: the free into A is bad; the reap flushes A's
    // magazines, whose check refuses it; A's own object is freed too.
    unsafe {
        rspl_kmem_cache_free(a, b1);
        rspl_kmem_cache_free(a, a1.cast::<u8>().add(8).cast());
        rspl_kmem_cache_reap_now(a);
    }
    // A gave back everything of its own; B still holds its object,
    // untouched, and takes it back.
    kassert_eq!(t, ca.magazine_objects(), 0);
    kassert_eq!(t, allocated(t, ca)?, 1);
    kassert!(t, filled_with(b1, 64, 0xb1));
    kassert_eq!(t, allocated(t, cb)?, 1 + cb.magazine_objects() as u64);
    // SAFETY: each object is live and freed once, to its own cache.
    unsafe {
        rspl_kmem_cache_free(a, a1);
        rspl_kmem_cache_free(b, b1);
        rspl_kmem_cache_reap_now(a);
        rspl_kmem_cache_reap_now(b);
    }
    kassert_eq!(t, (allocated(t, ca)?, allocated(t, cb)?), (0, 0));
    // SAFETY: live, destroyed once.
    unsafe {
        rspl_kmem_cache_destroy(a);
        rspl_kmem_cache_destroy(b);
    }
    Ok(())
}

/// Destructor calls, and what the destructor writes over an object.
static DESTRUCTED: AtomicU64 = AtomicU64::new(0);
const DESTRUCTED_BYTE: u8 = 0xdd;

/// A destructor that counts its calls and overwrites the object's first
/// 16 bytes, as a destructor tearing down its object would.
///
/// # Safety
///
/// `obj` must be an object of at least 16 bytes.
unsafe extern "C" fn scribbling_dtor(obj: *mut c_void, _private: *mut c_void) {
    DESTRUCTED.fetch_add(1, Ordering::Relaxed);
    fill(obj, 16, DESTRUCTED_BYTE);
}

fn destructed() -> u64 {
    DESTRUCTED.load(Ordering::Relaxed)
}

/// A checked cache refuses a double free, a pointer into an object and
/// another cache's object before its destructor runs: the destructor is
/// called once per accepted free and never touches a live object.
fn checked_refusals_run_no_destructor(t: &mut Test) -> CaseResult {
    let (a, b) = {
        let _debug = ParamGuard::set(Param::KmemDebug, 1);
        (
            create_with(
                c_str!("rspl_test_dtor_a"),
                SMALL,
                0,
                None,
                Some(scribbling_dtor),
                0,
                0,
            ),
            create_with(
                c_str!("rspl_test_dtor_b"),
                SMALL,
                0,
                None,
                Some(scribbling_dtor),
                0,
                0,
            ),
        )
    };
    let (a1, a2, b1) = two_objects_and_a_foreign_one(t, a, b)?;
    // SAFETY: live until destroyed at the end.
    let (ca, cb) = unsafe { (cache_of(a), cache_of(b)) };
    let before = destructed();
    let refused = ca.complaints().count(Mistake::BadFree);
    // SAFETY: each bad free is refused before any callback runs; `a1` is
    // freed once, then once more (refused).
    unsafe {
        rspl_kmem_cache_free(a, b1);
        rspl_kmem_cache_free(a, a2.cast::<u8>().add(8).cast());
        rspl_kmem_cache_free(a, a1);
        rspl_kmem_cache_free(a, a1);
    }
    kassert_eq!(t, destructed() - before, 1);
    kassert_eq!(t, ca.complaints().count(Mistake::BadFree) - refused, 3);
    kassert!(
        t,
        filled_with(a2, SMALL, 0xa2) && filled_with(b1, SMALL, 0xb1),
        "a refused free's destructor wrote into a live object"
    );
    kassert_eq!(t, (allocated(t, ca)?, allocated(t, cb)?), (1, 1));
    // SAFETY: every object is live and freed once, to its own cache.
    unsafe {
        rspl_kmem_cache_free(a, a2);
        rspl_kmem_cache_free(b, b1);
    }
    kassert_eq!(t, destructed() - before, 3);
    kassert_eq!(t, (allocated(t, ca)?, allocated(t, cb)?), (0, 0));
    // SAFETY: live, destroyed once.
    unsafe {
        rspl_kmem_cache_destroy(a);
        rspl_kmem_cache_destroy(b);
    }
    Ok(())
}

/// On an unchecked cache, the repeated free (refused at once) runs no
/// destructor either.
fn repeated_free_runs_no_destructor(t: &mut Test) -> CaseResult {
    let _here = StayOnCpu::new();
    let c_cache = TestCache::with_callbacks(
        c_str!("rspl_test_dtor_refree"),
        BIG,
        KMC_VMEM,
        None,
        Some(scribbling_dtor),
        0,
    )
    .ok_or(Failed)?;
    let c = c_cache.handle();
    let o = c_cache.alloc(KM_SLEEP);
    kassert!(t, !o.is_null());
    let before = destructed();
    // SAFETY: as above.
    unsafe {
        rspl_kmem_cache_free(c, o);
        rspl_kmem_cache_free(c, o);
    }
    kassert_eq!(t, destructed() - before, 1);
    Ok(())
}

/// A mistake in a loop is counted every time and reported once (then at
/// most every `complaints::INTERVAL_MS`), per cache and kind.
fn mistakes_are_rate_limited(t: &mut Test) -> CaseResult {
    const N: u64 = 200;
    let c_cache = TestCache::new("rspl_test_ratelimit\0", BIG, 0, KMC_VMEM).ok_or(Failed)?;
    let c = c_cache.handle();
    let cache = c_cache.cache();
    let handles = bad_handles();
    let (calls, reports) = (
        handles.count(Mistake::BadHandle),
        handles.reports(Mistake::BadHandle),
    );
    for _ in 0..N {
        // SAFETY: a NULL object and a NULL cache are refused.
        unsafe {
            rspl_kmem_cache_free(c, null_mut());
            kassert!(t, rspl_kmem_cache_alloc(c, 0x7fff_0000).is_null());
            rspl_kmem_cache_free(null_mut(), null_mut());
        }
    }
    for kind in [Mistake::NullFree, Mistake::BadFlags] {
        let complaints = cache.complaints();
        kassert_eq!(t, complaints.count(kind), N);
        // The cache is new: its first mistake was reported; N calls
        // take far less than the interval.
        kassert_eq!(t, complaints.reports(kind), 1);
    }
    kassert_eq!(t, handles.count(Mistake::BadHandle) - calls, N);
    kassert!(
        t,
        handles.reports(Mistake::BadHandle) - reports <= 1,
        "bad handles reported {} times for {N} calls",
        handles.reports(Mistake::BadHandle) - reports
    );
    Ok(())
}

/// A destroyed cache's handle is refused without reading freed memory,
/// and never reaches a cache created since (which often takes the
/// destroyed one's memory); made-up handles are refused too.
fn stale_handles_are_refused(t: &mut Test) -> CaseResult {
    for round in 0..32 {
        let old_cache = TestCache::new("rspl_test_stale\0", BIG, 0, KMC_VMEM).ok_or(Failed)?;
        let old = old_cache.handle();
        drop(old_cache);
        let new = create("rspl_test_stale\0", BIG, 0, KMC_VMEM);
        kassert!(t, !new.is_null() && new != old, "round {round}");
        // SAFETY: every call through the stale handle is refused; none
        // reaches `new`, which stays live.
        unsafe {
            kassert!(t, rspl_kmem_cache_alloc(old, KM_SLEEP).is_null());
            kassert_eq!(t, rspl_kmem_cache_inuse(old), 0);
            rspl_kmem_cache_reap_now(old);
            rspl_kmem_cache_destroy(old);
        }
        // SAFETY: `new` is live; `o` is freed through the stale handle
        // (refused), then once to its cache.
        unsafe {
            let o = rspl_kmem_cache_alloc(new, KM_SLEEP);
            kassert!(
                t,
                !o.is_null(),
                "round {round}: the new cache was destroyed"
            );
            rspl_kmem_cache_free(old, o);
            kassert_eq!(t, rspl_kmem_cache_inuse(new), 1);
            rspl_kmem_cache_free(new, o);
            rspl_kmem_cache_destroy(new);
        }
    }
    let local = 0u64;
    for bogus in [
        &local as *const u64 as usize,
        1,
        0x1_0000,
        0xdead_0001,
        usize::MAX,
    ] {
        // SAFETY: made-up handles are refused before anything is read.
        unsafe {
            kassert!(
                t,
                rspl_kmem_cache_alloc(bogus as *mut c_void, KM_SLEEP).is_null(),
                "{bogus:#x}"
            );
            rspl_kmem_cache_destroy(bogus as *mut c_void);
        }
    }
    Ok(())
}

/// No lookup matches a free slot: a made-up handle equal to a free slot's
/// word (0 and `FREE` for a slot never used) reaches no cache, before the
/// first cache is made and after a destroy alike.
fn free_slots_match_no_lookup(t: &mut Test) -> CaseResult {
    // A destroyed cache's slot is free.
    drop(TestCache::new("rspl_test_free_slot\0", BIG, 0, KMC_VMEM).ok_or(Failed)?);
    let mut free = 0;
    for index in 0..handles::SLOTS {
        let word = handles::word_of(index);
        if !handles::is_free_word(word) {
            continue;
        }
        free += 1;
        // SAFETY: a free slot's word names no cache; nothing is used.
        let hit = unsafe { handles::lookup(word) }.is_some();
        kassert!(t, !hit, "slot {index}: free word {word:#x} matched");
    }
    kassert!(t, free > 0);
    for bogus in [0, handles::FREE, handles::FREE | 1] {
        // SAFETY: as above.
        let hit = unsafe { handles::lookup(bogus) }.is_some();
        kassert!(t, !hit, "{bogus:#x} matched");
    }
    Ok(())
}

fn null_and_absurd_arguments(t: &mut Test) -> CaseResult {
    // SAFETY: NULL caches are refused with a message.
    unsafe {
        kassert!(t, rspl_kmem_cache_alloc(null_mut(), KM_SLEEP).is_null());
        rspl_kmem_cache_free(null_mut(), null_mut());
        rspl_kmem_cache_reap_now(null_mut());
        rspl_kmem_cache_set_move(null_mut(), None);
        kassert_eq!(t, rspl_kmem_cache_inuse(null_mut()), 0);
        kassert_eq!(t, rspl_kmem_cache_entry_size(null_mut()), 0);
        rspl_kmem_cache_destroy(null_mut());
    }
    for size in [usize::MAX, (32 << 20) + 1] {
        kassert!(
            t,
            create("rspl_test_absurd\0", size, 0, 0).is_null(),
            "size {size}"
        );
    }
    for align in [3, usize::MAX, 1 << 40] {
        kassert!(
            t,
            create("rspl_test_absurd\0", 64, align, 0).is_null(),
            "align {align}"
        );
    }
    kassert!(t, create("rspl_test_absurd\0", 64, 0, u32::MAX).is_null());
    let c_cache = TestCache::new("rspl_test_absurd\0", BIG, 0, KMC_VMEM).ok_or(Failed)?;
    let c = c_cache.handle();
    let cache = c_cache.cache();
    // SAFETY: live cache: unknown flags and a NULL object are refused.
    unsafe {
        kassert!(t, rspl_kmem_cache_alloc(c, 0x7fff_0000).is_null());
        kassert!(t, rspl_kmem_cache_alloc(c, -1).is_null());
        rspl_kmem_cache_free(c, null_mut());
    }
    kassert_eq!(t, allocated(t, cache)?, 0);
    // The next valid call works.
    // SAFETY: live cache; the object is freed once.
    unsafe {
        let o = rspl_kmem_cache_alloc(c, KM_SLEEP);
        kassert!(t, !o.is_null());
        rspl_kmem_cache_free(c, o);
    }
    drop(c_cache);
    Ok(())
}

kunit_suite!(
    suite,
    "rspl_bad_input",
    [
        checked_cache_refuses_every_bad_free,
        kmc_nodebug_opts_out,
        unchecked_cache_refuses_a_repeated_free,
        unchecked_cache_refuses_foreign_objects_at_flush,
        checked_refusals_run_no_destructor,
        repeated_free_runs_no_destructor,
        mistakes_are_rate_limited,
        stale_handles_are_refused,
        free_slots_match_no_lookup,
        null_and_absurd_arguments,
    ]
);
