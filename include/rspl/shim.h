/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C functions of rspl's shim (shim/ C files) that its Rust code calls.
 *
 * bindgen reads this header alone, without the kernel's headers, to
 * generate the Rust declarations (rust/shim_generated.rs): so it names only
 * C's own types and opaque structs. Kernel code includes it too, and the
 * compiler checks each shim function against its declaration here.
 */
#ifndef _RSPL_SHIM_H
#define _RSPL_SHIM_H

struct kunit;
struct proc_dir_entry;
struct seq_file;

/* procfs and seq_file (shim/procfs.c) */
struct proc_dir_entry *rspl_proc_mkdir(const char *name,
				       struct proc_dir_entry *parent);
struct proc_dir_entry *rspl_proc_create_report(const char *name,
					       struct proc_dir_entry *parent);
void rspl_proc_remove(struct proc_dir_entry *entry);
int rspl_seq_write(struct seq_file *m, const void *data, unsigned long len);
/*
 * Reads up to @len bytes of a file into @buf from kernel code (tests
 * check /proc/spl/kmem/slab through the same path as cat). Returns the
 * number of bytes read or a negative errno.
 */
long rspl_read_file(const char *path, void *buf, unsigned long len);

/* KUnit (shim/kunit.c) */
void rspl_kunit_fail(struct kunit *test, const char *file, unsigned int line,
		     const char *msg, unsigned long msg_len);

#endif /* _RSPL_SHIM_H */
