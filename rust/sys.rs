// SPDX-License-Identifier: GPL-2.0

//! The C boundary: the only modules that call rspl's C shim (`shim.h`,
//! the `.c` files beside them) or the kernel's raw bindings. Each wraps
//! one kernel facility in a safe type. `shim` is private to this module,
//! so that a C call from any other layer fails to compile.

pub(crate) mod counter;
pub(crate) mod cpu_hotplug;
pub(crate) mod crew_thread;
pub(crate) mod flags;
pub(crate) mod irq_lock;
#[cfg(CONFIG_KUNIT)]
pub(crate) mod kunit;
pub(crate) mod linux_cache;
pub(crate) mod memory;
pub(crate) mod module_watch;
pub(crate) mod params;
pub(crate) mod percpu;
pub(crate) mod proc_fs;
pub(crate) mod reap_lock;
pub(crate) mod reclaim;
mod shim;
pub(crate) mod this_cpu;
pub(crate) mod trace;
#[cfg(CONFIG_KUNIT)]
pub(crate) mod trace_record;
pub(crate) mod vec_ext;
pub(crate) mod wait_queue;
