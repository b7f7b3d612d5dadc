/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The values of rspl's C API (rspl/kmem_cache.h includes this): KM_* and
 * KMC_* flags with OpenZFS's values, limits, and what
 * rspl_kmem_cache_bytes() sums. It includes nothing, so that bindgen reads
 * it alone: rspl's Rust code takes every value from here
 * (rust/sys/flags.rs), none is copied by hand.
 */
#ifndef _RSPL_KMEM_FLAGS_H
#define _RSPL_KMEM_FLAGS_H

/* Allocation flags (kmflags). */
#define KM_SLEEP	0x0000	/* may sleep; never returns NULL */
#define KM_NOSLEEP	0x0001	/* never sleeps; may return NULL */
#define KM_PUSHPAGE	0x0004	/* called from the I/O path: no I/O to satisfy it */
#define KM_ZERO		0x1000	/* zero the object */
#define KM_FLAGS_MASK	(KM_NOSLEEP | KM_PUSHPAGE | KM_ZERO)

/* Cache flags, and the cache's state bits that share their word. */
#define KMC_BIT_NODEBUG		1	/* no debugging checks */
#define KMC_BIT_KMEM		5	/* slabs of whole pages */
#define KMC_BIT_VMEM		6	/* slabs from __vmalloc() */
#define KMC_BIT_KVMEM		7	/* slabs from kvmalloc() */
#define KMC_BIT_SLAB		8	/* objects from a Linux kmem_cache */
#define KMC_BIT_DEADLOCKED	14	/* a grow timed out; state */
#define KMC_BIT_GROWING		15	/* a grow is in flight; state */
#define KMC_BIT_REAPING		16	/* being reaped; state */
#define KMC_BIT_DESTROY		17	/* being destroyed; state */
#define KMC_BIT_RECLAIMABLE	21	/* objects are reclaimable */
#define KMC_BIT_RESERVE		24	/* rspl's own: a reserve for the I/O path */

#define KMC_NODEBUG	(1 << KMC_BIT_NODEBUG)
#define KMC_KMEM	(1 << KMC_BIT_KMEM)
#define KMC_VMEM	(1 << KMC_BIT_VMEM)
#define KMC_KVMEM	(1 << KMC_BIT_KVMEM)
#define KMC_SLAB	(1 << KMC_BIT_SLAB)
#define KMC_DEADLOCKED	(1 << KMC_BIT_DEADLOCKED)
#define KMC_GROWING	(1 << KMC_BIT_GROWING)
#define KMC_REAPING	(1 << KMC_BIT_REAPING)
#define KMC_DESTROY	(1 << KMC_BIT_DESTROY)
#define KMC_RECLAIMABLE	(1 << KMC_BIT_RECLAIMABLE)
#define KMC_RESERVE	(1 << KMC_BIT_RESERVE)

/* The flags a caller may pass to rspl_kmem_cache_create(). */
#define KMC_CREATE_MASK	(KMC_NODEBUG | KMC_KMEM | KMC_VMEM | KMC_KVMEM | \
			 KMC_SLAB | KMC_RECLAIMABLE | KMC_RESERVE)

/* Longest cache name, without its NUL. */
#define RSPL_KMEM_CACHE_NAME_MAX	63
/* Largest object. */
#define RSPL_KMEM_CACHE_OBJ_MAX		(32UL << 20)

/* What rspl_kmem_cache_bytes() sums. */
enum rspl_kmem_bytes {
	RSPL_KMEM_SLAB_BYTES,	/* slab size times slabs */
	RSPL_KMEM_ALLOC_BYTES,	/* object size times objects allocated */
	RSPL_KMEM_MAX_BYTES,	/* object size times most objects allocated */
};

/*
 * A move callback's answers (rspl_kmem_cache_set_move()): Solaris's
 * protocol, with OpenZFS's kmem_cbrc_t values.
 */
enum rspl_kmem_cbrc {
	RSPL_KMEM_CBRC_YES = 0,		/* moved: rspl frees the old object */
	RSPL_KMEM_CBRC_NO = 1,		/* will not move: never offered again */
	RSPL_KMEM_CBRC_LATER = 2,	/* cannot move now: offered again later */
	RSPL_KMEM_CBRC_DONT_NEED = 3,	/* the old object is free: rspl frees both */
	RSPL_KMEM_CBRC_DONT_KNOW = 4,	/* unknown object: offered again later */
};

#endif /* _RSPL_KMEM_FLAGS_H */
