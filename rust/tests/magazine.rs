// SPDX-License-Identifier: GPL-2.0

//! Per-CPU magazines: refilled from the slabs a batch at a time, flushed
//! oldest-first when full, handing out the most recently freed object
//! first, flushed on every CPU by a reap, and given back when their CPU
//! goes offline.

use super::helpers::{cache_of, create, slab_counts};
use crate::capi::*;
use crate::slab::magazine::MAX_CAPACITY;
use crate::sys::flags::*;
use crate::sys::kunit::{
    kassert, kassert_eq, kunit_suite, on_cpu, online_cpus, CaseResult, CpuOffline, Failed,
    StayOnCpu, Test,
};
use crate::sys::params;
use crate::sys::vec_ext::VecExt;
use core::ffi::c_void;
use kernel::{alloc::flags::GFP_KERNEL, prelude::*};

/// 132 KiB objects: over 32 pages, so magazines of 16 that move 8 at a
/// time, and 8 objects per slab.
const BIG: usize = 132 << 10;

/// `spl_kmem_cache_magazine_size` set while this lives.
struct MagazineSize;

impl MagazineSize {
    fn set(rounds: u32) -> Self {
        params::set_magazine_size(rounds);
        Self
    }
}

impl Drop for MagazineSize {
    fn drop(&mut self) {
        params::set_magazine_size(0);
    }
}

/// A magazine size past what a per-CPU block may hold is capped, not a
/// failed create (`alloc_percpu()` refuses over 32 KiB a CPU, with a WARN).
fn huge_magazine_size_is_capped(t: &mut Test) -> CaseResult {
    let _size = MagazineSize::set(100_000);
    let c = create("rspl_test_big_magazine\0", BIG, 0, KMC_VMEM);
    kassert!(t, !c.is_null());
    // SAFETY: `c` is live until destroyed below.
    let capacity = unsafe { cache_of(c) }.magazine_capacity();
    // SAFETY: live, destroyed once.
    unsafe { rspl_kmem_cache_destroy(c) };
    kassert_eq!(t, capacity, MAX_CAPACITY);
    Ok(())
}

fn refill_takes_a_batch_and_flush_returns_the_oldest(t: &mut Test) -> CaseResult {
    let _here = StayOnCpu::new();
    let c = create("rspl_test_magazine\0", BIG, 0, KMC_VMEM);
    kassert!(t, !c.is_null());
    // SAFETY: `c` is live until destroyed at the end.
    let cache = unsafe { cache_of(c) };
    let mut objs = KVec::with_capacity(40, GFP_KERNEL).map_err(|_| Failed)?;
    // SAFETY: `c` is live.
    objs.push(unsafe { rspl_kmem_cache_alloc(c, 0) }, GFP_KERNEL)
        .map_err(|_| Failed)?;
    // The first miss grew one slab of 8 and moved all 8 (a batch is 8)
    // into the magazine; the caller got one.
    let s = slab_counts(cache).ok_or(Failed)?;
    kassert_eq!(t, (s.slabs.slabs_total, s.slabs.objs_alloc), (1, 8));
    kassert_eq!(t, cache.magazine_objects(), 7);
    for _ in 1..40 {
        // SAFETY: `c` is live.
        let o = unsafe { rspl_kmem_cache_alloc(c, 0) };
        kassert!(t, !o.is_null());
        objs.push(o, GFP_KERNEL).map_err(|_| Failed)?;
    }
    let s = slab_counts(cache).ok_or(Failed)?;
    kassert_eq!(t, (s.slabs.slabs_total, s.slabs.objs_alloc), (5, 40));
    kassert_eq!(t, cache.magazine_objects(), 0);
    for &o in objs.as_slice() {
        // SAFETY: each object is live and freed once.
        unsafe { rspl_kmem_cache_free(c, o) };
    }
    // 40 frees into a magazine of 16 that flushes 8 when full: three
    // flushes, 16 left in it, the 24 oldest back on their slabs (which
    // keep the slabs they emptied for the working set: rspl_reclaim).
    let s = slab_counts(cache).ok_or(Failed)?;
    kassert_eq!(t, cache.magazine_objects(), 16);
    kassert_eq!(t, s.slabs.objs_alloc, 16);
    kassert!(t, s.slabs.slabs_total <= 5, "{} slabs", s.slabs.slabs_total);
    // SAFETY: `c` is live.
    kassert_eq!(t, unsafe { rspl_kmem_cache_inuse(c) }, 0);
    // The magazine is a stack: the last object freed comes back first.
    // SAFETY: `c` is live.
    let again = unsafe { rspl_kmem_cache_alloc(c, 0) };
    kassert_eq!(t, again, *objs.as_slice().last().ok_or(Failed)?);
    // SAFETY: live object, freed once; then the live cache is reaped.
    unsafe {
        rspl_kmem_cache_free(c, again);
        rspl_kmem_cache_reap_now(c);
    }
    let s = slab_counts(cache).ok_or(Failed)?;
    kassert_eq!(t, (s.slabs.slabs_total, s.slabs.objs_alloc), (0, 0));
    kassert_eq!(t, cache.magazine_objects(), 0);
    // SAFETY: live, destroyed once.
    unsafe { rspl_kmem_cache_destroy(c) };
    Ok(())
}

