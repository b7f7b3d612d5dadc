/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What rspl's stress tests share: their parameters, the files they set
 * knobs through, object patterns, and the crew of threads they run.
 */
#ifndef _RSPL_STRESS_H
#define _RSPL_STRESS_H

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/types.h>
#include <rspl/kmem_cache.h>

/* Module parameters (suite.c). */
extern unsigned int stress_seconds;	/* how long each timed case runs */
extern unsigned int stress_objects;	/* objects each deadlock thread holds */
extern unsigned int stress_threads;	/* threads of the deadlock case */
extern unsigned int stress_margin_ms;	/* deadlock sleep margin, 0: default */

/* Figures each case prints, for tests/RELIABILITY.md. */
#define stress_figures(test, fmt, ...) \
	kunit_info(test, "figures: " fmt, ##__VA_ARGS__)

/* --- knobs.c: files under /proc, /sys and debugfs ------------------- */

/* Writes to @path. Not for debugfs (kernel_write() refuses it). */
int stress_write(const char *path, const char *fmt, ...) __printf(2, 3);
/* Reads up to @len - 1 bytes of @path into @buf, NUL-terminated;
 * tries again on -ENOMEM. Not for debugfs (kernel_read() refuses it). */
ssize_t stress_read(const char *path, char *buf, size_t len);
int stress_set_param(const char *name, unsigned int value);
/* Sets an rspl parameter until the case ends, however it ends. */
int stress_param_for_case(struct kunit *test, const char *name,
			  unsigned int value);
unsigned int stress_get_param(const char *name);

/* One row of /proc/rspl/kmem/slab, for a cache on rspl's own slabs. */
struct stress_row {
	unsigned long flags;
	unsigned long slabs_total, slabs_alloc;
	unsigned long objs_total, objs_alloc;
	unsigned long dlock, emerg, emerg_max;
};
/* 0, -ENOENT when the cache has no row (or not a slab row), or the
 * error reading the report. */
int stress_row(const char *name, struct stress_row *row);

/* --- pattern.c: what each holder writes into its objects ------------- */

/* Writes @tag over the object (its start, every page, its end). */
void stress_mark(void *obj, size_t size, u64 tag);
/* Whether the object still carries @tag everywhere it was written. */
bool stress_intact(const void *obj, size_t size, u64 tag);
/* Marks the object free, before it is given back. */
void stress_retire(void *obj);
/* Whether a holder's mark is on the object: it is held by someone. */
bool stress_claimed(const void *obj);

/* --- crew.c: threads -------------------------------------------------- */

struct stress_worker;
typedef void (*stress_work_fn)(struct stress_worker *w);

/* What one thread did; the case reads it once the crew is done. */
struct stress_worker {
	void *ctx;		/* the case's shared state */
	unsigned int id;
	u64 allocs, frees;
	u64 nulls;		/* NULL from a KM_SLEEP allocation: a bug */
	u64 nosleep_nulls;	/* NULL from a KM_NOSLEEP one: allowed */
	u64 corrupt;		/* an object whose pattern changed */
	u64 claimed;		/* an object handed out while held */
	u64 other;		/* a case's own failures */
	u64 rounds;		/* a case's own count of rounds */
	s64 worst_ns;		/* longest KM_SLEEP allocation */
	stress_work_fn fn;
	struct completion done;
};

/* Starts @fn on @n threads; returns how many started. */
unsigned int stress_crew_start(struct stress_worker *w, unsigned int n,
			       stress_work_fn fn, void *ctx);
/* Waits for the @n first threads of a crew. */
void stress_crew_wait(struct stress_worker *w, unsigned int n);
/* Runs @fn on @n threads and waits for them all. */
int stress_crew_run(struct stress_worker *w, unsigned int n,
		    stress_work_fn fn, void *ctx);
/* The crew's totals, in @sum (worst_ns: the maximum). */
void stress_crew_sum(const struct stress_worker *w, unsigned int n,
		     struct stress_worker *sum);

/*
 * The soundness every stress case asks of its crew's totals @sum: no NULL
 * from a KM_SLEEP allocation, no object corrupted or handed out while
 * held, no failure of the case's own. A macro, so that a failure names the
 * case's line.
 */
#define STRESS_EXPECT_SOUND(test, sum)				\
	do {							\
		KUNIT_EXPECT_EQ(test, (sum).nulls, 0);		\
		KUNIT_EXPECT_EQ(test, (sum).corrupt, 0);	\
		KUNIT_EXPECT_EQ(test, (sum).claimed, 0);	\
		KUNIT_EXPECT_EQ(test, (sum).other, 0);		\
	} while (0)
/* Waits for @c without looking like a hung task. */
void stress_wait(struct completion *c);

/* One object a thread holds. */
struct stress_held {
	void *obj;
	u64 tag;
	unsigned int cache;	/* index into the case's caches */
};

/*
 * A case's caches, and allocation and free with the patterns checked:
 * stress_get() counts a NULL or a claimed object into @w, stress_put()
 * a changed pattern.
 */
struct stress_cache {
	const char *name;
	size_t size;
	int flags;
	struct rspl_kmem_cache *cache;
	/* A reclaim callback, called with the stress_cache (or NULL). */
	rspl_kmem_reclaim_t reclaim;
};
/* Creates the caches, destroyed when the case ends (or before). */
int stress_caches_create(struct kunit *test, struct stress_cache *c,
			 unsigned int n);
void stress_caches_destroy(struct stress_cache *c, unsigned int n);
bool stress_get(struct stress_worker *w, struct stress_cache *c,
		unsigned int idx, int kmflags, struct stress_held *h);
void stress_put(struct stress_worker *w, struct stress_cache *c,
		struct stress_held *h);
/* Frees the object of a random one of @hold slots, or fills it from a
 * random one of @ncaches caches: a thread's step in the random cases. */
void stress_toggle(struct stress_worker *w, struct stress_cache *c,
		   unsigned int ncaches, struct stress_held *held,
		   unsigned int hold, int kmflags);
/* Frees the objects still held in slots @from to @hold - 1. */
void stress_put_all(struct stress_worker *w, struct stress_cache *c,
		    struct stress_held *held, unsigned int from,
		    unsigned int hold);
/* Checks that @c's rows are back to nothing allocated after a reap. */
void stress_expect_empty(struct kunit *test, struct stress_cache *c,
			 unsigned int n);

/* The cases. */
void stress_forced_deadlock(struct kunit *test);
void stress_memory_pressure(struct kunit *test);
void stress_injected_faults(struct kunit *test);
void stress_patterns(struct kunit *test);
void stress_churn(struct kunit *test);
void stress_reclaim_deadlock(struct kunit *test);
void stress_grow_beside_jammed_pool(struct kunit *test);
void stress_reserve_under_hog(struct kunit *test);
void stress_unbounded_wait_hangs(struct kunit *test);

#endif /* _RSPL_STRESS_H */
