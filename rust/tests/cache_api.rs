// SPDX-License-Identifier: GPL-2.0

//! rspl's caches through the exported C API, as a consumer uses them.

use super::helpers::{create, create_raw, proc_row, TestCache};
use crate::capi::*;
use crate::sys::flags::*;
use crate::sys::kunit::{kassert, kassert_eq, kunit_suite, CaseResult, Failed, StayOnCpu, Test};
use crate::sys::params::{Param, ParamGuard};
use crate::{
    cache::counts,
    report::format,
    report::places::{REPORT_PATH, STALLS_PATH},
    sys::memory,
};
use core::{
    ffi::c_void,
    ptr::null_mut,
    sync::atomic::{AtomicI64, Ordering},
};
use kernel::{
    alloc::flags::GFP_KERNEL,
    c_str,
    ffi::{c_char, c_int},
    prelude::*,
    time::{ktime_ms_delta, Ktime},
};

fn bad_arguments_return_null(t: &mut Test) -> CaseResult {
    let long = "a_name_longer_than_sixty_three_bytes_is_refused_by_rspl_create_x\0";
    // Names that would break the report's rows and columns, or sysfs.
    for name in [c_str!("a b"), c_str!("a\nb"), c_str!("a/b"), c_str!("a\tb")] {
        // SAFETY: `name` is NUL-terminated.
        let c = unsafe { create_raw(name.as_char_ptr(), 64, 0, null_mut(), 0) };
        kassert!(t, c.is_null(), "name {} was accepted", name);
    }
    let cases: [(&str, *const c_char, usize, usize, *mut c_void, c_int); 10] = [
        // Larger than a Linux cache's slab (SLUB would dump a stack).
        (
            "KMC_SLAB of 32 MiB",
            c_str!("t").as_char_ptr(),
            OBJ_MAX,
            0,
            null_mut(),
            KMC_SLAB as c_int,
        ),
        ("NULL name", core::ptr::null(), 64, 0, null_mut(), 0),
        ("empty name", c_str!("").as_char_ptr(), 64, 0, null_mut(), 0),
        ("long name", long.as_ptr(), 64, 0, null_mut(), 0),
        ("size 0", c_str!("t").as_char_ptr(), 0, 0, null_mut(), 0),
        (
            "size too big",
            c_str!("t").as_char_ptr(),
            OBJ_MAX + 1,
            0,
            null_mut(),
            0,
        ),
        ("align 24", c_str!("t").as_char_ptr(), 64, 24, null_mut(), 0),
        (
            "align 2*PAGE",
            c_str!("t").as_char_ptr(),
            64,
            8192,
            null_mut(),
            0,
        ),
        ("vmp", c_str!("t").as_char_ptr(), 64, 0, 8 as *mut c_void, 0),
        (
            "flags",
            c_str!("t").as_char_ptr(),
            64,
            0,
            null_mut(),
            1 << 3,
        ),
    ];
    for (what, name, size, align, vmp, flags) in cases {
        // SAFETY: `name` is null or NUL-terminated.
        let c = unsafe { create_raw(name, size, align, vmp, flags) };
        kassert!(t, c.is_null(), "{} was accepted", what);
    }
    // Two backings at once, and bad calls on good and NULL caches.
    kassert!(t, create("t\0", 64, 0, KMC_VMEM | KMC_KMEM).is_null());
    // SAFETY: NULL is refused with a message.
    unsafe {
        kassert!(t, rspl_kmem_cache_alloc(null_mut(), 0).is_null());
        rspl_kmem_cache_free(null_mut(), null_mut());
        rspl_kmem_cache_destroy(null_mut());
    }
    Ok(())
}

