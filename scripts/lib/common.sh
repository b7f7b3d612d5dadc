# SPDX-License-Identifier: GPL-2.0
# Shared settings of rspl's scripts. Sourced, not run.

RSPL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Everything built once and reused (tools, kernels, OpenZFS) lives here,
# outside the work tree, so that a fresh clone on the same machine is warm.
RSPL_CACHE="${RSPL_CACHE:-/var/cache/rspl}"
RSPL_TOOLS="$RSPL_CACHE/tools"

BINDGEN_VERSION=0.72.1
BINDGEN="$RSPL_TOOLS/bin/bindgen"
RUSTC=/usr/bin/rustc
LLVM_SUFFIX=-19
LIBCLANG_PATH=/usr/lib/llvm-19/lib
KERNEL_TARBALL=/usr/src/linux-source-6.12.tar.xz
export LIBCLANG_PATH

# Where scripts/setup keeps Debian's config for the installed 6.12 source.
debian_config() {
	echo "$RSPL_CACHE/debian/config-$(dpkg-query -W -f='${Version}' linux-source-6.12)"
}

# RSPL_VERBOSE=1 (--verbose of scripts/demo, tests/run and scripts/vm-run)
# shows everything: the guest's whole console, apt's output. By default a
# run shows its steps, the guest's commands and their output, and names
# the log files that hold the rest.
RSPL_VERBOSE="${RSPL_VERBOSE:-0}"

log() { printf '\033[1m[rspl]\033[0m %s\n' "$*" >&2; }
die() {
	printf '\033[1;31m[rspl] error:\033[0m %s\n' "$*" >&2
	exit 1
}

# with_progress WHAT SECONDS LOG COMMAND...: runs COMMAND, its output to
# file LOG, saying every minute how long WHAT has taken of about SECONDS;
# returns COMMAND's status. COMMAND runs in the foreground, so that Ctrl-C
# stops it; the ticker goes with it.
with_progress() {
	local what="$1" estimate="$2" out="$3" ticker rc=0
	shift 3
	(
		# Killed, it takes its sleep along: nothing keeps the caller's
		# output open.
		trap 'kill $nap 2>/dev/null; exit 0' TERM
		start=$SECONDS
		while :; do
			sleep 60 &
			nap=$!
			wait $nap
			log "$what: $(((SECONDS - start) / 60)) min of about $(((estimate + 59) / 60))"
		done
	) >/dev/null &
	ticker=$!
	"$@" >"$out" 2>&1 || rc=$?
	kill "$ticker" 2>/dev/null
	wait "$ticker" 2>/dev/null || true
	return "$rc"
}

# opt_value OPTION "$@": in a script's argument loop, the value after
# OPTION, or a clear error when it has none.
opt_value() {
	(($# >= 2)) && [[ "$2" != --* ]] || die "$1 needs a value"
	printf '%s' "$2"
}

# The kbuild variables every build of the kernel and of rspl passes.
KBUILD_VARS=("LLVM=$LLVM_SUFFIX" "RUSTC=$RUSTC" "BINDGEN=$BINDGEN"
	CLIPPY_DRIVER=/usr/bin/clippy-driver RUSTFMT=/usr/bin/rustfmt)
# The same, one line, for the Makefile.
kbuild_vars() {
	echo "${KBUILD_VARS[*]}"
}

# Cleans module directory $2 when its objects were built against another
# kernel build dir than $1: kbuild would reuse them (its command lines name
# the kernel's headers by relative paths, which look the same), and a
# module built for another config (other slab flag bits, say) would load.
# .rspl-kdir records the kernel the objects are for.
clean_if_other_kernel() {
	local kdir="$1" dir="$2" stamp="$2/.rspl-kdir"
	[ "$(cat "$stamp" 2>/dev/null)" = "$kdir" ] && return 0
	make -s -C "$kdir" M="$dir" "${KBUILD_VARS[@]}" clean >&2
	echo "$kdir" >"$stamp"
}

# Builds rspl.ko in the work tree against the kernel build dir $1.
build_rspl() {
	local kdir="$1"
	clean_if_other_kernel "$kdir" "$RSPL_ROOT"
	make -s -C "$kdir" M="$RSPL_ROOT" "${KBUILD_VARS[@]}" -j"$(nproc)" modules >&2 ||
		die "building rspl.ko against $kdir failed"
}

# Builds the C module in directory $2 (a Kbuild of its own) against the
# kernel build dir $1, linking to rspl.ko's exports: build rspl.ko first.
build_consumer() {
	local kdir="$1" dir="$2"
	clean_if_other_kernel "$kdir" "$dir"
	make -s -C "$kdir" M="$dir" "${KBUILD_VARS[@]}" KBUILD_EXTRA_SYMBOLS="$RSPL_ROOT/Module.symvers" \
		-j"$(nproc)" modules >&2 || die "building the module in $dir against $kdir failed"
}

# Whether KVM really runs a guest here (it often does not: no nested
# virtualisation). Boots kernel $1 once per host boot and remembers.
kvm_works() {
	local bzimage="$1" probe dir
	[ -w /dev/kvm ] || return 1
	probe="$RSPL_CACHE/kvm-probe-$(cat /proc/sys/kernel/random/boot_id)"
	if ! [ -f "$probe" ]; then
		log "probing whether KVM runs a guest here (once per host boot)"
		dir="$(mktemp -d)"
		printf '#!/bin/busybox sh\n/bin/busybox echo RSPL-KVM-OK\n/bin/busybox reboot -f\n' >"$dir/init"
		chmod +x "$dir/init"
		mkdir -p "$dir/bin" && cp "$(command -v busybox)" "$dir/bin/busybox"
		(cd "$dir" && printf 'init\nbin\nbin/busybox\n' | cpio -o -H newc --quiet) >"$dir/i.cpio"
		if timeout -k 2 20 qemu-system-x86_64 -accel kvm -cpu host -m 256M -kernel "$bzimage" \
			-initrd "$dir/i.cpio" -nographic -no-reboot -monitor none \
			-append "console=ttyS0 panic=-1" </dev/null 2>&1 | grep -q RSPL-KVM-OK; then
			echo yes >"$probe"
		else
			echo no >"$probe"
		fi
		rm -rf "$dir"
	fi
	[ "$(cat "$probe")" = yes ]
}

# OpenZFS next to rspl: Debian's packages of it (bookworm-backports,
# contrib), fetched by scripts/setup and built by scripts/openzfs-dir.
# Of zfs-test (OpenZFS's test suite), only zinject is used.
OPENZFS_DEB_VERSION="2.3.2-2~bpo12+2"
OPENZFS_PACKAGES=(zfs-dkms zfsutils-linux libzfs6linux libnvpair3linux libuutil3linux libzpool6linux zfs-test)
