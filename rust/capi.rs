// SPDX-License-Identifier: GPL-2.0

//! The exported C API of `include/rspl/kmem_cache.h`. Every function checks
//! its pointers and refuses bad ones with a message, never a BUG.

pub(crate) mod handles;

use crate::{
    cache::complaints::{Complaints, Mistake},
    cache::counts::RowCounts,
    cache::spec,
    cache::{Cache, Callbacks, Ctor, Dtor, Move, Reclaim},
    report::files::{self, ReportKind},
    services::reclaim_stats,
    services::registry,
    sys::flags::{
        KM_FLAGS_MASK, RSPL_KMEM_ALLOC_BYTES as BYTES_ALLOC, RSPL_KMEM_MAX_BYTES as BYTES_MAX,
        RSPL_KMEM_SLAB_BYTES as BYTES_SLAB,
    },
    sys::this_cpu,
};
use core::{ffi::c_void, ptr::NonNull};
use kernel::{
    ffi::{c_char, c_int, c_uint, c_ulong},
    prelude::*,
    str::CStr,
};

/// The cache behind a C handle, if it is a live one. Inline: every call
/// of the C API starts here, and the check is a table lookup
/// (`capi/handles.rs`): a stale or made-up handle reads no freed memory.
///
/// # Safety
///
/// A live cache's handle must not be destroyed while the reference is
/// used (the caller does not use a cache while destroying it).
#[inline(always)]
unsafe fn cache_ref<'a>(cache: *mut c_void, what: &str) -> Option<&'a Cache> {
    // SAFETY: the caller's contract.
    match unsafe { handles::lookup(cache as usize) } {
        Some(c) if c.is_live() => Some(c),
        _ => {
            refuse_handle(cache, what);
            None
        }
    }
}

/// Calls through handles that are no live cache, counted together.
static BAD_HANDLES: Complaints = Complaints::new();

/// The count of calls through bad handles.
#[cfg(CONFIG_KUNIT)]
pub(crate) fn bad_handles() -> &'static Complaints {
    &BAD_HANDLES
}

/// Says why `cache` was refused by the C API's function `what`
/// (rate-limited).
#[cold]
fn refuse_handle(cache: *mut c_void, what: &str) {
    let Some(n) = BAD_HANDLES.note(Mistake::BadHandle) else {
        return;
    };
    if cache.is_null() {
        pr_err!("{}: NULL cache{}\n", what, n);
    } else {
        pr_err!("{}: {:p} is not a live rspl cache{}\n", what, cache, n);
    }
}

/// `rspl_kmem_cache_create()`: the header's macro passes the calling module
/// as `owner`, whose unload tears down the caches it left (`services/owners.rs`).
///
/// # Safety
///
/// `name` must be null or NUL-terminated; the callbacks must be callable
/// as the header documents for the cache's life, or until `owner`'s
/// unload.
#[no_mangle]
pub(crate) unsafe extern "C" fn rspl_kmem_cache_create_owned(
    name: *const c_char,
    size: usize,
    align: usize,
    ctor: Option<Ctor>,
    dtor: Option<Dtor>,
    reclaim: Option<Reclaim>,
    private: *mut c_void,
    vmp: *mut c_void,
    flags: c_int,
    owner: *mut c_void,
) -> *mut c_void {
    let name = (!name.is_null()).then(|| {
        // SAFETY: a non-null `name` is NUL-terminated (contract).
        unsafe { CStr::from_char_ptr(name) }
    });
    // CStr's Display escapes what is not printable ASCII: a bad name shows
    // as it is, without breaking the log line.
    let shown: &dyn core::fmt::Display = match &name {
        Some(n) => n,
        None => &"(null)",
    };
    let spec = match spec::check(
        name.map(|n| n.as_bytes()),
        size,
        align,
        vmp.is_null(),
        flags,
    ) {
        Ok(spec) => spec,
        Err(why) => {
            pr_err!("cannot create cache {}: {}\n", shown, why);
            return core::ptr::null_mut();
        }
    };
    let Some(name) = name else {
        return core::ptr::null_mut();
    };
    let Some(registry) = registry::get() else {
        return core::ptr::null_mut();
    };
    let callbacks = Callbacks {
        ctor,
        dtor,
        reclaim,
        private,
    };
    match registry.create(name, |linux_name| {
        Cache::new(name, spec, callbacks, owner as usize, linux_name)
    }) {
        // The registry holds the reference the handle stands for.
        Ok(cache) => cache.handle() as *mut c_void,
        Err(e) => {
            pr_err!("cannot create cache {}: {:?}\n", shown, e);
            core::ptr::null_mut()
        }
    }
}

