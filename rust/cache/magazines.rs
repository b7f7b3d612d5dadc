// SPDX-License-Identifier: GPL-2.0

//! Every CPU's magazine of a cache, in one per-CPU block: a small header
//! (a "held" byte, the length, aging and shrinker bookkeeping) followed by
//! the rounds, reached from this CPU with one `gs:` load (`sys/this_cpu.rs`).
//!
//! Exclusion is preemption off plus the held byte, the idea of the
//! kernel's later `local_trylock_t` (6.12 has only `local_lock_t`, which
//! would need IRQs off): this CPU's code sets the byte, uses the magazine
//! and clears it. An interrupt that finds the byte set does not wait, it
//! goes to the slabs (`hold_local` returns `None`). IRQs stay on.
//!
//! Other CPUs read only the length (a gauge). They flush a magazine by an
//! IPI to its CPU, which takes the byte like any user there; an IPI that
//! finds it held (it interrupted the owner's use) leaves a mark, and the
//! sender tries that CPU again. IPIs rather than per-CPU work items, as
//! SLUB uses: reclaim then never waits for a workqueue worker, which may
//! be stuck in the same reclaim (`tests/RELIABILITY.md`, item 8). A dead
//! CPU's magazine is given back by the CPU-hotplug teardown.

use crate::{
    slab::magazine::Magazine,
    sys::cpu_hotplug::DeadCpu,
    sys::percpu::{self, PerCpuBlock},
    sys::reap_lock::ReapGuard,
    sys::this_cpu,
};
use core::{
    marker::PhantomData,
    ops::{Deref, DerefMut},
    sync::atomic::{compiler_fence, AtomicBool, AtomicU32, AtomicU8, Ordering},
};
use kernel::prelude::*;

/// One CPU's magazine header; its rounds follow it.
#[repr(C)]
struct CpuMagazine {
    /// Set while a context of this CPU (or its teardown) uses the rounds.
    held: AtomicBool,
    /// An IPI found `held` set and flushed nothing.
    missed: AtomicBool,
    idle_ticks: AtomicU8,
    len: AtomicU32,
    published: AtomicU32,
}

/// Where the rounds start: after the header, aligned for `usize`.
const ROUNDS: usize = core::mem::size_of::<CpuMagazine>().next_multiple_of(8);

/// How often flushing tries again a CPU whose magazine was held.
const RETRIES: u32 = 8;

/// The address of one CPU's copy of a `Magazines` block.
///
/// # Invariants
///
/// Made only by `Magazines::copy_of` and `Magazines::local_copy`, from the
/// block of the `Magazines` it is used with, which outlives it.
#[derive(Clone, Copy)]
struct CopyAddr(usize);

/// A cache's magazines.
///
/// # Invariants
///
/// Every copy of `block` is a zeroed-then-used `CpuMagazine` followed by `cap`
/// rounds. A copy's rounds and bookkeeping are used only by a context that
/// set its `held` byte when it was clear: code on its CPU with preemption
/// off, an IPI on its CPU, or its dead CPU's hotplug teardown; or with
/// `&mut self`. Other CPUs only read `len`.
pub(crate) struct Magazines {
    block: PerCpuBlock,
    cap: usize,
}

/// What a use of this CPU's magazine gave, and whether a reschedule
/// became due when preemption came back on: then the caller must call
/// `this_cpu::resched()`, or have its slow path call it.
pub(crate) struct Local<T> {
    pub(crate) value: T,
    pub(crate) resched: bool,
}

/// A magazine held by its user: the byte is cleared (and preemption
/// enabled again, for `hold_local`) when it drops.
pub(crate) struct Held<'a> {
    mag: Magazine<'a>,
    held: &'a AtomicBool,
    preempt: bool,
    /// Not `Send`: it must drop on the CPU that took it.
    _cpu: PhantomData<*mut ()>,
}

impl<'a> Deref for Held<'a> {
    type Target = Magazine<'a>;
    fn deref(&self) -> &Magazine<'a> {
        &self.mag
    }
}

