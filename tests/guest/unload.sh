# SPDX-License-Identifier: GPL-2.0
# A consumer module that never destroys its caches (tests/stress/leaky.c):
# rspl destroys them when the module unloads, or when its init fails,
# reports each by name, and nothing calls into the module's code after.
. /tests/guest/ktap.sh

rows() { grep -c '^rspl_leaky_' /proc/rspl/kmem/slab; }
reported() { dmesg | grep -q "module rspl_leaky unloaded without destroying cache $1 "; }

loads_with_its_caches() { insmod /modules/rspl_leaky.ko && [ "$(rows)" = 3 ]; }
rspl_stays_while_used() { ! rmmod rspl 2>/dev/null && [ "$(rows)" = 3 ]; }
unload_destroys_them() {
	rmmod rspl_leaky && [ "$(rows)" = 0 ] &&
		reported rspl_leaky_reclaim && reported rspl_leaky_held && reported rspl_leaky_freed
}
# Reclaim walks every cache: one left behind would call a freed callback.
reclaim_after_unload() { echo 3 >/proc/sys/vm/drop_caches && echo 3 >/proc/sys/vm/drop_caches; }
failed_init_destroys_them() {
	dmesg -c >/dev/null
	! insmod /modules/rspl_leaky.ko fail_init=1 2>/dev/null && [ "$(rows)" = 0 ] &&
		reported rspl_leaky_reclaim && ! grep -q '^rspl_leaky ' /proc/modules
}

ktap_suite rspl_guest_unload 5
ktap_case loads_with_its_caches loads_with_its_caches
ktap_case rspl_stays_while_used rspl_stays_while_used
ktap_case unload_destroys_them unload_destroys_them
ktap_case reclaim_after_unload reclaim_after_unload
ktap_case failed_init_destroys_them failed_init_destroys_them
ktap_end
