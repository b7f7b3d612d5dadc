// SPDX-License-Identifier: GPL-2.0
/*
 * The benchmark's cases. Each allocator is measured in the same boot,
 * one after the other, after a warm-up; each figure is the median over
 * bench_reps repetitions (with the smallest and largest), minus the cost
 * of the same loop around empty calls. Times are printed in hundredths of
 * a nanosecond per alloc+free pair.
 */
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <rspl_test/file_io.h>
#include <rspl_test/slab_row.h>
#include <rspl/kmem_cache.h>
#include "bench.h"

#define MAX_REPS	9

static const size_t sizes[] = { 64, 128, 1024, 16384, 131072, 1048576 };

void bench_describe(void)
{
	char list[96];
	unsigned int i;
	int at = 0;

	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		at += scnprintf(list + at, sizeof(list) - at, "%s%zu", i ? "," : "", sizes[i]);
	pr_info("rspl-bench: setup sizes=%s slab_limit=%u\n", list, bench_slab_limit);
}

unsigned int bench_reps = 5;
bool bench_clock_all_cpus;

static unsigned int pairs_for(size_t size)
{
	return size >= 131072 ? 2000 : 20000;
}

/* Hundredths of a nanosecond per operation, the empty loop taken off. */
static u64 per_op(u64 ns, u64 empty, unsigned int n)
{
	return ns > empty ? div_u64((ns - empty) * 100, n) : 0;
}

static u64 time_pairs(struct bench_alloc *a, unsigned int n)
{
	unsigned int i;
	u64 start = bench_now_ns();

	for (i = 0; i < n; i++)
		a->free(a, a->alloc(a));
	return bench_now_ns() - start;
}

/* Median, min and max of @n values (sorted in place). */
static void print_spread(const char *what, struct bench_alloc *a,
			 unsigned int n, u64 *v, unsigned int reps)
{
	u64 median = bench_median(v, reps);

	pr_info("rspl-bench: %s alloc=%s size=%zu n=%u ns_x100=%llu min_x100=%llu max_x100=%llu\n",
		what, a->name, a->size, n, median, v[0], v[reps - 1]);
}

void bench_pairs(void)
{
	u64 v[MAX_REPS];
	struct bench_alloc a;
	unsigned int s, i, r, n;

	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		n = pairs_for(sizes[s]);
		for (i = 0; i < bench_allocators; i++) {
			if (bench_alloc_init(&a, i, sizes[s]))
				continue;
			time_pairs(&a, n / 10);		/* warm up */
			for (r = 0; r < bench_reps; r++)
				v[r] = per_op(time_pairs(&a, n), bench_empty_pairs_ns(n), n);
			print_spread("pair", &a, n, v, bench_reps);
			bench_alloc_fini(&a);
			cond_resched();
		}
	}
}

/* At most this much memory in a batch or a memory case. */
#define BATCH_BYTES	(128UL << 20)

static u64 time_batch(struct bench_alloc *a, void **objs, unsigned int n)
{
	unsigned int i;
	u64 start = bench_now_ns();

	for (i = 0; i < n; i++)
		objs[i] = a->alloc(a);
	for (i = 0; i < n; i++)
		a->free(a, objs[i]);
	return bench_now_ns() - start;
}

void bench_batches(void)
{
	static const unsigned int wants[] = { 1000, 100000 };
	u64 v[MAX_REPS];
	struct bench_alloc a;
	unsigned int s, i, r, w, n;
	void **objs;

	objs = vmalloc_array(100000, sizeof(*objs));
	if (!objs)
		return;
	for (w = 0; w < ARRAY_SIZE(wants); w++) {
		for (s = 0; s < ARRAY_SIZE(sizes); s++) {
			n = min_t(unsigned long, wants[w], BATCH_BYTES / sizes[s]);
			for (i = 0; i < bench_allocators; i++) {
				if (bench_alloc_init(&a, i, sizes[s]))
					continue;
				time_batch(&a, objs, n);	/* warm up */
				for (r = 0; r < bench_reps; r++)
					v[r] = per_op(time_batch(&a, objs, n),
						      bench_empty_pairs_ns(n), n);
				print_spread(wants[w] == 1000 ? "batch1k" : "batch100k",
					     &a, n, v, bench_reps);
				bench_alloc_fini(&a);
				cond_resched();
			}
		}
	}
	vfree(objs);
}

struct two_cpus {
	struct bench_alloc *a;
	unsigned int n;
	atomic_t ready;
	u64 start[2], end[2];
	struct completion done[2];
};