impl<'a> DerefMut for Held<'a> {
    fn deref_mut(&mut self) -> &mut Magazine<'a> {
        &mut self.mag
    }
}

impl Drop for Held<'_> {
    #[inline(always)]
    fn drop(&mut self) {
        // The rounds' stores stay before the release; an interrupt on this
        // CPU sees them in program order.
        compiler_fence(Ordering::SeqCst);
        self.held.store(false, Ordering::Relaxed);
        if self.preempt {
            this_cpu::preempt_enable();
        }
    }
}

impl Magazines {
    /// Empty magazines of `cap` rounds for every possible CPU.
    pub(crate) fn new(cap: usize) -> Result<Self> {
        let bytes = cap
            .checked_mul(core::mem::size_of::<usize>())
            .and_then(|b| b.checked_add(ROUNDS))
            .ok_or(EINVAL)?;
        // INVARIANT: zeroed copies: every header clear, every length 0.
        Ok(Self {
            block: PerCpuBlock::new(bytes)?,
            cap,
        })
    }

    /// Rounds per magazine.
    pub(crate) fn capacity(&self) -> usize {
        self.cap
    }

    /// CPU `cpu`'s copy, if `cpu` is possible.
    fn copy_of(&self, cpu: u32) -> Option<CopyAddr> {
        // INVARIANT: a copy of this block.
        self.block.copy_of(cpu).map(CopyAddr)
    }

    /// This CPU's copy; it stays this CPU's while preemption is off.
    #[inline(always)]
    fn local_copy(&self) -> CopyAddr {
        // INVARIANT: a copy of this block.
        CopyAddr(this_cpu::this_cpu_ptr(self.block.percpu_addr()))
    }

    /// The header of copy `addr`.
    fn header(&self, addr: CopyAddr) -> &CpuMagazine {
        // SAFETY: `addr` is a copy of this block (its invariant), alive as
        // long as `self`, and its header is only ever used through shared
        // references.
        unsafe { &*(addr.0 as *const CpuMagazine) }
    }