/// Allocates then frees `n` objects of the cache at `c` (an address, so
/// that closures run on other CPUs may carry it).
fn churn(c: usize, n: usize) -> bool {
    let Ok(mut objs) = KVec::with_capacity(n, GFP_KERNEL) else {
        return false;
    };
    for _ in 0..n {
        // SAFETY: the caller's cache is live.
        let o = unsafe { rspl_kmem_cache_alloc(c as *mut c_void, 0) };
        if o.is_null() || objs.push(o as usize, GFP_KERNEL).is_err() {
            return false;
        }
    }
    while let Some(o) = objs.pop() {
        // SAFETY: each object is live and freed once.
        unsafe { rspl_kmem_cache_free(c as *mut c_void, o as *mut c_void) };
    }
    true
}

/// Creates cache `name` (256 B objects) and leaves at least 100 free
/// objects in CPU 1's magazine; returns the cache's handle.
fn fill_cpu1_magazine(t: &mut Test, name: &'static str) -> Result<*mut c_void, Failed> {
    // The guests have two CPUs: a case that cannot use CPU 1 fails.
    kassert!(
        t,
        online_cpus() >= 2,
        "needs two CPUs, has {}",
        online_cpus()
    );
    let c = create(name, 256, 0, KMC_KVMEM);
    kassert!(t, !c.is_null());
    let addr = c as usize;
    let mut ok = false;
    kassert!(t, on_cpu(1, || ok = churn(addr, 100)));
    kassert!(t, ok, "allocations on CPU 1 failed");
    // SAFETY: `c` is live.
    let held = unsafe { cache_of(c) }.magazine_objects();
    kassert!(t, held >= 100, "CPU 1's magazine holds {}", held);
    Ok(c)
}

fn reap_flushes_every_cpus_magazine(t: &mut Test) -> CaseResult {
    let c = fill_cpu1_magazine(t, "rspl_test_magazine_ipi\0")?;
    // SAFETY: `c` is live until destroyed at the end.
    let cache = unsafe { cache_of(c) };
    let addr = c as usize;
    // CPU 1's magazine holds what it freed; nothing is in use.
    let held = cache.magazine_objects();
    let s = slab_counts(cache).ok_or(Failed)?;
    kassert_eq!(t, s.slabs.objs_alloc, held as u64);
    // A reap from CPU 0 empties CPU 1's magazine (by IPI) and every slab.
    let reap = || {
        // SAFETY: `c` is live.
        unsafe { rspl_kmem_cache_reap_now(addr as *mut c_void) }
    };
    kassert!(t, on_cpu(0, reap));
    let s = slab_counts(cache).ok_or(Failed)?;
    kassert_eq!(t, cache.magazine_objects(), 0);
    kassert_eq!(t, (s.slabs.slabs_total, s.slabs.objs_alloc), (0, 0));
    // SAFETY: live, destroyed once.
    unsafe { rspl_kmem_cache_destroy(c) };
    Ok(())
}

