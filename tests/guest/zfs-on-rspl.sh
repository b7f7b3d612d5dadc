# SPDX-License-Identifier: GPL-2.0
# A real OpenZFS 2.3 pool whose caches rspl serves (scripts/vm-run
# --zfs-on-rspl: rspl.ko, the rspl-backed spl.ko, then the stock zfs.ko).
# zfs-on-rspl.sh SUITE [long]: SUITE names the KTAP suite (the boot's
# variant: default placement, or spl_kmem_cache_slab_limit=0, or the debug
# kernel); "long" stalls and presses longer.
#
#   report      /proc/spl/kmem/slab is rspl's report and lists zfs.ko's caches;
#               pass-through Linux caches carry a whole-object usercopy region
#   pool        checksum=sha256, datasets of recordsize 128K and 1M, files of
#               1 KiB to 16 MiB written, read back with small reads (the
#               hardened-usercopy path), after export/import, scrub and zdb -cc
#   stall       with the pool busy and the caches emptied, grows held up 30x
#               the grow timeout: caches marked deadlocked, emergency objects,
#               I/O going on, every wait within the timeout; afterwards the
#               emergency objects drain and the data verifies
#   pressure    a small ARC and a hog that leaves ~128 MiB free, with and
#               without held-up grows: no OOM kill, slabs shrink back
#   teardown    zfs.ko's rows go with it; spl.ko gives /proc/spl back
. /tests/guest/ktap.sh
. /tests/guest/slab_columns.sh
# What the checks say goes to stderr (the console): ktap_later keeps their
# stdout as its own record.

SUITE="$1" LONG="${2:-}"
SPL=/proc/spl/kmem/slab RSPL=/proc/rspl/kmem/slab STALLS=/proc/rspl/kmem/stalls
P=/sys/module/rspl/parameters ZP=/sys/module/zfs/parameters
POOL=/tmp/pool SRC=/tmp/src SUMS=/tmp/sums
STALL_S=6 PRESS_S=5
[ "$LONG" = long ] && STALL_S=30 PRESS_S=30
# What the guest's two vCPUs, shared with ZFS's threads on a kernel without
# preemption, add to a waiter's wakeup (tests/RELIABILITY.md).
MARGIN_MS=500
figures() { echo "    # $SUITE: figures: $*" >&2; }

# The two reports are one: equal bytes whenever nothing changed between
# the two reads (ZFS's threads allocate now and then: try a few times).
same_report() {
	for i in 1 2 3 4 5; do
		cmp -s $SPL $RSPL && return 0
		sleep 0.2
	done
	return 1
}
has_rows() {
	for c in zio_buf_comb_512 zio_buf_comb_16384 zio_buf_comb_131072 zio_buf_comb_1048576 \
		zio_buf_comb_16777216 dnode_t arc_buf_hdr_t_full dmu_buf_impl_t abd_t zio_cache; do
		grep -q "^$c " $SPL || { echo "no row $c" >&2; return 1; }
	done
}
# Every pass-through cache's Linux cache lets the whole object be copied
# to and from user space.
usercopy_whole_object() {
	local n=0 name size
	while read -r name size; do
		[ "$(cat /sys/kernel/slab/rspl-$name/usersize)" = "$size" ] || {
			echo "rspl-$name: usersize $(cat /sys/kernel/slab/rspl-$name/usersize), object $size" >&2
			return 1
		}
		n=$((n + 1))
	done <<EOF
$(awk -v size=$SLAB_SIZE -v obj=$SLAB_OBJSIZE 'NR > 2 && $size == "-" { print $1, $obj }' $SPL)
EOF
	echo "$n pass-through caches checked" >&2
	[ $n -gt 0 ] || [ "$(cat $P/spl_kmem_cache_slab_limit)" = 0 ]
}

# Files of 1 KiB to 16 MiB, odd sizes among them, in both datasets.
SIZES="1024 1536 2048 4096 8192 12288 16384 16385 65536 131073 1048576 3145851 16777216"
make_pool() {
	mkdir -p $POOL $SRC /etc/zfs && truncate -s 320M $POOL/vdev &&
		zpool create -f -O checksum=sha256 -O compression=off tank $POOL/vdev &&
		zfs create -o recordsize=128K tank/r128 && zfs create -o recordsize=1M tank/r1m || return 1
	for s in $SIZES; do
		head -c $s /dev/urandom >$SRC/f$s || return 1
	done
	sums_of $SRC >$SUMS
}
# The files' SHA-256 in DIR, read with small reads: on the pool, each
# read() copies out of a zio_buf object (the hardened-usercopy check).
sums_of() {
	for s in $SIZES; do
		echo "$(dd if="$1/f$s" bs=1k 2>/dev/null | sha256sum | cut -d' ' -f1) f$s"
	done
}
write_files() {
	for d in r128 r1m; do
		for s in $SIZES; do
			dd if=$SRC/f$s of=/tank/$d/f$s bs=4k 2>/dev/null || return 1
		done
	done
	sync
}
files_match() {
	for d in r128 r1m; do
		sums_of /tank/$d | cmp -s - $SUMS || { echo "tank/$d differs" >&2; return 1; }
	done
}
reimport() { zpool export tank && zpool import -d $POOL tank; }
scrub_clean() {
	zpool scrub -w tank && zpool status tank | grep -q 'errors: No known data errors' &&
		zpool status -x tank | grep -q 'is healthy'
}
zdb_clean() { zpool export tank && zdb -e -p $POOL -cc tank >/tmp/zdb.out 2>&1 && zpool import -d $POOL tank; }

