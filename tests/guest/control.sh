# SPDX-License-Identifier: GPL-2.0
# The real deadlock's control (tests/stress/reclaim_deadlock.c): the same
# deadlock with the grow wait bounded only at 40 s. The hung-task detector,
# given a 10 s timeout here, must report the caller (vm-run
# --expect-hung-task rspl_stress/0); the case then checks that only the
# timeout ended the wait. A boot of its own, after which the guest is done.
GLOB=/sys/module/kunit/parameters/filter_glob
echo 10 >/proc/sys/kernel/hung_task_timeout_secs
echo -n rspl_stress_control >$GLOB
insmod /modules/rspl_stress.ko && rmmod rspl_stress
