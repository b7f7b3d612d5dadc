// SPDX-License-Identifier: GPL-2.0

//! Per-CPU magazines: refilled from the slabs a batch at a time, flushed
//! oldest-first when full, handing out the most recently freed object
//! first, flushed on every CPU by a reap, and given back when their CPU
//! goes offline.

use super::helpers::{slab_counts, Objs, TestCache};
use crate::slab::magazine::MAX_CAPACITY;
use crate::sys::flags::*;
use crate::sys::kunit::{
    kassert, kassert_eq, kunit_suite, on_cpu, online_cpus, CaseResult, CpuOffline, Failed,
    StayOnCpu, Test,
};
use crate::sys::params::{Param, ParamGuard};
use kernel::{alloc::flags::GFP_KERNEL, prelude::*};

/// 132 KiB objects: over 32 pages, so magazines of 16 that move 8 at a
/// time, and 8 objects per slab.
const BIG: usize = 132 << 10;

/// A magazine size past what a per-CPU block may hold is capped, not a
/// failed create (`alloc_percpu()` refuses over 32 KiB a CPU, with a WARN).
fn huge_magazine_size_is_capped(t: &mut Test) -> CaseResult {
    let _size = ParamGuard::set(Param::MagazineSize, 100_000);
    let c = TestCache::new("rspl_test_big_magazine\0", BIG, 0, KMC_VMEM).ok_or(Failed)?;
    kassert_eq!(t, c.cache().magazine_capacity(), MAX_CAPACITY);
    Ok(())
}

fn refill_takes_a_batch_and_flush_returns_the_oldest(t: &mut Test) -> CaseResult {
    let _here = StayOnCpu::new();
    let c = TestCache::new("rspl_test_magazine\0", BIG, 0, KMC_VMEM).ok_or(Failed)?;
    let cache = c.cache();
    let mut objs = c.alloc_n(t, 1)?;
    // The first miss grew one slab of 8 and moved all 8 (a batch is 8)
    // into the magazine; the caller got one.
    let s = slab_counts(cache).ok_or(Failed)?;
    kassert_eq!(t, (s.slabs.slabs_total, s.slabs.objs_alloc), (1, 8));
    kassert_eq!(t, cache.magazine_objects(), 7);
    kassert!(t, objs.alloc_n(39));
    let s = slab_counts(cache).ok_or(Failed)?;
    kassert_eq!(t, (s.slabs.slabs_total, s.slabs.objs_alloc), (5, 40));
    kassert_eq!(t, cache.magazine_objects(), 0);
    let last = *objs.as_slice().last().ok_or(Failed)?;
    objs.free_all();
    // 40 frees into a magazine of 16 that flushes 8 when full: three
    // flushes, 16 left in it, the 24 oldest back on their slabs (which
    // keep the slabs they emptied for the working set: rspl_reclaim).
    let s = slab_counts(cache).ok_or(Failed)?;
    kassert_eq!(t, cache.magazine_objects(), 16);
    kassert_eq!(t, s.slabs.objs_alloc, 16);
    kassert!(t, s.slabs.slabs_total <= 5, "{} slabs", s.slabs.slabs_total);
    kassert_eq!(t, c.inuse(), 0);
    // The magazine is a stack: the last object freed comes back first.
    let mut again = Objs::new(&c);
    kassert_eq!(t, again.alloc(), Some(last));
    drop(again);
    c.reap();
    let s = slab_counts(cache).ok_or(Failed)?;
    kassert_eq!(t, (s.slabs.slabs_total, s.slabs.objs_alloc), (0, 0));
    kassert_eq!(t, cache.magazine_objects(), 0);
    Ok(())
}

/// Allocates then frees `n` objects of `c`, checking that no two are the
/// same; `false` on a failed or repeated allocation.
fn distinct_churn(c: &TestCache, n: usize) -> bool {
    let mut objs = Objs::new(c);
    if !objs.alloc_n(n) {
        return false;
    }
    let Ok(mut sorted) = KVec::with_capacity(n, GFP_KERNEL) else {
        return false;
    };
    for &o in objs.as_slice() {
        let _ = sorted.push(o as usize, GFP_KERNEL);
    }
    drop(objs);
    sorted.as_mut_slice().sort_unstable();
    sorted.as_slice().windows(2).all(|w| w[0] != w[1])
}

/// Creates cache `name` (256 B objects) and leaves at least 100 free
/// objects in CPU 1's magazine.
fn fill_cpu1_magazine(t: &mut Test, name: &'static str) -> Result<TestCache, Failed> {
    // The guests have two CPUs: a case that cannot use CPU 1 fails.
    kassert!(
        t,
        online_cpus() >= 2,
        "needs two CPUs, has {}",
        online_cpus()
    );
    let c = TestCache::new(name, 256, 0, KMC_KVMEM).ok_or(Failed)?;
    let mut ok = false;
    kassert!(t, on_cpu(1, || ok = distinct_churn(&c, 100)));
    kassert!(t, ok, "allocations on CPU 1 failed");
    let held = c.cache().magazine_objects();
    kassert!(t, held >= 100, "CPU 1's magazine holds {}", held);
    Ok(c)
}

fn reap_flushes_every_cpus_magazine(t: &mut Test) -> CaseResult {
    let c = fill_cpu1_magazine(t, "rspl_test_magazine_ipi\0")?;
    let cache = c.cache();
    // CPU 1's magazine holds what it freed; nothing is in use.
    let held = cache.magazine_objects();
    let s = slab_counts(cache).ok_or(Failed)?;
    kassert_eq!(t, s.slabs.objs_alloc, held as u64);
    // A reap from CPU 0 empties CPU 1's magazine (by IPI) and every slab.
    kassert!(t, on_cpu(0, || c.reap()));
    let s = slab_counts(cache).ok_or(Failed)?;
    kassert_eq!(t, cache.magazine_objects(), 0);
    kassert_eq!(t, (s.slabs.slabs_total, s.slabs.objs_alloc), (0, 0));
    Ok(())
}

/// A CPU going offline gives its magazine back to the slabs, where a
/// reap frees it; the cache works on with the CPU offline and once it is
/// back, handing no object out twice.
fn dead_cpus_magazine_goes_back(t: &mut Test) -> CaseResult {
    let c = fill_cpu1_magazine(t, "rspl_test_magazine_hotplug\0")?;
    let cache = c.cache();
    {
        let offline = CpuOffline::take(1);
        kassert!(t, offline.is_some(), "CPU 1 cannot go offline");
        kassert_eq!(t, cache.magazine_objects(), 0);
        kassert_eq!(t, slab_counts(cache).ok_or(Failed)?.slabs.objs_alloc, 0);
        c.reap();
        kassert_eq!(t, slab_counts(cache).ok_or(Failed)?.slabs.slabs_total, 0);
        kassert!(t, distinct_churn(&c, 200), "allocations with CPU 1 offline");
    }
    let mut ok = false;
    kassert!(t, on_cpu(1, || ok = distinct_churn(&c, 200)));
    kassert!(t, ok, "allocations on CPU 1 back online");
    kassert!(t, cache.magazine_objects() > 0);
    Ok(())
}

fn destroy_takes_back_magazine_objects(t: &mut Test) -> CaseResult {
    let c = TestCache::new("rspl_test_magazine_destroy\0", 256, 0, KMC_KVMEM).ok_or(Failed)?;
    kassert!(t, distinct_churn(&c, 50));
    let held = c.cache().magazine_objects();
    kassert!(t, held > 0, "nothing left in the magazines");
    // Objects in magazines are free: destroy frees them with their slabs
    // (a leak would show in the kmemleak run of the debug kernel).
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
