# SPDX-License-Identifier: GPL-2.0
# On the debug kernel, after every module ran and rspl.ko was unloaded:
# kmemleak finds no unreferenced memory. Objects must be 5 s old to be
# reported, and a second scan confirms the first (as kmemleak advises).
. /tests/guest/ktap.sh

KMEMLEAK=/sys/kernel/debug/kmemleak
no_leaks() {
	[ -w $KMEMLEAK ] || { echo "    # no $KMEMLEAK"; return 1; }
	sleep 6
	echo scan >$KMEMLEAK && echo scan >$KMEMLEAK || return 1
	leaks="$(cat $KMEMLEAK)"
	[ -z "$leaks" ] && return 0
	echo "$leaks" | sed 's/^/    # /'
	return 1
}

ktap_suite rspl_guest_kmemleak 1
ktap_case no_leaks no_leaks
ktap_end
