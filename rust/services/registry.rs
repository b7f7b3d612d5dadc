// SPDX-License-Identifier: GPL-2.0

//! Every live cache, in creation order (the order of `/proc` rows), and
//! the module-wide pieces caches share: the grow crew and the count of
//! reaps running.

use crate::{cache::Cache, capi::handles, services::grow_crew::GrowCrew, sys::vec_ext::VecExt};
use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use kernel::{
    alloc::flags::{__GFP_NOWARN, GFP_KERNEL, GFP_NOWAIT},
    fmt, new_mutex,
    prelude::*,
    str::{CStr, CString},
    sync::{Arc, Mutex},
};

#[pin_data]
pub(crate) struct Registry {
    /// Held across a create, so that two caches never pick one Linux name.
    /// Taken before `caches`; allocating under it is fine (no reclaim path
    /// takes it).
    #[pin]
    creating: Mutex<()>,
    #[pin]
    caches: Mutex<KVec<Arc<Cache>>>,
    #[pin]
    crew: GrowCrew,
    reaping: AtomicUsize,
}

/// The installed registry; null before init and after exit.
static REGISTRY: AtomicPtr<Registry> = AtomicPtr::new(core::ptr::null_mut());

/// The registry while the module is loaded.
pub(crate) fn get() -> Option<&'static Registry> {
    let p = REGISTRY.load(Ordering::Acquire);
    // SAFETY: a non-null pointer was installed by `Installed::new` and
    // stays valid until `Installed` is dropped at module exit, after
    // which no caller of rspl's functions remains (consumer modules hold a
    // reference to rspl.ko; procfs readers are gone with the proc file).
    unsafe { p.as_ref() }
}

pub(crate) fn grow_crew() -> Option<&'static GrowCrew> {
    get().map(|r| &r.crew)
}

pub(crate) fn reap_started() {
    if let Some(r) = get() {
        r.reaping.fetch_add(1, Ordering::Relaxed);
    }
}

pub(crate) fn reap_finished() {
    if let Some(r) = get() {
        r.reaping.fetch_sub(1, Ordering::Relaxed);
    }
}

pub(crate) fn reaps_running() -> usize {
    get().map_or(0, |r| r.reaping.load(Ordering::Relaxed))
}

impl Registry {
    /// Creates a cache with `make` and adds it at the end. `make` is given
    /// the name its Linux cache takes if it has one: `rspl-<name>`, or
    /// `rspl-<name>-<n>` when live caches have taken that (n from 2), so
    /// that two caches of one name never clash in `/sys/kernel/slab`
    /// (SLUB would warn and refuse the second) and none takes the entry of
    /// a cache OpenZFS's own SPL named `<name>`. The cache gets its C
    /// API handle (`capi/handles.rs`).
    pub(crate) fn create(
        &self,
        name: &CStr,
        make: impl FnOnce(CString) -> Result<Arc<Cache>>,
    ) -> Result<Arc<Cache>> {
        let _creating = self.creating.lock();
        let cache = make(self.free_linux_name(name)?)?;
        let handle = handles::assign(&cache)?;
        cache.set_handle(handle);
        if let Err(e) = self.add(cache.clone()) {
            handles::release(handle);
            return Err(e);
        }
        Ok(cache)
    }

    /// The first Linux cache name for `name` that no live cache has.
    fn free_linux_name(&self, name: &CStr) -> Result<CString> {
        let taken = |candidate: &CString| {
            self.caches.lock().iter().any(|c| {
                c.linux_name()
                    .is_some_and(|n| n.as_bytes() == candidate.as_bytes())
            })
        };
        let first = CString::try_from_fmt(fmt!("rspl-{}", name))?;
        if !taken(&first) {
            return Ok(first);
        }
        for n in 2..u32::MAX {
            let candidate = CString::try_from_fmt(fmt!("rspl-{}-{}", name, n))?;
            if !taken(&candidate) {
                return Ok(candidate);
            }
        }
        Err(EBUSY)
    }

