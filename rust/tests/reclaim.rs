// SPDX-License-Identifier: GPL-2.0

//! Memory goes back to the system without a reap from the cache's user:
//! the aging tick returns idle magazines and empty slabs (those a repeated
//! batch needs are kept until then), and the
//! shrinker returns them when the kernel asks (here: drop_caches). The
//! shrinker never sleeps on a cache's reap lock, and calls reclaim
//! callbacks only for reclaim that may enter filesystems.

use super::helpers::{slab_counts, TestCache};
use crate::capi::*;
use crate::sys::flags::*;
use crate::sys::kunit::{kassert, kassert_eq, kunit_suite, CaseResult, Failed, StayOnCpu, Test};
use crate::{
    cache::Cache,
    services::reclaim,
    sys::kunit::write_file,
    sys::linux_cache::LinuxCache,
    sys::memory::msleep,
    sys::params::{Param, ParamGuard},
};
use core::{
    ffi::c_void,
    ptr::null_mut,
    sync::atomic::{AtomicBool, AtomicU64, Ordering},
};
use kernel::c_str;

/// Leaves free objects in magazines and on slabs: what reclaim returns.
fn leave_free_memory(t: &mut Test, c: &TestCache) -> CaseResult {
    drop(c.alloc_n(t, 100)?);
    Ok(())
}

/// Whether the cache holds no memory at all.
fn holds_nothing(cache: &Cache) -> bool {
    slab_counts(cache).is_some_and(|s| s.slabs.slabs_total == 0) && cache.magazine_objects() == 0
}

fn aging_returns_idle_memory(t: &mut Test) -> CaseResult {
    let _age = ParamGuard::set(Param::IdleAgeMs, 100);
    let c = TestCache::new("rspl_test_aging\0", 256, 0, KMC_KVMEM).ok_or(Failed)?;
    let cache = c.cache();
    leave_free_memory(t, &c)?;
    kassert!(t, !holds_nothing(cache), "nothing left to age");
    // The tick already queued runs within the old period (2 s); then two
    // 100 ms ticks without use return everything. Allow 20 s: once, on
    // the debug kernel under TCG, no tick had run after 5 s (not yet
    // understood; see the issue notes).
    let mut waited = 0;
    while !holds_nothing(cache) && waited < 20000 {
        msleep(50);
        waited += 50;
    }
    let s = slab_counts(cache).ok_or(Failed)?;
    kassert!(
        t,
        holds_nothing(cache),
        "after {} ms: {} slabs, {} objects in magazines",
        waited,
        s.slabs.slabs_total,
        cache.magazine_objects()
    );
    Ok(())
}

fn a_repeated_batch_keeps_its_slabs(t: &mut Test) -> CaseResult {
    // No tick between the batches: the working set is theirs. One CPU:
    // its magazine holds what the batch freed last.
    let _age = ParamGuard::set(Param::IdleAgeMs, 0);
    let _here = StayOnCpu::new();
    // 132 KiB objects: 8 a slab, magazines of 16.
    let c = TestCache::new("rspl_test_batch\0", 132 << 10, 0, KMC_VMEM).ok_or(Failed)?;
    let cache = c.cache();
    let mut objs = c.alloc_n(t, 64)?;
    let grown = cache.stall_counts().grows;
    let s = slab_counts(cache).ok_or(Failed)?;
    kassert_eq!(t, s.slabs.slabs_total, 8);
    objs.free_all();
    // 16 stay in this CPU's magazine; the slabs the other 48 emptied are
    // kept for the working set (8 slabs were in use), not freed but one.
    let s = slab_counts(cache).ok_or(Failed)?;
    kassert_eq!(t, s.slabs.slabs_total, 8);
    kassert!(t, objs.alloc_n(64));
    kassert_eq!(t, cache.stall_counts().grows, grown);
    objs.free_all();
    // The aging tick returns what no batch used for two ticks: the idle
    // magazine first, then the slabs.
    for _ in 0..4 {
        cache.age();
    }
    kassert!(
        t,
        holds_nothing(cache),
        "after 4 ticks: {} slabs, {} objects in magazines",
        slab_counts(cache).ok_or(Failed)?.slabs.slabs_total,
        cache.magazine_objects()
    );
    Ok(())
}

fn shrinker_returns_free_memory(t: &mut Test) -> CaseResult {
    // No aging: only the shrinker may return the memory.
    let _age = ParamGuard::set(Param::IdleAgeMs, 0);
    let c = TestCache::new("rspl_test_shrinker\0", 256, 0, KMC_KVMEM).ok_or(Failed)?;
    let cache = c.cache();
    leave_free_memory(t, &c)?;
    let reclaimable = cache.reclaimable();
    kassert!(t, reclaimable >= 100, "{} objects reclaimable", reclaimable);
    // The shrinker's count is kept by the slow paths: this cache's share
    // is its empty slabs and its magazines as of their last refill or
    // flush, which 100 allocations and frees went through.
    let published = cache.published_reclaimable();
    kassert!(t, published > 0, "nothing in the shrinker's count");
    kassert!(t, reclaim::rspl_shrink_count() as u64 >= published);
    // The kernel runs every shrinker until they free nothing more.
    let written = write_file(c_str!("/proc/sys/vm/drop_caches"), b"2\n");
    kassert_eq!(t, written.ok(), Some(2));
    kassert!(t, holds_nothing(cache), "the shrinker left memory behind");
    kassert_eq!(t, cache.reclaimable(), 0);
    kassert_eq!(t, cache.published_reclaimable(), 0);
    Ok(())
}

