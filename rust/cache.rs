// SPDX-License-Identifier: GPL-2.0

//! An rspl cache: objects from a Linux kmem_cache (pass-through) or from
//! rspl's own slabs behind per-CPU magazines.
//!
//! The fast path (`cache/fast_path.rs`) touches only this CPU's magazine
//! (preemption off, no lock, no shared atomic). A magazine refills from, and flushes to, the slabs under
//! the cache's lock, in batches. When the slabs run out, the allocation
//! takes the slow path of `cache/grow.rs`; giving memory back is
//! `cache/reap.rs`.
//!
//! Constructors run once per allocation and destructors once per free
//! that is accepted: a free is decided before any callback runs.

mod fast_path;
mod grow;
mod moves;
mod reap;

pub(crate) mod complaints;
pub(crate) mod counts;
pub(crate) mod magazines;
pub(crate) mod move_stats;
pub(crate) mod spec;
pub(crate) mod stall_stats;

use self::counts::{RowCounts, SlabCounts};
use crate::{
    cache::complaints::{Complaints, Mistake},
    cache::magazines::Magazines,
    cache::move_stats::MoveStats,
    cache::spec::{CacheSpec, Placement},
    cache::stall_stats::{StallCounts, StallStats},
    services::grow_crew::GROW_LIST,
    services::reclaim_stats,
    slab::emergency::{EmergencyRange, EmergencySet, Removal},
    slab::magazine::{self, Magazine},
    slab::reserve::{Reserve, ReserveCounts},
    slab::set::SlabSet,
    slab::{FreeError, SlabLayout},
    sys::flags::*,
    sys::irq_lock::IrqSpinLock,
    sys::linux_cache::LinuxCache,
    sys::memory,
    sys::reap_lock::ReapLock,
    sys::trace,
    sys::wait_queue::WaitQueue,
};
use core::{
    ffi::c_void,
    ptr::NonNull,
    sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
};
use kernel::{
    alloc::flags::GFP_KERNEL,
    ffi::c_int,
    list::{
        impl_has_list_links, impl_list_arc_safe, impl_list_item, AtomicTracker, ListLinks,
        TryNewListArc,
    },
    new_spinlock,
    prelude::*,
    str::{CStr, CString},
    sync::{Arc, ArcBorrow},
};

pub(crate) type Ctor = unsafe extern "C" fn(*mut c_void, *mut c_void, c_int) -> c_int;
pub(crate) type Dtor = unsafe extern "C" fn(*mut c_void, *mut c_void);
pub(crate) type Reclaim = unsafe extern "C" fn(*mut c_void);
pub(crate) use self::moves::Move;

/// The caller's callbacks and private pointer.
#[derive(Clone, Copy)]
pub(crate) struct Callbacks {
    pub(crate) ctor: Option<Ctor>,
    pub(crate) dtor: Option<Dtor>,
    pub(crate) reclaim: Option<Reclaim>,
    pub(crate) private: *mut c_void,
}

/// Where the objects come from.
enum Source {
    PassThrough {
        /// Not destroyed while it has objects (`kmem_cache_destroy()`
        /// would BUG): `Cache`'s drop says so first.
        linux: LinuxCache,
        /// An object from the magazine is zeroed when handed out: the
        /// kernel's `init_on_alloc` is on, and SLUB zeroed it only once,
        /// when the magazine took it.
        init_on_alloc: bool,
    },
    Slabs {
        layout: SlabLayout,
        /// Every object is zeroed when handed out: the kernel's
        /// `init_on_alloc` is on and the cache has no constructor, SLUB's
        /// rule (a constructor initialises each object rspl hands out).
        init_on_alloc: bool,
    },
}

/// What the cache's lock protects.
struct State {
    slabs: SlabSet,
    emergency: EmergencySet,
    /// Slab objects set aside for the I/O path (`KMC_RESERVE`).
    reserve: Reserve,
    /// The consumer's move callback (`rspl_kmem_cache_set_move()`).
    mover: Option<moves::Move>,
    /// Waits for a grow that timed out.
    deadlocks: u64,
    /// Empty slabs' objects as last added to the shrinker's count.
    published_empty: u64,
    /// All this cache has added to the shrinker's count.
    published: i64,
}

impl State {
    /// Brings the shrinker's count up to date at the end of a slow-path
    /// step under the lock: the empty slabs' objects now, and `mag_delta`,
    /// what the magazine just refilled or flushed gained
    /// (`Magazine::publish`).
    fn settle(&mut self, mag_delta: isize) {
        let empty = self.slabs.empty_objects();
        let delta = empty as i64 - self.published_empty as i64 + mag_delta as i64;
        self.published_empty = empty;
        self.published += delta;
        reclaim_stats::account(delta);
    }