/// Allocates `n` objects, checks alignment and no overlap, frees them.
fn exercise(t: &mut Test, c: &TestCache, n: usize, size: usize, align: usize) -> CaseResult {
    let mut objs = KVec::with_capacity(n, GFP_KERNEL).map_err(|_| Failed)?;
    for _ in 0..n {
        let o = c.alloc(0) as usize;
        kassert!(t, o != 0, "KM_SLEEP allocation returned NULL");
        kassert!(
            t,
            o % align.max(8) == 0,
            "{:#x} not aligned to {}",
            o,
            align
        );
        // The whole object is ours to write.
        // SAFETY: the object has `size` bytes.
        unsafe { core::ptr::write_bytes(o as *mut u8, 0xa5, size) };
        objs.push(o, GFP_KERNEL).map_err(|_| Failed)?;
    }
    objs.as_mut_slice().sort_unstable();
    for w in objs.as_slice().windows(2) {
        kassert!(
            t,
            w[0] + size <= w[1],
            "objects {:#x} and {:#x} overlap",
            w[0],
            w[1]
        );
    }
    for &o in objs.as_slice() {
        // SAFETY: each object is live and freed once.
        unsafe { c.free(o as *mut c_void) };
    }
    kassert_eq!(t, c.inuse(), 0);
    Ok(())
}

fn every_backing(t: &mut Test) -> CaseResult {
    for (flags, size) in [
        (KMC_KMEM, 3000),
        (KMC_VMEM, 3000),
        (KMC_KVMEM, 3000),
        (KMC_SLAB, 3000),
        (0, 200),
        (0, 40000),
    ] {
        let Some(c) = TestCache::new("rspl_test_backing\0", size, 0, flags) else {
            kassert!(t, false, "create with flags {:#x} failed", flags);
            return Err(Failed);
        };
        exercise(t, &c, 50, size, 8)?;
        drop(c);
    }
    Ok(())
}

fn every_alignment_odd_size(t: &mut Test) -> CaseResult {
    let mut align = 8;
    while align <= kernel::page::PAGE_SIZE {
        for flags in [KMC_VMEM, KMC_KMEM, KMC_SLAB] {
            let c = TestCache::new("rspl_test_align\0", 157, align, flags).ok_or(Failed)?;
            exercise(t, &c, 20, 157, align)?;
            drop(c);
        }
        align *= 2;
    }
    Ok(())
}

fn sizes_up_to_32_mib(t: &mut Test) -> CaseResult {
    let mut size = 16;
    while size <= OBJ_MAX {
        let Some(c) = TestCache::new("rspl_test_sizes\0", size, 0, KMC_VMEM) else {
            kassert!(t, false, "size {}", size);
            return Err(Failed);
        };
        exercise(t, &c, 2, size, 8)?;
        drop(c);
        size *= 4;
    }
    Ok(())
}

static CONSTRUCTED: AtomicI64 = AtomicI64::new(0);
/// The flags the constructor was last called with.
static CTOR_FLAGS: AtomicI64 = AtomicI64::new(-1);
static DESTRUCTED: AtomicI64 = AtomicI64::new(0);
const PRIVATE: usize = 0x5eed;

/// A constructor that marks the object and counts.
///
/// # Safety
///
/// `obj` must be an object of at least 8 bytes.
unsafe extern "C" fn ctor(obj: *mut c_void, private: *mut c_void, flags: c_int) -> c_int {
    CTOR_FLAGS.store(flags.into(), Ordering::Relaxed);
    if private as usize == PRIVATE {
        // SAFETY: the object has at least 8 bytes.
        unsafe { *(obj as *mut u64) = 0xc0ffee };
        CONSTRUCTED.fetch_add(1, Ordering::Relaxed);
    }
    0
}

/// A destructor that counts objects carrying the constructor's mark.
///
/// # Safety
///
/// `obj` must be an object of at least 8 bytes.
unsafe extern "C" fn dtor(obj: *mut c_void, private: *mut c_void) {
    // SAFETY: the object has at least 8 bytes.
    if private as usize == PRIVATE && unsafe { *(obj as *mut u64) } == 0xc0ffee {
        DESTRUCTED.fetch_add(1, Ordering::Relaxed);
    }
}

/// A cache of 256 B objects with `ctor`, `dtor` and `PRIVATE`.
fn ctor_cache(name: &kernel::str::CStr, flags: u32) -> Option<TestCache> {
    TestCache::with_callbacks(name, 256, flags, Some(ctor), Some(dtor), PRIVATE)
}

