# SPDX-License-Identifier: GPL-2.0
# rspl next to OpenZFS 2.3 (scripts/vm-run --config zfs), with a pool
# doing I/O. zfs.sh ORDER:
#   zfs-first   OpenZFS is loaded (vm-run --no-rspl); rspl.ko loads here
#               while the pool is busy, and its KUnit suites run then
#   rspl-first  rspl.ko was loaded, then OpenZFS (vm-run --zfs-after)
# Then, while the pool is busy: the C consumer's suites, the stress suite,
# and the demo module (ZFS's cache names, next to ZFS's own caches). The
# pool's data is checked against its checksum, after a re-import and a
# scrub; both modules unload, in both orders, and leave nothing in /proc.
. /tests/guest/ktap.sh

ORDER="$1"
SPL=/proc/spl/kmem/slab RSPL=/proc/rspl/kmem/slab
GLOB=/sys/module/kunit/parameters/filter_glob
POOL=/tmp/pool DATA=/tmp/data.bin

# OpenZFS's report: zfs.ko's caches, none of rspl's.
spl_is_openzfs() { grep -q '^zio_cache ' $SPL && ! grep -q '^rspl_' $SPL; }
rspl_report() { head -c 38 $RSPL 2>/dev/null | grep -q -- '-- cache --'; }

make_pool() {
	mkdir -p $POOL /etc/zfs && truncate -s 256M $POOL/vdev &&
		zpool create -f -O compression=off tank $POOL/vdev &&
		zfs create tank/data &&
		dd if=/dev/urandom of=$DATA bs=1M count=16 2>/dev/null &&
		sha256sum <$DATA >/tmp/data.sum
}
# I/O on the pool until /tmp/stop appears: copies of the data, synced,
# with a pause after each so that ZFS's threads leave the two vCPUs time
# for the tests' own timing (a non-preemptible kernel runs a busy kernel
# thread until it yields).
start_io() {
	(
		i=0
		while ! [ -e /tmp/stop ]; do
			cp $DATA /tank/data/copy$((i % 4)) && sync && sleep 0.3
			i=$((i + 1))
		done
		echo $i >/tmp/io.rounds
	) &
	IO_PID=$!
}
stop_io() { touch /tmp/stop && wait $IO_PID && [ "$(cat /tmp/io.rounds)" -gt 0 ]; }
copies_match() {
	for f in /tank/data/copy*; do
		[ "$(sha256sum <"$f")" = "$(cat /tmp/data.sum)" ] || return 1
	done
}
# Read back from the vdev, not from the ARC: export, import, scrub.
reimported_data_matches() {
	zpool export tank && zpool import -d $POOL tank && copies_match &&
		zpool scrub -w tank && zpool status -x tank | grep -q 'is healthy'
}

load_rspl() { insmod /lib/rspl/rspl.ko; }
consumer_runs() { insmod /modules/rspl_consumer_test.ko && rmmod rspl_consumer_test; }
# The stress cases but memory pressure, whose hog takes all memory but
# 8 MiB and so would OOM-kill the I/O loop (the test and debug kernels run
# it on an idle guest). The forced deadlock's callers share two vCPUs with
# ZFS's I/O threads: they may wake later past the timeout than on an idle
# guest, though far from the 2 s of a missed timeout.
stress_runs() {
	echo -n 'rspl_stress.stress_[fpc]*' >$GLOB
	insmod /modules/rspl_stress.ko margin_ms=500 && rmmod rspl_stress
	set -- $?
	echo -n '*' >$GLOB
	return $1
}
# ZFS-named caches (dnode_t, ...) of the demo, next to ZFS's own: each in
# its own report, and ZFS's Linux cache keeps its /sys/kernel/slab entry
# (a second Linux cache of the same name would replace it).
zfs_dnode_slab() { ls -ld /sys/kernel/slab/dnode_t | cut -c1 && cat /sys/kernel/slab/dnode_t/object_size; }
demo_next_to_zfs() {
	local before
	before="$(zfs_dnode_slab)" && insmod /modules/rspl_demo.ko &&
		grep -q '^dnode_t ' $RSPL && [ "$(grep -c '^dnode_t ' $SPL)" = 1 ] &&
		[ "$(zfs_dnode_slab)" = "$before" ] && [ -e /sys/kernel/slab/rspl-dnode_t ] &&
		rmmod rspl_demo && [ "$(zfs_dnode_slab)" = "$before" ] && ! grep -q '^dnode_t ' $RSPL
}
unload_openzfs() { zpool export tank && rmmod zfs && rmmod spl; }
nothing_left() { ! [ -e /proc/spl ] && ! [ -e /proc/rspl ]; }

case "$ORDER" in
zfs-first)
	ktap_later openzfs_owns_proc_spl spl_is_openzfs
	ktap_later pool_created make_pool
	start_io
	ktap_later rspl_loads_while_busy load_rspl
	ktap_later spl_stays_openzfs eval 'spl_is_openzfs && rspl_report'
	;;
rspl-first)
	ktap_later openzfs_took_proc_spl eval 'spl_is_openzfs && rspl_report'
	ktap_later pool_created make_pool
	start_io
	;;
*)
	echo "usage: zfs.sh zfs-first|rspl-first" >&2
	exit 2
	;;
esac
ktap_later consumer_runs_while_busy consumer_runs
ktap_later stress_runs_while_busy stress_runs
ktap_later demo_next_to_zfs demo_next_to_zfs
ktap_later pool_io_went_on stop_io
ktap_later data_matches copies_match
ktap_later reimported_data_matches reimported_data_matches
case "$ORDER" in
zfs-first)
	ktap_later rspl_unloads_first eval 'rmmod rspl && spl_is_openzfs && ! [ -e /proc/rspl ]'
	ktap_later openzfs_unloads eval 'unload_openzfs && nothing_left'
	;;
rspl-first)
	ktap_later openzfs_unloads_first eval 'unload_openzfs && cmp -s $SPL $RSPL'
	ktap_later rspl_unloads eval 'rmmod rspl && nothing_left'
	;;
esac
ktap_flush rspl_guest_zfs