    /// Returns the object at `addr` to its slab, reporting a refusal (a
    /// double free, or a pointer that is no object of the cache).
    fn give(&mut self, name: &CStr, complaints: &Complaints, addr: usize) {
        if let Err(e) = self.slabs.give(addr) {
            report_refused(name, complaints, addr, e);
        }
    }
}

/// Reports a free that was refused, rate-limited: the object is left as it
/// was, and no callback ran on it.
#[cold]
fn report_refused(name: &CStr, complaints: &Complaints, addr: usize, why: FreeError) {
    if let Some(n) = complaints.note(Mistake::BadFree) {
        pr_err!(
            "cache {}: free of {:#x} refused: {:?}{}\n",
            name,
            addr,
            why,
            n
        );
    }
}

/// Calls `attempt` until it succeeds, or once for a `nosleep` caller: a
/// `KM_SLEEP` allocation never returns NULL, it backs off and tries again
/// (reporting now and then that it is stuck).
fn until_some<T>(
    cache: &Cache,
    what: &str,
    nosleep: bool,
    mut attempt: impl FnMut() -> Option<T>,
) -> Option<T> {
    let mut tries: u32 = 0;
    loop {
        if let Some(v) = attempt() {
            return Some(v);
        }
        if nosleep {
            return None;
        }
        back_off(cache, what, &mut tries);
    }
}

/// Sleeps before the next try of a failed allocation, longer as `tries`
/// grows (up to 100 ms), reporting now and then that it is stuck.
fn back_off(cache: &Cache, what: &str, tries: &mut u32) {
    *tries = tries.saturating_add(1);
    if *tries >= 16 && tries.is_power_of_two() {
        pr_warn!(
            "cache {}: {} failed {} times, retrying\n",
            cache.name(),
            what,
            *tries
        );
    }
    memory::msleep((*tries).min(100));
}

/// The most a pass-through cache's magazine holds, and the most a bulk
/// refill or flush moves (on the stack): SLUB keeps small objects per CPU
/// itself, so the magazine only saves its calls.
const FRONT_CAPACITY: usize = 64;
const FRONT_BATCH: usize = FRONT_CAPACITY / 2;

/// A value that `Cache` checks at every entry point, to refuse a pointer
/// that is not a live cache (a destroyed one has it cleared).
const CACHE_MAGIC: u64 = 0x7273_706c_6361_6368; // "rsplcach"

/// An rspl cache.
///
/// # Invariants
///
/// A `Cache` only ever lives inside the `Arc` that `Cache::new` returns:
/// every `&Cache` points into a live `Arc` allocation.
#[pin_data(PinnedDrop)]
pub(crate) struct Cache {
    magic: AtomicU64,
    name: CString,
    spec: CacheSpec,
    callbacks: Callbacks,
    /// The module that made the cache (its address; 0 for none).
    owner: usize,
    /// The C API's handle of the cache (`capi/handles.rs`); 0 until the
    /// registry gives it one.
    handle: AtomicUsize,
    /// Its owner went away without destroying it: what it left allocated
    /// is freed with the cache, as nobody can free it any more.
    abandoned: AtomicBool,
    source: Source,
    /// Every CPU's magazine (none for a pass-through or checked cache).
    mags: Magazines,
    /// What sends calls to the slow path (`fast_path.rs`).
    slow: fast_path::SlowWords,
    /// Create flags and `KMC_BIT_*` state bits, as `/proc` shows them.
    flags: AtomicUsize,
    /// Where the live emergency objects are, read without the lock by
    /// free: most frees then skip the lock even while some are live.
    emergency_range: EmergencyRange,
    /// Whether the last grow failed (its waiters go to the emergency path).
    last_grow_failed: AtomicBool,
    stalls: StallStats,
    moves: MoveStats,
    /// The consumer's mistakes, counted and reported rate-limited.
    complaints: Complaints,
    #[pin]
    state: IrqSpinLock<State>,
    #[pin]
    waitq: WaitQueue,
    /// Where the cache waits for a grow crew member (`services/grow_crew.rs`).
    #[pin]
    grow_links: ListLinks<GROW_LIST>,
    #[pin]
    grow_queued: AtomicTracker<GROW_LIST>,
    /// Held while a reap runs: destroy takes it, so that no reclaim
    /// callback of the caller's runs once destroy has returned. The
    /// shrinker only tries it.
    #[pin]
    reap_lock: ReapLock,
}

