# SPDX-License-Identifier: GPL-2.0
# A real OpenZFS pool's workload, the guest side of scripts/bench's pool
# boots (scripts/vm-run --config bench --openzfs, with --zfs-on-rspl for
# ZFS on rspl's caches):
#
#   sh pool.sh ALLOC MIB REPS [WORKLOAD...]
#
# ALLOC (stock or rspl) names the boot's allocator; the script checks that
# the loaded SPL is that one. Each WORKLOAD (default: 128K 1M files:4096)
# runs REPS times, each time on a new pool on a file vdev in RAM (tmpfs),
# checksum=sha256, compression=off, and what it writes is made beforehand
# in tmpfs, untimed:
#
#   RECORDSIZE  (128K, 1M) one file of MIB MiB of random data; timed: the
#               file written (dd, 1 MiB writes) and synced (zpool sync), the
#               pool exported and imported (so that the read comes from the
#               vdev, not the ARC), the file read (dd to /dev/null)
#   files:N     N files of 4 KiB (record size 128K), unpacked from a tar;
#               timed: unpacked and synced, the pool exported and imported,
#               every file read (cat), every file removed and that synced
#
# After the read, untimed: the memory held then, what was read checked
# against its SHA-256, the pool destroyed. One line a repetition:
#
#   rspl-bench: pool work=seq|files alloc=A rs=BYTES rep=I mib=N [files=N]
#     busy_ns= idle_ns= elapsed_ns= write_{busy,idle,elapsed}_ns=
#     reimport_..._ns= read_..._ns= [remove_..._ns=] slab_kib= vmalloc_kib=
#     slabinfo_kib= own_kib= arc_kib= gone_slab_kib= gone_vmalloc_kib=
#     gone_slabinfo_kib= gone_own_kib=
#
# busy_ns, idle_ns: CPU time of every CPU over the timed parts that was not
# idle, and that was (idle or iowait; /proc/stat, ticks of 10 ms);
# elapsed_ns: the realtime clock over it (to the tick: 1 ms). Under
# -icount shift=0 the guest clock advances 1 ns per instruction executed,
# on any vCPU, and jumps over the time all vCPUs sleep: with one vCPU,
# elapsed_ns - idle_ns is the instructions executed. With two, a CPU's
# busy time also counts the other's instructions while both run.
# Memory, in KiB: slab_kib and vmalloc_kib, `Slab:` and `VmallocUsed:` of
# /proc/meminfo (`Slab:` counts the pages of every Linux slab cache and of
# every kmalloc() too large for one); slabinfo_kib, the pages of the Linux
# slab caches alone (/proc/slabinfo); own_kib, the `size` column summed
# over the caches on the SPL's (or rspl's) own slabs in /proc/spl/kmem/slab
# (the SPL's own slabs are vmalloc'd; rspl's kvmalloc'd: kmalloc'd pages
# when kmalloc() can, vmalloc'd otherwise); arc_kib, the ARC's size. gone_*:
# the same right after the pool is destroyed. pool_start gives them before
# the first pool, the guest idle for 6 s (base_*).
set -u
ALLOC="$1" MIB="$2" REPS="$3"
shift 3
WORKLOADS="${*:-128K 1M files:4096}"
POOL=/tmp/pool DATA=/tmp/pool-data.bin STAMP=/tmp/pool-stamp SLAB=/proc/spl/kmem/slab
ARCSTATS=/proc/spl/kstat/zfs/arcstats
# The vdev: room for the data, ZFS's metadata and slop.
VDEV_MIB=$((MIB * 2 + 256))
[ $VDEV_MIB -ge 512 ] || VDEV_MIB=512

fail() {
	echo "rspl-bench: pool_failed: $*"
	exit 1
}

