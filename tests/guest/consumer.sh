# SPDX-License-Identifier: GPL-2.0
# The C consumer module: its KUnit suites run when it loads (KTAP on the
# console), then checks of how it and rspl.ko depend on each other.
. /tests/guest/ktap.sh

loads() { insmod /modules/rspl_consumer_test.ko; }
# rspl.ko stays while a module uses its exports.
rspl_pinned() { ! rmmod rspl 2>/dev/null && [ -r /proc/rspl/kmem/slab ]; }
# The consumer destroyed every cache it made.
no_caches_left() { ! grep -q '^rspl_c_' /proc/rspl/kmem/slab; }
unloads() { rmmod rspl_consumer_test; }

# The load prints the module's own KTAP: keep ours after it.
loads && loaded=true || loaded=false
ktap_suite rspl_guest_consumer 4
ktap_case loads $loaded
ktap_case rspl_pinned rspl_pinned
ktap_case no_caches_left no_caches_left
ktap_case unloads unloads
ktap_end
