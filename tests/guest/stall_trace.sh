# SPDX-License-Identifier: GPL-2.0
# A stalled grow to trace, and the checks of what a trace of it shows,
# for every reader of rspl's trace events (tracefs, trace-cmd, perf).
# Sourced; a trace is any text with one event a line, as "NAME: FIELDS".
T=/sys/kernel/tracing
P=/sys/module/rspl/parameters
CACHE=zio_buf_1048576
# Every event of rspl's, by its name without the rspl_ prefix.
EVENTS="grow_queued grow_done wait_timeout emergency_alloc emergency_free
	reserve_take move_offer move_answer shrink_scan"

[ -d $T/events ] || mount -t tracefs nodev $T

# A burst of 4 of rspl_demo.ko's KM_PUSHPAGE objects while each grow
# takes 1.5 s; the objects go at unload, the grow lands after.
stall_burst() {
	insmod /modules/rspl_demo.ko || return 1
	echo 1500 > $P/spl_kmem_cache_inject_grow_delay_ms
	echo 4 > /sys/module/rspl_demo/parameters/burst
	echo 0 > $P/spl_kmem_cache_inject_grow_delay_ms
	rmmod rspl_demo || return 1
	sleep 2
}

# cache_lines TRACE OUT: the lines of TRACE about the demo's cache, in OUT;
# fails if there are none.
cache_lines() {
	grep -E "cache=$CACHE( |$)" "$1" >"$2"
	[ -s "$2" ]
}

# has_trace TRACE: TRACE was written (else its recording failed, above).
has_trace() { [ -s "$1" ] || { echo "# no trace in $1"; return 1; }; }

# The line number of the first EVENT of TRACE at or after line FROM.
first() { awk -v e="rspl_$1:" -v from="$3" 'NR >= from && index($0, e) { print NR; exit }' "$2"; }

# steps_in_order TRACE: queued, timed out, emergency objects in, out, and
# the grow done with its 1.5 s at least.
steps_in_order() {
	local at=1 e
	has_trace "$1" || return 1
	for e in grow_queued wait_timeout emergency_alloc emergency_free grow_done; do
		at="$(first $e "$1" $at)"
		[ -n "$at" ] || { echo "# no rspl_$e in order:"; sed 's/^/# /' "$1"; return 1; }
	done
	sed -n "${at}p" "$1" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^us=/) us = substr($i, 4) }
		/ added=1 / && us >= 1500000 { ok = 1 } END { exit !ok }' ||
		{ echo "# grow_done: $(sed -n "${at}p" "$1")"; return 1; }
}

# emergency_balanced TRACE: each emergency object allocated was freed,
# with the flags it was served with (KM_PUSHPAGE, 0x4).
emergency_balanced() {
	local allocs frees
	has_trace "$1" || return 1
	allocs="$(grep -c 'rspl_emergency_alloc:.*kmflags=0x4$' "$1")"
	frees="$(grep -c 'rspl_emergency_free:' "$1")"
	[ "$allocs" -ge 1 ] && [ "$allocs" = "$frees" ] ||
		{ echo "# $allocs emergency objects allocated, $frees freed"; return 1; }
}
