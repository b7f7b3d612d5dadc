#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks the KTAP output of a guest run with the kernel's own KUnit parser.

Every module that loads prints its own KTAP document ("KTAP version 1",
"1..N", its suites); guest-side checks print theirs. This merges the
documents printed after the guest came up into one, renumbering the
top-level results, parses it with tools/testing/kunit/kunit_parser.py, and
then checks that every suite named in the expected list ran. It prints
"N passed, N failed" counting test cases, and exits non-zero on any failed,
crashed, skipped or missing case or suite, or any parse error.
"""
import argparse
import re
import sys

GUEST_UP = 'rspl-vm: guest up'
TOP_START = re.compile(r'^KTAP version 1$')
# What KUnit prints instead of a module's suites under kunit.enable=0.
KUNIT_DISABLED = 'kunit: disabled'
TOP_PLAN = re.compile(r'^1\.\.(\d+)$')
TOP_RESULT = re.compile(r'^(ok|not ok) (\d+)( .*)?$')
# A printk timestamp (CONFIG_PRINTK_TIME) before the kernel's lines.
TIMESTAMP = re.compile(r'^\[\s*\d+\.\d+\] ')
# What KTAP output looks like: its own lines, and diagnostics indented
# under a test. Other kernel messages ("tsc: Refined TSC ...") are left
# out: one printed between a subtest's "KTAP version 1" and its
# "# Subtest:" line throws the parser off.
KTAP_LINE = re.compile(r'^(\s+\S|KTAP version |1\.\.\d|ok |not ok |# )')


def merge_documents(lines):
    """Returns one KTAP document holding the top-level suites of all."""
    try:
        start = next(i for i, l in enumerate(lines) if GUEST_UP in l)
    except StopIteration:
        sys.exit('ktap_report: the guest never came up')
    body, total, docs, in_doc, plan = [], 0, 0, False, 0
    for line in lines[start + 1:]:
        line = TIMESTAMP.sub('', line)
        if line.strip() == KUNIT_DISABLED and in_doc:
            # Booted with kunit.enable=0: a module prints its header and
            # plan, then runs no suite. Nothing of it is expected.
            total -= plan
            in_doc, docs, plan = False, docs - 1, 0
            continue
        if not KTAP_LINE.match(line):
            continue
        if TOP_START.match(line):
            in_doc, docs = True, docs + 1
            continue
        if not in_doc:
            continue
        m = TOP_PLAN.match(line)
        if m:
            plan = int(m.group(1))
            total += plan
            continue
        m = TOP_RESULT.match(line)
        if m:
            # Renumber: each module counts its suites from 1.
            seen = sum(1 for l in body if TOP_RESULT.match(l))
            line = f'{m.group(1)} {seen + 1}{m.group(3) or ""}'
        body.append(line)
    return ['KTAP version 1', f'1..{total}'] + body, docs


def leaves(test):
    if not test.subtests:
        yield test
    for sub in test.subtests:
        yield from leaves(sub)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--kunit-dir', required=True,
                    help='tools/testing/kunit of the kernel source')
    ap.add_argument('--expect', required=True, action='append',
                    help='file listing the suites that must run, one a line '
                    '(repeatable: the lists add up)')
    ap.add_argument('console', help='console log of the guest run')
    args = ap.parse_args()
    sys.path.insert(0, args.kunit_dir)
    import kunit_parser
    from kunit_parser import TestStatus

    with open(args.console, errors='backslashreplace') as f:
        lines = [l.rstrip('\n') for l in f]
    document, docs = merge_documents(lines)
    result = kunit_parser.parse_run_tests(document)

    cases = [t for s in result.subtests for t in leaves(s)]
    passed = sum(1 for t in cases if t.status == TestStatus.SUCCESS)
    failed = len(cases) - passed
    problems = []
    if docs == 0:
        problems.append('no KTAP output after the guest came up')
    if result.counts.errors:
        problems.append(f'{result.counts.errors} KTAP parse error(s) '
                        '(a missing or crashed case or suite)')
    expected = []
    for path in args.expect:
        with open(path) as f:
            expected += [l.split('#')[0].strip() for l in f]
    expected = [e for e in expected if e]
    ran = {s.name: s for s in result.subtests}
    for name in expected:
        if name not in ran:
            problems.append(f'suite {name} did not run')
    for name in ran:
        if name not in expected:
            problems.append(f'suite {name} ran but is not in '
                            f'{" or ".join(args.expect)}')
    for t in cases:
        if t.status != TestStatus.SUCCESS:
            problems.append(f'case {t.name}: {t.status.name}')
    for p in problems:
        print(f'ktap_report: {p}')
    if not problems and result.status != TestStatus.SUCCESS:
        problems.append(f'overall status {result.status.name}')
    print(f'{passed} passed, {failed} failed')
    sys.exit(1 if problems or failed or not cases else 0)


if __name__ == '__main__':
    main()
