// SPDX-License-Identifier: GPL-2.0
/*
 * rspl_stress.ko: rspl's stress tests, KUnit suites run when the module
 * loads (tests/guest/stress.sh loads it once for each of the first two,
 * tests/guest/control.sh for the control, with kunit.filter_glob). The
 * defaults are the short variant CI runs on every kernel; tests/run
 * --long loads it with longer runs and more objects.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include "stress.h"

unsigned int stress_seconds = 3;
module_param_named(seconds, stress_seconds, uint, 0444);
MODULE_PARM_DESC(seconds, "How long each timed case runs");

unsigned int stress_objects = 400;
module_param_named(objects, stress_objects, uint, 0444);
MODULE_PARM_DESC(objects, "Objects each thread of the forced deadlock holds");

unsigned int stress_threads = 8;
module_param_named(threads, stress_threads, uint, 0444);
MODULE_PARM_DESC(threads, "Threads of the forced deadlock");

unsigned int stress_margin_ms;
module_param_named(margin_ms, stress_margin_ms, uint, 0444);
MODULE_PARM_DESC(margin_ms, "How far past the grow timeout a forced-deadlock caller may sleep (0: the kernel's default)");

static struct kunit_case stress_cases[] = {
	KUNIT_CASE_SLOW(stress_forced_deadlock),
	KUNIT_CASE_SLOW(stress_patterns),
	KUNIT_CASE_SLOW(stress_churn),
	KUNIT_CASE_SLOW(stress_memory_pressure),
	KUNIT_CASE_SLOW(stress_reclaim_deadlock),
	KUNIT_CASE_SLOW(stress_grow_beside_jammed_pool),
	KUNIT_CASE_SLOW(stress_reserve_under_hog),
	{}
};

static struct kunit_suite stress_suite = {
	.name = "rspl_stress",
	.test_cases = stress_cases,
};

/* Run alone, with fault injection armed by the guest script. */
static struct kunit_case stress_fault_cases[] = {
	KUNIT_CASE_SLOW(stress_injected_faults),
	{}
};

static struct kunit_suite stress_faults_suite = {
	.name = "rspl_stress_faults",
	.test_cases = stress_fault_cases,
};
/* The real deadlock's control: it hangs (for 40 s) by design, so it runs
 * alone, in a boot that expects the hung-task report (tests/run). */
static struct kunit_case stress_control_cases[] = {
	KUNIT_CASE_SLOW(stress_unbounded_wait_hangs),
	{}
};

static struct kunit_suite stress_control_suite = {
	.name = "rspl_stress_control",
	.test_cases = stress_control_cases,
};
kunit_test_suites(&stress_suite, &stress_faults_suite, &stress_control_suite);

MODULE_DESCRIPTION("Stress tests of rspl's kmem_cache");
MODULE_LICENSE("GPL");
