# SPDX-License-Identifier: GPL-2.0
# Guest-side checks as a KTAP suite, so that tests/run counts them with
# the KUnit suites. Sourced by the guest's test script:
#   ktap_suite NAME PLAN; ktap_case NAME command...; ktap_end

ktap_suite() {
	KTAP_SUITE="$1" KTAP_N=0 KTAP_FAILED=0
	printf 'KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: %s\n    1..%s\n' "$1" "$2"
}

ktap_case() {
	local name="$1"
	shift
	KTAP_N=$((KTAP_N + 1))
	if "$@"; then
		echo "    ok $KTAP_N $name"
	else
		echo "    not ok $KTAP_N $name"
		KTAP_FAILED=1
	fi
}

ktap_end() {
	if [ "$KTAP_FAILED" = 0 ]; then
		echo "ok 1 $KTAP_SUITE"
	else
		echo "not ok 1 $KTAP_SUITE"
	fi
}

# Cases checked now and printed later, by ktap_flush SUITE: for checks
# among module loads, whose own KTAP would otherwise land inside the suite.
KTAP_LATER=/tmp/ktap-later
ktap_later() {
	local name="$1"
	shift
	if "$@"; then echo "ok $name"; else echo "not ok $name"; fi >>$KTAP_LATER
}

ktap_flush() {
	ktap_suite "$1" "$(wc -l <$KTAP_LATER)"
	while read -r line; do
		case "$line" in
		"ok "*) ktap_case "${line#ok }" true ;;
		*) ktap_case "${line#not ok }" false ;;
		esac
	done <$KTAP_LATER
	rm -f $KTAP_LATER
	ktap_end
}
