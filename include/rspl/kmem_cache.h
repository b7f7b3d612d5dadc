/* SPDX-License-Identifier: GPL-2.0 */
/*
 * rspl's kmem_cache: the C API of rspl.ko.
 *
 * SPL-style object caches whose slab growth can never deadlock the
 * writeback path. Signatures and flag values are OpenZFS's; the functions
 * carry an rspl_ prefix so that rspl.ko loads next to OpenZFS's spl.ko.
 * Define RSPL_SPL_COMPAT before including this header to also get the SPL
 * names (kmem_cache_create(), kmem_cache_alloc(), ...) mapped onto them.
 *
 * Constructors and destructors run once per allocation and once per free
 * (as in OpenZFS): every object a caller gets has been constructed, every
 * object it frees is destructed, and the two counts balance exactly. A
 * constructor gets the flags the allocation is served with: KM_NOSLEEP
 * added when a KM_SLEEP call came with IRQs off or in atomic context (as
 * far as the kernel shows it: without CONFIG_PREEMPT_COUNT a held spinlock
 * does not show, and not sleeping then is the caller's duty).
 */
#ifndef _RSPL_KMEM_CACHE_H
#define _RSPL_KMEM_CACHE_H

#include <linux/init.h>
#include <linux/types.h>

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

/* The flags a caller may pass to rspl_kmem_cache_create(). */
#define KMC_CREATE_MASK	(KMC_NODEBUG | KMC_KMEM | KMC_VMEM | KMC_KVMEM | \
			 KMC_SLAB | KMC_RECLAIMABLE)

/* Longest cache name, without its NUL. */
#define RSPL_KMEM_CACHE_NAME_MAX	63
/* Largest object. */
#define RSPL_KMEM_CACHE_OBJ_MAX		(32UL << 20)

struct module;
struct rspl_kmem_cache;

typedef int (*rspl_kmem_ctor_t)(void *obj, void *priv, int kmflags);
typedef void (*rspl_kmem_dtor_t)(void *obj, void *priv);
typedef void (*rspl_kmem_reclaim_t)(void *priv);

/*
 * Creates a cache of @size-byte objects aligned to @align (0, or a power
 * of two up to PAGE_SIZE). @name is copied; it has 1 to 63 characters of
 * A-Z, a-z, 0-9, '_', '-' and '.' (others would break the report's rows
 * or sysfs). @vmp must be NULL. KMC_SLAB objects fit a Linux cache's slab
 * (up to 4 MiB with 4 KiB pages). @flags are
 * KMC_* create flags; with no backing flag, objects up to the
 * spl_kmem_cache_slab_limit parameter pass through to a Linux kmem_cache
 * and larger ones live on rspl's slabs. Returns NULL, with a message
 * naming the cache and the reason, on bad arguments or no memory.
 *
 * The cache belongs to the calling module (THIS_MODULE). If that module
 * unloads without destroying it, rspl reports it and destroys it then,
 * freeing even the objects still allocated: no callback runs afterwards.
 */
#define rspl_kmem_cache_create(name, size, align, ctor, dtor, reclaim, priv, vmp, flags) \
	rspl_kmem_cache_create_owned(name, size, align, ctor, dtor, reclaim, \
				     priv, vmp, flags, THIS_MODULE)
struct rspl_kmem_cache *rspl_kmem_cache_create_owned(const char *name,
		size_t size, size_t align, rspl_kmem_ctor_t ctor,
		rspl_kmem_dtor_t dtor, rspl_kmem_reclaim_t reclaim, void *priv,
		void *vmp, int flags, struct module *owner);
/*
 * Destroys the cache. Objects still allocated are reported and their
 * memory is leaked rather than freed under a user.
 *
 * Every function below reports a NULL or destroyed cache and refuses it.
 * A free of a pointer that is no object of the cache (another cache's, one
 * inside an object) or of an object already free is refused with a
 * message naming the cache: at once when the cache is checked (created
 * while the rspl_kmem_debug parameter was set, without KMC_NODEBUG),
 * otherwise only when the object leaves the per-CPU magazine, and until
 * then the cache may hand it out again (a free of the object freed just
 * before on the same CPU is refused at once). Use rspl_kmem_debug to find
 * such bugs.
 */