fn constructor_destructor_private(t: &mut Test) -> CaseResult {
    for flags in [KMC_VMEM, KMC_SLAB] {
        CONSTRUCTED.store(0, Ordering::Relaxed);
        DESTRUCTED.store(0, Ordering::Relaxed);
        let c_cache = ctor_cache(c_str!("rspl_test_ctor"), flags).ok_or(Failed)?;
        let c = c_cache.handle();
        let mut objs = [0usize; 40];
        for o in objs.iter_mut() {
            *o = c_cache.alloc(0) as usize;
            // SAFETY: constructed objects hold the constructor's mark.
            kassert_eq!(t, unsafe { *(*o as *const u64) }, 0xc0ffee);
        }
        kassert_eq!(t, CONSTRUCTED.load(Ordering::Relaxed), 40);
        for o in objs {
            // SAFETY: each freed once.
            unsafe { rspl_kmem_cache_free(c, o as *mut c_void) };
        }
        kassert_eq!(t, DESTRUCTED.load(Ordering::Relaxed), 40);
        drop(c_cache);
    }
    Ok(())
}

/// A KM_SLEEP allocation with IRQs off is served as KM_NOSLEEP, and its
/// constructor is told so (a constructor that allocates with its kmflags
/// must not sleep either); with IRQs on it gets the caller's flags.
fn constructor_gets_served_flags(t: &mut Test) -> CaseResult {
    for flags in [KMC_VMEM, KMC_SLAB] {
        let c_cache = ctor_cache(c_str!("rspl_test_ctor_flags"), flags).ok_or(Failed)?;
        let c = c_cache.handle();
        for (irqs_off, kmflags, want) in [
            (false, KM_SLEEP, KM_SLEEP),
            (false, KM_PUSHPAGE, KM_PUSHPAGE),
            (true, KM_SLEEP, KM_NOSLEEP),
            (
                true,
                KM_PUSHPAGE | KM_ZERO,
                KM_PUSHPAGE | KM_ZERO | KM_NOSLEEP,
            ),
        ] {
            CTOR_FLAGS.store(-1, Ordering::Relaxed);
            let o = {
                let _irqs = irqs_off.then(crate::sys::irq_lock::IrqsOff::new);
                c_cache.alloc(kmflags)
            };
            kassert!(t, !o.is_null());
            kassert_eq!(t, CTOR_FLAGS.load(Ordering::Relaxed), i64::from(want));
            // SAFETY: freed once.
            unsafe { rspl_kmem_cache_free(c, o) };
        }
        drop(c_cache);
    }
    Ok(())
}

fn km_zero_zeroes(t: &mut Test) -> CaseResult {
    for flags in [KMC_VMEM, KMC_SLAB] {
        let c_cache = TestCache::new("rspl_test_zero\0", 1000, 0, flags).ok_or(Failed)?;
        let c = c_cache.handle();
        // SAFETY: live cache; the object has 1000 bytes; freed once.
        unsafe {
            let o = rspl_kmem_cache_alloc(c, 0) as *mut u8;
            core::ptr::write_bytes(o, 0xff, 1000);
            rspl_kmem_cache_free(c, o.cast());
            let z = rspl_kmem_cache_alloc(c, KM_ZERO) as *mut u8;
            let bytes = core::slice::from_raw_parts(z, 1000);
            kassert!(
                t,
                bytes.iter().all(|&b| b == 0),
                "KM_ZERO object not zeroed"
            );
            rspl_kmem_cache_free(c, z.cast());
        }
        drop(c_cache);
    }
    Ok(())
}

/// Frees a dirtied object of `c` (`size` bytes at least) and allocates
/// again: the same object, from this CPU's magazine.
fn dirty_and_again(t: &mut Test, c: &TestCache, size: usize) -> Result<*mut u8, Failed> {
    let o = c.alloc(0) as *mut u8;
    kassert!(t, !o.is_null());
    // SAFETY: the object has `size` bytes; freed once.
    unsafe {
        core::ptr::write_bytes(o.add(8), 0xa5, size - 8);
        c.free(o.cast());
    }
    let again = c.alloc(0) as *mut u8;
    kassert_eq!(t, again, o);
    Ok(again)
}

