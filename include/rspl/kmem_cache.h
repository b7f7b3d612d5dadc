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
 * Constructors and destructors run once per allocation and once per
 * accepted free (as in OpenZFS): every object a caller gets has been
 * constructed, every object whose free is accepted is destructed, and the
 * two counts balance exactly. A refused free runs no callback.
 */
#ifndef _RSPL_KMEM_CACHE_H
#define _RSPL_KMEM_CACHE_H

#include <linux/init.h>
#include <linux/types.h>

#include <rspl/kmem_flags.h>

struct module;
struct rspl_kmem_cache;

typedef int (*rspl_kmem_ctor_t)(void *obj, void *priv, int kmflags);
typedef void (*rspl_kmem_dtor_t)(void *obj, void *priv);
typedef void (*rspl_kmem_reclaim_t)(void *priv);
typedef enum rspl_kmem_cbrc (*rspl_kmem_move_t)(void *old, void *new,
						size_t size, void *priv);

/*
 * What every function checks, and what a bad call gets:
 *
 * - A cache handle is opaque: it is not the address of anything. A handle
 *   that names no live cache (NULL, made up, or a destroyed cache's) is
 *   refused (NULL, 0 or nothing happens) and reported, and rspl reads no
 *   freed memory to tell; a destroyed cache's handle never reaches a cache
 *   created later. A call that races with the destroy of its own cache is
 *   the caller's bug, and is not caught.
 * - Messages about a caller's mistakes name the cache and are
 *   rate-limited per cache and kind: the first is printed, later ones are
 *   counted and the count printed at most every 5 seconds.
 * - Nothing a caller passes makes rspl BUG() or WARN().
 */

/**
 * rspl_kmem_cache_create() - Creates a cache.
 * @name: 1 to 63 characters of A-Z, a-z, 0-9, '_', '-' and '.' (others
 *        would break the report's rows or sysfs); copied.
 * @size: object size, 1 to RSPL_KMEM_CACHE_OBJ_MAX bytes.
 * @align: 0, or a power of two up to PAGE_SIZE.
 * @ctor: NULL, or called on each object before an allocation returns it,
 *        with @priv and the flags the allocation is served with; a
 *        non-zero return fails the allocation (the object goes back
 *        without its destructor).
 * @dtor: NULL, or called on each object whose free is accepted, before
 *        the object goes back; never on a refused free.
 * @reclaim: NULL, or called with @priv when memory is reaped, to free
 *           objects the caller can spare: from rspl_kmem_cache_reap_now()
 *           and rspl_kmem_reap() in their caller's task, and from rspl's
 *           shrinker in the direct reclaim of any task's allocation that
 *           may enter filesystems (__GFP_FS; never for NOFS or NOIO
 *           allocations, such as rspl's own and KM_PUSHPAGE ones). It may
 *           sleep and allocate, but must not wait for a lock that a task
 *           may hold while it allocates (try such locks), nor reap any
 *           cache nor destroy its own.
 * @priv: passed to the callbacks.
 * @vmp: must be NULL.
 * @flags: KMC_CREATE_MASK flags. KMC_SLAB objects come from a Linux
 *         kmem_cache and must fit its slab (4 MiB with 4 KiB pages);
 *         KMC_KMEM, KMC_VMEM and KMC_KVMEM put them on rspl's slabs. With
 *         none of these, objects up to the spl_kmem_cache_slab_limit
 *         parameter pass through to a Linux kmem_cache, larger ones live
 *         on rspl's slabs. KMC_RESERVE (rspl's own) sets aside the
 *         rspl_kmem_cache_reserve_objs parameter's number of objects (at
 *         most 1024, and at most 64 MiB of them) for the I/O path, on rspl's slabs (not with
 *         KMC_SLAB): see rspl_kmem_cache_alloc().
 *
 * The cache belongs to the calling module (THIS_MODULE). If that module
 * unloads without destroying it, rspl reports it and destroys it then,
 * freeing even the objects still allocated: no callback runs afterwards.
 *
 * Context: process context; may sleep (a reserve is filled here).
 * Return: the cache; NULL, with a message naming the cache and the
 * reason, on bad arguments (-EINVAL's cases above) or no memory (for
 * the cache or its reserve).
 */
#define rspl_kmem_cache_create(name, size, align, ctor, dtor, reclaim, priv, vmp, flags) \
	rspl_kmem_cache_create_owned(name, size, align, ctor, dtor, reclaim, \
				     priv, vmp, flags, THIS_MODULE)
