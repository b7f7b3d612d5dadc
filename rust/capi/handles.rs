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
    ptr::{null_mut, NonNull},
    sync::atomic::{AtomicPtr, AtomicUsize, Ordering},
};
use kernel::{alloc::flags::GFP_KERNEL, init::Zeroable, prelude::*};

const SLOTS_PER_PAGE: usize = 128;
/// Pages of slots: at most 16384 caches are live at once.
const PAGES: usize = 128;
/// The generation sits above this many bits of a handle; it is never 0,
/// so no handle is small. The slot's index is the low bits, and the bits
/// between are 0.
const SLOT_BITS: u32 = 16;
/// The bits of a handle that name its slot: every value of them is a slot
/// of the table, so the lookup needs no range check.
const INDEX_MASK: usize = SLOTS_PER_PAGE * PAGES - 1;
const _: () = assert!(INDEX_MASK < 1 << SLOT_BITS && (INDEX_MASK + 1).is_power_of_two());

/// Set in a free slot's `handle` word, above the slot's index: no handle
/// has it.
pub(crate) const FREE: usize = 1 << (SLOT_BITS - 1);
const _: () = assert!(FREE > INDEX_MASK);

/// The word of free slot `index` whose next cache gets `generation`. Its
/// low bits are not `index` (bit 0 differs), so neither a real handle nor
/// a made-up one, whose low bits pick slot `index`, ever equals it: a
/// lookup never matches a free slot, 0 and `FREE` included.
const fn free_word(index: usize, generation: usize) -> usize {
    (generation << SLOT_BITS) | FREE | ((index ^ 1) & INDEX_MASK)
}

/// One cache's place in the table: 16 bytes, so that a lookup indexes it
/// with a shift.
struct Slot {
    /// The live handle of this slot, or `free_word` for a free one.
    handle: AtomicUsize,
    /// The cache; valid while `handle` is its handle (the registry holds
    /// a reference). Set before the handle is published and left as it
    /// is when the slot is freed: a lookup that matched the handle needs
    /// no null check.
    cache: AtomicPtr<Cache>,
}

struct Page {
    slots: [Slot; SLOTS_PER_PAGE],
}

// SAFETY: all-zero atomics are valid values.
unsafe impl Zeroable for Page {}

/// What every entry of the table points to until `assign` gives it a page
/// of its own: free slots, so that a lookup needs no null check either.
/// Slot `j` stands for slot `j` of every page: its free word's low bits
/// differ from `j` in bit 0, so from every index it stands for.
static UNUSED: Page = {
    let mut slots = [const {
        Slot {
            handle: AtomicUsize::new(0),
            cache: AtomicPtr::new(null_mut()),
        }
    }; SLOTS_PER_PAGE];
    let mut j = 0;
    while j < SLOTS_PER_PAGE {
        slots[j].handle = AtomicUsize::new(free_word(j, 0));
        j += 1;
    }
    Page { slots }
};

const fn unused() -> *mut Page {
    core::ptr::addr_of!(UNUSED).cast_mut()
}

/// The table's pages, allocated as slots are needed, freed at unload.
static TABLE: [AtomicPtr<Page>; PAGES] = [const { AtomicPtr::new(unused()) }; PAGES];

fn page(i: usize) -> &'static Page {
    let p = TABLE[i].load(Ordering::Acquire);
    // SAFETY: `p` is `UNUSED` or a page `assign` installed from
    // `KBox::into_raw`, which stays until `free_pages`, at unload, when no
    // caller of rspl remains.
    unsafe { &*p }
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
    // Any other bits of a made-up handle make the comparison below fail.
    let i = handle & INDEX_MASK;
    let slot = &page(i / SLOTS_PER_PAGE).slots[i % SLOTS_PER_PAGE];
    if slot.handle.load(Ordering::Acquire) != handle {
        return None;
    }
    // SAFETY: a free slot's word matches no handle (`free_word`), so
    // `handle` is the slot's live handle and `cache` the cache the
    // registry holds (stored, non-null, before the handle was published),
    // until `release` (the caller's contract).
    Some(unsafe { NonNull::new_unchecked(slot.cache.load(Ordering::Relaxed)).as_ref() })
}

/// Gives `cache` a free slot and returns its handle.
///
/// # Context
///
/// Under the registry's create lock (slots are handed out one at a time);
/// may sleep (allocates a page of the table).
pub(crate) fn assign(cache: &Cache) -> Result<usize> {
    for (p, entry) in TABLE.iter().enumerate() {
        if entry.load(Ordering::Acquire) == unused() {
            let new = KBox::init(kernel::init::zeroed::<Page>(), GFP_KERNEL)?;
            for (j, slot) in new.slots.iter().enumerate() {
                slot.handle
                    .store(free_word(p * SLOTS_PER_PAGE + j, 0), Ordering::Relaxed);
            }
            // Publishes the free words with the page.
            entry.store(KBox::into_raw(new), Ordering::Release);
        }
        for (j, slot) in page(p).slots.iter().enumerate() {
            let old = slot.handle.load(Ordering::Relaxed);
            if old & FREE == 0 {
                continue;
            }
            // Generation 0 is never used: a handle has bits above the slot.
            let generation = (old >> SLOT_BITS).max(1);
            let handle = (generation << SLOT_BITS) | (p * SLOTS_PER_PAGE + j);
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
/// `handle` reads as free.
pub(crate) fn release(handle: usize) {
    if handle & FREE != 0 || handle == 0 {
        return;
    }
    let i = handle & INDEX_MASK;
    let slot = &page(i / SLOTS_PER_PAGE).slots[i % SLOTS_PER_PAGE];
    if slot.handle.load(Ordering::Relaxed) != handle {
        return;
    }
    // The next generation wraps within the handle's bits, skipping 0.
    let next = ((handle >> SLOT_BITS) + 1) & (usize::MAX >> (SLOT_BITS + 1));
    slot.handle
        .store(free_word(i, next.max(1)), Ordering::Release);
}

/// How many slots the table has.
#[cfg(CONFIG_KUNIT)]
pub(crate) const SLOTS: usize = INDEX_MASK + 1;

/// The word slot `index` holds now, for tests.
#[cfg(CONFIG_KUNIT)]
pub(crate) fn word_of(index: usize) -> usize {
    let i = index & INDEX_MASK;
    page(i / SLOTS_PER_PAGE).slots[i % SLOTS_PER_PAGE]
        .handle
        .load(Ordering::Relaxed)
}

/// Whether `word` marks a free slot.
#[cfg(CONFIG_KUNIT)]
pub(crate) fn is_free_word(word: usize) -> bool {
    word & FREE != 0
}

/// Frees the table's pages, at unload, once every slot is released.
pub(crate) fn free_pages() {
    for entry in TABLE.iter() {
        let p = entry.swap(unused(), Ordering::AcqRel);
        if p != unused() {
            // SAFETY: `p` came from `KBox::into_raw` in `assign`, and no
            // caller of rspl remains to look it up.
            drop(unsafe { KBox::from_raw(p) });
        }
    }
}
