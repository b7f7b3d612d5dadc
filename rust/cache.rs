// SPDX-License-Identifier: GPL-2.0

//! An rspl cache: objects from a Linux kmem_cache (pass-through) or from
//! rspl's own slabs, grown on a workqueue while callers wait with a
//! timeout, with emergency objects from `kmalloc(GFP_NOIO)` when the wait
//! times out.
//!
//! Constructors run once per allocation and destructors once per free.

use crate::{
    emergency::{EmergencySet, NewEmergency},
    flags::*,
    grow_wait::GrowWaitQueue,
    irq_lock::IrqSpinLock,
    linux_cache::LinuxCache,
    memory::{self, NoIoScope},
    params,
    report_format::{RowCounts, SlabCounts},
    slab::{Slab, SlabLayout},
    slab_set::SlabSet,
    spec::{CacheSpec, Placement},
};
use core::{
    ffi::c_void,
    ptr::NonNull,
    sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
};
use kernel::{
    alloc::flags::GFP_KERNEL,
    ffi::c_int,
    new_spinlock, new_work,
    prelude::*,
    rbtree::RBTreeNode,
    str::{CStr, CString},
    sync::{Arc, ArcBorrow},
    time::{ktime_ms_delta, Ktime},
    workqueue::{impl_has_work, Work, WorkItem},
};

pub(crate) type Ctor = unsafe extern "C" fn(*mut c_void, *mut c_void, c_int) -> c_int;
pub(crate) type Dtor = unsafe extern "C" fn(*mut c_void, *mut c_void);
pub(crate) type Reclaim = unsafe extern "C" fn(*mut c_void);

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
        linux: LinuxCache,
        /// Objects handed out, per CPU: no shared atomic on this path.
        allocated: crate::counter::PerCpuCounter,
    },
    Slabs(SlabLayout),
}

/// What the cache's lock protects.
struct State {
    slabs: SlabSet,
    emergency: EmergencySet,
    /// Waits for a grow that timed out.
    deadlocks: u64,
}

/// A value that `Cache` checks at every entry point, to refuse a pointer
/// that is not a live cache (a destroyed one has it cleared).
const CACHE_MAGIC: u64 = 0x7273_706c_6361_6368; // "rsplcach"

#[pin_data(PinnedDrop)]
pub(crate) struct Cache {
    magic: AtomicU64,
    name: CString,
    spec: CacheSpec,
    callbacks: Callbacks,
    source: Source,
    /// Create flags and `KMC_BIT_*` state bits, as `/proc` shows them.
    flags: AtomicUsize,
    /// A mirror of the emergency count, read without the lock by free.
    emergency_live: AtomicUsize,
    /// Whether the last grow failed (its waiters go to the emergency path).
    last_grow_failed: AtomicBool,
    #[pin]
    state: IrqSpinLock<State>,
    #[pin]
    waitq: GrowWaitQueue,
    #[pin]
    grow_work: Work<Cache>,
}

// SAFETY: the private pointer belongs to the caller, who shares the cache
// between threads as SPL caches are; everything else is Send and Sync.
unsafe impl Send for Cache {}
// SAFETY: as above.
unsafe impl Sync for Cache {}

impl_has_work! {
    impl HasWork<Self> for Cache { self.grow_work }
}

impl WorkItem for Cache {
    type Pointer = Arc<Cache>;

    fn run(this: Arc<Cache>) {
        this.grow();
    }
}

/// How an allocation's waiting ended.
enum Miss {
    /// Take an emergency object now.
    Emergency,
    /// Look at the slabs again.
    Retry,
}

