// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit for rspl's Rust test suites: marks a case failed and prints the
 * failure as a KTAP diagnostic of that case (kunit_set_failure() and
 * kunit_err() are inline or macros).
 */
#include <kunit/test.h>
#include <rspl/shim.h>

void rspl_kunit_fail(struct kunit *test, const char *file, unsigned int line,
		     const char *msg, unsigned long msg_len)
{
	kunit_set_failure(test);
	kunit_err(test, "ASSERTION FAILED at %s:%u\n" KUNIT_SUBTEST_INDENT
		  "%.*s\n", file, line, (int)msg_len, msg);
}