fn own_slabs_follow_init_on_alloc(t: &mut Test) -> CaseResult {
    // Debian's kernels zero every allocation (init_on_alloc) as this one
    // does unless booted with init_on_alloc=0: rspl's slabs then do too.
    let init = memory::init_on_alloc();
    let _here = StayOnCpu::new();
    let c_cache = TestCache::new("rspl_test_init\0", 1000, 0, KMC_VMEM).ok_or(Failed)?;
    let c = c_cache.handle();
    let o = dirty_and_again(t, &c_cache, 1000)?;
    // SAFETY: `o` is a live object of 1000 bytes.
    let bytes = unsafe { core::slice::from_raw_parts(o.add(8), 992) };
    let zeroed = bytes.iter().all(|&b| b == 0);
    let kept = bytes.iter().all(|&b| b == 0xa5);
    kassert!(
        t,
        if init { zeroed } else { kept },
        "init_on_alloc {}: zeroed {}",
        init,
        zeroed
    );
    // SAFETY: live, freed once.
    unsafe {
        rspl_kmem_cache_free(c, o.cast());
    }
    drop(c_cache);
    // A constructor initialises each object instead (SLUB's rule): the
    // bytes it leaves alone are not zeroed first.
    // SAFETY: valid arguments; the callbacks follow the contract.
    let c_cache = TestCache::from_handle(unsafe {
        rspl_kmem_cache_create_owned(
            c_str!("rspl_test_init_ctor").as_char_ptr(),
            1000,
            0,
            Some(ctor),
            None,
            None,
            PRIVATE as *mut c_void,
            null_mut(),
            KMC_VMEM as c_int,
            null_mut(),
        )
    })
    .ok_or(Failed)?;
    let c = c_cache.handle();
    let o = dirty_and_again(t, &c_cache, 1000)?;
    // SAFETY: `o` is a live object of 1000 bytes.
    let bytes = unsafe { core::slice::from_raw_parts(o.add(8), 992) };
    kassert!(
        t,
        bytes.iter().all(|&b| b == 0xa5),
        "a constructed object was zeroed"
    );
    // SAFETY: `o` is live; the constructor marked it.
    kassert_eq!(t, unsafe { *(o as *const u64) }, 0xc0ffee);
    // SAFETY: live, freed once.
    unsafe {
        rspl_kmem_cache_free(c, o.cast());
    }
    drop(c_cache);
    Ok(())
}

/// An object of `c`, and how many milliseconds it took.
fn timed_alloc(c: &TestCache, kmflags: c_int) -> (*mut c_void, i64) {
    let start = Ktime::ktime_get();
    let obj = c.alloc(kmflags);
    (obj, ktime_ms_delta(Ktime::ktime_get(), start))
}

