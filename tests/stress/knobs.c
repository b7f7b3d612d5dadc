// SPDX-License-Identifier: GPL-2.0
/*
 * The knobs the stress tests turn and the counters they read, through the
 * files a person would use: rspl's parameters under /sys/module/rspl/,
 * fault injection under debugfs, and /proc/rspl/kmem/slab.
 */
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include <rspl_test/file_io.h>
#include <rspl_test/slab_row.h>
#include "stress.h"

int stress_write(const char *path, const char *fmt, ...)
{
	char text[64];
	va_list args;
	ssize_t n;
	int len;

	va_start(args, fmt);
	len = vsnprintf(text, sizeof(text), fmt, args);
	va_end(args);
	n = rspl_test_write_file(path, text, len);
	return n == len ? 0 : (n < 0 ? n : -EIO);
}

/* Reads @path into @buf, NUL-terminated. */
static ssize_t stress_read_once(const char *path, char *buf, size_t len)
{
	ssize_t n = rspl_test_read_file(path, buf, len - 1, false);

	buf[n < 0 ? 0 : n] = '\0';
	return n;
}

ssize_t stress_read(const char *path, char *buf, size_t len)
{
	ssize_t n = -ENOMEM;
	unsigned int tries;

	/* Under injected faults an open or a read fails now and then. */
	for (tries = 0; tries < 100; tries++) {
		n = stress_read_once(path, buf, len);
		if (n != -ENOMEM)
			break;
		cond_resched();
	}
	return n;
}

int stress_set_param(const char *name, unsigned int value)
{
	char path[96];

	snprintf(path, sizeof(path), "/sys/module/rspl/parameters/%s", name);
	return stress_write(path, "%u", value);
}

struct stress_param_saved {
	const char *name;
	unsigned int value;
};

static void stress_param_restore(void *data)
{
	struct stress_param_saved *saved = data;

	stress_set_param(saved->name, saved->value);
}

int stress_param_for_case(struct kunit *test, const char *name,
			  unsigned int value)
{
	struct stress_param_saved *saved;
	int ret;

	saved = kunit_kzalloc(test, sizeof(*saved), GFP_KERNEL);
	if (!saved)
		return -ENOMEM;
	saved->name = name;
	saved->value = stress_get_param(name);
	ret = kunit_add_action_or_reset(test, stress_param_restore, saved);
	return ret ? ret : stress_set_param(name, value);
}

unsigned int stress_get_param(const char *name)
{
	char path[96], text[16];
	unsigned int value = 0;

	snprintf(path, sizeof(path), "/sys/module/rspl/parameters/%s", name);
	if (stress_read(path, text, sizeof(text)) > 0)
		WARN_ON_ONCE(kstrtouint(strim(text), 10, &value));
	return value;
}

#define STRESS_REPORT_MAX	(256 << 10)

int stress_row(const char *name, struct stress_row *row)
{
	struct rspl_test_slab_row r;
	char *text;
	ssize_t n;
	int ret;

	text = vmalloc(STRESS_REPORT_MAX);
	if (!text)
		return -ENOMEM;
	n = stress_read("/proc/rspl/kmem/slab", text, STRESS_REPORT_MAX);
	ret = n < 0 ? n : rspl_test_slab_row(text, name, &r);
	vfree(text);
	if (ret)
		return ret;
	/* A pass-through row has no slab counts. */
	if (r.slabs_total < 0)
		return -ENOENT;
	*row = (struct stress_row){
		.flags = r.flags,
		.slabs_total = r.slabs_total, .slabs_alloc = r.slabs_alloc,
		.objs_total = r.objs_total, .objs_alloc = r.objs_alloc,
		.dlock = r.dlock, .emerg = r.emerg_alloc, .emerg_max = r.emerg_max,
	};
	return 0;
}