struct rspl_kmem_cache *rspl_kmem_cache_create_owned(const char *name,
		size_t size, size_t align, rspl_kmem_ctor_t ctor,
		rspl_kmem_dtor_t dtor, rspl_kmem_reclaim_t reclaim, void *priv,
		void *vmp, int flags, struct module *owner);

/**
 * rspl_kmem_cache_destroy() - Destroys a cache.
 * @cache: a live cache, which no other thread is using.
 *
 * Waits for a reap of the cache still running (no callback runs once this
 * returns). Objects still allocated are reported and their memory is
 * leaked rather than freed under a user.
 *
 * Context: process context; may sleep.
 */
void rspl_kmem_cache_destroy(struct rspl_kmem_cache *cache);

/**
 * rspl_kmem_cache_alloc() - Allocates an object.
 * @cache: a live cache.
 * @kmflags: KM_SLEEP, or KM_NOSLEEP, KM_PUSHPAGE and KM_ZERO or-ed;
 *           unknown bits are refused (NULL, reported).
 *
 * KM_SLEEP may sleep and never returns NULL, unless the constructor fails.
 * It waits for a slab grow at most the spl_kmem_cache_grow_timeout_ms
 * parameter, then takes an emergency object (allocated without I/O, and
 * one of at most 32 KiB first without reclaim at all). Grows run on
 * rspl's own threads, started at load: one cache's grow stuck in reclaim
 * does not hold up another's (up to 15 stuck at once). KM_PUSHPAGE (the I/O path) starts no I/O to satisfy the
 * allocation, and its emergency objects may use the reserves
 * (__GFP_HIGH), as GFP_ATOMIC does.
 * KM_NOSLEEP never sleeps and may return NULL.
 *
 * A KMC_RESERVE cache's reserve is the last resort of the I/O path: a
 * KM_PUSHPAGE caller, or one in reclaim (PF_MEMALLOC) or in a NOIO scope
 * (memalloc_noio_save()), takes an object from it when its wait for a
 * grow is over (KM_NOSLEEP does not wait) and even its emergency object
 * failed. Other callers never take one: a KM_SLEEP caller backs off and
 * tries again. rspl's grow threads fill the reserve again from the slabs
 * once grows get memory; /proc/rspl/kmem/reserve shows its use.
 *
 * Most calls pop this CPU's per-CPU magazine, inline: preemption is off
 * for a few instructions, IRQs stay on, no lock is taken. An interrupt
 * that arrives meanwhile and allocates from the same cache on this CPU is
 * served from the slabs, under the cache's spinlock.
 *
 * A KM_SLEEP call in atomic context is served as KM_NOSLEEP, and its
 * constructor gets KM_NOSLEEP too; it is reported when it reaches the
 * slabs (an object from this CPU's magazine needs no sleep, and the
 * inline path does not look). rspl sees atomic context as
 * in_atomic() and irqs_disabled() show it: with CONFIG_PREEMPT_COUNT
 * (Debian's kernels have it) a held spinlock shows; without it, it does
 * not, and passing KM_NOSLEEP under a spinlock is the caller's duty.
 *
 * Context: any context with KM_NOSLEEP; process context otherwise.
 * Return: the object (zeroed with KM_ZERO, and also when the kernel's
 * init_on_alloc is on, as SLUB does: on rspl's slabs if the cache has no
 * constructor, on a pass-through cache always; constructed with a
 * constructor); NULL as above.
 */
void *rspl_kmem_cache_alloc(struct rspl_kmem_cache *cache, int kmflags);

/**
 * rspl_kmem_cache_free() - Frees an object.
 * @cache: the live cache @obj came from.
 * @obj: an object rspl_kmem_cache_alloc() returned and nobody freed.
 *
 * Runs the destructor, then gives the object back. What is checked
 * depends on where the cache keeps its objects:
 *
 * - A checked cache (created while the rspl_kmem_debug parameter was set,
 *   without KMC_NODEBUG; it keeps every object on rspl's slabs, without
 *   per-CPU magazines) refuses at once, before any callback runs, a
 *   double free, a pointer inside an object and any pointer that is no
 *   object of the cache (another cache's, say): reported, and nothing
 *   changes.
 * - Another cache on rspl's slabs refuses at once, before its
 *   destructor, a free of the object freed just before on the same CPU.
 *   Other bad frees are found only when the object leaves the per-CPU
 *   magazine: refused and reported then, but the destructor has run, and
 *   until then the cache may hand the pointer out again.
 * - A cache passing through to a Linux kmem_cache keeps freed objects in
 *   a per-CPU magazine in front of it, as rspl's slabs do: it refuses at
 *   once a free of the object freed just before on the same CPU (as
 *   SLUB's CONFIG_SLAB_FREELIST_HARDENED does), and hands other bad frees
 *   (another cache's object, an older double free) out again, unseen.
 *   Under KASAN or init_on_free there is no magazine, and SLUB checks:
 *   with memcg or SLUB debugging on (Debian's kernels have memcg),
 *   another cache's object is warned about and goes back to its own
 *   cache, and a double free of the last object freed is a BUG; other bad
 *   frees corrupt that cache. Its Linux cache is never merged with
 *   another, so the damage stays in the caller's cache. A module cannot
 *   see slub_debug: with it, set rspl_kmem_debug too.
 *
 * Use rspl_kmem_debug to find such bugs. A NULL @obj is refused
 * (reported).
 *
 * Context: any context the destructor allows.
 */
