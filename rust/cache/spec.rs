// SPDX-License-Identifier: GPL-2.0

//! The checks of `rspl_kmem_cache_create()`'s arguments, and what they
//! decide: where the cache's objects live.

use crate::{slab::SlabLayout, sys::flags::*, sys::memory::Backing, sys::params};
use kernel::page::PAGE_SIZE;

/// Where a cache's objects live.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Placement {
    /// A Linux kmem_cache (`KMC_SLAB`).
    PassThrough,
    /// rspl's own slabs.
    Slabs(SlabLayout),
}

/// A cache's validated shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CacheSpec {
    pub(crate) size: usize,
    /// The alignment objects get (at least 8).
    pub(crate) align: usize,
    /// Create flags, with the chosen backing flag set.
    pub(crate) flags: u32,
    pub(crate) placement: Placement,
    /// Every free is checked at once (`rspl_kmem_debug` was set at create
    /// and `KMC_NODEBUG` was not given): no magazines in front of the slabs.
    pub(crate) checked: bool,
    /// Objects kept for the I/O path (`KMC_RESERVE`: the
    /// `rspl_kmem_cache_reserve_objs` of its creation), 0 for none.
    pub(crate) reserve: u32,
}

/// The largest reserve a cache keeps, whatever the parameter says: in
/// objects, and in bytes.
pub(crate) const RESERVE_MAX: u32 = 1024;
pub(crate) const RESERVE_BYTES_MAX: usize = 64 << 20;

/// The reserve a `KMC_RESERVE` cache of `size`-byte objects keeps.
fn reserve_for(size: usize) -> u32 {
    let fits = u32::try_from(RESERVE_BYTES_MAX / size)
        .unwrap_or(u32::MAX)
        .max(1);
    params::reserve_objs().min(RESERVE_MAX).min(fits)
}

/// Checks the arguments; on error, says why (for the caller's message).
pub(crate) fn check(
    name: Option<&[u8]>,
    size: usize,
    align: usize,
    vmp_is_null: bool,
    flags: i32,
) -> Result<CacheSpec, &'static str> {
    let name = name.ok_or("name is NULL")?;
    if name.is_empty() {
        return Err("name is empty");
    }
    if name.len() > NAME_MAX {
        return Err("name is longer than 63 bytes");
    }
    // A space or a newline would forge columns or rows of the report, a
    // '/' would be a path in /sys/kernel/slab: OpenZFS's names are
    // [A-Za-z0-9_].
    if !name
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.')
    {
        return Err("name has a character other than A-Z, a-z, 0-9, '_', '-' and '.'");
    }
    if size == 0 {
        return Err("size is 0");
    }
    if size > OBJ_MAX {
        return Err("size is over the 32 MiB maximum");
    }
    if align != 0 && !align.is_power_of_two() {
        return Err("alignment is not a power of two");
    }
    if align > PAGE_SIZE {
        return Err("alignment is over PAGE_SIZE");
    }
    if !vmp_is_null {
        return Err("vmp is not NULL");
    }
    if flags < 0 || flags as u32 & !KMC_CREATE_MASK != 0 {
        return Err("unknown cache flags");
    }
    let mut flags = flags as u32;
    if (flags & KMC_BACKING_MASK).count_ones() > 1 {
        return Err("more than one of KMC_KMEM, KMC_VMEM, KMC_KVMEM, KMC_SLAB");
    }
    let checked = params::kmem_debug() != 0 && flags & KMC_NODEBUG == 0;
    let reserved = flags & KMC_RESERVE != 0;
    if reserved && flags & KMC_SLAB != 0 {
        // A Linux cache's objects cannot be set aside from its slabs.
        return Err("KMC_RESERVE needs rspl's own slabs, not KMC_SLAB");
    }
    let reserve = if reserved { reserve_for(size) } else { 0 };
    if flags & KMC_BACKING_MASK == 0 {
        // As the SPL: small objects to a Linux cache, large ones on slabs.
        // A checked cache keeps them on its own slabs, where frees are
        // checked (a Linux cache would not refuse a double free), and so
        // does one with a reserve.
        flags |= if size <= params::slab_limit() as usize && !checked && !reserved {
            KMC_SLAB
        } else {
            KMC_KVMEM
        };
    }
    let align = align.max(8);
    let backing = match flags & KMC_BACKING_MASK {
        KMC_SLAB if !Backing::Pages.fits(size.next_multiple_of(align)) => {
            // SLUB would refuse it with a stack dump and rspl say ENOMEM.
            return Err("objects too large for a Linux kmem_cache (KMC_SLAB)");
        }
        KMC_SLAB => {
            return Ok(CacheSpec {
                size,
                align,
                flags,
                placement: Placement::PassThrough,
                // SLUB checks these frees, with its own debug options.
                checked: false,
                reserve: 0,
            });
        }
        KMC_KMEM => Backing::Pages,
        KMC_VMEM => Backing::Vmalloc,
        _ => Backing::KVmalloc,
    };
    let max_bytes = (params::max_slab_mb() as usize) << 20;
    let layout = SlabLayout::new(size, align, params::obj_per_slab(), max_bytes, backing);
    if !backing.fits(layout.bytes) {
        return Err("objects too large for page-backed (KMC_KMEM) slabs");
    }
    Ok(CacheSpec {
        size,
        align,
        flags,
        placement: Placement::Slabs(layout),
        checked,
        reserve,
    })
}