fn emergency_path_with_injected_delay(t: &mut Test) -> CaseResult {
    let c_cache = TestCache::new("rspl_test_emergency\0", 65536, 0, KMC_VMEM).ok_or(Failed)?;
    let c = c_cache.handle();
    let _timeout = ParamGuard::set(Param::GrowTimeoutMs, 100);
    let delay = ParamGuard::set(Param::InjectGrowDelayMs, 1500);
    let (a, waited) = timed_alloc(&c_cache, 0);
    kassert!(t, !a.is_null());
    // The timer's tick and the wakeup, slower under KASAN; a missed
    // timeout would wait for the whole 1.5 s grow.
    let margin = if cfg!(CONFIG_KASAN) { 150 } else { 50 };
    kassert!(
        t,
        (100..=100 + margin).contains(&waited),
        "first caller waited {} ms for a 100 ms timeout",
        waited
    );
    // Marked deadlocked: the next miss takes an emergency object at once.
    let (b, waited) = timed_alloc(&c_cache, KM_PUSHPAGE);
    kassert!(
        t,
        !b.is_null() && waited < 20,
        "second caller waited {} ms",
        waited
    );
    let cache = c_cache.cache();
    let (flags, counts) = cache.row();
    kassert!(
        t,
        flags & (1 << KMC_BIT_DEADLOCKED) != 0,
        "not marked deadlocked"
    );
    let counts::RowCounts::Slabs(s) = counts else {
        return Err(Failed);
    };
    kassert_eq!(
        t,
        (
            s.deadlocks,
            s.emergency,
            s.emergency_max,
            s.slabs.objs_alloc
        ),
        (1, 2, 2, 0)
    );
    // The /proc row shows the same counters.
    let mut expected = KVec::new();
    {
        struct W<'a>(&'a mut KVec<u8>);
        impl core::fmt::Write for W<'_> {
            fn write_str(&mut self, s: &str) -> core::fmt::Result {
                self.0
                    .extend_from_slice(s.as_bytes(), GFP_KERNEL)
                    .map_err(|_| core::fmt::Error)
            }
        }
        let _ = format::write_row(&mut W(&mut expected), "rspl_test_emergency", flags, &counts);
    }
    let row = proc_row(REPORT_PATH, "rspl_test_emergency").ok_or(Failed)?;
    kassert_eq!(t, row.as_slice(), expected.as_slice());
    // SAFETY: both objects are live and freed once.
    unsafe {
        rspl_kmem_cache_free(c, a);
        rspl_kmem_cache_free(c, b);
    }
    let (_, counts) = cache.row();
    let counts::RowCounts::Slabs(s) = counts else {
        return Err(Failed);
    };
    kassert_eq!(t, (s.emergency, s.emergency_max), (0, 2));
    // The stall counters: one grow in flight (held up), one sleep for it
    // that timed out, two emergency objects, both freed.
    let stalls = cache.stall_counts();
    kassert_eq!(
        t,
        (
            stalls.waits,
            stalls.timeouts,
            stalls.emergency_allocs,
            stalls.emergency_live
        ),
        (1, 1, 2, 0)
    );
    kassert!(
        t,
        stalls.wait_max_us >= 100_000 && stalls.wait_max_us == cache.wait_max_us(),
        "worst wait {} us",
        stalls.wait_max_us
    );
    let row = proc_row(STALLS_PATH, "rspl_test_emergency").ok_or(Failed)?;
    let cols: KVec<&[u8]> = {
        let mut v = KVec::new();
        for w in row
            .as_slice()
            .split(|b| b.is_ascii_whitespace())
            .filter(|w| !w.is_empty())
        {
            v.push(w, GFP_KERNEL).map_err(|_| Failed)?;
        }
        v
    };
    // name grows grow_fail waits timeouts wait_max_us emerg_allocs emerg_live
    kassert_eq!(t, cols.len(), 8);
    kassert_eq!(t, cols[3], b"1");
    kassert_eq!(t, cols[4], b"1");
    kassert_eq!(t, cols[6], b"2");
    kassert_eq!(t, cols[7], b"0");
    // Once the delay is lifted and the grow lands, the cache recovers.
    delay.restore();
    crate::sys::memory::msleep(1700);
    // SAFETY: live cache; freed once.
    unsafe {
        let d = rspl_kmem_cache_alloc(c, 0);
        kassert!(t, !d.is_null());
        rspl_kmem_cache_free(c, d);
    }
    let (flags, _) = cache.row();
    kassert!(
        t,
        flags & (1 << KMC_BIT_DEADLOCKED) == 0,
        "still marked deadlocked after a grow"
    );
    Ok(())
}

fn reap_returns_every_slab(t: &mut Test) -> CaseResult {
    let c = TestCache::new("rspl_test_reap\0", 20000, 0, KMC_VMEM).ok_or(Failed)?;
    exercise(t, &c, 200, 20000, 8)?;
    let cache = c.cache();
    c.reap();
    let (_, counts) = cache.row();
    let counts::RowCounts::Slabs(s) = counts else {
        return Err(Failed);
    };
    kassert_eq!(
        t,
        (s.slabs.slabs_total, s.slabs.objs_total, s.slabs.objs_alloc),
        (0, 0, 0)
    );
    kassert!(
        t,
        s.slabs.slabs_max >= 200 / 8,
        "slabs_max {} for 200 objects",
        s.slabs.slabs_max
    );
    Ok(())
}

