// SPDX-License-Identifier: GPL-2.0
/*
 * procfs and seq_file for rspl's Rust code: proc_create_single_data() wants
 * a C show function, and the entry points are macros or take umode_t.
 */
#include <linux/fs.h>
#include <linux/namei.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include "rust_callbacks.h"
#include "shim.h"

struct proc_dir_entry *rspl_proc_mkdir(const char *name,
				       struct proc_dir_entry *parent)
{
	return proc_mkdir(name, parent);
}

/* The report's kind rides in the entry's data pointer. */
static int rspl_report_seq_show(struct seq_file *m, void *v)
{
	return rspl_report_show(m, (unsigned long)m->private);
}

/*
 * The whole report is one seq_file record: a buffer it overflows is
 * doubled and the report run again, so with many caches a read ran it
 * many times. The first buffer is sized for every cache's row instead.
 */
static int rspl_report_open(struct inode *inode, struct file *file)
{
	unsigned long kind = (unsigned long)pde_data(inode);

	return single_open_size(file, rspl_report_seq_show, (void *)kind,
				max_t(unsigned long, PAGE_SIZE, rspl_report_size(kind)));
}

static const struct proc_ops rspl_report_ops = {
	.proc_open	= rspl_report_open,
	.proc_read_iter	= seq_read_iter,
	.proc_lseek	= seq_lseek,
	.proc_release	= single_release,
};

struct proc_dir_entry *rspl_proc_create_report(const char *name,
					       struct proc_dir_entry *parent,
					       unsigned int kind)
{
	return proc_create_data(name, 0444, parent, &rspl_report_ops,
				(void *)(unsigned long)kind);
}

void rspl_proc_remove(struct proc_dir_entry *entry)
{
	proc_remove(entry);
}

int rspl_path_exists(const char *path)
{
	struct path p;

	if (kern_path(path, 0, &p))
		return 0;
	path_put(&p);
	return 1;
}

int rspl_seq_write(struct seq_file *m, const void *data, unsigned long len)
{
	return seq_write(m, data, len);
}
