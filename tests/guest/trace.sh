# SPDX-License-Identifier: GPL-2.0
# rspl's trace events through tracefs, as a user watching a stall sees
# them: every event is listed (with the format and id that trace-cmd and
# perf read), and a stalled grow shows its steps in order (rspl_demo.ko's
# KM_PUSHPAGE burst while grows are held up).
. /tests/guest/ktap.sh
T=/sys/kernel/tracing
P=/sys/module/rspl/parameters
OUT=/tmp/rspl-trace.txt
EVENTS="grow_queued grow_done wait_timeout emergency_alloc emergency_free
	reserve_take move_offer move_answer shrink_scan"
CACHE=zio_buf_1048576

[ -d $T/events ] || mount -t tracefs nodev $T

listed() {
	for e in $EVENTS; do
		[ -r $T/events/rspl/rspl_$e/format ] && [ -r $T/events/rspl/rspl_$e/id ] ||
			{ echo "# no event rspl_$e"; return 1; }
	done
}

# A burst of 4 while each grow takes 1.5 s; the objects go at unload, the
# grow lands after.
stall_traced() {
	echo > $T/trace
	echo 1 > $T/events/rspl/enable
	insmod /modules/rspl_demo.ko || return 1
	echo 1500 > $P/spl_kmem_cache_inject_grow_delay_ms
	echo 4 > /sys/module/rspl_demo/parameters/burst
	echo 0 > $P/spl_kmem_cache_inject_grow_delay_ms
	rmmod rspl_demo || return 1
	sleep 2
	echo 0 > $T/events/rspl/enable
	grep -E "cache=$CACHE( |$)" $T/trace >$OUT
	[ -s $OUT ]
}

# The line number of the first EVENT of the cache's at or after line FROM.
first() { awk -v e="rspl_$1:" -v from="$2" 'NR >= from && index($0, e) { print NR; exit }' $OUT; }

# queued, timed out, emergency objects in, out, and the grow done with
# its 1.5 s at least.
in_order() {
	local at=1 e
	for e in grow_queued wait_timeout emergency_alloc emergency_free grow_done; do
		at="$(first $e $at)"
		[ -n "$at" ] || { echo "# no rspl_$e in order:"; sed 's/^/# /' $OUT; return 1; }
	done
	sed -n "${at}p" $OUT | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^us=/) us = substr($i, 4) }
		/ added=1 / && us >= 1500000 { ok = 1 } END { exit !ok }' ||
		{ echo "# grow_done: $(sed -n "${at}p" $OUT)"; return 1; }
}

# Each emergency object allocated was freed, with the flags it was served
# with (KM_PUSHPAGE, 0x4).
balanced() {
	local allocs frees
	allocs="$(grep -c 'rspl_emergency_alloc:.*kmflags=0x4$' $OUT)"
	frees="$(grep -c 'rspl_emergency_free:' $OUT)"
	[ "$allocs" -ge 1 ] && [ "$allocs" = "$frees" ] ||
		{ echo "# $allocs emergency objects allocated, $frees freed"; return 1; }
}

ktap_suite rspl_guest_trace 4
ktap_case events_listed listed
ktap_case stall_traced stall_traced
ktap_case steps_in_order in_order
ktap_case emergency_balanced balanced
ktap_end