# "busy_ns idle_ns seconds nanoseconds" now. busy: user nice system irq
# softirq steal of every CPU (guest time is in user already); idle: idle
# and iowait; both in USER_HZ ticks of 10 ms (100 on x86). The time: the
# realtime clock as tmpfs stamps a file (the clock of the last tick: to the
# millisecond at HZ=1000).
stamp() {
	touch $STAMP
	stat -c '%Y %y' $STAMP | awk 'FILENAME == "/proc/stat" && $1 == "cpu" {
			busy = ($2 + $3 + $4 + $7 + $8 + $9) * 10000000; idle = ($5 + $6) * 10000000 }
		FILENAME != "/proc/stat" { sec = $1; split($3, t, "."); nsec = t[2] + 0 }
		END { printf "%.0f %.0f %d %d\n", busy, idle, sec, nsec }' /proc/stat -
}
# The figures of the interval from stamp $2 to stamp $3 (plus the one from
# $4 to $5, when given): $1busy_ns, $1idle_ns, $1elapsed_ns.
interval() {
	local p="$1"
	shift
	echo "$*" | awk -v p="$p" '{
		for (i = 1; i + 4 <= NF; i += 8) {
			busy += $(i + 4) - $i; idle += $(i + 5) - $(i + 1)
			ns += ($(i + 6) - $(i + 2)) * 1000000000 + $(i + 7) - $(i + 3)
		}
		printf "%sbusy_ns=%.0f %sidle_ns=%.0f %selapsed_ns=%.0f", p, busy, p, idle, p, ns }'
}
meminfo_kib() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
# Pages of every Linux slab cache (/proc/slabinfo: slabs x pages per slab).
slabinfo_kib() { awk 'NR > 2 { s += $15 * $6 } END { printf "%.0f\n", s * 4 }' /proc/slabinfo; }
own_kib() { awk 'NR > 2 && $3 ~ /^[0-9]+$/ { s += $3 } END { printf "%.0f\n", s / 1024 }' $SLAB; }
arc_kib() { awk '$1 == "size" { printf "%.0f\n", $3 / 1024 }' $ARCSTATS 2>/dev/null || echo -; }
# The memory figures now, each name prefixed with $1.
memory() {
	local p="${1:-}"
	echo "${p}slab_kib=$(meminfo_kib Slab) ${p}vmalloc_kib=$(meminfo_kib VmallocUsed) ${p}slabinfo_kib=$(slabinfo_kib) ${p}own_kib=$(own_kib)"
}
bytes() {
	case "$1" in
	*K) echo $((${1%K} * 1024)) ;;
	*M) echo $((${1%M} * 1048576)) ;;
	*) echo "$1" ;;
	esac
}

# The SPL loaded is the one named: zfs.ko's caches in rspl's report, or in
# OpenZFS's with no rspl loaded.
case "$ALLOC" in
rspl)
	grep -q '^zio_cache ' /proc/rspl/kmem/slab 2>/dev/null || fail "ZFS's caches are not rspl's"
	;;
stock)
	! [ -e /proc/rspl ] && grep -q '^zio_cache ' $SLAB || fail "not stock OpenZFS alone"
	;;
*) fail "ALLOC is stock or rspl, not '$ALLOC'" ;;
esac

# pool_create RECORDSIZE: a new pool on a new vdev, settled.
pool_create() {
	truncate -s ${VDEV_MIB}M $POOL/vdev &&
		zpool create -f -O checksum=sha256 -O compression=off -O atime=off \
			-O recordsize=$1 tank $POOL/vdev || fail "zpool create"
	zpool sync tank
	sleep 1
}
pool_destroy() { zpool destroy tank && rm -f $POOL/vdev || fail "zpool destroy"; }
reimport() { zpool export tank && zpool import -d $POOL tank || fail "export and import"; }