/// Reclaim callback calls, and what the nested shrinker call saw.
static CALLED_BACK: AtomicU64 = AtomicU64::new(0);
static NESTED_BUSY: AtomicBool = AtomicBool::new(false);
static NESTED_RAN: AtomicBool = AtomicBool::new(false);

/// A reclaim callback that counts its calls.
extern "C" fn counting_reclaim(_private: *mut c_void) {
    CALLED_BACK.fetch_add(1, Ordering::Relaxed);
}

/// A reclaim callback whose allocation enters direct reclaim and so the
/// shrinker, as one that allocates under memory pressure does: the
/// shrinker runs in this task, whose reap holds this cache's reap lock.
extern "C" fn reclaim_into_shrinker(_private: *mut c_void) {
    CALLED_BACK.fetch_add(1, Ordering::Relaxed);
    // Twice: a scan that left the reap lock other than it found it (say,
    // unlocked) would let the second one in.
    let (mut first, mut second) = (false, false);
    reclaim::rspl_shrink_scan(u64::MAX as _, true, &mut first);
    reclaim::rspl_shrink_scan(u64::MAX as _, true, &mut second);
    NESTED_BUSY.store(first && second, Ordering::Relaxed);
    NESTED_RAN.store(true, Ordering::Relaxed);
}

/// Creates a cache with the reclaim callback `reclaim`.
fn create_reclaiming(
    name: &kernel::str::CStr,
    reclaim: unsafe extern "C" fn(*mut c_void),
) -> *mut c_void {
    // SAFETY: `name` is NUL-terminated; the callback is callable for the
    // cache's life.
    unsafe {
        rspl_kmem_cache_create_owned(
            name.as_char_ptr(),
            256,
            0,
            None,
            None,
            Some(reclaim),
            null_mut(),
            null_mut(),
            KMC_KVMEM as _,
            null_mut(),
        )
    }
}

/// The shrinker, entered from a reclaim callback of a cache being reaped
/// (chain: reap, its callback allocates, the allocation reclaims), skips
/// that cache instead of waiting on its reap lock, which its own task
/// holds (before, it waited forever).
fn shrinker_skips_a_cache_being_reaped(t: &mut Test) -> CaseResult {
    let c = TestCache::from_handle(create_reclaiming(
        c_str!("rspl_test_reclaim_nest"),
        reclaim_into_shrinker,
    ))
    .ok_or(Failed)?;
    NESTED_RAN.store(false, Ordering::Relaxed);
    NESTED_BUSY.store(false, Ordering::Relaxed);
    c.reap();
    kassert!(
        t,
        NESTED_RAN.load(Ordering::Relaxed),
        "the callback did not run"
    );
    kassert!(
        t,
        NESTED_BUSY.load(Ordering::Relaxed),
        "the nested shrinker did not see the cache busy"
    );
    Ok(())
}

/// Reclaim callbacks run for reclaim that may enter filesystems, and not
/// for NOFS/NOIO reclaim (rspl's own allocations, the I/O path's).
fn shrinker_calls_back_only_for_fs_reclaim(t: &mut Test) -> CaseResult {
    // No aging tick holding a cache's reap lock while the shrinker scans.
    let _age = ParamGuard::set(Param::IdleAgeMs, 0);
    let _c = TestCache::from_handle(create_reclaiming(
        c_str!("rspl_test_reclaim_gfp"),
        counting_reclaim,
    ))
    .ok_or(Failed)?;
    let mut busy = false;
    let before = CALLED_BACK.load(Ordering::Relaxed);
    reclaim::rspl_shrink_scan(u64::MAX as _, false, &mut busy);
    kassert_eq!(t, CALLED_BACK.load(Ordering::Relaxed), before);
    reclaim::rspl_shrink_scan(u64::MAX as _, true, &mut busy);
    kassert!(t, CALLED_BACK.load(Ordering::Relaxed) > before);
    Ok(())
}

/// A pass-through cache's reap reports the objects its magazine gave
/// back to SLUB, which the shrinker counted as reclaimable: before, it
/// reported none, and the kernel saw the shrinker free nothing.
fn pass_through_reap_reports_what_it_gave_back(t: &mut Test) -> CaseResult {
    let _here = StayOnCpu::new();
    let c = TestCache::new("rspl_test_reclaim_front\0", 256, 0, 0).ok_or(Failed)?;
    let cache = c.cache();
    drop(c.alloc_n(t, 10)?);
    let parked = cache.magazine_objects() as u64;
    if LinuxCache::may_park() {
        kassert!(t, parked > 0, "nothing parked in the magazine");
    }
    kassert_eq!(t, cache.reap(), parked);
    kassert_eq!(t, cache.magazine_objects(), 0);
    Ok(())
}

kunit_suite!(
    suite,
    "rspl_reclaim",
    [
        aging_returns_idle_memory,
        a_repeated_batch_keeps_its_slabs,
        shrinker_returns_free_memory,
        shrinker_skips_a_cache_being_reaped,
        shrinker_calls_back_only_for_fs_reclaim,
        pass_through_reap_reports_what_it_gave_back,
    ]
);
