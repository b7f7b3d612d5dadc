// SPDX-License-Identifier: GPL-2.0

//! rspl's KUnit suites that drive it through its C API, one file per
//! suite; the pure modules' own suites sit beside them (`slab.rs`,
//! `slab/`, `cache/spec.rs`, `report/format.rs`). They run when rspl.ko
//! loads in a kernel with KUnit enabled; `tests/run` collects their KTAP
//! output.

mod bad_input;
mod cache_api;
mod helpers;
mod magazine;
mod moves;
mod proc_report;
mod reclaim;
mod reserve;
mod trace_events;