# I/O until /tmp/stop: 2 MiB copies into the 128K dataset, a count of them
# in /tmp/io.count, a sync every fourth.
start_io() {
	rm -f /tmp/stop
	echo 0 >/tmp/io.count
	(
		i=0
		while ! [ -e /tmp/stop ]; do
			dd if=$SRC/f3145851 of=/tank/r128/io$((i % 6)) bs=128k count=16 2>/dev/null || break
			i=$((i + 1))
			# Renamed into place: a write that fails under the hog (tmpfs)
			# must not leave the count empty.
			echo $i >/tmp/io.count.new && mv /tmp/io.count.new /tmp/io.count
			[ $((i % 4)) = 0 ] && sync
			sleep 0.1
		done
	) &
	IO_PID=$!
}
stop_io() { touch /tmp/stop && wait $IO_PID; }
io_count() { cat /tmp/io.count; }

# Sum of column N over the rows of caches on rspl's slabs (not "-").
slab_sum() { awk -v n="$1" -v size=$SLAB_SIZE 'NR > 2 && $size != "-" { s += $n } END { print s + 0 }' $SPL; }
# Caches marked DEADLOCKED (flags bit 14) now whose name starts with $1.
deadlocked_now() {
	local n=0 name flags
	while read -r name flags; do
		case "$name" in "$1"*) [ $((flags & 0x4000)) = 0 ] || n=$((n + 1)) ;; esac
	done <<EOF
$(awk -v flags=$SLAB_FLAGS 'NR > 2 { print $1, $flags }' $SPL)
EOF
	echo $n
}
# The longest wait of any cache, in microseconds (/proc/rspl/kmem/stalls).
worst_wait_us() { awk 'NR > 1 && $6 > m { m = $6 } END { print m + 0 }' $STALLS; }
timeouts_sum() { awk 'NR > 1 { s += $5 } END { print s + 0 }' $STALLS; }

