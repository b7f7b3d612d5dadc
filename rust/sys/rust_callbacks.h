/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Functions rspl's Rust code defines for its C shim to call back. Not read
 * by bindgen: the Rust side defines them with #[no_mangle].
 */
#ifndef _RSPL_RUST_CALLBACKS_H
#define _RSPL_RUST_CALLBACKS_H

struct seq_file;

/*
 * Writes report @kind (enum rspl_report_kind of shim.h) into @m
 * (rust/report/files.rs).
 */
int rspl_report_show(struct seq_file *m, unsigned int kind);
/*
 * About how many bytes report @kind takes now (rust/report/files.rs): the
 * first buffer of its seq_file, so that the report runs once.
 */
unsigned long rspl_report_size(unsigned int kind);

/*
 * The shrinker's count and scan, over every cache (rust/services/reclaim.rs). The
 * scan calls reclaim callbacks only if @call_back, and sets *@busy when
 * it skipped a cache another reap holds.
 */
unsigned long rspl_shrink_count(void);
unsigned long rspl_shrink_scan(unsigned long nr, bool call_back, bool *busy);
/* One aging tick over every cache (rust/services/reclaim.rs). */
void rspl_age_tick(void);

/*
 * Module @name is about to run its init (rust/services/module_watch.rs): an SPL
 * gets /proc/spl.
 */
void rspl_module_coming(const char *name);
/*
 * Module @owner, named @name, is going (rust/services/module_watch.rs): its caches
 * are torn down, and /proc/spl is taken back from an SPL.
 */
void rspl_module_going(const void *owner, const char *name);

#endif /* _RSPL_RUST_CALLBACKS_H */