fn km_nosleep_never_sleeps(t: &mut Test) -> CaseResult {
    let c_cache = TestCache::new("rspl_test_nosleep\0", 65536, 0, KMC_VMEM).ok_or(Failed)?;
    let c = c_cache.handle();
    // SAFETY: `c` is live until destroyed at the end.
    let cache = unsafe { super::helpers::cache_of(c) };
    // A grow that takes far longer than anyone may wait.
    let delay = ParamGuard::set(Param::InjectGrowDelayMs, 400);
    let start = Ktime::ktime_get();
    let a = c_cache.alloc(KM_NOSLEEP);
    let b = c_cache.alloc(KM_NOSLEEP | KM_ZERO);
    let took = ktime_ms_delta(Ktime::ktime_get(), start);
    // A wait would last the grow timeout (100 ms) at least; an emulated
    // CPU is now and then descheduled for 20 ms (seen in CI).
    kassert!(t, took < 50, "two KM_NOSLEEP calls took {} ms", took);
    // No slab yet: both came from the emergency path (GFP_ATOMIC), and
    // neither waited, so no deadlock was counted.
    kassert!(t, !a.is_null() && !b.is_null() && a != b);
    // SAFETY: `b` is live and has 65536 bytes.
    let zeroed = unsafe { core::slice::from_raw_parts(b as *const u8, 65536) };
    kassert!(
        t,
        zeroed.iter().all(|&x| x == 0),
        "KM_ZERO object not zeroed"
    );
    let s = super::helpers::slab_counts(cache).ok_or(Failed)?;
    kassert_eq!(t, (s.emergency, s.deadlocks, s.slabs.objs_alloc), (2, 0, 0));
    // The grow they started lands; then KM_NOSLEEP gets slab objects.
    delay.restore();
    crate::sys::memory::msleep(600);
    let d = c_cache.alloc(KM_NOSLEEP);
    kassert!(t, !d.is_null());
    let s = super::helpers::slab_counts(cache).ok_or(Failed)?;
    kassert_eq!(t, s.emergency, 2);
    kassert!(t, s.slabs.objs_alloc >= 1 && s.slabs.slabs_total >= 1);
    // SAFETY: each object is live and freed once.
    unsafe {
        rspl_kmem_cache_free(c, a);
        rspl_kmem_cache_free(c, b);
        rspl_kmem_cache_free(c, d);
    }
    let s = super::helpers::slab_counts(cache).ok_or(Failed)?;
    kassert_eq!(t, (s.emergency, s.emergency_max), (0, 2));
    kassert_eq!(t, c_cache.inuse(), 0);
    Ok(())
}

/// A small pseudo-random sequence (xorshift), for shuffling frees.
fn xorshift(state: &mut u32) -> u32 {
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    *state
}

fn many_objects_across_many_slabs(t: &mut Test) -> CaseResult {
    const N: usize = 5000;
    const SIZE: usize = 200;
    let c_cache = TestCache::new("rspl_test_many\0", SIZE, 0, KMC_KVMEM).ok_or(Failed)?;
    let c = c_cache.handle();
    // SAFETY: `c` is live until destroyed at the end.
    let cache = unsafe { super::helpers::cache_of(c) };
    let mut objs = KVec::with_capacity(N, GFP_KERNEL).map_err(|_| Failed)?;
    for i in 0..N {
        let o = c_cache.alloc(0) as usize;
        kassert!(t, o != 0, "allocation {} returned NULL", i);
        // Each holder writes its own pattern over the whole object.
        // SAFETY: the object has SIZE bytes and is ours.
        unsafe { core::ptr::write_bytes(o as *mut u8, (i % 251) as u8, SIZE) };
        objs.push(o, GFP_KERNEL).map_err(|_| Failed)?;
    }
    let s = super::helpers::slab_counts(cache).ok_or(Failed)?;
    // Hundreds of slabs (about 20 objects of 200 bytes to a 4 KiB slab).
    kassert!(
        t,
        s.slabs.slabs_total >= 100 && s.slabs.objs_total >= N as u64,
        "{} slabs, {} objects for {} objects",
        s.slabs.slabs_total,
        s.slabs.objs_total,
        N
    );
    // Every pattern intact: no object was handed out twice.
    for (i, &o) in objs.as_slice().iter().enumerate() {
        // SAFETY: live object of SIZE bytes.
        let bytes = unsafe { core::slice::from_raw_parts(o as *const u8, SIZE) };
        kassert!(
            t,
            bytes.iter().all(|&x| x == (i % 251) as u8),
            "object {} ({:#x}) was overwritten",
            i,
            o
        );
    }
    // No two objects overlap.
    let mut sorted = KVec::with_capacity(N, GFP_KERNEL).map_err(|_| Failed)?;
    sorted
        .extend_from_slice(objs.as_slice(), GFP_KERNEL)
        .map_err(|_| Failed)?;
    sorted.as_mut_slice().sort_unstable();
    for w in sorted.as_slice().windows(2) {
        kassert!(
            t,
            w[0] + SIZE <= w[1],
            "{:#x} and {:#x} overlap",
            w[0],
            w[1]
        );
    }
    // Free in a shuffled order.
    let mut seed = 0x2545_f491;
    let order = objs.as_mut_slice();
    for i in (1..order.len()).rev() {
        let j = xorshift(&mut seed) as usize % (i + 1);
        order.swap(i, j);
    }
    for &o in objs.as_slice() {
        // SAFETY: each object is live and freed once.
        unsafe { rspl_kmem_cache_free(c, o as *mut c_void) };
    }
    kassert_eq!(t, c_cache.inuse(), 0);
    c_cache.reap();
    let s = super::helpers::slab_counts(cache).ok_or(Failed)?;
    kassert_eq!(t, (s.slabs.slabs_total, s.slabs.objs_alloc), (0, 0));
    Ok(())
}

