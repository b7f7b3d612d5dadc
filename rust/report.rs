// SPDX-License-Identifier: GPL-2.0

//! Reporting: the `/proc/spl/kmem/slab` format and rspl's own statistics
//! files, their `/proc` entries and the hand-over of `/proc/spl` to and
//! from OpenZFS's `spl.ko`. Reads the caches; the core never calls it.

pub(crate) mod files;
pub(crate) mod format;
pub(crate) mod places;
pub(crate) mod stats_format;