// SAFETY: the private pointer belongs to the caller, who shares the cache
// between threads as SPL caches are; everything else is Send and Sync.
unsafe impl Send for Cache {}
// SAFETY: as above.
unsafe impl Sync for Cache {}

impl_has_list_links! {
    impl HasListLinks<GROW_LIST> for Cache { self.grow_links }
}
impl_list_arc_safe! {
    impl ListArcSafe<GROW_LIST> for Cache { tracked_by grow_queued: AtomicTracker<GROW_LIST>; }
}
impl_list_item! {
    impl ListItem<GROW_LIST> for Cache { using ListLinks; }
}

impl Cache {
    /// Creates a cache of the validated `spec`.
    /// A pass-through cache's Linux cache is named `linux_name`.
    pub(crate) fn new(
        name: &CStr,
        spec: CacheSpec,
        callbacks: Callbacks,
        owner: usize,
        linux_name: CString,
    ) -> Result<Arc<Self>> {
        let source = match spec.placement {
            Placement::PassThrough => Source::PassThrough {
                linux: LinuxCache::new(
                    linux_name,
                    spec.size,
                    spec.align,
                    spec.flags & KMC_RECLAIMABLE != 0,
                )
                .ok_or(ENOMEM)?,
                init_on_alloc: memory::init_on_alloc(),
            },
            Placement::Slabs(layout) => Source::Slabs {
                layout,
                init_on_alloc: callbacks.ctor.is_none() && memory::init_on_alloc(),
            },
        };
        // A checked cache never uses magazines; a pass-through one has a
        // small one, unless parked objects would hide what the kernel
        // checks on free (`LinuxCache::may_park`).
        let capacity = match spec.placement {
            _ if spec.checked => 0,
            Placement::Slabs(layout) => magazine::capacity_for(layout.stride),
            Placement::PassThrough if LinuxCache::may_park() => {
                magazine::capacity_for(spec.size).min(FRONT_CAPACITY)
            }
            Placement::PassThrough => 0,
        };
        let mags = Magazines::new(capacity)?;
        let slow = {
            use fast_path::*;
            let bit = |on: bool, bit: u32| if on { bit } else { 0 };
            let both = bit(spec.checked, CHECKED) | bit(capacity == 0, PASS_THROUGH);
            let zero = match source {
                Source::Slabs { init_on_alloc, .. } => init_on_alloc,
                Source::PassThrough { init_on_alloc, .. } => init_on_alloc,
            };
            SlowWords::new(
                both | bit(callbacks.ctor.is_some(), CTOR) | bit(zero, ZERO),
                both | bit(callbacks.dtor.is_some(), DTOR),
            )
        };
        let objs = match spec.placement {
            Placement::Slabs(layout) => layout.objs,
            Placement::PassThrough => 0,
        };
        let name = name.to_cstring()?;
        let reserve = Reserve::new(spec.reserve as usize)?;
        let cache = Arc::pin_init(
            pin_init!(Self {
                magic: AtomicU64::new(CACHE_MAGIC),
                name,
                spec,
                callbacks,
                owner,
                handle: AtomicUsize::new(0),
                abandoned: AtomicBool::new(false),
                source,
                mags,
                slow,
                flags: AtomicUsize::new(spec.flags as usize),
                emergency_range: EmergencyRange::new(),
                last_grow_failed: AtomicBool::new(false),
                stalls: StallStats::default(),
                moves: MoveStats::default(),
                complaints: Complaints::new(),
                state <- IrqSpinLock::new(new_spinlock!(State {
                    slabs: SlabSet::new(objs),
                    emergency: EmergencySet::new(),
                    reserve,
                    mover: None,
                    deadlocks: 0,
                    published_empty: 0,
                    published: 0,
                }, "rspl_cache_state")),
                waitq <- WaitQueue::new(),
                grow_links <- ListLinks::new(),
                grow_queued <- AtomicTracker::new(),
                reap_lock <- ReapLock::new(),
            }),
            GFP_KERNEL,
        )?;
        // The reserve is there from the start, in the creator's context
        // (which may sleep), as a mempool's is: no reserve, no cache.
        if let (Source::Slabs { layout, .. }, true) = (&cache.source, spec.reserve > 0) {
            if !cache.fill_reserve(layout).0 {
                return Err(ENOMEM);
            }
        }
        Ok(cache)
    }

    pub(crate) fn is_live(&self) -> bool {
        self.magic.load(Ordering::Relaxed) == CACHE_MAGIC
    }

    pub(crate) fn name(&self) -> &str {
        self.name.to_str().unwrap_or("?")
    }

    fn flag(&self, bit: u32) -> bool {
        self.flags.load(Ordering::Acquire) & (1 << bit) != 0
    }

