# SPDX-License-Identifier: GPL-2.0
# rspl's trace events read as users read them, with trace-cmd and perf
# (the guest has the host's, scripts/vm-run --trace-tools): each lists the
# events, records the stalled grow of stall_trace.sh and reports its steps
# in order.
. /tests/guest/ktap.sh
. /tests/guest/stall_trace.sh
STALL=". /tests/guest/stall_trace.sh && stall_burst"
LOG=/tmp/rspl-trace-tools.log

# run CMD...: CMD with its output in $LOG, shown as diagnostics if it fails.
run() {
	"$@" >$LOG 2>&1 && return 0
	echo "# $* failed:"
	sed 's/^/# /' $LOG
	return 1
}

# lists WHO: the command's listing in $LOG names each of rspl's events.
lists() {
	local e
	for e in $EVENTS; do
		grep -q -E "(^| )rspl:rspl_$e( |\$)" $LOG ||
			{ echo "# $1 does not list rspl:rspl_$e:"; sed 's/^/# /' $LOG; return 1; }
	done
}

tc_lists() { run trace-cmd list -e '^rspl:' && lists trace-cmd; }
tc_record() {
	run trace-cmd record -e rspl -o /tmp/rspl.dat sh -c "$STALL" &&
		run trace-cmd report -i /tmp/rspl.dat &&
		cache_lines $LOG /tmp/rspl-tc.txt
}

perf_lists() { run perf list 'rspl:*' && lists perf; }
perf_record() {
	run perf record -e 'rspl:*' -a -o /tmp/rspl.perf -- sh -c "$STALL" &&
		run perf script -i /tmp/rspl.perf &&
		cache_lines $LOG /tmp/rspl-perf.txt
}

ktap_suite rspl_guest_trace_tools 8
ktap_case trace_cmd_lists tc_lists
ktap_case trace_cmd_records tc_record
ktap_case trace_cmd_steps_in_order steps_in_order /tmp/rspl-tc.txt
ktap_case trace_cmd_emergency_balanced emergency_balanced /tmp/rspl-tc.txt
ktap_case perf_lists perf_lists
ktap_case perf_records perf_record
ktap_case perf_steps_in_order steps_in_order /tmp/rspl-perf.txt
ktap_case perf_emergency_balanced emergency_balanced /tmp/rspl-perf.txt
ktap_end
