# SPDX-License-Identifier: GPL-2.0
# rspl's trace events through tracefs, as a user watching a stall sees
# them: every event is listed (with the format and id that trace-cmd and
# perf read), and a stalled grow shows its steps in order (rspl_demo.ko's
# KM_PUSHPAGE burst while grows are held up).
. /tests/guest/ktap.sh
. /tests/guest/stall_trace.sh
OUT=/tmp/rspl-trace.txt

listed() {
	for e in $EVENTS; do
		[ -r $T/events/rspl/rspl_$e/format ] && [ -r $T/events/rspl/rspl_$e/id ] ||
			{ echo "# no event rspl_$e"; return 1; }
	done
}

stall_traced() {
	echo > $T/trace
	echo 1 > $T/events/rspl/enable
	stall_burst || return 1
	echo 0 > $T/events/rspl/enable
	cache_lines $T/trace $OUT
}

ktap_suite rspl_guest_trace 4
ktap_case events_listed listed
ktap_case stall_traced stall_traced
ktap_case steps_in_order steps_in_order $OUT
ktap_case emergency_balanced emergency_balanced $OUT
ktap_end