    fn test_and_set_flag(&self, bit: u32) -> bool {
        self.flags.fetch_or(1 << bit, Ordering::AcqRel) & (1 << bit) != 0
    }

    fn clear_flag(&self, bit: u32) {
        self.flags.fetch_and(!(1 << bit), Ordering::AcqRel);
    }

    /// Whether a `KM_SLEEP` caller is in atomic context, where it must not
    /// sleep: reported, and then served as `KM_NOSLEEP`.
    fn km_sleep_in_atomic(&self) -> bool {
        let atomic = memory::in_atomic();
        if atomic {
            self.report_atomic_sleep();
        }
        atomic
    }

    #[cold]
    fn report_atomic_sleep(&self) {
        if let Some(n) = self.complaints.note(Mistake::SleepInAtomic) {
            pr_err!(
                "cache {}: KM_SLEEP allocation in atomic context, served as KM_NOSLEEP{}\n",
                self.name(),
                n
            );
        }
    }

    fn refused(&self, addr: usize, why: FreeError) {
        report_refused(&self.name, &self.complaints, addr, why);
    }

    /// Reports a consumer's `mistake` on this cache, rate-limited, as
    /// "cache NAME: `what`".
    #[cold]
    pub(crate) fn complain(&self, mistake: Mistake, what: core::fmt::Arguments<'_>) {
        if let Some(n) = self.complaints.note(mistake) {
            pr_err!("cache {}: {}{}\n", self.name(), what, n);
        }
    }

    /// The consumer's mistakes of a kind on this cache so far.
    #[cfg(CONFIG_KUNIT)]
    pub(crate) fn complaints(&self) -> &Complaints {
        &self.complaints
    }

    /// Allocates an object; `None` only for `KM_NOSLEEP` (or a failing
    /// constructor).
    pub(crate) fn alloc(&self, kmflags: i32) -> Option<NonNull<u8>> {
        let flags = KmFlags::new(kmflags);
        let mut zero = flags.zero();
        let (obj, zeroed) = match &self.source {
            Source::PassThrough {
                linux,
                init_on_alloc,
            } => {
                if let Some(obj) = self.take_front(linux, kmflags) {
                    zero |= *init_on_alloc;
                    return self.finish_alloc(obj, flags, zero, false);
                }
                // KM_ZERO is passed on as __GFP_ZERO. The atomic-context
                // check is the shim's, in the same call.
                let (first, atomic) = linux.alloc(kmflags);
                if atomic {
                    self.report_atomic_sleep();
                }
                let obj = match first {
                    Some(obj) => obj,
                    None if atomic || kmflags & KM_NOSLEEP != 0 => return None,
                    None => until_some(self, "allocation", false, || linux.alloc(kmflags).0)?,
                };
                (obj, zero)
            }
            Source::Slabs { init_on_alloc, .. } => {
                zero |= *init_on_alloc;
                match self.take() {
                    Some(obj) => (obj, false),
                    // The miss path may hand the grow crew a reference.
                    // An emergency object is new memory, which the kernel
                    // zeroed as its allocators do (`init_on_alloc`).
                    None => Self::alloc_miss(self.arc_borrow(), flags)?,
                }
            }
        };
        self.finish_alloc(obj, flags, zero, zeroed)
    }

    /// Zeroes `obj` if it must be and is not yet, and constructs it.
    fn finish_alloc(
        &self,
        obj: NonNull<u8>,
        flags: KmFlags,
        zero: bool,
        zeroed: bool,
    ) -> Option<NonNull<u8>> {
        if zero && !zeroed {
            // SAFETY: `obj` was just handed out to this caller alone.
            unsafe { memory::zero_object(obj.as_ptr() as usize, self.spec.size) };
        }
        if let Some(ctor) = self.callbacks.ctor {
            // The constructor gets the flags the allocation was served
            // with: a KM_SLEEP call in atomic context was served as
            // KM_NOSLEEP, and a constructor that allocates with its
            // kmflags must not sleep either.
            let served = if !flags.nosleep() && memory::in_atomic() {
                flags.without_sleep()
            } else {
                flags
            };
            // SAFETY: the caller's constructor, on an object it owns, with
            // its private pointer, as the C API documents.
            let ret = unsafe { ctor(obj.as_ptr().cast(), self.callbacks.private, served.bits()) };
            if ret != 0 {
                // Not constructed: give it back without the destructor.
                self.give_undestructed(obj);
                return None;
            }
        }
        Some(obj)
    }

