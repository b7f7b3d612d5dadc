# SPDX-License-Identifier: GPL-2.0
# Guest-side checks of rspl.ko's life cycle, run after its KUnit suites
# ran at load time. Unloads rspl: run it last.
. /tests/guest/ktap.sh

proc_file_present() { [ -r /proc/spl/kmem/slab ] && head -c 38 /proc/spl/kmem/slab | grep -q -- '-- cache --'; }
unload_removes_proc() { rmmod rspl && ! [ -e /proc/spl ]; }

ktap_suite rspl_guest_lifecycle 2
ktap_case proc_file_present proc_file_present
ktap_case unload_removes_proc unload_removes_proc
ktap_end
