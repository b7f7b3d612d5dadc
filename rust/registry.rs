// SPDX-License-Identifier: GPL-2.0

//! Every live cache, in creation order (the order of `/proc` rows), and
//! the module-wide pieces caches share: the grow workqueue and the count
//! of reaps running.

use crate::{cache::Cache, grow_wait::GrowQueue, vec_ext::VecExt};
use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use kernel::{
    alloc::flags::{__GFP_NOWARN, GFP_KERNEL, GFP_NOWAIT},
    new_mutex,
    prelude::*,
    sync::{Arc, Mutex},
    workqueue::Queue,
};

#[pin_data]
pub(crate) struct Registry {
    #[pin]
    caches: Mutex<KVec<Arc<Cache>>>,
    grow_queue: GrowQueue,
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

pub(crate) fn grow_queue() -> Option<&'static Queue> {
    get().map(|r| r.grow_queue.queue())
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
    /// Adds a new cache at the end. Never allocates under the lock: an
    /// allocation that reclaims may run rspl's shrinker, which takes it.
    pub(crate) fn add(&self, cache: Arc<Cache>) -> Result {
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

    /// Takes the cache at `ptr` out of the registry.
    pub(crate) fn remove(&self, ptr: *const Cache) -> Option<Arc<Cache>> {
        let mut caches = self.caches.lock();
        let i = caches.iter().position(|c| core::ptr::eq(&**c, ptr))?;
        caches.remove_at(i)
    }

    /// Takes a cache that module `owner` made out of the registry.
    pub(crate) fn remove_owned_by(&self, owner: usize) -> Option<Arc<Cache>> {
        let mut caches = self.caches.lock();
        let i = caches.iter().position(|c| c.owner() == owner)?;
        caches.remove_at(i)
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
                caches <- new_mutex!(KVec::new(), "rspl_registry"),
                grow_queue: GrowQueue::new()?,
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
            cache.mark_destroyed();
        }
        // Pending grows still hold references: the workqueue drains when
        // the registry drops, after the pointer is gone.
        drop(left);
        REGISTRY.store(core::ptr::null_mut(), Ordering::Release);
    }
}
