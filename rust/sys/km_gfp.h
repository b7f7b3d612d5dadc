/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one translation of KM_* flags into GFP flags (rust/sys/memory.c), for
 * the shim's C files alone: Rust passes KM_* flags, never GFP flags.
 */
#ifndef _RSPL_SHIM_KM_GFP_H
#define _RSPL_SHIM_KM_GFP_H

#include <linux/gfp_types.h>

gfp_t rspl_km_to_gfp(int kmflags);

#endif /* _RSPL_SHIM_KM_GFP_H */