void rspl_kmem_cache_free(struct rspl_kmem_cache *cache, void *obj);

/**
 * rspl_kmem_cache_reap_now() - Returns the cache's free memory now.
 * @cache: a live cache.
 *
 * Flushes every CPU's magazine, calls the reclaim callback (while it
 * frees objects), and frees the empty slabs. Waits for another reap of
 * the cache still running; rspl's shrinker never waits: it skips a cache
 * being reaped.
 *
 * Context: process context; may sleep. Refused in atomic context
 * (reported).
 */
void rspl_kmem_cache_reap_now(struct rspl_kmem_cache *cache);

/**
 * rspl_kmem_cache_reap_active() - Whether a reap is running in any cache.
 *
 * Context: any context.
 * Return: 1 while a reap runs, else 0.
 */
int rspl_kmem_cache_reap_active(void);

/**
 * rspl_kmem_cache_set_move() - Sets the cache's object-move callback.
 * @cache: a live cache on rspl's slabs (on a Linux kmem_cache, KMC_SLAB,
 *         it is kept and never called: such a cache has no emergency
 *         objects).
 * @move: NULL (no moves, as before), or the callback, Solaris's protocol.
 *
 * Emergency objects live outside the slabs. Once grows work again, rspl's
 * aging tick offers each live one a slab object, constructed: @move gets
 * the old object, the new one, the object size and the cache's private
 * pointer, and answers RSPL_KMEM_CBRC_YES (it moved its data to the new
 * object and uses that one: rspl destructs and frees the old one),
 * RSPL_KMEM_CBRC_NO (it will not move it: never offered again),
 * RSPL_KMEM_CBRC_LATER or RSPL_KMEM_CBRC_DONT_KNOW (offered again at a
 * later tick), or RSPL_KMEM_CBRC_DONT_NEED (the old object is free:
 * rspl destructs and frees both). Other than on YES, the new object is
 * destructed and goes back. The callback runs in process context, under
 * the cache's reap lock: it may sleep, must not reap or destroy the
 * cache, and must keep its own users of the old object out while it
 * moves it. The constructor and destructor of the objects offered run
 * there too (so that destroy never returns while they do): with a move
 * callback set, they must not wait for a lock that is held across a
 * reap or destroy of this cache. A free of the old object during the callback is accepted (its
 * destructor runs) and rspl frees the memory once the callback returns.
 * /proc/rspl/kmem/moves counts the offers and answers.
 *
 * Context: any context; takes the cache's spinlock (IRQs off).
 */
void rspl_kmem_cache_set_move(struct rspl_kmem_cache *cache,
			      rspl_kmem_move_t move);

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

/**
 * rspl_kmem_cache_entry_size() - Bytes one object takes in the cache.
 * @cache: a live cache.
 *
 * The object's share of its slab (bookkeeping and slack included), or its
 * size rounded to its alignment on a Linux cache.
 *
 * Context: any context.
 * Return: the size; 0 for a refused @cache.
 */
size_t rspl_kmem_cache_entry_size(struct rspl_kmem_cache *cache);

/**
 * rspl_kmem_cache_wait_max_us() - The longest wait for a slab grow.
 * @cache: a live cache.
 *
 * The longest any caller has slept waiting for one of the cache's slab
 * grows: the grow timeout bounds it, give or take a wakeup.
 *
 * Context: any context.
 * Return: microseconds; 0 for a refused @cache.
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
typedef enum rspl_kmem_cbrc kmem_cbrc_t;
#define KMEM_CBRC_YES		RSPL_KMEM_CBRC_YES
#define KMEM_CBRC_NO		RSPL_KMEM_CBRC_NO
#define KMEM_CBRC_LATER		RSPL_KMEM_CBRC_LATER
#define KMEM_CBRC_DONT_NEED	RSPL_KMEM_CBRC_DONT_NEED
#define KMEM_CBRC_DONT_KNOW	RSPL_KMEM_CBRC_DONT_KNOW
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