# Holds up every grow for 30 grow timeouts at a time, for SECONDS, with
# the pool busy, and watches the report.
stall() {
	local seconds="$1" before after peak=0 marked=0 e d i=0
	echo 100 >$P/rspl_idle_age_ms
	# Grows held up first, then every empty slab and magazine given back:
	# the I/O's next allocations need grows (the slabs kept for the
	# working set would otherwise serve it through the stall).
	echo 3000 >$P/spl_kmem_cache_inject_grow_delay_ms
	echo 3 >/proc/sys/vm/drop_caches
	before=$(io_count)
	while [ $i -lt $((seconds * 5)) ]; do
		e=$(slab_sum $SLAB_EMERG_ALLOC) d=$(deadlocked_now zio_buf_comb_)
		[ "$e" -gt $peak ] && peak=$e
		[ "$d" -gt $marked ] && marked=$d
		sleep 0.2
		i=$((i + 1))
	done
	after=$(io_count)
	echo 0 >$P/spl_kmem_cache_inject_grow_delay_ms
	echo 2000 >$P/rspl_idle_age_ms
	STALL_FIGURES="seconds=$seconds zio_caches_deadlocked=$marked emergency_live_peak=$peak dlock=$(slab_sum $SLAB_DLOCK) worst_wait_us=$(worst_wait_us) io_rounds=$((after - before))"
	figures "stall $STALL_FIGURES"
	awk 'NR == 1 || $5 > 0' $STALLS >&2
	[ $marked -gt 0 ] || { echo "no zio_buf_comb_* cache was marked deadlocked" >&2; return 1; }
	[ $peak -gt 0 ] || { echo "no emergency object was handed out" >&2; return 1; }
	[ $((after - before)) -gt 0 ] || { echo "I/O made no progress while grows were held up" >&2; return 1; }
}
waits_bounded() {
	local worst timeout
	timeout=$(cat $P/spl_kmem_cache_grow_timeout_ms)
	worst=$(worst_wait_us)
	[ "$worst" -le $(((timeout + MARGIN_MS) * 1000)) ] || {
		echo "a caller waited $worst us for a $timeout ms timeout" >&2
		awk 'NR == 1 || $5 > 0' $STALLS >&2
		return 1
	}
}
# Grows land again: no cache stays marked deadlocked (a grow clears it).
recovered() {
	local i=0
	while [ "$(deadlocked_now '')" != 0 ] && [ $i -lt 100 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	[ "$(deadlocked_now '')" = 0 ] || { echo "still marked deadlocked after 20 s" >&2; return 1; }
}
# Every emergency object is freed once the pool lets go of its buffers.
emergency_drained() {
	zpool export tank || return 1
	local left
	left=$(slab_sum $SLAB_EMERG_ALLOC)
	zpool import -d $POOL tank || return 1
	[ "$left" = 0 ] || { echo "$left emergency objects left after export" >&2; return 1; }
}

# A small ARC and little dirty data, then a hog (tmpfs, which no swap can
# take) that leaves ~128 MiB free while the pool does I/O, for SECONDS;
# with grows held up too when DELAY is set.
pressure() {
	local seconds="$1" delay="$2" avail hog before peak=0 now i=0
	echo $((64 << 20)) >$ZP/zfs_arc_max
	echo $((32 << 20)) >$ZP/zfs_dirty_data_max
	mkdir -p /hog && mount -t tmpfs -o size=90% tmpfs /hog || return 1
	before=$(slab_sum $SLAB_SIZE)
	avail=$(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo)
	hog=$((avail - 128))
	dd if=/dev/zero of=/hog/fill bs=1M count=$hog 2>/dev/null
	echo $delay >$P/spl_kmem_cache_inject_grow_delay_ms
	local io0
	io0=$(io_count)
	while [ $i -lt $((seconds * 5)) ]; do
		now=$(slab_sum $SLAB_SIZE)
		[ "$now" -gt $peak ] && peak=$now
		sleep 0.2
		i=$((i + 1))
	done
	echo 0 >$P/spl_kmem_cache_inject_grow_delay_ms
	local free_kib io1
	free_kib=$(awk '/^MemFree:/ { print $2 }' /proc/meminfo)
	io1=$(io_count)
	rm -f /hog/fill && umount /hog
	PRESS_FIGURES="seconds=$seconds grow_delay_ms=$delay hog_mib=$hog free_kib=$free_kib io_rounds=$((io1 - io0)) slab_bytes_before=$before slab_bytes_peak=$peak"
	[ $((io1 - io0)) -gt 0 ] || { figures "pressure $PRESS_FIGURES"; echo "no I/O under pressure" >&2; return 1; }
}
# After the pool lets go and the aging ticks (100 ms), rspl's slabs hold
# less than they did under load.
slabs_shrink_back() {
	local after peak="$1"
	echo 100 >$P/rspl_idle_age_ms
	zpool export tank && echo 3 >/proc/sys/vm/drop_caches && sleep 2 || return 1
	after=$(slab_sum $SLAB_SIZE)
	echo 2000 >$P/rspl_idle_age_ms
	zpool import -d $POOL tank || return 1
	figures "pressure $PRESS_FIGURES slab_bytes_after=$after"
	[ "$after" -lt "$peak" ] || [ "$peak" = 0 ] || { echo "slabs $after bytes after, $peak at the peak" >&2; return 1; }
}
peak_of() { echo "$PRESS_FIGURES" | sed 's/.*slab_bytes_peak=\([0-9]*\).*/\1/'; }

reclaim_figures() { figures "reclaim $(awk '{ printf "%s=%s ", $1, $2 }' /proc/rspl/kmem/reclaim)"; }

ktap_later report_is_rspl same_report
ktap_later report_lists_zfs_caches has_rows
ktap_later usercopy_whole_object usercopy_whole_object
ktap_later pool_created make_pool
ktap_later files_written write_files
ktap_later files_read_back files_match
ktap_later files_after_reimport eval 'reimport && files_match'
ktap_later scrub_finds_nothing scrub_clean
ktap_later zdb_verifies_every_block zdb_clean
start_io
ktap_later stall_keeps_io_going stall $STALL_S
ktap_later waits_within_timeout waits_bounded
ktap_later grows_land_again recovered
stop_io
ktap_later emergency_objects_drain emergency_drained
ktap_later files_after_stall eval 'files_match && reimport && files_match'
start_io
ktap_later pressure_keeps_io_going pressure $PRESS_S 0
ktap_later slabs_shrink_back_after_pressure eval 'stop_io; slabs_shrink_back $(peak_of)'
start_io
ktap_later pressure_with_stalls pressure $PRESS_S 3000
ktap_later slabs_shrink_back_after_stalls eval 'stop_io; recovered && slabs_shrink_back $(peak_of)'
ktap_later waits_within_timeout_under_pressure waits_bounded
ktap_later files_after_pressure eval 'files_match && scrub_clean'
reclaim_figures
ktap_later report_still_rspl same_report
ktap_later zfs_unload_removes_its_rows eval 'zpool export tank && rmmod zfs && ! grep -q "^zio_buf_comb_" $SPL && cmp -s $SPL $RSPL'
ktap_later spl_unload_gives_proc_spl_back eval 'rmmod spl && cmp -s $SPL $RSPL && grep -q "^name " $SPL'
ktap_later rspl_unloads eval 'rmmod rspl && ! [ -e /proc/spl ] && ! [ -e /proc/rspl ]'
ktap_flush "$SUITE"
