// SPDX-License-Identifier: GPL-2.0

//! `/proc/spl/kmem/slab` read back through the VFS, as `cat` reads it.

use crate::kunit::{kassert, kassert_eq, kunit_suite, CaseResult, Test};
use crate::{proc_fs::read_file, report_format::HEADER};
use kernel::{alloc::flags::GFP_KERNEL, c_str, prelude::*};

fn proc_file_starts_with_header(t: &mut Test) -> CaseResult {
    let buf = KVec::from_elem(0u8, 64 * 1024, GFP_KERNEL);
    kassert!(t, buf.is_ok(), "no memory for the read buffer");
    let mut buf = buf.unwrap_or_default();
    let n = read_file(c_str!("/proc/spl/kmem/slab"), &mut buf);
    kassert!(t, n.is_ok(), "reading /proc/spl/kmem/slab failed: {:?}", n);
    let n = n.unwrap_or(0);
    kassert!(
        t,
        n >= HEADER.len(),
        "read {} bytes, less than the header",
        n
    );
    kassert_eq!(t, &buf[..HEADER.len()], HEADER.as_bytes());
    Ok(())
}

fn proc_file_is_only_header_without_caches(t: &mut Test) -> CaseResult {
    let mut buf = [0u8; 2 * HEADER.len()];
    let n = read_file(c_str!("/proc/spl/kmem/slab"), &mut buf);
    kassert_eq!(t, n, Ok(HEADER.len()));
    kassert_eq!(t, &buf[..HEADER.len()], HEADER.as_bytes());
    Ok(())
}

kunit_suite!(
    suite,
    "rspl_proc_report",
    [
        proc_file_starts_with_header,
        proc_file_is_only_header_without_caches
    ]
);
