// SPDX-License-Identifier: GPL-2.0

//! Module-wide services over every cache: the registry of caches, the
//! grow crew, the shrinker and aging tick, CPU hotplug, and the watch on
//! other modules (orphaned caches, the `/proc/spl` hand-over).

pub(crate) mod cpu_hotplug;
pub(crate) mod grow_crew;
pub(crate) mod module_watch;
pub(crate) mod owners;
pub(crate) mod reclaim;
pub(crate) mod reclaim_stats;
pub(crate) mod registry;
