# SPDX-License-Identifier: GPL-2.0
# Guest-side checks of rspl.ko's life cycle, run after its KUnit suites
# ran at load time: its report's places, their hand-over to an SPL module
# (tests/fake_spl/spl.ko stands in for OpenZFS's) in both load orders and
# both unload orders, and nothing left in /proc after. Unloads rspl: run
# it last.
. /tests/guest/ktap.sh

SPL=/proc/spl/kmem/slab RSPL=/proc/rspl/kmem/slab
GLOB=/sys/module/kunit/parameters/filter_glob
rspl_report() { head -c 38 "$1" 2>/dev/null | grep -q -- '-- cache --'; }
spl_is_rspls() { rspl_report $SPL && cmp -s $SPL $RSPL; }
spl_is_fakes() { grep -q '^fake spl: ' $SPL; }
nothing_left() { ! [ -e /proc/spl ] && ! [ -e /proc/rspl ]; }
# rspl.ko again, its KUnit suites not run a second time.
load_rspl() {
	echo -n 'none' >$GLOB
	insmod /lib/rspl/rspl.ko
	set -- $?
	echo -n '*' >$GLOB
	return $1
}

both_places() { rspl_report $RSPL && spl_is_rspls; }
spl_after_rspl() { insmod /modules/spl.ko && spl_is_fakes && rspl_report $RSPL; }
spl_unload_gives_back() { rmmod spl && spl_is_rspls; }
unload_removes_proc() { rmmod rspl && nothing_left; }
rspl_after_spl() { insmod /modules/spl.ko && load_rspl && spl_is_fakes && rspl_report $RSPL; }
rspl_unloads_first() { rmmod rspl && spl_is_fakes && ! [ -e /proc/rspl ] && rmmod spl && nothing_left; }
spl_unloads_first() {
	insmod /modules/spl.ko && load_rspl && rmmod spl && spl_is_rspls &&
		rmmod rspl && nothing_left
}

ktap_suite rspl_guest_lifecycle 7
ktap_case both_places both_places
ktap_case spl_after_rspl spl_after_rspl
ktap_case spl_unload_gives_back spl_unload_gives_back
ktap_case unload_removes_proc unload_removes_proc
ktap_case rspl_after_spl rspl_after_spl
ktap_case rspl_unloads_first rspl_unloads_first
ktap_case spl_unloads_first spl_unloads_first
ktap_end