/// Objects larger than kmalloc() can serve (4 MiB), and large ones that
/// would need many contiguous pages: with the grow held up, a sleeping
/// caller (KM_SLEEP or KM_PUSHPAGE) still gets an emergency object once
/// its wait times out, from vmalloc, whole and usable. (Before, an 8 MiB
/// KM_SLEEP caller retried kmalloc() until the grow landed.)
fn large_emergency_objects_need_no_contiguous_memory(t: &mut Test) -> CaseResult {
    let _timeout = ParamGuard::set(Param::GrowTimeoutMs, 100);
    for (size, kmflags) in [
        (64 << 10, KM_PUSHPAGE),
        (5 << 20, KM_SLEEP),
        (8 << 20, KM_PUSHPAGE | KM_ZERO),
    ] {
        let c_cache = TestCache::new("rspl_test_huge\0", size, 0, KMC_VMEM).ok_or(Failed)?;
        let c = c_cache.handle();
        let delay = ParamGuard::set(Param::InjectGrowDelayMs, 3000);
        let (a, waited) = timed_alloc(&c_cache, kmflags);
        kassert!(t, !a.is_null());
        // The 100 ms timeout and the wakeup, then a vmalloc of a few MiB
        // (slow under TCG and KASAN): far from the 3 s grow.
        kassert!(
            t,
            waited < 1500,
            "{size} bytes: waited {waited} ms for a 100 ms timeout"
        );
        let cache = c_cache.cache();
        let stalls = cache.stall_counts();
        kassert_eq!(t, (stalls.emergency_allocs, stalls.timeouts), (1, 1));
        // SAFETY: the caller owns all `size` bytes of `a`.
        let bytes = unsafe { core::slice::from_raw_parts_mut(a.cast::<u8>(), size) };
        if kmflags & KM_ZERO != 0 {
            kassert!(
                t,
                bytes.iter().all(|&b| b == 0),
                "KM_ZERO object not zeroed"
            );
        }
        bytes.fill(0x5a);
        kassert!(t, bytes.iter().all(|&b| b == 0x5a));
        // SAFETY: the object is live and freed once (vfree for a vmalloc
        // emergency object); the grow is let go before destroy.
        unsafe { rspl_kmem_cache_free(c, a) };
        kassert_eq!(t, cache.stall_counts().emergency_live, 0);
        delay.restore();
        drop(c_cache);
    }
    Ok(())
}