    /// Adds a new cache at the end. Never allocates under the lock: an
    /// allocation that reclaims may run rspl's shrinker, which takes it.
    fn add(&self, cache: Arc<Cache>) -> Result {
        loop {
            let want = {
                let mut caches = self.caches.lock();
                if caches.len() < caches.capacity() {
                    // Cannot allocate: there is room.
                    caches.push(cache, GFP_NOWAIT)?;
                    return Ok(());
                }
                (caches.capacity() * 2).max(8)
            };
            let mut bigger = KVec::with_capacity(want, GFP_KERNEL)?;
            let mut caches = self.caches.lock();
            if caches.capacity() < want {
                for c in caches.iter() {
                    // Cannot allocate: `want` exceeds the length.
                    bigger.push(c.clone(), GFP_NOWAIT)?;
                }
                core::mem::swap(&mut *caches, &mut bigger);
            }
            drop(caches);
            // The old array and its extra references go here, unlocked.
            drop(bigger);
        }
    }

    /// References to every cache, in creation order, for walking them
    /// without the lock (reclaim calls back into caches' owners). `None`
    /// when there is no memory for the list.
    pub(crate) fn snapshot(&self) -> Option<KVec<Arc<Cache>>> {
        let caches = self.caches.lock();
        let mut all = KVec::with_capacity(caches.len(), GFP_NOWAIT | __GFP_NOWARN).ok()?;
        for c in caches.iter() {
            // Cannot allocate: the capacity is the length.
            all.push(c.clone(), GFP_NOWAIT).ok()?;
        }
        Some(all)
    }

    /// Takes `cache` out of the registry: its handle names nothing from
    /// now on.
    pub(crate) fn remove(&self, cache: &Cache) -> Option<Arc<Cache>> {
        self.remove_where(|c| core::ptr::eq(c, cache))
    }

    /// Takes a cache that module `owner` made out of the registry.
    pub(crate) fn remove_owned_by(&self, owner: usize) -> Option<Arc<Cache>> {
        self.remove_where(|c| c.owner() == owner)
    }

    fn remove_where(&self, pick: impl Fn(&Cache) -> bool) -> Option<Arc<Cache>> {
        let mut caches = self.caches.lock();
        let i = caches.iter().position(|c| pick(c))?;
        let cache = caches.remove_at(i)?;
        handles::release(cache.handle());
        Some(cache)
    }

    /// Calls `f` on every cache in creation order, under the registry lock.
    pub(crate) fn for_each<E>(&self, mut f: impl FnMut(&Cache) -> Result<(), E>) -> Result<(), E> {
        let caches = self.caches.lock();
        caches.iter().try_for_each(|c| f(c))
    }
}

/// The registry, installed for the module's lifetime.
pub(crate) struct Installed {
    registry: Pin<KBox<Registry>>,
}

impl Installed {
    pub(crate) fn new() -> Result<Self> {
        let registry = KBox::pin_init(
            try_pin_init!(Registry {
                creating <- new_mutex!((), "rspl_registry_create"),
                caches <- new_mutex!(KVec::new(), "rspl_registry"),
                crew <- GrowCrew::new(),
                reaping: AtomicUsize::new(0),
            }),
            GFP_KERNEL,
        )?;
        let p = &*registry as *const Registry as *mut Registry;
        REGISTRY.store(p, Ordering::Release);
        Ok(Self { registry })
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        let left = core::mem::take(&mut *self.registry.caches.lock());
        for cache in left.iter() {
            pr_warn!(
                "cache {} was never destroyed; destroying it at unload\n",
                cache.name()
            );
            handles::release(cache.handle());
            cache.mark_destroyed();
        }
        handles::free_pages();
        // Pending grows still hold references: the crew stops, and drops
        // them, when the registry drops, after the pointer is gone.
        drop(left);
        REGISTRY.store(core::ptr::null_mut(), Ordering::Release);
        crate::sys::memory::flush_deferred_frees();
    }
}