# One file of MIB MiB, in a pool of record size $1.
run_seq() {
	local rs="$1" t0 t1 t2 t3 mem
	pool_create $rs
	t0="$(stamp)"
	dd if=$DATA of=/tank/data bs=1M 2>/dev/null && zpool sync tank || fail "write"
	t1="$(stamp)"
	reimport
	t2="$(stamp)"
	dd if=/tank/data of=/dev/null bs=1M 2>/dev/null || fail "read"
	t3="$(stamp)"
	mem="$(memory) arc_kib=$(arc_kib)"
	[ "$(sha256sum </tank/data)" = "$SUM" ] || fail "the data read back differs (rs=$rs rep=$rep)"
	pool_destroy
	echo "rspl-bench: pool work=seq alloc=$ALLOC rs=$(bytes $rs) rep=$rep mib=$MIB $(interval "" "$t0" "$t3") $(interval write_ "$t0" "$t1") $(interval reimport_ "$t1" "$t2") $(interval read_ "$t2" "$t3") $mem $(memory gone_)"
}

# Small files: $1 files of 4 KiB (record size 128K), made in tmpfs beforehand
# and packed in a tar; timed: unpacked onto the pool and synced, the pool
# exported and imported, every file read (cat), every file removed and
# that synced.
files_prepare() {
	local n="$1"
	rm -rf /tmp/files /tmp/files.tar && mkdir /tmp/files || fail "files: mkdir"
	# 4096 bytes a file: a line naming it, then 63 lines of 63 random letters.
	awk -v n=$n -v seed="$(head -c 4 /dev/urandom | od -An -tu4 | tr -d " ")" 'BEGIN {
		srand(seed)
		for (l = 0; l < 63; l++) {
			line = ""
			for (c = 0; c < 63; c++) line = line sprintf("%c", 97 + int(rand() * 26))
			body = body line "\n"
		}
		for (i = 0; i < n; i++) {
			f = sprintf("/tmp/files/f%06d", i)
			printf "%063d\n%s", i, body > f
			close(f)
		}
	}' || fail "files: making them"
	tar -cf /tmp/files.tar -C /tmp files && FILES_SUM="$(cat /tmp/files/* | sha256sum)" &&
		rm -rf /tmp/files || fail "files: packing them"
}
run_files() {
	local n="$1" t0 t1 t2 t3 t3b t4 mem
	[ -f /tmp/files.tar ] || files_prepare $n
	pool_create 128K
	t0="$(stamp)"
	tar -xf /tmp/files.tar -C /tank && zpool sync tank || fail "files: write"
	t1="$(stamp)"
	reimport
	t2="$(stamp)"
	cat /tank/files/* >/dev/null || fail "files: read"
	t3="$(stamp)"
	mem="$(memory) arc_kib=$(arc_kib)"
	[ "$(cat /tank/files/* | sha256sum)" = "$FILES_SUM" ] || fail "files: what was read back differs (rep=$rep)"
	t3b="$(stamp)"
	rm -r /tank/files && zpool sync tank || fail "files: remove"
	t4="$(stamp)"
	pool_destroy
	echo "rspl-bench: pool work=files alloc=$ALLOC rs=131072 rep=$rep files=$n mib=$((n / 256)) $(interval "" "$t0" "$t3" "$t3b" "$t4") $(interval write_ "$t0" "$t1") $(interval reimport_ "$t1" "$t2") $(interval read_ "$t2" "$t3") $(interval remove_ "$t3b" "$t4") $mem $(memory gone_)"
}

mkdir -p $POOL /etc/zfs
head -c $((MIB * 1048576)) /dev/urandom >$DATA || fail "making the data"
SUM="$(sha256sum <$DATA)"
# The memory before the first pool, the guest idle for a while.
sleep 6
echo "rspl-bench: pool_start alloc=$ALLOC mib=$MIB reps=$REPS cpus=$(nproc) vdev_mib=$VDEV_MIB $(memory base_)"

for work in $WORKLOADS; do
	rep=1
	while [ $rep -le "$REPS" ]; do
		case "$work" in
		files:*) run_files "${work#files:}" ;;
		*) run_seq "$work" ;;
		esac
		rep=$((rep + 1))
	done
done
rm -f $DATA $STAMP /tmp/files.tar
echo "rspl-bench: pool_done alloc=$ALLOC"