/// While an emergency object is live, frees of slab objects still skip
/// the cache's lock: they fall outside the live emergency objects' range
/// (here a kmalloc'd one, while the slabs are vmalloc'd). Once none is
/// live, no free looks.
fn frees_tell_emergency_objects_apart(t: &mut Test) -> CaseResult {
    let c_cache = TestCache::new("rspl_test_erange\0", 16 << 10, 0, KMC_VMEM).ok_or(Failed)?;
    let c = c_cache.handle();
    let cache = c_cache.cache();
    let _timeout = ParamGuard::set(Param::GrowTimeoutMs, 100);
    let delay = ParamGuard::set(Param::InjectGrowDelayMs, 1000);
    // An empty cache with its grow held up: an emergency object.
    let (e, _) = timed_alloc(&c_cache, KM_PUSHPAGE);
    kassert!(t, !e.is_null());
    kassert_eq!(t, cache.stall_counts().emergency_live, 1);
    delay.restore();
    // Once the grow lands, slab objects.
    let mut s = null_mut();
    for _ in 0..50 {
        crate::sys::memory::msleep(50);
        let (o, _) = timed_alloc(&c_cache, 0);
        kassert!(t, !o.is_null());
        if cache.stall_counts().emergency_live == 1 && !cache.emergency_may_hold(o as usize) {
            s = o;
            break;
        }
        // SAFETY: `o` is live and freed once.
        unsafe { rspl_kmem_cache_free(c, o) };
    }
    kassert!(
        t,
        !s.is_null(),
        "no slab object outside the emergency range"
    );
    kassert!(t, cache.emergency_may_hold(e as usize));
    // SAFETY: both live, freed once.
    unsafe {
        rspl_kmem_cache_free(c, e);
        rspl_kmem_cache_free(c, s);
    }
    kassert_eq!(t, cache.stall_counts().emergency_live, 0);
    kassert!(t, !cache.emergency_may_hold(e as usize));
    Ok(())
}

/// `rspl_kmem_cache_inuse()` counts the objects callers hold, on rspl's
/// slabs (magazines not counted) and on a Linux cache alike: ZFS multiplies
/// it by the entry size.
fn inuse_counts_objects(t: &mut Test) -> CaseResult {
    for (name, flags) in [
        ("rspl_test_inuse_slabs\0", KMC_KVMEM),
        ("rspl_test_inuse_linux\0", KMC_SLAB),
    ] {
        let c_cache = TestCache::new(name, 512, 0, flags).ok_or(Failed)?;
        let c = c_cache.handle();
        let mut objs = [core::ptr::null_mut::<c_void>(); 37];
        for (i, o) in objs.iter_mut().enumerate() {
            *o = c_cache.alloc(0);
            kassert!(t, !o.is_null());
            kassert_eq!(t, c_cache.inuse(), i as u64 + 1);
        }
        for (i, &o) in objs.iter().enumerate() {
            // SAFETY: each object is live and freed once.
            unsafe { rspl_kmem_cache_free(c, o) };
            kassert_eq!(t, c_cache.inuse(), (36 - i) as u64);
        }
        drop(c_cache);
    }
    Ok(())
}

/// Caches of one name get Linux caches of distinct names, the first
/// `rspl-<name>`, so that SLUB never refuses (and warns about) the second.
fn same_name_linux_caches(t: &mut Test) -> CaseResult {
    let name = "rspl_test_twin\0";
    let a = TestCache::new(name, 200, 0, KMC_SLAB).ok_or(Failed)?;
    let b = TestCache::new(name, 200, 0, KMC_SLAB).ok_or(Failed)?;
    let c = TestCache::new(name, 200, 0, KMC_SLAB).ok_or(Failed)?;
    fn linux(c: &TestCache) -> Option<&[u8]> {
        c.cache().linux_name().map(|n| n.as_bytes())
    }
    kassert_eq!(t, linux(&a), Some(&b"rspl-rspl_test_twin"[..]));
    kassert_eq!(t, linux(&b), Some(&b"rspl-rspl_test_twin-2"[..]));
    kassert_eq!(t, linux(&c), Some(&b"rspl-rspl_test_twin-3"[..]));
    drop(a);
    // The first name is free again.
    let d = TestCache::new(name, 200, 0, KMC_SLAB).ok_or(Failed)?;
    kassert_eq!(t, linux(&d), Some(&b"rspl-rspl_test_twin"[..]));
    Ok(())
}

kunit_suite!(
    suite,
    "rspl_cache_api",
    [
        inuse_counts_objects,
        same_name_linux_caches,
        large_emergency_objects_need_no_contiguous_memory,
        frees_tell_emergency_objects_apart,
        bad_arguments_return_null,
        every_backing,
        every_alignment_odd_size,
        sizes_up_to_32_mib,
        constructor_destructor_private,
        constructor_gets_served_flags,
        km_zero_zeroes,
        own_slabs_follow_init_on_alloc,
        emergency_path_with_injected_delay,
        reap_returns_every_slab,
        km_nosleep_never_sleeps,
        many_objects_across_many_slabs,
    ]
);