/// # Safety
///
/// See `cache_ref`.
#[no_mangle]
pub(crate) unsafe extern "C" fn rspl_kmem_cache_destroy(cache: *mut c_void) {
    // SAFETY: the caller's contract.
    let Some(c) = (unsafe { cache_ref(cache, "rspl_kmem_cache_destroy") }) else {
        return;
    };
    c.mark_destroyed();
    let owned = registry::get().and_then(|r| r.remove(c));
    // The last reference drops here, or in a grow still in flight.
    drop(owned);
}

/// # Safety
///
/// See `cache_ref`.
#[no_mangle]
pub(crate) unsafe extern "C" fn rspl_kmem_cache_alloc(
    cache: *mut c_void,
    kmflags: c_int,
) -> *mut c_void {
    // SAFETY: the caller's contract.
    let Some(c) = (unsafe { handles::lookup(cache as usize) }) else {
        // SAFETY: the caller's contract.
        return unsafe { alloc_slow(cache, kmflags, false) };
    };
    let got = c.alloc_fast(kmflags);
    if got.value == 0 {
        // SAFETY: the caller's contract.
        return unsafe { alloc_slow(cache, kmflags, got.resched) };
    }
    if got.resched {
        return resched_then(got.value as *mut c_void);
    }
    got.value as *mut c_void
}

/// Reschedules, as the fast path found due, then returns `ret`: a tail
/// call of the fast path's.
#[cold]
#[inline(never)]
fn resched_then<T>(ret: T) -> T {
    this_cpu::resched();
    // Opaque, so that the caller does not keep `ret` across the call
    // (which would cost the fast path a saved register) but tail-calls.
    core::hint::black_box(ret)
}

/// Everything but the fast path's take: checks, constructor, zeroing, a
/// refill, a grow.
///
/// # Safety
///
/// See `cache_ref`.
#[cold]
#[inline(never)]
unsafe fn alloc_slow(cache: *mut c_void, kmflags: c_int, resched: bool) -> *mut c_void {
    if resched {
        this_cpu::resched();
    }
    // SAFETY: the caller's contract.
    let Some(c) = (unsafe { cache_ref(cache, "rspl_kmem_cache_alloc") }) else {
        return core::ptr::null_mut();
    };
    if kmflags & !KM_FLAGS_MASK != 0 {
        c.complain(
            Mistake::BadFlags,
            format_args!("unknown allocation flags {kmflags:#x}, refused"),
        );
        return core::ptr::null_mut();
    }
    c.alloc(kmflags)
        .map_or(core::ptr::null_mut(), |p| p.as_ptr().cast())
}

/// # Safety
///
/// See `cache_ref`; `obj` must be null or an object of the cache.
#[no_mangle]
pub(crate) unsafe extern "C" fn rspl_kmem_cache_free(cache: *mut c_void, obj: *mut c_void) {
    // SAFETY: the caller's contract.
    let Some(c) = (unsafe { handles::lookup(cache as usize) }) else {
        // SAFETY: the caller's contract.
        return unsafe { free_slow(cache, obj, false) };
    };
    let put = c.free_fast(obj.cast());
    if !put.value {
        // SAFETY: the caller's contract.
        return unsafe { free_slow(cache, obj, put.resched) };
    }
    if put.resched {
        resched_then(());
    }
}

/// Everything but the fast path's give: checks, destructor, emergency
/// objects, a flush.
///
/// # Safety
///
/// See `cache_ref`; `obj` must be null or an object of the cache.
#[cold]
#[inline(never)]
unsafe fn free_slow(cache: *mut c_void, obj: *mut c_void, resched: bool) {
    if resched {
        this_cpu::resched();
    }
    // SAFETY: the caller's contract.
    let Some(c) = (unsafe { cache_ref(cache, "rspl_kmem_cache_free") }) else {
        return;
    };
    match NonNull::new(obj.cast::<u8>()) {
        Some(obj) => c.free(obj),
        None => c.complain(Mistake::NullFree, format_args!("free of NULL")),
    }
}

