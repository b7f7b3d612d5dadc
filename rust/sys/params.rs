// SPDX-License-Identifier: GPL-2.0

//! rspl's module parameters (defined in rust/sys/params.c), read on each use so
//! that writes under /sys/module/rspl/parameters/ take effect at once.
//! Upstream: `module!`'s parameters (after 6.12) would replace the C side.

use crate::sys::shim;

macro_rules! param_getter {
    ($($(#[$doc:meta])* $name:ident => $c:ident;)+) => {$(
        $(#[$doc])*
        pub(crate) fn $name() -> u32 {
            // SAFETY: the getter only reads an `unsigned int` with READ_ONCE.
            unsafe { shim::$c() }
        }
    )+};
}

param_getter! {
    /// `spl_kmem_cache_obj_per_slab`: objects a slab is sized for.
    obj_per_slab => rspl_param_obj_per_slab;
    /// `spl_kmem_cache_max_size`: largest slab, in MiB.
    max_slab_mb => rspl_param_max_size_mb;
    /// `spl_kmem_cache_slab_limit`: objects up to this size pass through.
    slab_limit => rspl_param_slab_limit;
    /// `spl_kmem_cache_magazine_size`: magazine capacity, 0 for by size.
    magazine_size => rspl_param_magazine_size;
    /// `rspl_kmem_debug`: new caches check every free at once.
    kmem_debug => rspl_param_kmem_debug;
    /// `spl_kmem_cache_grow_timeout_ms`: how long a caller waits for a grow.
    grow_timeout_ms => rspl_param_grow_timeout_ms;
    /// `spl_kmem_cache_inject_grow_delay_ms`: fault injection in the worker.
    inject_grow_delay_ms => rspl_param_inject_grow_delay_ms;
    /// `rspl_idle_age_ms`: the aging tick.
    idle_age_ms => rspl_param_age_ms;
    /// `rspl_kmem_cache_reserve_objs`: a `KMC_RESERVE` cache's reserve.
    reserve_objs => rspl_param_reserve_objs;
    /// `rspl_inject_emergency_fail`: fault injection, no emergency object.
    inject_emergency_fail => rspl_param_inject_emergency_fail;
}

/// A parameter the KUnit suites set for a case.
#[cfg(CONFIG_KUNIT)]
#[derive(Clone, Copy)]
pub(crate) enum Param {
    GrowTimeoutMs,
    InjectGrowDelayMs,
    KmemDebug,
    IdleAgeMs,
    MagazineSize,
    ReserveObjs,
    InjectEmergencyFail,
}

#[cfg(CONFIG_KUNIT)]
impl Param {
    fn get(self) -> u32 {
        match self {
            Self::GrowTimeoutMs => grow_timeout_ms(),
            Self::InjectGrowDelayMs => inject_grow_delay_ms(),
            Self::KmemDebug => kmem_debug(),
            Self::IdleAgeMs => idle_age_ms(),
            Self::MagazineSize => magazine_size(),
            Self::ReserveObjs => reserve_objs(),
            Self::InjectEmergencyFail => inject_emergency_fail(),
        }
    }

    fn set(self, value: u32) {
        match self {
            Self::GrowTimeoutMs => set_grow_timeout_ms(value),
            Self::InjectGrowDelayMs => set_inject_grow_delay_ms(value),
            Self::KmemDebug => set_kmem_debug(value != 0),
            Self::IdleAgeMs => set_idle_age_ms(value),
            Self::MagazineSize => set_magazine_size(value),
            Self::ReserveObjs => set_reserve_objs(value),
            Self::InjectEmergencyFail => set_inject_emergency_fail(value != 0),
        }
    }
}

/// A parameter set for one case: put back as it was when the guard drops,
/// however the case ends (a failed assertion returns early).
#[cfg(CONFIG_KUNIT)]
pub(crate) struct ParamGuard {
    param: Param,
    old: u32,
}

#[cfg(CONFIG_KUNIT)]
impl ParamGuard {
    pub(crate) fn set(param: Param, value: u32) -> Self {
        let old = param.get();
        param.set(value);
        Self { param, old }
    }

    /// Puts the old value back now.
    pub(crate) fn restore(self) {}
}

#[cfg(CONFIG_KUNIT)]
impl Drop for ParamGuard {
    fn drop(&mut self) {
        self.param.set(self.old);
    }
}

/// Sets `spl_kmem_cache_grow_timeout_ms` (tests).
#[cfg(CONFIG_KUNIT)]
pub(crate) fn set_grow_timeout_ms(ms: u32) {
    // SAFETY: the setter only writes an `unsigned int` with WRITE_ONCE.
    unsafe { shim::rspl_param_set_grow_timeout_ms(ms) }
}

/// Sets `spl_kmem_cache_inject_grow_delay_ms` (tests).
#[cfg(CONFIG_KUNIT)]
pub(crate) fn set_inject_grow_delay_ms(ms: u32) {
    // SAFETY: the setter only writes an `unsigned int` with WRITE_ONCE.
    unsafe { shim::rspl_param_set_inject_grow_delay_ms(ms) }
}

/// Sets `rspl_kmem_debug` (tests).
#[cfg(CONFIG_KUNIT)]
pub(crate) fn set_kmem_debug(on: bool) {
    // SAFETY: the setter only writes an `unsigned int` with WRITE_ONCE.
    unsafe { shim::rspl_param_set_kmem_debug(on as u32) }
}

/// Sets `spl_kmem_cache_magazine_size` (tests; read-only to users).
#[cfg(CONFIG_KUNIT)]
pub(crate) fn set_magazine_size(rounds: u32) {
    // SAFETY: the setter only writes an `unsigned int` with WRITE_ONCE.
    unsafe { shim::rspl_param_set_magazine_size(rounds) }
}

/// Sets `rspl_idle_age_ms` (tests).
#[cfg(CONFIG_KUNIT)]
pub(crate) fn set_idle_age_ms(ms: u32) {
    // SAFETY: the setter only writes an `unsigned int` with WRITE_ONCE.
    unsafe { shim::rspl_param_set_age_ms(ms) }
}

/// Sets `rspl_kmem_cache_reserve_objs` (tests).
#[cfg(CONFIG_KUNIT)]
pub(crate) fn set_reserve_objs(objs: u32) {
    // SAFETY: the setter only writes an `unsigned int` with WRITE_ONCE.
    unsafe { shim::rspl_param_set_reserve_objs(objs) }
}

/// Sets `rspl_inject_emergency_fail` (tests).
#[cfg(CONFIG_KUNIT)]
pub(crate) fn set_inject_emergency_fail(on: bool) {
    // SAFETY: the setter only writes an `unsigned int` with WRITE_ONCE.
    unsafe { shim::rspl_param_set_inject_emergency_fail(on as u32) }
}
