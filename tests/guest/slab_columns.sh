# SPDX-License-Identifier: GPL-2.0
# The columns of a /proc/spl/kmem/slab row (OpenZFS's format), by name:
# the guest scripts' one reader of them (sourced). A pass-through cache's
# row has "-" where it knows nothing. tests/include/rspl_test/slab_row.h is
# the C modules' reader; rust/report/format.rs writes the rows.
SLAB_NAME=1 SLAB_FLAGS=2 SLAB_SIZE=3 SLAB_ALLOC=4 SLAB_SLABSIZE=5 SLAB_OBJSIZE=6
SLAB_SLABS_TOTAL=7 SLAB_SLABS_ALLOC=8 SLAB_SLABS_MAX=9
SLAB_OBJS_TOTAL=10 SLAB_OBJS_ALLOC=11 SLAB_OBJS_MAX=12
SLAB_DLOCK=13 SLAB_EMERG_ALLOC=14 SLAB_EMERG_MAX=15

# slab_col FILE CACHE COLUMN: column COLUMN (a number above) of CACHE's row.
slab_col() { awk -v c="$2" -v n="$3" '$1 == c { print $n }' "$1"; }