static int two_cpus_thread(void *data)
{
	struct two_cpus *t = data;
	unsigned int me = smp_processor_id() == cpumask_first(cpu_online_mask) ? 0 : 1;

	/* Warm this CPU's side too (its magazine, its grown slab), then
	 * start together. */
	time_pairs(t->a, t->n / 10);
	atomic_inc(&t->ready);
	while (atomic_read(&t->ready) < 2)
		cpu_relax();
	t->start[me] = bench_now_ns();
	time_pairs(t->a, t->n);
	t->end[me] = bench_now_ns();
	complete(&t->done[me]);
	return 0;
}

/*
 * The time one thread's n pairs took. Under icount the guest clock
 * advances with either vCPU's instructions, one vCPU at a time: the
 * span from the first start to the last end holds both threads' 2n pairs
 * however they overlapped, so a thread's share is half of it. Otherwise
 * the threads ran in parallel, and each one's own time is its cost.
 */
static u64 two_cpus_ns(const struct two_cpus *t)
{
	if (bench_clock_all_cpus)
		return (max(t->end[0], t->end[1]) - min(t->start[0], t->start[1])) / 2;
	return (t->end[0] - t->start[0] + t->end[1] - t->start[1]) / 2;
}

void bench_two_cpus(void)
{
	struct task_struct *task[2];
	struct bench_alloc a;
	struct two_cpus t;
	u64 v[MAX_REPS];
	unsigned int s, i, r, c, cpu[2];

	if (num_online_cpus() < 2)
		return;
	cpu[0] = cpumask_first(cpu_online_mask);
	cpu[1] = cpumask_next(cpu[0], cpu_online_mask);
	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		for (i = 0; i < bench_allocators; i++) {
			if (bench_alloc_init(&a, i, sizes[s]))
				continue;
			t.a = &a;
			t.n = pairs_for(sizes[s]);
			time_pairs(&a, t.n / 10);
			for (r = 0; r < bench_reps; r++) {
				atomic_set(&t.ready, 0);
				for (c = 0; c < 2; c++) {
					init_completion(&t.done[c]);
					task[c] = kthread_create(two_cpus_thread, &t,
								 "rspl_bench/%u", c);
					if (IS_ERR(task[c]))
						goto out;
					kthread_bind(task[c], cpu[c]);
				}
				for (c = 0; c < 2; c++)
					wake_up_process(task[c]);
				for (c = 0; c < 2; c++)
					wait_for_completion(&t.done[c]);
				v[r] = per_op(two_cpus_ns(&t), bench_empty_pairs_ns(t.n), t.n);
			}
			print_spread("pair2cpu", &a, t.n, v, bench_reps);
out:
			bench_alloc_fini(&a);
		}
	}
}

/* Pages of slab memory the kernel counts (its per-CPU deltas aside). */
static unsigned long slab_pages(void)
{
	return global_node_page_state_pages(NR_SLAB_UNRECLAIMABLE_B) +
	       global_node_page_state_pages(NR_SLAB_RECLAIMABLE_B);
}

void bench_memory(void)
{
	struct bench_alloc a;
	unsigned long before, after, slab_before, slab_after;
	unsigned int s, i, j, n;
	size_t counter = 0, slab, pages;
	void **objs;

	objs = vmalloc_array(100000, sizeof(*objs));
	if (!objs)
		return;
	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		n = min_t(unsigned long, 100000, (2 * BATCH_BYTES) / sizes[s]);
		for (i = 0; i < bench_allocators; i++) {
			if (bench_alloc_init(&a, i, sizes[s]))
				continue;
			before = global_zone_page_state(NR_FREE_PAGES);
			slab_before = slab_pages();
			for (j = 0; j < n; j++)
				objs[j] = a.alloc(&a);
			after = global_zone_page_state(NR_FREE_PAGES);
			slab_after = slab_pages();
			slab = slab_after > slab_before ?
			       (slab_after - slab_before) * PAGE_SIZE / n : 0;
			pages = before > after ? (before - after) * PAGE_SIZE / n : 0;
			counter = a.footprint(&a, slab, pages);
			pr_info("rspl-bench: memory alloc=%s size=%zu n=%u meminfo_bytes=%zu counter_bytes=%zu\n",
				a.name, a.size, n, pages, counter);
			for (j = 0; j < n; j++)
				a.free(&a, objs[j]);
			bench_alloc_fini(&a);
			cond_resched();
		}
	}
	vfree(objs);
}

#define EMERGENCY_ROUNDS	30
#define EMERGENCY_TIMEOUT_MS	100
#define EMERGENCY_DELAY_MS	200