    /// This cache as a borrowed `Arc`, to take a reference from. Not on
    /// the fast path: finding the `Arc` from its contents takes out-of-line
    /// layout arithmetic.
    pub(crate) fn arc_borrow(&self) -> ArcBorrow<'_, Self> {
        // SAFETY: by the type invariant `self` is the contents of a live
        // `Arc`, the pointer `Arc::into_raw` gives; the borrow of `self`
        // keeps a reference alive while the `ArcBorrow` lives.
        unsafe { ArcBorrow::from_raw(self) }
    }

    /// The fast path: an object from this CPU's magazine, refilled from
    /// the slabs when it is empty. `None` when the slabs are out too.
    fn take(&self) -> Option<NonNull<u8>> {
        let from_slabs = || {
            let mut state = self.state.lock();
            let addr = state.slabs.take();
            state.settle(0);
            addr
        };
        if self.spec.checked {
            return NonNull::new(from_slabs()? as *mut u8);
        }
        let addr = match self.mags.hold_local() {
            Some(mut mag) => mag.take().or_else(|| {
                let mut state = self.state.lock();
                mag.refill(|| state.slabs.take());
                state.settle(mag.publish());
                drop(state);
                mag.take()
            }),
            // This interrupted its CPU's use of the magazine: the slabs.
            None => from_slabs(),
        }?;
        NonNull::new(addr as *mut u8)
    }

    /// An object from this CPU's magazine in front of a pass-through
    /// cache's Linux cache, refilled from it in one bulk call, outside the
    /// magazine's critical section (SLUB's bulk call may sleep). `None`
    /// when there is no magazine or the refill got nothing: the caller
    /// asks the Linux cache for one object.
    fn take_front(&self, linux: &LinuxCache, kmflags: i32) -> Option<NonNull<u8>> {
        if self.mags.capacity() == 0 {
            return None;
        }
        {
            let mut mag = self.mags.hold_local()?;
            if let Some(addr) = mag.take() {
                return NonNull::new(addr as *mut u8);
            }
        }
        let mut objs = [0usize; FRONT_BATCH];
        let n = self.mags.capacity().div_ceil(2).min(FRONT_BATCH);
        let got = linux.alloc_bulk(kmflags, &mut objs[..n]);
        let (&mut first, rest) = objs[..got].split_last_mut()?;
        let mut left = rest.len();
        if let Some(mut mag) = self.mags.hold_local() {
            while left > 0 && mag.give(rest[left - 1]).is_ok() {
                left -= 1;
            }
            self.state.lock().settle(mag.publish());
        }
        if left > 0 {
            // SAFETY: objects of this cache just allocated, never handed
            // out, freed once.
            unsafe { linux.free_bulk(&mut rest[..left]) };
        }
        NonNull::new(first as *mut u8)
    }

    /// Puts `obj`, an object of a pass-through cache, on this CPU's
    /// magazine; when it is full, its oldest half goes back to the Linux
    /// cache in one bulk call, outside the magazine's critical section.
    fn give_front(&self, linux: &LinuxCache, obj: NonNull<u8>) {
        let addr = obj.as_ptr() as usize;
        let mut out = [0usize; FRONT_BATCH];
        let n = match self.mags.hold_local() {
            Some(mut mag) if mag.capacity() > 0 => {
                if mag.last() == Some(addr) {
                    return self.refused(addr, FreeError::DoubleFree);
                }
                let Err(addr) = mag.give(addr) else {
                    return;
                };
                let mut n = 0;
                let batch = mag.batch().min(FRONT_BATCH);
                mag.flush_oldest(batch, |a| {
                    out[n] = a;
                    n += 1;
                });
                // Cannot fail: room for a batch was just made.
                let _ = mag.give(addr);
                self.state.lock().settle(mag.publish());
                n
            }
            // No magazine, or this interrupted its CPU's use of it.
            _ => {
                // SAFETY: the C API's contract: `obj` came from this cache
                // and is freed once.
                return unsafe { linux.free(obj) };
            }
        };
        // SAFETY: objects the magazine held, each freed by its caller
        // once, freed once here.
        unsafe { linux.free_bulk(&mut out[..n]) };
    }

    /// Empties a held magazine into where its objects came from (at a
    /// reap, an aging tick, a CPU's death).
    fn flush_magazine(&self, mag: &mut Magazine<'_>) {
        Self::flush_into(&self.source, &self.state, &self.name, &self.complaints, mag);
    }

    /// `flush_magazine` from the cache's parts (its drop has the magazines
    /// apart).
    fn flush_into(
        source: &Source,
        state: &IrqSpinLock<State>,
        name: &CStr,
        complaints: &Complaints,
        mag: &mut Magazine<'_>,
    ) {
        match source {
            Source::Slabs { .. } => {
                let mut state = state.lock();
                mag.flush_all(|addr| state.give(name, complaints, addr));
                state.settle(mag.publish());
            }
            // Back to SLUB outside the cache's lock (IRQs may be off here:
            // one by one).
            Source::PassThrough { linux, .. } => {
                mag.flush_all(|addr| {
                    if let Some(obj) = NonNull::new(addr as *mut u8) {
                        // SAFETY: an object its caller freed once, freed
                        // once here.
                        unsafe { linux.free(obj) };
                    }
                });
                state.lock().settle(mag.publish());
            }
        }
    }

    /// Frees `obj`: destructor, then back to where it came from.
    pub(crate) fn free(&self, obj: NonNull<u8>) {
        let Some(dtor) = self.callbacks.dtor else {
            return self.give_undestructed(obj);
        };
        match &self.source {
            Source::PassThrough { linux, .. } => {
                if self.repeats_last_free(obj) {
                    return self.refused(obj.as_ptr() as usize, FreeError::DoubleFree);
                }
                self.destruct(obj, dtor);
                self.give_front(linux, obj);
            }
            Source::Slabs { .. } => self.free_destructed(obj, dtor),
        }
    }

    /// Runs the caller's destructor on `obj`, whose free was accepted.
    fn destruct(&self, obj: NonNull<u8>, dtor: Dtor) {
        // SAFETY: the caller's destructor on the object it frees, with its
        // private pointer, as the C API documents.
        unsafe { dtor(obj.as_ptr().cast(), self.callbacks.private) };
    }

    /// Frees `obj` of a cache with a destructor on rspl's slabs, deciding
    /// first whether the free is accepted, so that a refused free runs no
    /// callback: an emergency object is taken out of its hash first, a
    /// checked cache's object is claimed in its slab (a second free of it
    /// is refused while the destructor runs), and a free of the object
    /// freed just before on this CPU is refused.
    fn free_destructed(&self, obj: NonNull<u8>, dtor: Dtor) {
        let addr = obj.as_ptr() as usize;
        if self.emergency_range.may_hold(addr) {
            match self.remove_emergency(addr) {
                Removal::Removed(mem) => {
                    self.destruct(obj, dtor);
                    // kfree()d here, after its destructor.
                    drop(mem);
                    return;
                }
                // Its move offer frees it.
                Removal::Deferred => return self.destruct(obj, dtor),
                Removal::AlreadyFreed => return self.refused(addr, FreeError::DoubleFree),
                Removal::NotFound => {}
            }
        }
        if self.spec.checked {
            let claimed = self.state.lock().slabs.claim(addr);
            if let Err(why) = claimed {
                return self.refused(addr, why);
            }
            self.destruct(obj, dtor);
            let surplus = {
                let mut state = self.state.lock();
                state.slabs.unclaim(addr);
                state.settle(0);
                state.slabs.surplus_empty()
            };
            if surplus {
                self.free_surplus_slabs();
            }
            return;
        }
        if self.repeats_last_free(obj) {
            return self.refused(addr, FreeError::DoubleFree);
        }
        self.destruct(obj, dtor);
        self.give_to_magazine(addr);
    }

    /// Whether `obj` is the object freed just before on this CPU.
    fn repeats_last_free(&self, obj: NonNull<u8>) -> bool {
        let last = self.mags.hold_local().and_then(|mag| mag.last());
        last == Some(obj.as_ptr() as usize)
    }

    /// Returns `obj` to the cache without its destructor.
    fn give_undestructed(&self, obj: NonNull<u8>) {
        match &self.source {
            Source::PassThrough { linux, .. } => self.give_front(linux, obj),
            Source::Slabs { .. } => self.give(obj.as_ptr() as usize),
        }
    }

    /// Puts an object back: an emergency object is kfree()d; any other
    /// goes onto this CPU's magazine, whose oldest half goes back to the
    /// slabs when it is full. Frees are checked against the slabs then,
    /// and at once in a checked cache, which has no magazines. A free of
    /// the object freed just before on this CPU is refused at once.
    fn give(&self, addr: usize) {
        if self.emergency_range.may_hold(addr) {
            match self.remove_emergency(addr) {
                // kfree()d as it went, or by its move offer.
                Removal::Removed(_) | Removal::Deferred => return,
                Removal::AlreadyFreed => return self.refused(addr, FreeError::DoubleFree),
                Removal::NotFound => {}
            }
        }
        if self.spec.checked {
            if self.give_to_slabs(addr) {
                self.free_surplus_slabs();
            }
            return;
        }
        self.give_to_magazine(addr);
    }

    /// Gives the object at `addr` straight back to the slabs; says whether
    /// more slabs are empty now than the working set may use again.
    fn give_to_slabs(&self, addr: usize) -> bool {
        let mut state = self.state.lock();
        state.give(&self.name, &self.complaints, addr);
        state.settle(0);
        state.slabs.surplus_empty()
    }

    /// Puts the object at `addr` on this CPU's magazine, whose oldest half
    /// goes back to the slabs when it is full.
    fn give_to_magazine(&self, addr: usize) {
        let surplus = match self.mags.hold_local() {
            Some(mut mag) if mag.capacity() > 0 => {
                if mag.last() == Some(addr) {
                    self.refused(addr, FreeError::DoubleFree);
                    return;
                }
                match mag.give(addr) {
                    Ok(()) => false,
                    Err(addr) => {
                        let mut state = self.state.lock();
                        let n = mag.batch();
                        mag.flush_oldest(n, |a| state.give(&self.name, &self.complaints, a));
                        // Cannot fail: room for a batch was just made.
                        let _ = mag.give(addr);
                        state.settle(mag.publish());
                        state.slabs.surplus_empty()
                    }
                }
            }
            // No magazine, or this interrupted its CPU's use of it.
            _ => self.give_to_slabs(addr),
        };
        if surplus {
            self.free_surplus_slabs();
        }
    }

    /// Takes the emergency object at `addr` out of the hash, if it is one:
    /// it is freed when the result drops (outside the lock), or by the
    /// move offer that holds it.
    fn remove_emergency(&self, addr: usize) -> Removal {
        let mut state = self.state.lock();
        let removal = state.emergency.remove(addr);
        if let Removal::Removed(_) = removal {
            self.emergency_left(&state, addr);
        }
        removal
    }

    /// The emergency object at `addr` has just left the set, under the
    /// lock: once none is live, frees skip the hash again.
    fn emergency_left(&self, state: &State, addr: usize) {
        trace::emergency_free(&self.name, addr, self.spec.size);
        if state.emergency.count() == 0 {
            self.emergency_range.clear();
            self.slow.clear_free(fast_path::EMERGENCY);
        }
    }

    /// Objects callers hold: allocated from the slabs and not sitting in a
    /// magazine, plus emergency objects. Exact when no CPU is allocating.
    pub(crate) fn objects_live(&self) -> u64 {
        match &self.source {
            Source::PassThrough { linux, .. } => linux
                .allocated()
                .saturating_sub(self.mags.gauge_sum() as u64),
            Source::Slabs { .. } => {
                let (alloc, emergency) = {
                    let state = self.state.lock();
                    let set_aside = state.reserve.len() as u64;
                    (
                        state.slabs.stats().objs_alloc.saturating_sub(set_aside),
                        state.emergency.count(),
                    )
                };
                alloc.saturating_sub(self.mags.gauge_sum() as u64) + emergency
            }
        }
    }

    /// Whether a free of `addr` looks for an emergency object (under the
    /// lock), as the free path decides.
    #[cfg(CONFIG_KUNIT)]
    pub(crate) fn emergency_may_hold(&self, addr: usize) -> bool {
        self.emergency_range.may_hold(addr)
    }

    /// This cache's share of the shrinker's count.
    #[cfg(CONFIG_KUNIT)]
    pub(crate) fn published_reclaimable(&self) -> u64 {
        self.state.lock().published.max(0) as u64
    }

    /// Free objects sitting in magazines, summed over CPUs.
    #[cfg(CONFIG_KUNIT)]
    pub(crate) fn magazine_objects(&self) -> usize {
        self.mags.gauge_sum()
    }

    /// Rounds a CPU's magazine holds.
    #[cfg(CONFIG_KUNIT)]
    pub(crate) fn magazine_capacity(&self) -> usize {
        self.mags.capacity()
    }

    /// Bytes one object takes, its share of slab bookkeeping included.
    pub(crate) fn entry_size(&self) -> usize {
        match self.spec.placement {
            Placement::Slabs(layout) => layout
                .bytes
                .checked_div(layout.objs as usize)
                .unwrap_or(layout.bytes),
            Placement::PassThrough => self
                .spec
                .size
                .checked_next_multiple_of(self.spec.align)
                .unwrap_or(self.spec.size),
        }
    }

    /// The cache's `/proc/spl/kmem/slab` flags and columns.
    pub(crate) fn row(&self) -> (u64, RowCounts) {
        let flags = self.flags.load(Ordering::Relaxed) as u64;
        let obj_size = self.spec.size as u32;
        let counts = match &self.source {
            Source::PassThrough { linux, .. } => RowCounts::PassThrough {
                obj_size,
                objs_alloc: linux.allocated(),
            },
            Source::Slabs { layout, .. } => {
                let state = self.state.lock();
                RowCounts::Slabs(SlabCounts {
                    slab_size: layout.bytes as u32,
                    obj_size,
                    slabs: state.slabs.stats(),
                    deadlocks: state.deadlocks,
                    emergency: state.emergency.count(),
                    emergency_max: state.emergency.max(),
                })
            }
        };
        (flags, counts)
    }

    /// Marks the cache destroyed: entry points refuse it from now on, and
    /// a reap still running is waited for.
    pub(crate) fn mark_destroyed(&self) {
        self.state.lock().mover = None;
        self.slow.set_destroyed();
        self.test_and_set_flag(KMC_BIT_DESTROY);
        self.magic.store(0, Ordering::Relaxed);
        drop(self.reap_lock.lock());
    }

    /// The longest a caller slept waiting for a grow, in microseconds.
    pub(crate) fn wait_max_us(&self) -> u64 {
        self.stalls.wait_max_us()
    }

    /// The cache's stall counters (`/proc/rspl/kmem/stalls`).
    pub(crate) fn stall_counts(&self) -> StallCounts {
        let (timeouts, live) = {
            let state = self.state.lock();
            (state.deadlocks, state.emergency.count())
        };
        self.stalls.read(timeouts, live)
    }

    /// The cache's reserve (`/proc/rspl/kmem/reserve`).
    pub(crate) fn reserve_counts(&self) -> ReserveCounts {
        self.state.lock().reserve.counts()
    }

    /// The Linux cache's name, for a pass-through cache.
    pub(crate) fn linux_name(&self) -> Option<&CStr> {
        match &self.source {
            Source::PassThrough { linux, .. } => Some(linux.name()),
            Source::Slabs { .. } => None,
        }
    }

    pub(crate) fn owner(&self) -> usize {
        self.owner
    }

    /// The C API's handle of the cache.
    pub(crate) fn handle(&self) -> usize {
        self.handle.load(Ordering::Relaxed)
    }

    pub(crate) fn set_handle(&self, handle: usize) {
        self.handle.store(handle, Ordering::Relaxed);
    }

    /// Destroys the cache for an owner that has gone: as `mark_destroyed`,
    /// and the objects it left allocated are freed with the cache.
    pub(crate) fn abandon(&self) {
        self.abandoned.store(true, Ordering::Relaxed);
        self.mark_destroyed();
    }
}