#[cfg(CONFIG_KUNIT)]
mod tests {
    use super::{check, Placement};
    use crate::sys::flags::*;
    use crate::sys::kunit::{kassert, kassert_eq, kunit_suite, CaseResult, Test};
    use crate::sys::{memory::Backing, params};
    use kernel::page::PAGE_SIZE;

    /// `check` with a good name and no vmp.
    fn spec(size: usize, align: usize, flags: u32) -> Result<super::CacheSpec, &'static str> {
        check(Some(b"rspl_spec"), size, align, true, flags as i32)
    }

    /// Every bad argument is refused with its own reason.
    fn refuses_bad_arguments(t: &mut Test) -> CaseResult {
        let long = [b'a'; 64];
        for (name, size, align, vmp_is_null, flags, why) in [
            (None, 64, 0, true, 0, "name is NULL"),
            (Some(&b""[..]), 64, 0, true, 0, "name is empty"),
            (
                Some(&long[..]),
                64,
                0,
                true,
                0,
                "name is longer than 63 bytes",
            ),
            (Some(&b"a b"[..]), 64, 0, true, 0, "name has a character"),
            (Some(&b"a/b"[..]), 64, 0, true, 0, "name has a character"),
            (Some(&b"ok"[..]), 0, 0, true, 0, "size is 0"),
            (Some(&b"ok"[..]), OBJ_MAX + 1, 0, true, 0, "size is over"),
            (
                Some(&b"ok"[..]),
                64,
                24,
                true,
                0,
                "alignment is not a power of two",
            ),
            (
                Some(&b"ok"[..]),
                64,
                2 * PAGE_SIZE,
                true,
                0,
                "alignment is over PAGE_SIZE",
            ),
            (Some(&b"ok"[..]), 64, 0, false, 0, "vmp is not NULL"),
            (Some(&b"ok"[..]), 64, 0, true, -1, "unknown cache flags"),
            (
                Some(&b"ok"[..]),
                64,
                0,
                true,
                1 << 30,
                "unknown cache flags",
            ),
            (
                Some(&b"ok"[..]),
                64,
                0,
                true,
                (KMC_KMEM | KMC_VMEM) as i32,
                "more than one of",
            ),
            (
                Some(&b"ok"[..]),
                8 << 20,
                0,
                true,
                KMC_SLAB as i32,
                "objects too large for a Linux",
            ),
            (
                Some(&b"ok"[..]),
                64,
                0,
                true,
                (KMC_SLAB | KMC_RESERVE) as i32,
                "KMC_RESERVE needs rspl's own slabs",
            ),
        ] {
            let got = check(name, size, align, vmp_is_null, flags);
            kassert!(
                t,
                matches!(got, Err(e) if e.starts_with(why)),
                "size {size} align {align} flags {flags:#x}: {got:?}, not \"{why}...\""
            );
        }
        Ok(())
    }

    /// By default objects up to the slab limit pass through to a Linux
    /// cache and larger ones live on kvmalloc'd slabs; a backing flag
    /// chooses; the alignment is at least 8. A reserve keeps small objects
    /// on rspl's slabs, sized by the parameter.
    fn places_by_size_and_flags(t: &mut Test) -> CaseResult {
        let limit = params::slab_limit() as usize;
        let s = spec(limit, 0, 0).map_err(|_| crate::sys::kunit::Failed)?;
        kassert_eq!(
            t,
            (s.placement, s.flags & KMC_SLAB, s.align, s.reserve),
            (Placement::PassThrough, KMC_SLAB, 8, 0)
        );
        let s = spec(64, 0, KMC_RESERVE).map_err(|_| crate::sys::kunit::Failed)?;
        kassert!(t, matches!(s.placement, Placement::Slabs(_)));
        kassert_eq!(
            t,
            (s.flags & KMC_BACKING_MASK, s.reserve),
            (KMC_KVMEM, params::reserve_objs().min(super::RESERVE_MAX))
        );
        // Never more than 64 MiB of objects set aside, nor fewer than one.
        let s = spec(16 << 20, 0, KMC_RESERVE).map_err(|_| crate::sys::kunit::Failed)?;
        kassert_eq!(t, s.reserve, params::reserve_objs().min(4));
        for (flags, backing) in [
            (0, Backing::KVmalloc),
            (KMC_VMEM, Backing::Vmalloc),
            (KMC_KMEM, Backing::Pages),
        ] {
            let s = spec(limit + 1, 0, flags);
            let placed = match s {
                Ok(s) => match s.placement {
                    Placement::Slabs(layout) => Some(layout.backing),
                    Placement::PassThrough => None,
                },
                Err(_) => None,
            };
            kassert!(t, placed == Some(backing), "flags {flags:#x}: {placed:?}");
        }
        Ok(())
    }

    kunit_suite!(
        suite,
        "rspl_spec",
        [refuses_bad_arguments, places_by_size_and_flags]
    );
}
