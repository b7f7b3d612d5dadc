# SPDX-License-Identifier: GPL-2.0
# The stress suites (tests/stress), with the module parameters given (none:
# the short variant). The module loads twice, each time running one suite
# (kunit.filter_glob): rspl_stress, then rspl_stress_faults with failslab
# and fail_page_alloc armed for allocations made from rspl.ko's code.
# STRESS_GLOB narrows the first (e.g. rspl_stress.stress_churn; "" skips
# it), STRESS_FAULTS=0 skips the second (scripts/stress sets them).
. /tests/guest/ktap.sh

GLOB=/sys/module/kunit/parameters/filter_glob
HUNG=/proc/sys/kernel/hung_task_timeout_secs
# A long variant's case outlasts the debug kernel's 20 s hung-task timeout,
# and insmod waits for it: give the detector a timeout longer than a case.
[ $# = 0 ] || ! [ -w $HUNG ] || echo 300 >$HUNG
FI=/sys/kernel/debug
TIMES=1000000

if [ -n "${STRESS_GLOB-rspl_stress}" ]; then
	echo -n "${STRESS_GLOB-rspl_stress}" >$GLOB
	insmod /modules/rspl_stress.ko "$@" && rmmod rspl_stress
fi
[ "${STRESS_FAULTS-1}" = 1 ] || { echo -n '*' >$GLOB; exit 0; }

# rspl.ko's text, from its first to its last function and a page on (its
# allocation is page-aligned, with a guard page after it). Addresses are
# 64-bit: the arithmetic is done on their low half.
set -- $(awk '$4 == "[rspl]" && ($2 == "t" || $2 == "T") { print $1 }' /proc/kallsyms | sort | sed -n '1p;$p') "$@"
START=$1 LAST=$2
shift 2
END=${LAST%????????}$(printf %08x $(((0x${LAST#????????} & ~0xfff) + 0x2000)))
# Left out: Linux's own kmem_cache creation (a pass-through cache's), whose
# sysfs error path leaks the kobject's name in 6.12 (kmemleak reports it).
set -- $(sort /proc/kallsyms | grep -A1 ' __kmem_cache_create_args$' | awk '{ print $1 }') "$@"
REJECT_START=$1 REJECT_END=$2
shift 2

# arm DIR PERCENT: a PERCENT chance for each allocation from rspl's code.
arm() {
	d=$FI/$1
	echo 0 >$d/verbose && echo N >$d/ignore-gfp-wait && echo $TIMES >$d/times &&
		echo 1 >$d/interval && echo 32 >$d/stacktrace-depth &&
		echo 0x$START >$d/require-start && echo 0x$END >$d/require-end &&
		echo 0x$REJECT_START >$d/reject-start && echo 0x$REJECT_END >$d/reject-end &&
		echo "$2" >$d/probability
}
disarm() { echo 0 >$FI/$1/probability; }
injected() { echo $((TIMES - $(cat $FI/$1/times))); }

echo -n rspl_stress_faults >$GLOB
echo 0 >$FI/fail_page_alloc/min-order
echo N >$FI/fail_page_alloc/ignore-gfp-highmem
armed=false
arm failslab 10 && arm fail_page_alloc 5 && armed=true
loaded=false
$armed && insmod /modules/rspl_stress.ko "$@" && loaded=true
disarm failslab
disarm fail_page_alloc
$loaded && rmmod rspl_stress
echo -n '*' >$GLOB
SLAB=$(injected failslab) PAGE=$(injected fail_page_alloc)
echo "    # rspl_guest_faults: figures: rspl_text=0x$START-0x$END slab_faults=$SLAB page_faults=$PAGE"

ktap_suite rspl_guest_faults 3
ktap_case armed_and_loaded $loaded
ktap_case slab_faults_injected [ "$SLAB" -gt 0 ]
ktap_case page_faults_injected [ "$PAGE" -gt 0 ]
ktap_end
