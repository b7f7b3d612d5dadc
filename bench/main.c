// SPDX-License-Identifier: GPL-2.0
/*
 * rspl_bench.ko: runs the benchmark's cases when it loads, printing
 * "rspl-bench: ..." lines. scripts/bench loads it in the guest, then
 * unloads it.
 */
#include <linux/mm.h>
#include <linux/module.h>
#include "bench.h"

module_param_named(reps, bench_reps, uint, 0444);
MODULE_PARM_DESC(reps, "Repetitions of each timed loop (the median is reported)");

module_param_named(clock_all_cpus, bench_clock_all_cpus, bool, 0444);
MODULE_PARM_DESC(clock_all_cpus, "The guest clock advances with every vCPU's instructions (icount)");

static char *cases = "pairs,batches,two_cpus,memory,emergency,caches,emergencies";
module_param(cases, charp, 0444);
MODULE_PARM_DESC(cases, "Which cases to run, comma-separated");

static int __init bench_init(void)
{
	int ret;

	bench_reps = clamp(bench_reps, 1U, 9U);
	ret = bench_allocators_init();
	if (ret)
		return ret;
	pr_info("rspl-bench: start reps=%u cases=%s allocators=%u init_on_alloc=%d\n", bench_reps,
		cases, bench_allocators, want_init_on_alloc(0));
	bench_describe();
	if (strstr(cases, "pairs"))
		bench_pairs();
	if (strstr(cases, "batches"))
		bench_batches();
	if (strstr(cases, "two_cpus"))
		bench_two_cpus();
	if (strstr(cases, "memory"))
		bench_memory();
	if (strstr(cases, "emergency"))
		bench_emergency();
	if (strstr(cases, "caches"))
		bench_many_caches();
	/* Last: it leaves a grow of rspl's held up. */
	if (strstr(cases, "emergencies"))
		bench_emergency_n();
	bench_allocators_exit();
	pr_info("rspl-bench: done\n");
	return 0;
}

static void __exit bench_exit(void)
{
}

module_init(bench_init);
module_exit(bench_exit);
MODULE_DESCRIPTION("rspl's benchmark against SLUB, kmalloc and OpenZFS's SPL");
MODULE_LICENSE("GPL");
