// SPDX-License-Identifier: GPL-2.0
/*
 * Clocks and statistics. Under QEMU's -icount shift=0 the guest clock
 * advances one nanosecond per instruction, so the same nanoseconds read
 * as instructions there.
 */
#include <linux/compiler.h>
#include <linux/ktime.h>
#include <linux/sort.h>
#include "bench.h"

u64 bench_now_ns(void)
{
	return ktime_get_ns();
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

u64 bench_median(u64 *v, unsigned int n)
{
	sort(v, n, sizeof(*v), cmp_u64, NULL);
	return v[n / 2];
}

static noinline void *empty_alloc(struct bench_alloc *a)
{
	return a;
}

static noinline void empty_free(struct bench_alloc *a, void *obj)
{
	barrier();
}

u64 bench_empty_pairs_ns(unsigned int n)
{
	struct bench_alloc a = { .alloc = empty_alloc, .free = empty_free };
	/* Called through pointers the compiler cannot see through. */
	struct bench_alloc *volatile pa = &a;
	unsigned int i;
	u64 start;

	start = bench_now_ns();
	for (i = 0; i < n; i++)
		pa->free(pa, pa->alloc(pa));
	return bench_now_ns() - start;
}