/// Allocates `n` objects of the cache at `c`, checks that no two are the
/// same, and frees them; `false` on a failed or repeated allocation.
fn distinct_churn(c: usize, n: usize) -> bool {
    let Ok(mut objs) = KVec::with_capacity(n, GFP_KERNEL) else {
        return false;
    };
    let mut ok = true;
    for _ in 0..n {
        // SAFETY: the caller's cache is live.
        let o = unsafe { rspl_kmem_cache_alloc(c as *mut c_void, 0) } as usize;
        if o == 0 || objs.push(o, GFP_KERNEL).is_err() {
            ok = false;
            break;
        }
    }
    objs.as_mut_slice().sort_unstable();
    ok &= objs.as_slice().windows(2).all(|w| w[0] != w[1]);
    for &o in objs.as_slice() {
        // SAFETY: each object is live and freed once.
        unsafe { rspl_kmem_cache_free(c as *mut c_void, o as *mut c_void) };
    }
    ok
}

/// A CPU going offline gives its magazine back to the slabs, where a
/// reap frees it; the cache works on with the CPU offline and once it is
/// back, handing no object out twice.
fn dead_cpus_magazine_goes_back(t: &mut Test) -> CaseResult {
    let c = fill_cpu1_magazine(t, "rspl_test_magazine_hotplug\0")?;
    // SAFETY: `c` is live until destroyed at the end.
    let cache = unsafe { cache_of(c) };
    let addr = c as usize;
    {
        let offline = CpuOffline::take(1);
        kassert!(t, offline.is_some(), "CPU 1 cannot go offline");
        kassert_eq!(t, cache.magazine_objects(), 0);
        kassert_eq!(t, slab_counts(cache).ok_or(Failed)?.slabs.objs_alloc, 0);
        // SAFETY: `c` is live.
        unsafe { rspl_kmem_cache_reap_now(c) };
        kassert_eq!(t, slab_counts(cache).ok_or(Failed)?.slabs.slabs_total, 0);
        kassert!(
            t,
            distinct_churn(addr, 200),
            "allocations with CPU 1 offline"
        );
    }
    let mut ok = false;
    kassert!(t, on_cpu(1, || ok = distinct_churn(addr, 200)));
    kassert!(t, ok, "allocations on CPU 1 back online");
    kassert!(t, cache.magazine_objects() > 0);
    // SAFETY: live, destroyed once.
    unsafe { rspl_kmem_cache_destroy(c) };
    Ok(())
}

fn destroy_takes_back_magazine_objects(t: &mut Test) -> CaseResult {
    let c = create("rspl_test_magazine_destroy\0", 256, 0, KMC_KVMEM);
    kassert!(t, !c.is_null());
    kassert!(t, churn(c as usize, 50));
    // SAFETY: `c` is live.
    let held = unsafe { cache_of(c) }.magazine_objects();
    kassert!(t, held > 0, "nothing left in the magazines");
    // Objects in magazines are free: destroy frees them with their slabs
    // (a leak would show in the kmemleak run of the debug kernel).
    // SAFETY: live, destroyed once.
    unsafe { rspl_kmem_cache_destroy(c) };
    Ok(())
}

kunit_suite!(
    suite,
    "rspl_magazine",
    [
        huge_magazine_size_is_capped,
        refill_takes_a_batch_and_flush_returns_the_oldest,
        reap_flushes_every_cpus_magazine,
        dead_cpus_magazine_goes_back,
        destroy_takes_back_magazine_objects,
    ]
);