#[pinned_drop]
impl PinnedDrop for Cache {
    fn drop(self: Pin<&mut Self>) {
        // Runs in process context: the last reference goes in destroy, in
        // a grow thread or in a reclaim pass.
        // SAFETY: nothing is moved out of the pinned cache; `source` is
        // not structurally pinned, and the lock is only locked in place.
        let this = unsafe { self.get_unchecked_mut() };
        let Self {
            mags,
            source,
            state,
            name,
            complaints,
            ..
        } = this;
        // `&mut` proves that no CPU uses the magazines any more.
        mags.for_each_mut(|mag| Self::flush_into(source, state, name, complaints, mag));
        {
            // The reserve's objects are nobody's: back to their slabs.
            let mut state = state.lock();
            while let Some(addr) = state.reserve.drain() {
                state.give(name, complaints, addr);
            }
        }
        let live = this.objects_live();
        // Objects nobody can free any more go with the cache; others may
        // still be in use, and are leaked rather than freed under a user.
        let free_live = *this.abandoned.get_mut() && matches!(this.source, Source::Slabs { .. });
        if live > 0 {
            let fate = if free_live {
                "freed"
            } else {
                "leaked, not freed"
            };
            pr_warn!(
                "cache {} destroyed with {} objects allocated: their memory is {}\n",
                this.name(),
                live,
                fate
            );
        }
        loop {
            let slab = this.state.lock().slabs.remove_any();
            match slab {
                Some(slab) if slab.inuse() > 0 && !free_live => slab.leak(),
                Some(slab) => drop(slab),
                None => break,
            }
        }
        loop {
            let mem = this.state.lock().emergency.pop_any();
            match mem {
                // Still in someone's hands: leak it.
                Some(mem) if !free_live => core::mem::forget(mem),
                Some(mem) => drop(mem),
                None => break,
            }
        }
        // Nothing of this cache is reclaimable any more.
        let published = core::mem::take(&mut this.state.lock().published);
        reclaim_stats::account(-published);
        if let Source::PassThrough { linux, .. } = &mut this.source {
            if live > 0 {
                // Objects are still out: leak the Linux cache with them.
                linux.keep_when_dropped();
            }
        }
    }
}