    /// The magazine at `addr`, a copy of the block, for the context that
    /// holds it.
    ///
    /// # Safety
    ///
    /// The caller holds the copy's byte (set it when it was clear), or has
    /// `&mut self`, for `'a`.
    #[inline(always)]
    unsafe fn held_at<'a>(&'a self, addr: CopyAddr, preempt: bool) -> Held<'a> {
        let head = self.header(addr);
        // SAFETY: the copy has `cap` rounds after its header (invariant),
        // used by the holder alone (the caller's contract).
        let rounds = unsafe {
            core::slice::from_raw_parts_mut(addr.0.wrapping_add(ROUNDS) as *mut usize, self.cap)
        };
        // INVARIANT: the copy's length never exceeds `cap` (`Magazine`).
        Held {
            mag: Magazine {
                rounds,
                len: &head.len,
                idle_ticks: &head.idle_ticks,
                published: &head.published,
            },
            held: &head.held,
            preempt,
            _cpu: PhantomData,
        }
    }

    /// Takes the copy at `addr` if its byte is clear.
    ///
    /// # Safety
    ///
    /// The caller runs on the copy's CPU with preemption or IRQs off, or
    /// that CPU is dead: the byte's load and store exclude only what can
    /// interrupt the caller there (and releases before it returns).
    #[inline(always)]
    unsafe fn try_hold(&self, addr: CopyAddr, preempt: bool) -> Option<Held<'_>> {
        let head = self.header(addr);
        if head.held.load(Ordering::Relaxed) {
            return None;
        }
        // No read-modify-write needed: an interrupt that ran between the
        // load and the store released what it took before returning.
        head.held.store(true, Ordering::Relaxed);
        compiler_fence(Ordering::SeqCst);
        // SAFETY: the byte was clear and is ours now.
        Some(unsafe { self.held_at(addr, preempt) })
    }

    /// This CPU's magazine, with preemption off until it drops; `None` if
    /// this code interrupted its CPU's own use of it.
    #[inline(always)]
    pub(crate) fn hold_local(&self) -> Option<Held<'_>> {
        this_cpu::preempt_disable();
        // SAFETY: this CPU's copy, preemption off.
        let held = unsafe { self.try_hold(self.local_copy(), true) };
        if held.is_none() {
            this_cpu::preempt_enable();
        }
        held
    }

    /// Runs `f` on this CPU's magazine, or gives `busy` if this code
    /// interrupted its CPU's own use of it: the fast path's
    /// `hold_local`, which leaves the reschedule that may be due to its
    /// caller (`Local::resched`), so that it needs no stack frame.
    #[inline(always)]
    pub(crate) fn with_local<T>(
        &self,
        busy: T,
        f: impl FnOnce(&mut Magazine<'_>) -> T,
    ) -> Local<T> {
        this_cpu::preempt_disable();
        // SAFETY: this CPU's copy, preemption off.
        let value = match unsafe { self.try_hold(self.local_copy(), false) } {
            Some(mut held) => f(&mut held),
            None => busy,
        };
        Local {
            value,
            resched: this_cpu::preempt_enable_test(),
        }
    }

    /// Runs `f` on a dead CPU's magazine, from the CPU-hotplug teardown
    /// that `cpu` stands for.
    pub(crate) fn with_dead<R>(
        &self,
        cpu: &DeadCpu,
        f: impl FnOnce(&mut Magazine<'_>) -> R,
    ) -> Option<R> {
        // The CPU runs nothing until the teardown returns (`DeadCpu`), so
        // its byte is clear: it was not using the magazine when it died.
        // SAFETY: the copy of a dead CPU (`DeadCpu`).
        let mut held = unsafe { self.try_hold(self.copy_of(cpu.id())?, false) }?;
        Some(f(&mut held))
    }

    /// Runs `f` on every online CPU's magazine, each on its own CPU with
    /// IRQs off (by IPI), and returns when all have run. A CPU whose
    /// magazine was held when its IPI came is tried again a few times;
    /// after that it is left for the next flush.
    ///
    /// # Context
    ///
    /// Process context with IRQs on, holding no spinlock that `f` takes
    /// (the IPIs would wait for it forever), and the cache's reap lock:
    /// flushes run one at a time, so the `missed` marks are this one's.
    pub(crate) fn on_each_cpu<F: Fn(&mut Magazine<'_>) + Sync>(
        &self,
        _one_at_a_time: &ReapGuard<'_>,
        f: F,
    ) {
        let call = |cpu: u32| {
            let Some(addr) = self.copy_of(cpu) else {
                return;
            };
            // SAFETY: an IPI runs on `cpu`, the copy's CPU, IRQs off.
            match unsafe { self.try_hold(addr, false) } {
                Some(mut held) => f(&mut held),
                None => self.header(addr).missed.store(true, Ordering::Relaxed),
            }
        };
        percpu::on_each_cpu(&call);
        for cpu in 0..percpu::nr_cpu_ids() {
            let Some(addr) = self.copy_of(cpu) else {
                continue;
            };
            let missed = &self.header(addr).missed;
            for _ in 0..RETRIES {
                // An offline CPU's magazine is the hotplug teardown's to
                // give back.
                if !missed.swap(false, Ordering::Relaxed) || !percpu::on_cpu(cpu, &call) {
                    break;
                }
            }
        }
    }

    /// Runs `f` on every CPU's magazine, online or not: `&mut self` proves
    /// that no CPU is using them.
    pub(crate) fn for_each_mut(&mut self, mut f: impl FnMut(&mut Magazine<'_>)) {
        for cpu in 0..percpu::nr_cpu_ids() {
            if let Some(addr) = self.copy_of(cpu) {
                // SAFETY: `&mut self`: nothing else uses any copy.
                let mut held = unsafe { self.held_at(addr, false) };
                f(&mut held);
            }
        }
    }

    /// Objects in every CPU's magazine; exact when the CPUs are quiet.
    pub(crate) fn gauge_sum(&self) -> usize {
        (0..percpu::nr_cpu_ids())
            .filter_map(|cpu| self.copy_of(cpu))
            .map(|addr| self.header(addr).len.load(Ordering::Relaxed) as usize)
            .sum()
    }
}
