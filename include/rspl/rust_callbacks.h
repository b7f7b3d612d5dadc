/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Functions rspl's Rust code defines for its C shim to call back. Not read
 * by bindgen: the Rust side defines them with #[no_mangle].
 */
#ifndef _RSPL_RUST_CALLBACKS_H
#define _RSPL_RUST_CALLBACKS_H

struct seq_file;

/* Writes /proc/spl/kmem/slab into @m (rust/proc_report.rs). */
int rspl_report_show(struct seq_file *m);

#endif /* _RSPL_RUST_CALLBACKS_H */
