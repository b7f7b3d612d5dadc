// SPDX-License-Identifier: GPL-2.0

//! rspl's KUnit suites, one file per suite. They run when rspl.ko loads in
//! a kernel with KUnit enabled; `tests/run` collects their KTAP output.

mod bad_input;
mod cache_api;
mod helpers;
mod magazine;
mod proc_report;
mod reclaim;
mod report_format;
