/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One row of /proc/spl/kmem/slab (OpenZFS's format, which rspl's
 * /proc/rspl/kmem/slab shares), parsed: the one reader of its columns for
 * rspl's stress, bench and demo modules. rust/report/format.rs writes the
 * rows; its KUnit suite checks them against a real OpenZFS's.
 */
#ifndef _RSPL_TEST_SLAB_ROW_H
#define _RSPL_TEST_SLAB_ROW_H

#include <linux/errno.h>
#include <linux/kstrtox.h>
#include <linux/string.h>

/*
 * The columns after the name, in order. A pass-through cache's row has
 * "-" where it knows nothing (read as -1).
 */
struct rspl_test_slab_row {
	unsigned long flags;
	long size, alloc, slab_size, obj_size;
	long slabs_total, slabs_alloc, slabs_max;
	long objs_total, objs_alloc, objs_max;
	long dlock, emerg_alloc, emerg_max;
};

/* The columns of a row, its name included. */
#define RSPL_TEST_SLAB_COLUMNS	15

/*
 * Parses the row of cache @name out of @text, the whole report. 0, -ENOENT
 * if there is no such row, -EINVAL if it is malformed.
 */
static inline int rspl_test_slab_row(const char *text, const char *name,
				     struct rspl_test_slab_row *row)
{
	long *counts[] = {
		&row->size, &row->alloc, &row->slab_size, &row->obj_size,
		&row->slabs_total, &row->slabs_alloc, &row->slabs_max,
		&row->objs_total, &row->objs_alloc, &row->objs_max,
		&row->dlock, &row->emerg_alloc, &row->emerg_max,
	};
	size_t len = strlen(name), n;
	const char *line, *p, *end;
	char word[24];
	unsigned int i;

	for (line = text; *line; line = end + (*end == '\n')) {
		end = strchrnul(line, '\n');
		if (strncmp(line, name, len) || line[len] != ' ')
			continue;
		p = line + len;
		for (i = 0; i < RSPL_TEST_SLAB_COLUMNS - 1; i++) {
			while (*p == ' ')
				p++;
			n = strcspn(p, " \n");
			if (!n || n >= sizeof(word) || p + n > end)
				return -EINVAL;
			memcpy(word, p, n);
			word[n] = '\0';
			p += n;
			if (i == 0) {
				if (kstrtoul(word, 16, &row->flags))
					return -EINVAL;
			} else if (!strcmp(word, "-")) {
				*counts[i - 1] = -1;
			} else if (kstrtol(word, 10, counts[i - 1])) {
				return -EINVAL;
			}
		}
		while (*p == ' ')
			p++;
		return p == end ? 0 : -EINVAL;
	}
	return -ENOENT;
}

#endif /* _RSPL_TEST_SLAB_ROW_H */