/*
 * The emergency path: every grow is held up (fault injection) past the
 * timeout, and a KM_SLEEP caller that misses waits, then takes an
 * emergency object. Each round starts with no free object, so its
 * allocation misses; the time each takes is its wait.
 */
void bench_emergency(void)
{
	u64 v[EMERGENCY_ROUNDS];
	struct rspl_kmem_cache *c;
	unsigned int r;
	u64 start;
	void *obj;

	c = rspl_kmem_cache_create("bench_emergency", 131072, 0, NULL, NULL,
				   NULL, NULL, NULL, KMC_VMEM);
	if (!c)
		return;
	bench_set_param("spl_kmem_cache_grow_timeout_ms", EMERGENCY_TIMEOUT_MS);
	bench_set_param("spl_kmem_cache_inject_grow_delay_ms", EMERGENCY_DELAY_MS);
	for (r = 0; r < EMERGENCY_ROUNDS; r++) {
		start = bench_now_ns();
		obj = rspl_kmem_cache_alloc(c, KM_SLEEP);
		v[r] = bench_now_ns() - start;
		/* Let the grow end (it clears the deadlock mark), then give
		 * everything back, so that the next round misses again. */
		msleep(2 * EMERGENCY_DELAY_MS);
		rspl_kmem_cache_free(c, obj);
		rspl_kmem_cache_reap_now(c);
	}
	bench_set_param("spl_kmem_cache_inject_grow_delay_ms", 0);
	bench_median(v, EMERGENCY_ROUNDS);
	pr_info("rspl-bench: emergency size=131072 n=%u p50_us=%llu p99_us=%llu max_us=%llu timeout_ms=%u rspl_sleep_max_us=%lu\n",
		EMERGENCY_ROUNDS, div_u64(v[EMERGENCY_ROUNDS / 2], 1000),
		div_u64(v[(EMERGENCY_ROUNDS * 99) / 100], 1000),
		div_u64(v[EMERGENCY_ROUNDS - 1], 1000), EMERGENCY_TIMEOUT_MS,
		rspl_kmem_cache_wait_max_us(c));
	rspl_kmem_cache_destroy(c);
}

#define MANY_SIZE	131072
#define MANY_PAIRS	2000
#define MANY_READ	(1UL << 20)

/* The time a whole read of @path takes, into @buf; 0 if it cannot. */
static u64 time_read(const char *path, char *buf, size_t len)
{
	u64 start = bench_now_ns();

	/* 0 if it cannot be read from the kernel (a file with ->read). */
	if (rspl_test_read_file(path, buf, len, true) < 0)
		return 0;
	return bench_now_ns() - start;
}

/*
 * Cost as caches pile up: with 1, 100 and 1000 caches of rspl's (or the
 * SPL's) alive, a pair on one of them and a whole read of its
 * /proc/.../kmem/slab. rspl's report is /proc/rspl/kmem/slab here, as
 * OpenZFS's spl.ko holds /proc/spl.
 */
void bench_many_caches(void)
{
	static const unsigned int counts[] = { 1, 100, 1000 };
	static const struct { unsigned int alloc; const char *proc; } who[] = {
		{ 0, "/proc/rspl/kmem/slab" }, { 3, "/proc/spl/kmem/slab" },
	};
	struct bench_alloc a, *extra;
	unsigned int w, c, r, made;
	u64 pair[MAX_REPS], rd[MAX_REPS];
	char *buf;

	extra = vmalloc_array(1000, sizeof(*extra));
	buf = vmalloc(MANY_READ);
	if (!extra || !buf)
		goto out;
	for (w = 0; w < ARRAY_SIZE(who); w++) {
		if (who[w].alloc >= bench_allocators)
			continue;
		made = 0;
		for (c = 0; c < ARRAY_SIZE(counts); c++) {
			while (made + 1 < counts[c] &&
			       !bench_alloc_init(&extra[made], who[w].alloc, MANY_SIZE))
				made++;
			if (made + 1 < counts[c] ||
			    bench_alloc_init(&a, who[w].alloc, MANY_SIZE))
				break;
			time_pairs(&a, MANY_PAIRS / 10);	/* warm up */
			for (r = 0; r < bench_reps; r++) {
				pair[r] = per_op(time_pairs(&a, MANY_PAIRS),
						 bench_empty_pairs_ns(MANY_PAIRS), MANY_PAIRS);
				rd[r] = time_read(who[w].proc, buf, MANY_READ);
			}
			pr_info("rspl-bench: caches alloc=%s size=%u n=%u ns_x100=%llu read_ns=%llu\n",
				a.name, MANY_SIZE, counts[c], bench_median(pair, bench_reps),
				bench_median(rd, bench_reps));
			bench_alloc_fini(&a);
			cond_resched();
		}
		while (made)
			bench_alloc_fini(&extra[--made]);
	}
out:
	vfree(buf);
	vfree(extra);
}