impl Cache {
    /// Creates a cache of the validated `spec`.
    pub(crate) fn new(name: &CStr, spec: CacheSpec, callbacks: Callbacks) -> Result<Arc<Self>> {
        let source = match spec.placement {
            Placement::PassThrough => Source::PassThrough {
                linux: LinuxCache::new(
                    name,
                    spec.size,
                    spec.align,
                    spec.flags & KMC_RECLAIMABLE != 0,
                )
                .ok_or(ENOMEM)?,
                allocated: crate::counter::PerCpuCounter::new().ok_or(ENOMEM)?,
            },
            Placement::Slabs(layout) => Source::Slabs(layout),
        };
        let objs = match spec.placement {
            Placement::Slabs(layout) => layout.objs,
            Placement::PassThrough => 0,
        };
        let name = name.to_cstring()?;
        Arc::pin_init(
            pin_init!(Self {
                magic: AtomicU64::new(CACHE_MAGIC),
                name,
                spec,
                callbacks,
                source,
                flags: AtomicUsize::new(spec.flags as usize),
                emergency_live: AtomicUsize::new(0),
                last_grow_failed: AtomicBool::new(false),
                state <- IrqSpinLock::new(new_spinlock!(State {
                    slabs: SlabSet::new(objs),
                    emergency: EmergencySet::new(),
                    deadlocks: 0,
                }, "rspl_cache_state")),
                waitq <- GrowWaitQueue::new(),
                grow_work <- new_work!("rspl_cache_grow"),
            }),
            GFP_KERNEL,
        )
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

    fn set_flag(&self, bit: u32) -> bool {
        self.flags.fetch_or(1 << bit, Ordering::AcqRel) & (1 << bit) != 0
    }

    fn clear_flag(&self, bit: u32) {
        self.flags.fetch_and(!(1 << bit), Ordering::AcqRel);
    }

    /// Allocates an object; `None` only for `KM_NOSLEEP` (or a failing
    /// constructor).
    pub(crate) fn alloc(this: ArcBorrow<'_, Self>, kmflags: i32) -> Option<NonNull<u8>> {
        let mut nosleep = kmflags & KM_NOSLEEP != 0;
        if !nosleep && memory::in_atomic() {
            pr_err!(
                "cache {}: KM_SLEEP allocation in atomic context, served as KM_NOSLEEP\n",
                this.name()
            );
            nosleep = true;
        }
        let zero = kmflags & KM_ZERO != 0;
        let (obj, zeroed) = match &this.source {
            Source::PassThrough { linux, allocated } => {
                let flags = if nosleep {
                    kmflags | KM_NOSLEEP
                } else {
                    kmflags
                };
                let obj = linux.alloc(flags)?;
                allocated.add(1);
                (obj, zero)
            }
            Source::Slabs(_) => Self::alloc_from_slabs(this, nosleep, zero)?,
        };
        if zero && !zeroed {
            // SAFETY: `obj` was just handed out to this caller alone.
            unsafe { memory::zero_object(obj.as_ptr() as usize, this.spec.size) };
        }
        if let Some(ctor) = this.callbacks.ctor {
            // SAFETY: the caller's constructor, on an object it owns, with
            // its private pointer, as the C API documents.
            let ret = unsafe { ctor(obj.as_ptr().cast(), this.callbacks.private, kmflags) };
            if ret != 0 {
                // Not constructed: give it back without the destructor.
                this.release(obj);
                return None;
            }
        }
        Some(obj)
    }

    /// An object from the slabs, or an emergency object. Returns whether
    /// it is already zeroed.
    fn alloc_from_slabs(
        this: ArcBorrow<'_, Self>,
        nosleep: bool,
        zero: bool,
    ) -> Option<(NonNull<u8>, bool)> {
        // When the first miss happened, and the timeout then: a hit never
        // reads the clock or the parameter.
        let mut since: Option<(Ktime, u32)> = None;
        loop {
            let deadlocked = {
                let mut state = this.state.lock();
                if let Some(addr) = state.slabs.take() {
                    return NonNull::new(addr as *mut u8).map(|p| (p, false));
                }
                this.flag(KMC_BIT_DEADLOCKED)
            };
            // Out of objects: make sure a grow is on its way.
            Self::start_grow(this);
            if nosleep || deadlocked {
                // Never sleep; while the cache is marked deadlocked, do not
                // wait again either: the stuck grow is still stuck.
                return this.emergency_alloc(nosleep, zero).map(|p| (p, true));
            }
            let (start, timeout_ms) =
                *since.get_or_insert_with(|| (Ktime::ktime_get(), params::grow_timeout_ms()));
            let waited = ktime_ms_delta(Ktime::ktime_get(), start);
            let left = (timeout_ms as i64 - waited).max(0) as u32;
            match this.wait_for_grow(left) {
                Miss::Emergency => return this.emergency_alloc(false, zero).map(|p| (p, true)),
                Miss::Retry => continue,
            }
        }
    }

    /// Waits at most `ms` for the grow in flight.
    fn wait_for_grow(&self, ms: u32) -> Miss {
        let done = ms > 0 && self.waitq.wait_bit_clear(&self.flags, KMC_BIT_GROWING, ms);
        if !done {
            // The grow is stuck (or just slow): never wait past the timeout.
            self.set_flag(KMC_BIT_DEADLOCKED);
            self.state.lock().deadlocks += 1;
            return Miss::Emergency;
        }
        if self.last_grow_failed.load(Ordering::Acquire) {
            // No memory for a slab: an emergency object is the way forward.
            return Miss::Emergency;
        }
        Miss::Retry
    }

    /// Queues a grow unless one is in flight (the GROWING bit).
    fn start_grow(this: ArcBorrow<'_, Self>) {
        if this.set_flag(KMC_BIT_GROWING) {
            return;
        }
        let queued = crate::registry::grow_queue().map(|q| q.enqueue(Arc::from(this)).is_ok());
        if queued != Some(true) {
            // No queue (module going away) or already queued: do not leave
            // waiters sleeping on a bit nobody will clear.
            this.clear_flag(KMC_BIT_GROWING);
            this.waitq.wake_all();
        }
    }

    /// The grow worker: adds one slab, then clears GROWING and wakes every
    /// waiter, in that order (a waiter woken before the bit clears would
    /// sleep again for the full timeout).
    fn grow(&self) {
        let delay = params::inject_grow_delay_ms();
        if delay > 0 {
            memory::msleep(delay);
        }
        let added = match &self.source {
            Source::Slabs(layout) => {
                let _noio = NoIoScope::enter();
                self.add_slab(layout)
            }
            Source::PassThrough { .. } => false,
        };
        self.last_grow_failed.store(!added, Ordering::Release);
        if added {
            self.clear_flag(KMC_BIT_DEADLOCKED);
        }
        self.clear_flag(KMC_BIT_GROWING);
        self.waitq.wake_all();
    }

    fn add_slab(&self, layout: &SlabLayout) -> bool {
        let Some(slab) = Slab::new(layout) else {
            return false;
        };
        let end = slab.end();
        let Ok(node) = RBTreeNode::new(end, slab, GFP_KERNEL) else {
            return false;
        };
        let rejected = self.state.lock().slabs.add(end, node).err();
        // Dropped (vfree) here, outside the lock, if it was not added.
        rejected.is_none()
    }

    /// Allocates an emergency object with the caller's no-I/O flags. A
    /// sleeping caller never gets `None`: it retries with a backoff.
    fn emergency_alloc(&self, nosleep: bool, zero: bool) -> Option<NonNull<u8>> {
        let mut tries: u32 = 0;
        loop {
            let new = {
                let _noio = NoIoScope::enter();
                NewEmergency::new(self.spec.size, self.spec.align, nosleep, zero)
            };
            if let Some(new) = new {
                let inserted = {
                    let mut state = self.state.lock();
                    let r = state.emergency.insert(new);
                    if r.is_ok() {
                        self.emergency_live.fetch_add(1, Ordering::Relaxed);
                    }
                    r
                };
                // A refused object is dropped (kfree) here, unlocked.
                if let Ok(obj) = inserted {
                    return NonNull::new(obj as *mut u8);
                }
            }
            if nosleep {
                return None;
            }
            tries += 1;
            if tries.is_power_of_two() {
                pr_warn!(
                    "cache {}: emergency allocation failed {} times, retrying\n",
                    self.name(),
                    tries
                );
            }
            memory::msleep(tries.min(100));
        }
    }

    /// Frees `obj`: destructor, then back to where it came from. A pointer
    /// that is not one of the cache's live objects is reported and ignored.
    pub(crate) fn free(&self, obj: NonNull<u8>) {
        if let Some(dtor) = self.callbacks.dtor {
            // SAFETY: the caller's destructor on the object it frees.
            unsafe { dtor(obj.as_ptr().cast(), self.callbacks.private) };
        }
        self.release(obj);
    }

    /// Returns `obj` to the cache without its destructor.
    fn release(&self, obj: NonNull<u8>) {
        let addr = obj.as_ptr() as usize;
        match &self.source {
            Source::PassThrough { linux, allocated } => {
                allocated.add(-1);
                // SAFETY: the C API's contract: `obj` came from this cache
                // and is freed once.
                unsafe { linux.free(obj) };
            }
            Source::Slabs(_) => {
                if self.emergency_live.load(Ordering::Relaxed) > 0 {
                    let mem = self.state.lock().emergency.remove(addr);
                    if let Some(mem) = mem {
                        self.emergency_live.fetch_sub(1, Ordering::Relaxed);
                        drop(mem);
                        return;
                    }
                }
                let (result, surplus) = {
                    let mut state = self.state.lock();
                    let r = state.slabs.give(addr);
                    // Keep one empty slab for the next allocation; give the
                    // rest back to the system at once when we may sleep.
                    let surplus = if state.slabs.empty_slabs() > 1 && !memory::in_atomic() {
                        state.slabs.remove_empty()
                    } else {
                        None
                    };
                    (r, surplus)
                };
                drop(surplus);
                if let Err(e) = result {
                    pr_err!(
                        "cache {}: free of {:#x} refused: {:?}\n",
                        self.name(),
                        addr,
                        e
                    );
                }
            }
        }
    }

    /// Returns free memory: calls the reclaim callback while it frees
    /// objects, then frees every empty slab.
    pub(crate) fn reap(&self) {
        self.set_flag(KMC_BIT_REAPING);
        crate::registry::reap_started();
        if let Some(reclaim) = self.callbacks.reclaim {
            for _ in 0..8 {
                let before = self.objects_allocated();
                // SAFETY: the caller's reclaim callback with its pointer.
                unsafe { reclaim(self.callbacks.private) };
                if self.objects_allocated() >= before {
                    break;
                }
            }
        }
        loop {
            let slab = self.state.lock().slabs.remove_empty();
            match slab {
                Some(slab) => drop(slab),
                None => break,
            }
        }
        self.clear_flag(KMC_BIT_REAPING);
        crate::registry::reap_finished();
    }

    fn objects_allocated(&self) -> u64 {
        match &self.source {
            Source::PassThrough { allocated, .. } => allocated.sum().max(0) as u64,
            Source::Slabs(_) => {
                let state = self.state.lock();
                state.slabs.stats().objs_alloc + state.emergency.count()
            }
        }
    }

    pub(crate) fn inuse(&self) -> bool {
        self.objects_allocated() > 0
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
            Source::PassThrough { allocated, .. } => RowCounts::PassThrough {
                obj_size,
                objs_alloc: allocated.sum().max(0) as u64,
            },
            Source::Slabs(layout) => {
                let state = self.state.lock();
                let s = state.slabs.stats();
                RowCounts::Slabs(SlabCounts {
                    slab_size: layout.bytes as u32,
                    obj_size,
                    slabs_total: s.slabs_total,
                    slabs_alloc: s.slabs_alloc,
                    slabs_max: s.slabs_max,
                    objs_total: s.objs_total + state.emergency.count(),
                    objs_alloc: s.objs_alloc,
                    objs_max: s.objs_max,
                    deadlocks: state.deadlocks,
                    emergency: state.emergency.count(),
                    emergency_max: state.emergency.max(),
                })
            }
        };
        (flags, counts)
    }

