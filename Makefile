# SPDX-License-Identifier: GPL-2.0
#
# Convenience targets. kbuild itself reads ./Kbuild, so the standard
#   make -C <kernel build dir> M=$PWD modules
# works against any Rust-enabled 6.12 tree; `make` here builds against
# rspl's own cached test kernel (scripts/kernel-dir).

CONFIG ?= test
KDIR ?= $(shell scripts/kernel-dir --config $(CONFIG))
KBUILD_VARS = $(shell bash -c '. scripts/lib/common.sh; kbuild_vars')

# Cleans first when the objects were built against another kernel.
modules:
	bash -c '. scripts/lib/common.sh; build_rspl $(KDIR)'

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(KBUILD_VARS) clean
	rm -f .rspl-kdir

# rustfmt and clippy over the crate, warnings as failures.
check:
	scripts/check --config $(CONFIG)

test:
	tests/run

demo:
	scripts/demo

# rspl against SLUB and kmalloc: bench/RESULTS.md and bench/pairs.png.
bench:
	scripts/bench

.PHONY: modules clean check test demo bench
