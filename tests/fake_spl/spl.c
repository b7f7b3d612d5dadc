// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for OpenZFS's spl.ko: a module named "spl" whose init creates
 * /proc/spl/kmem/slab and /proc/spl/kstat as OpenZFS's spl_proc_init()
 * does (proc_mkdir() of "spl" under /proc, no existence check), and whose
 * exit removes them. Its slab file says whose it is.
 */
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

static struct proc_dir_entry *proc_spl;

static int fake_slab_show(struct seq_file *m, void *v)
{
	seq_puts(m, "fake spl: this /proc/spl/kmem/slab is spl.ko's\n");
	return 0;
}

static int __init fake_spl_init(void)
{
	struct proc_dir_entry *kmem;

	proc_spl = proc_mkdir("spl", NULL);
	if (!proc_spl)
		return -EUNATCH;
	kmem = proc_mkdir("kmem", proc_spl);
	if (!kmem || !proc_create_single("slab", 0444, kmem, fake_slab_show) ||
	    !proc_mkdir("kstat", proc_spl)) {
		proc_remove(proc_spl);
		return -EUNATCH;
	}
	return 0;
}

static void __exit fake_spl_exit(void)
{
	proc_remove(proc_spl);
}

module_init(fake_spl_init);
module_exit(fake_spl_exit);
MODULE_DESCRIPTION("Stand-in for OpenZFS's spl.ko: owns /proc/spl");
MODULE_LICENSE("GPL");