    /// Marks the cache destroyed: entry points refuse it from now on.
    pub(crate) fn mark_destroyed(&self) {
        self.set_flag(KMC_BIT_DESTROY);
        self.magic.store(0, Ordering::Relaxed);
    }
}

#[pinned_drop]
impl PinnedDrop for Cache {
    fn drop(self: Pin<&mut Self>) {
        // Runs in process context: the last reference goes in destroy or
        // in the grow worker.
        let live = self.objects_allocated();
        if live > 0 {
            pr_warn!(
                "cache {} destroyed with {} objects allocated: their memory is leaked, not freed\n",
                self.name(),
                live
            );
        }
        loop {
            let slab = self.state.lock().slabs.remove_any();
            match slab {
                Some(slab) if slab.inuse() > 0 => slab.leak(),
                Some(slab) => drop(slab),
                None => break,
            }
        }
        loop {
            let mem = self.state.lock().emergency.pop_any();
            match mem {
                // Still in someone's hands: leak it.
                Some(mem) => core::mem::forget(mem),
                None => break,
            }
        }
        if live > 0 {
            if let Source::PassThrough { .. } = self.source {
                // kmem_cache_destroy() of a cache with objects would BUG;
                // leave the Linux cache behind instead.
                // SAFETY: `source` is not structurally pinned and is never
                // used again; taking it out only to forget it.
                let this = unsafe { self.get_unchecked_mut() };
                let source = core::mem::replace(&mut this.source, Source::Slabs(dummy_layout()));
                core::mem::forget(source);
            }
        }
    }
}

fn dummy_layout() -> SlabLayout {
    SlabLayout {
        stride: 8,
        objs: 0,
        bytes: 0,
        backing: crate::memory::Backing::Vmalloc,
    }
}
