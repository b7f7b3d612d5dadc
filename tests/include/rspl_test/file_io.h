/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading and writing a file from kernel code (procfs, sysfs, debugfs),
 * for rspl's test and benchmark modules and its KUnit suites: the one
 * copy of filp_open() + kernel_read()/kernel_write() they share.
 */
#ifndef _RSPL_TEST_FILE_IO_H
#define _RSPL_TEST_FILE_IO_H

#include <linux/err.h>
#include <linux/fs.h>

/*
 * Reads @path from its start into @buf, at most @len bytes, looping as
 * procfs hands out one seq_file buffer per read. With @wrap, a full @buf
 * is written over again from its start, so that the whole file is read
 * whatever its size. Returns the bytes read (all of them with @wrap), or
 * a negative errno: the open's, or a read's (after part of the file, too:
 * under injected faults a caller retries the whole read).
 */
static inline ssize_t rspl_test_read_file(const char *path, void *buf, size_t len, bool wrap)
{
	struct file *file;
	loff_t pos = 0;
	size_t at = 0;
	ssize_t done = 0, n = 0;

	file = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(file))
		return PTR_ERR(file);
	while (len) {
		if (at == len) {
			if (!wrap)
				break;
			at = 0;
		}
		n = kernel_read(file, buf + at, len - at, &pos);
		if (n <= 0)
			break;
		at += n;
		done += n;
	}
	filp_close(file, NULL);
	return n < 0 ? n : done;
}

/*
 * Writes @len bytes of @buf to @path from its start. Returns the bytes
 * written or a negative errno.
 */
static inline ssize_t rspl_test_write_file(const char *path, const void *buf, size_t len)
{
	struct file *file;
	loff_t pos = 0;
	ssize_t n;

	file = filp_open(path, O_WRONLY, 0);
	if (IS_ERR(file))
		return PTR_ERR(file);
	n = kernel_write(file, buf, len, &pos);
	filp_close(file, NULL);
	return n;
}

#endif /* _RSPL_TEST_FILE_IO_H */
