// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit for rspl's Rust test suites: marks a case failed and prints the
 * failure as a KTAP diagnostic of that case (kunit_set_failure() and
 * kunit_err() are inline or macros); runs test code on a chosen CPU or
 * keeps it on its own; takes a CPU offline and back.
 */
#include <kunit/test.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/preempt.h>
#include <linux/workqueue.h>
#include <rspl_test/file_io.h>
#include "shim.h"

void rspl_kunit_fail(struct kunit *test, const char *file, unsigned int line,
		     const char *msg, unsigned long msg_len)
{
	kunit_set_failure(test);
	kunit_err(test, "ASSERTION FAILED at %s:%u\n" KUNIT_SUBTEST_INDENT
		  "%.*s\n", file, line, (int)msg_len, msg);
}

void rspl_kunit_info(struct kunit *test, const char *msg, unsigned long msg_len)
{
	kunit_info(test, "%.*s\n", (int)msg_len, msg);
}

long rspl_kunit_on_cpu(unsigned int cpu, long (*fn)(void *arg), void *arg)
{
	if (cpu >= nr_cpu_ids || !cpu_online(cpu))
		return -EINVAL;
	return work_on_cpu(cpu, fn, arg);
}

int rspl_kunit_cpu_offline(unsigned int cpu)
{
	return remove_cpu(cpu);
}

int rspl_kunit_cpu_online(unsigned int cpu)
{
	return add_cpu(cpu);
}

unsigned int rspl_kunit_online_cpus(void)
{
	return num_online_cpus();
}

void rspl_kunit_migrate_disable(void)
{
	migrate_disable();
}

void rspl_kunit_migrate_enable(void)
{
	migrate_enable();
}

long rspl_read_file(const char *path, void *buf, unsigned long len)
{
	return rspl_test_read_file(path, buf, len, false);
}

long rspl_write_file(const char *path, const void *buf, unsigned long len)
{
	return rspl_test_write_file(path, buf, len);
}