/// # Safety
///
/// See `cache_ref`.
#[no_mangle]
pub(crate) unsafe extern "C" fn rspl_kmem_cache_reap_now(cache: *mut c_void) {
    // SAFETY: the caller's contract.
    if let Some(c) = unsafe { cache_ref(cache, "rspl_kmem_cache_reap_now") } {
        let _freed = reclaim_stats::REAP_NOW.time(|| c.reap());
    }
}

#[no_mangle]
pub(crate) extern "C" fn rspl_kmem_cache_reap_active() -> c_int {
    reclaim_stats::REAP_ACTIVE.count();
    (registry::reaps_running() > 0) as c_int
}

/// `rspl_kmem_reap()`: every cache, in creation order.
#[no_mangle]
pub(crate) extern "C" fn rspl_kmem_reap() {
    if let Some(caches) = registry::get().and_then(|r| r.snapshot()) {
        reclaim_stats::REAP_NOW.time(|| {
            caches.iter().for_each(|c| {
                c.reap();
            })
        });
    }
}

/// `rspl_kmem_cache_report()`: the slab report, for an SPL's own
/// `/proc/spl/kmem/slab`.
///
/// # Safety
///
/// `m` must be null or the seq_file of a running `show` callback.
#[no_mangle]
pub(crate) unsafe extern "C" fn rspl_kmem_cache_report(m: *mut c_void) -> c_int {
    let Some(m) = NonNull::new(m.cast()) else {
        pr_err!("rspl_kmem_cache_report: NULL seq_file\n");
        return EINVAL.to_errno();
    };
    // SAFETY: the caller's contract.
    unsafe { files::show(m, ReportKind::Slab) }
}

/// `rspl_kmem_cache_bytes()`: the SPL's `slab_kvmem_*` sums.
#[no_mangle]
pub(crate) extern "C" fn rspl_kmem_cache_bytes(mask: c_uint, what: c_int) -> c_ulong {
    let Some(registry) = registry::get() else {
        return 0;
    };
    let mut sum: u64 = 0;
    let _ = registry.for_each(|cache| {
        if let (flags, RowCounts::Slabs(c)) = cache.row() {
            if flags & u64::from(mask) != 0 {
                let (unit, n) = match what {
                    BYTES_SLAB => (c.slab_size, c.slabs.slabs_total),
                    BYTES_ALLOC => (c.obj_size, c.slabs.objs_alloc),
                    BYTES_MAX => (c.obj_size, c.slabs.objs_max),
                    _ => (0, 0),
                };
                sum = sum.saturating_add(u64::from(unit).saturating_mul(n));
            }
        }
        Ok::<(), ()>(())
    });
    sum.try_into().unwrap_or(c_ulong::MAX)
}

/// # Safety
///
/// See `cache_ref`.
#[no_mangle]
pub(crate) unsafe extern "C" fn rspl_kmem_cache_set_move(cache: *mut c_void, mover: Option<Move>) {
    // SAFETY: the caller's contract; the callback is the caller's, called
    // as the C API documents.
    if let Some(c) = unsafe { cache_ref(cache, "rspl_kmem_cache_set_move") } {
        c.set_move(mover);
    }
}

/// # Safety
///
/// See `cache_ref`.
#[no_mangle]
pub(crate) unsafe extern "C" fn rspl_kmem_cache_inuse(cache: *mut c_void) -> u64 {
    // SAFETY: the caller's contract.
    unsafe { cache_ref(cache, "rspl_kmem_cache_inuse") }.map_or(0, |c| c.objects_live())
}

/// # Safety
///
/// See `cache_ref`.
#[no_mangle]
pub(crate) unsafe extern "C" fn rspl_kmem_cache_wait_max_us(cache: *mut c_void) -> c_ulong {
    // SAFETY: the caller's contract.
    unsafe { cache_ref(cache, "rspl_kmem_cache_wait_max_us") }
        .map_or(0, |c| c.wait_max_us().try_into().unwrap_or(c_ulong::MAX))
}

/// # Safety
///
/// See `cache_ref`.
#[no_mangle]
pub(crate) unsafe extern "C" fn rspl_kmem_cache_entry_size(cache: *mut c_void) -> usize {
    // SAFETY: the caller's contract.
    unsafe { cache_ref(cache, "rspl_kmem_cache_entry_size") }.map_or(0, |c| c.entry_size())
}