/*
 * The slab and emergency counts of cache @name in the /proc/.../kmem/slab
 * at @path; -1 each if it is not there.
 */
static void slab_row(const char *path, const char *name, char *buf, size_t len,
		     long *slabs, long *emergency)
{
	ssize_t got = rspl_test_read_file(path, buf, len - 1, false);
	struct rspl_test_slab_row row;

	*slabs = *emergency = -1;
	if (got < 0)
		return;
	buf[got] = 0;
	if (rspl_test_slab_row(buf, name, &row))
		return;
	*slabs = row.slabs_total;
	*emergency = row.emerg_alloc;
}

#define EMERGENCY_N_SIZE	256
#define EMERGENCY_N_MAX		100000
#define EMERGENCY_N_PAIRS	1000
/* rspl's grow is held up this long: past the whole case. */
#define EMERGENCY_N_HOLD_MS	60000

/*
 * A pair's cost while N emergency objects are live, in rspl and in the
 * SPL. Both caches keep no slab: a KM_NOSLEEP allocation that finds none
 * takes an emergency object at once in both; rspl also starts a grow,
 * which is held up past the case (fault injection), and the SPL starts
 * none. Each line says how many slabs and emergency objects the cache's
 * report showed, so that a grow that landed is seen.
 */
void bench_emergency_n(void)
{
	static const unsigned int counts[] = { 10, 100, 1000, 10000, 100000 };
	static const struct { unsigned int alloc; const char *proc; } who[] = {
		{ 0, "/proc/rspl/kmem/slab" }, { 3, "/proc/spl/kmem/slab" },
	};
	struct bench_alloc a;
	unsigned int w, c, r, live;
	u64 v[MAX_REPS];
	long slabs, emergency;
	void **objs;
	char *buf;

	objs = vmalloc_array(EMERGENCY_N_MAX, sizeof(*objs));
	buf = vmalloc(MANY_READ);
	if (!objs || !buf)
		goto out;
	for (w = 0; w < ARRAY_SIZE(who); w++) {
		if (who[w].alloc >= bench_allocators ||
		    bench_alloc_init_nosleep(&a, who[w].alloc, EMERGENCY_N_SIZE))
			continue;
		live = 0;
		if (who[w].alloc == 0)
			bench_set_param("spl_kmem_cache_inject_grow_delay_ms", EMERGENCY_N_HOLD_MS);
		objs[live] = a.alloc(&a);
		live += !!objs[live];
		if (who[w].alloc == 0) {
			/* The held grow has read the delay: no other grow waits. */
			msleep(100);
			bench_set_param("spl_kmem_cache_inject_grow_delay_ms", 0);
		}
		for (c = 0; c < ARRAY_SIZE(counts); c++) {
			while (live < counts[c] && (objs[live] = a.alloc(&a)))
				live++;
			if (live < counts[c])
				break;
			time_pairs(&a, EMERGENCY_N_PAIRS / 10);	/* warm up */
			for (r = 0; r < bench_reps; r++)
				v[r] = per_op(time_pairs(&a, EMERGENCY_N_PAIRS),
					      bench_empty_pairs_ns(EMERGENCY_N_PAIRS),
					      EMERGENCY_N_PAIRS);
			slab_row(who[w].proc, a.cache_name, buf, MANY_READ, &slabs, &emergency);
			pr_info("rspl-bench: emergencyn alloc=%s size=%u n=%u ns_x100=%llu slabs=%ld emergency=%ld\n",
				a.name, EMERGENCY_N_SIZE, counts[c], bench_median(v, bench_reps),
				slabs, emergency);
			cond_resched();
		}
		while (live)
			a.free(&a, objs[--live]);
		bench_alloc_fini(&a);
	}
out:
	vfree(buf);
	vfree(objs);
}

int bench_set_param(const char *name, unsigned int value)
{
	char path[96], text[16];
	struct file *f;
	loff_t pos = 0;
	int len;
	ssize_t n;

	snprintf(path, sizeof(path), "/sys/module/rspl/parameters/%s", name);
	len = snprintf(text, sizeof(text), "%u", value);
	f = filp_open(path, O_WRONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_write(f, text, len, &pos);
	filp_close(f, NULL);
	return n == len ? 0 : -EIO;
}
