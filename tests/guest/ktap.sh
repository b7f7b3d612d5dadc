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
