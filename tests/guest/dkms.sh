# SPDX-License-Identifier: GPL-2.0
# rspl.ko as DKMS built it (tests/run's DKMS step copies it to /modules):
# it loads, its KUnit suites run at load, it reports, and it unloads.
. /tests/guest/ktap.sh

loads() { insmod /modules/rspl.ko; }
reports() { head -c 38 /proc/rspl/kmem/slab | grep -q -- '-- cache --' && cmp -s /proc/spl/kmem/slab /proc/rspl/kmem/slab; }
unloads() { rmmod rspl && ! [ -e /proc/rspl ] && ! [ -e /proc/spl ]; }

# The load prints the module's own KTAP: keep ours after it.
loads && loaded=true || loaded=false
ktap_suite rspl_guest_dkms 3
ktap_case loads $loaded
ktap_case reports reports
ktap_case unloads unloads
ktap_end
