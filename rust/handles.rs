// SPDX-License-Identifier: GPL-2.0

//! Cache handles: the C API hands out a handle, not a cache's address, so
//! that a call through a stale or made-up handle is refused without
//! reading freed memory, and never reaches a cache created since.
//!
//! A handle names a slot of a table whose pages stay until rspl unloads,
//! and carries the slot's generation when its cache was created. Taking a
//! cache out moves its slot to the next generation: every older handle of
//! that slot then matches nothing. Handles lie below the kernel's
//! addresses, so a pointer is never taken for one. A call that races with
//! the destroy of its own cache is a use-after-free of the caller's, which
//! no check can catch.

use crate::cache::Cache;
use core::{
    ptr::null_mut,
    sync::atomic::{AtomicPtr, AtomicU32, AtomicUsize, Ordering},
};
use kernel::{alloc::flags::GFP_KERNEL, init::Zeroable, prelude::*};

const SLOTS_PER_PAGE: usize = 128;
/// Pages of slots: at most 16384 caches are live at once.
const PAGES: usize = 128;
/// The bits of a handle that name its slot (plus one, so that no handle
/// is small); the generation is above them.
const SLOT_BITS: u32 = 16;
const SLOT_MASK: usize = (1 << SLOT_BITS) - 1;

/// One cache's place in the table.
struct Slot {
    /// The live handle of this slot; 0 while it is free.
    handle: AtomicUsize,
    /// The cache; valid while `handle` is its handle (the registry holds
    /// a reference).
    cache: AtomicPtr<Cache>,
    /// The generation the slot's next cache gets; changed by `release`
    /// before it frees the slot.
    generation: AtomicU32,
}

struct Page {
    slots: [Slot; SLOTS_PER_PAGE],
}

// SAFETY: all-zero atomics are valid values: a page of free slots.
unsafe impl Zeroable for Page {}

/// The table's pages, allocated as slots are needed, freed at unload.
static TABLE: [AtomicPtr<Page>; PAGES] = [const { AtomicPtr::new(null_mut()) }; PAGES];

fn page(i: usize) -> Option<&'static Page> {
    let p = TABLE.get(i)?.load(Ordering::Acquire);
    // SAFETY: a non-null page was installed by `assign` from
    // `KBox::into_raw` and stays until `free_pages`, at unload, when no
    // caller of rspl remains.
    unsafe { p.as_ref() }
}

/// The live cache `handle` names.
///
/// # Safety
///
/// The cache must not be taken out (`release`) while the reference is
/// used: for the C API, the caller does not use a cache while destroying
/// it.
#[inline(always)]
pub(crate) unsafe fn lookup<'a>(handle: usize) -> Option<&'a Cache> {
    let i = (handle & SLOT_MASK).checked_sub(1)?;
    if handle >> (SLOT_BITS + u32::BITS) != 0 {
        return None;
    }
    let slot = &page(i / SLOTS_PER_PAGE)?.slots[i % SLOTS_PER_PAGE];
    if slot.handle.load(Ordering::Acquire) != handle {
        return None;
    }
    // SAFETY: `handle` is the slot's live handle, so `cache` is a cache
    // the registry holds, until `release` (the caller's contract).
    unsafe { slot.cache.load(Ordering::Acquire).as_ref() }
}

/// Gives `cache` a free slot and returns its handle.
///
/// # Context
///
/// Under the registry's create lock (slots are handed out one at a time);
/// may sleep (allocates a page of the table).
pub(crate) fn assign(cache: &Cache) -> Result<usize> {
    for (p, entry) in TABLE.iter().enumerate() {
        let page = match page(p) {
            Some(page) => page,
            None => {
                let new = KBox::init(kernel::init::zeroed::<Page>(), GFP_KERNEL)?;
                entry.store(KBox::into_raw(new), Ordering::Release);
                page(p).ok_or(ENOMEM)?
            }
        };
        for (j, slot) in page.slots.iter().enumerate() {
            // Acquire: a slot `release` freed shows its new generation.
            if slot.handle.load(Ordering::Acquire) != 0 {
                continue;
            }
            // Generation 0 is never used: a handle has bits above the slot.
            let generation = slot.generation.load(Ordering::Relaxed).max(1);
            let handle = ((generation as usize) << SLOT_BITS) | (p * SLOTS_PER_PAGE + j + 1);
            slot.cache
                .store(cache as *const Cache as *mut Cache, Ordering::Relaxed);
            // Publishes the cache pointer with the handle.
            slot.handle.store(handle, Ordering::Release);
            return Ok(handle);
        }
    }
    Err(ENOSPC)
}

/// Frees `handle`'s slot: from now on it, and every older handle of the
/// slot, names nothing.
///
/// # Context
///
/// Under the registry's cache list lock, once per handle. `assign` may
/// run meanwhile (under the create lock): it takes the slot only once
/// `handle` reads 0, after the new generation and the null cache are in.
pub(crate) fn release(handle: usize) {
    let Some(i) = (handle & SLOT_MASK).checked_sub(1) else {
        return;
    };
    let Some(page) = page(i / SLOTS_PER_PAGE) else {
        return;
    };
    let slot = &page.slots[i % SLOTS_PER_PAGE];
    if slot.handle.load(Ordering::Relaxed) != handle {
        return;
    }
    let next = ((handle >> SLOT_BITS) as u32).wrapping_add(1).max(1);
    slot.generation.store(next, Ordering::Relaxed);
    slot.cache.store(null_mut(), Ordering::Relaxed);
    // Release: publishes the two stores above to `assign`.
    slot.handle.store(0, Ordering::Release);
}

/// Frees the table's pages, at unload, once every slot is released.
pub(crate) fn free_pages() {
    for entry in TABLE.iter() {
        let p = entry.swap(null_mut(), Ordering::AcqRel);
        if !p.is_null() {
            // SAFETY: `p` came from `KBox::into_raw` in `assign`, and no
            // caller of rspl remains to look it up.
            drop(unsafe { KBox::from_raw(p) });
        }
    }
}