void rspl_kmem_cache_destroy(struct rspl_kmem_cache *cache);
void *rspl_kmem_cache_alloc(struct rspl_kmem_cache *cache, int kmflags);
void rspl_kmem_cache_free(struct rspl_kmem_cache *cache, void *obj);
/* Returns free memory to the system now, calling the reclaim callback. */
void rspl_kmem_cache_reap_now(struct rspl_kmem_cache *cache);
/* Whether a reap is running in any cache. */
int rspl_kmem_cache_reap_active(void);
/* Accepted and ignored, as in OpenZFS. */
void rspl_kmem_cache_set_move(struct rspl_kmem_cache *cache, void *move);
/**
 * rspl_kmem_cache_inuse() - Objects of a cache that callers hold.
 * @cache: a live cache.
 *
 * Counts the objects allocated and not free in a per-CPU magazine,
 * emergency objects included, on rspl's slabs and on a Linux cache alike.
 * Exact when no CPU is allocating from or freeing to the cache.
 * (OpenZFS's SPL returns its slabs' object capacity here, and 0 for a
 * cache on a Linux kmem_cache.)
 *
 * Context: any context; takes the cache's spinlock (IRQs off).
 * Return: the count; 0 for a NULL or destroyed @cache (reported).
 */
u64 rspl_kmem_cache_inuse(struct rspl_kmem_cache *cache);
/* Bytes one object takes in the cache, bookkeeping included. */
size_t rspl_kmem_cache_entry_size(struct rspl_kmem_cache *cache);
/*
 * The longest any caller has slept waiting for one of the cache's slab
 * grows, in microseconds: the grow timeout bounds it, give or take a
 * wakeup.
 */
unsigned long rspl_kmem_cache_wait_max_us(struct rspl_kmem_cache *cache);

/**
 * rspl_kmem_reap() - Reaps every cache, as rspl_kmem_cache_reap_now()
 * reaps one (the SPL's spl_kmem_reap()).
 *
 * Context: process context; may sleep. Reclaim callbacks run.
 */
void rspl_kmem_reap(void);

struct seq_file;
/**
 * rspl_kmem_cache_report() - Writes rspl's slab report into a seq_file.
 * @m: the seq_file of a running show callback (single_open()).
 *
 * Writes the bytes of /proc/rspl/kmem/slab (OpenZFS's /proc/spl/kmem/slab
 * format, every rspl cache): for an SPL whose caches rspl serves, to show
 * as its own /proc/spl/kmem/slab. When the report does not fit, seq_file
 * calls the show callback again with a larger buffer.
 *
 * Context: process context; takes rspl's registry mutex.
 * Return: 0; -EINVAL for a NULL @m (reported).
 */
int rspl_kmem_cache_report(struct seq_file *m);

/* What rspl_kmem_cache_bytes() sums. */
enum rspl_kmem_bytes {
	RSPL_KMEM_SLAB_BYTES,	/* slab size times slabs */
	RSPL_KMEM_ALLOC_BYTES,	/* object size times objects allocated */
	RSPL_KMEM_MAX_BYTES,	/* object size times most objects allocated */
};
/**
 * rspl_kmem_cache_bytes() - Sums a slab figure over caches.
 * @mask: KMC_* flags; a cache counts when its flags have one of them.
 * @what: what to sum for each such cache on rspl's own slabs.
 *
 * For the SPL's /proc/sys/kernel/spl/kmem/slab_kvmem_* files.
 *
 * Context: process context; takes rspl's registry mutex.
 * Return: the sum in bytes; 0 for an unknown @what.
 */
unsigned long rspl_kmem_cache_bytes(unsigned int mask, enum rspl_kmem_bytes what);

#ifdef RSPL_SPL_COMPAT
/*
 * SPL names, so that ZFS-style code compiles unchanged. They replace
 * Linux's kmem_cache_* names in the file that asks for them: Linux's slab
 * header is included first (so that it is not read again below these
 * macros), then its names are taken over.
 */
#include <linux/slab.h>
#undef kmem_cache_create
#undef kmem_cache_destroy
#undef kmem_cache_alloc
#undef kmem_cache_free
typedef struct rspl_kmem_cache kmem_cache_t;
#define kmem_cache_create(name, size, align, ctor, dtor, reclaim, priv, vmp, flags) \
	rspl_kmem_cache_create(name, size, align, ctor, dtor, reclaim, priv, vmp, flags)
#define kmem_cache_destroy(cache)	rspl_kmem_cache_destroy(cache)
#define kmem_cache_alloc(cache, flags)	rspl_kmem_cache_alloc(cache, flags)
#define kmem_cache_free(cache, obj)	rspl_kmem_cache_free(cache, obj)
#define kmem_cache_reap_now(cache)	rspl_kmem_cache_reap_now(cache)
#define kmem_cache_reap_active()	rspl_kmem_cache_reap_active()
#define kmem_cache_set_move(cache, move) rspl_kmem_cache_set_move(cache, move)
#define kmem_cache_inuse(cache)		rspl_kmem_cache_inuse(cache)
#define kmem_cache_entry_size(cache)	rspl_kmem_cache_entry_size(cache)
#endif /* RSPL_SPL_COMPAT */

#endif /* _RSPL_KMEM_CACHE_H */
