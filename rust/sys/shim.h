/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C functions of rspl's shim (the .c files of rust/sys/) that its Rust
 * code calls; only the modules of rust/sys/ see them.
 *
 * bindgen reads this header alone, without the kernel's headers, to
 * generate the Rust declarations (rust/sys/shim_generated.rs): so it names
 * only C's own types and opaque structs. Kernel code includes it too, and the
 * compiler checks each shim function against its declaration here.
 */
#ifndef _RSPL_SHIM_H
#define _RSPL_SHIM_H

struct kmem_cache;
struct kunit;
struct proc_dir_entry;
struct seq_file;
struct task_struct;
struct wait_queue_head;

/* procfs and seq_file (rust/sys/proc_fs.c) */
struct proc_dir_entry *rspl_proc_mkdir(const char *name,
				       struct proc_dir_entry *parent);
/* What a report file of rspl's shows. */
enum rspl_report_kind {
	RSPL_REPORT_SLAB,	/* OpenZFS's /proc/spl/kmem/slab format */
	RSPL_REPORT_STALLS,	/* per cache: grows, waits, emergency objects */
	RSPL_REPORT_RECLAIM,	/* module-wide: shrinker and reap calls, cost */
	RSPL_REPORT_RESERVE,	/* per cache: the reserve and its use */
	RSPL_REPORT_MOVES,	/* per cache: emergency objects offered a move */
};
struct proc_dir_entry *rspl_proc_create_report(const char *name,
					       struct proc_dir_entry *parent,
					       unsigned int kind);
void rspl_proc_remove(struct proc_dir_entry *entry);
/* Whether @path names an existing file or directory (e.g. "/proc/spl"). */
int rspl_path_exists(const char *path);
int rspl_seq_write(struct seq_file *m, const void *data, unsigned long len);

/*
 * Memory (rust/sys/memory.c). Every allocation that backs a slab or an
 * emergency object runs with __GFP_IO and __GFP_FS off: inside a
 * memalloc_noio_save() scope and with GFP_NOIO.
 */
void *rspl_vmalloc_noio(unsigned long size);
void rspl_vfree(const void *addr);
void *rspl_kvmalloc_noio(unsigned long size);
void rspl_kvfree(const void *addr);
/* Whole pages of order @order (page-backed slabs); 0 on failure. */
unsigned long rspl_pages_alloc_noio(unsigned int order);
void rspl_pages_free(unsigned long addr, unsigned int order);
/*
 * An emergency object's memory, asked with rspl_km_to_gfp(@kmflags)
 * (km_gfp.h) less I/O, failing fast: kmalloc(), first without
 * reclaim, or __vmalloc() in a NOIO scope for a large object of a caller
 * that may sleep (no contiguous memory needed, no KMALLOC_MAX_SIZE
 * limit), which *@vmalloced says. Never warns: the caller counts and
 * reports failures.
 */
void *rspl_emergency_alloc(unsigned long size, int kmflags, int *vmalloced);
/*
 * A kmalloc() of at most KMALLOC_MAX_SIZE asked as a small emergency
 * object is, for an allocation served with @kmflags (its hash node too).
 */
void *rspl_km_kmalloc(unsigned long size, int kmflags);
/*
 * Frees it, in any context but NMI: vmalloc'd memory freed in atomic
 * context goes to a work item, which rspl_emergency_flush() waits for.
 */
void rspl_emergency_free(const void *addr, int vmalloced);
void rspl_emergency_flush(void);
/* Largest order rspl_pages_alloc_noio() accepts. */
unsigned int rspl_max_page_order(void);
unsigned int rspl_noio_save(void);
void rspl_noio_restore(unsigned int token);
void rspl_msleep(unsigned int ms);
int rspl_in_atomic(void);
/* Whether the current task, outside interrupts, is in reclaim
 * (PF_MEMALLOC) or a NOIO scope. */
int rspl_task_services_vm(void);
/* memalloc_noreclaim_save() and _restore() (CONFIG_KUNIT only). */
unsigned int rspl_noreclaim_save(void);
void rspl_noreclaim_restore(unsigned int token);
/* Whether the kernel zeroes every allocation (init_on_alloc). */
int rspl_init_on_alloc(void);

/*
 * Linux kmem_caches for pass-through rspl caches (rust/sys/linux_cache.c).
 * @name is the Linux cache's whole name (rspl picks it unique).
 */
struct kmem_cache *rspl_linux_cache_create(const char *name, unsigned int size,
					   unsigned int align, int reclaimable);
void rspl_linux_cache_destroy(struct kmem_cache *cache);
/* @kmflags are rspl's KM_* allocation flags. */
/* @allocated: a per-CPU counter (rspl_counter_alloc()) of objects out. */
void *rspl_linux_cache_alloc(struct kmem_cache *cache, int kmflags,
			     long *allocated, int *atomic);
void rspl_linux_cache_free(struct kmem_cache *cache, void *obj, long *allocated);
/*
 * Up to @n objects into @objs in one call (kmem_cache_alloc_bulk()), for a
 * pass-through cache's magazine, counted in @allocated; KM_ZERO is left
 * out. Returns how many: 0 with IRQs off (where SLUB's bulk call must not
 * run) or in atomic context for a sleeping @kmflags.
 */
unsigned int rspl_linux_cache_alloc_bulk(struct kmem_cache *cache, int kmflags,
					 unsigned int n, void **objs,
					 long *allocated);
/* Frees @n objects of @objs (kmem_cache_free_bulk(), or one by one with IRQs off). */
void rspl_linux_cache_free_bulk(struct kmem_cache *cache, unsigned int n,
				void **objs, long *allocated);
/*
 * Whether a magazine may keep a Linux cache's freed objects: not under
 * KASAN, whose quarantine would no longer see a use after free, nor with
 * init_on_free, which wants freed memory wiped at once.
 */
int rspl_linux_cache_may_park(void);

/* Per-CPU counters (rust/sys/counter.c): cheap to add to, summed on read. */
long *rspl_counter_alloc(void);
void rspl_counter_free(long *counter);
long rspl_counter_sum(long *counter);

/*
 * Per-CPU blocks (rust/sys/percpu.c): @size bytes per CPU aligned to @align,
 * zeroed; the block is alloc_percpu()'s __percpu pointer, which rspl's
 * Rust code adds to this CPU's offset itself (rust/sys/this_cpu.rs). NULL on
 * failure.
 */
void *rspl_percpu_alloc(unsigned long size, unsigned long align);
void rspl_percpu_free(void *block);
/* CPU @cpu's copy of @block; NULL unless @cpu is a possible CPU. */
void *rspl_percpu_ptr(void *block, unsigned int cpu);
/*
 * Where preempt_count lies in x86's struct pcpu_hot, for rspl's inline
 * preempt_disable(); rust/sys/this_cpu.c checks it at build time.
 */
#define RSPL_PCPU_HOT_PREEMPT_COUNT 8
/*
 * What preempt_enable() does once the count has dropped to zero with a
 * reschedule due (rust/sys/this_cpu.c): reschedules if the preemption model
 * says so.
 */
void rspl_preempt_resched(void);

/* IRQ masking (rust/sys/irq_lock.c) */
unsigned long rspl_irq_save(void);
void rspl_irq_restore(unsigned long flags);

/* CPUs (rust/sys/percpu.c) */
unsigned int rspl_nr_cpu_ids(void);
/* The current CPU; call with preemption or IRQs off. */
unsigned int rspl_this_cpu(void);
/*
 * Runs @func(@info) on every online CPU with IRQs off and waits for all of
 * them: on_each_cpu(). Call from process context with IRQs on.
 */
void rspl_on_each_cpu(void (*func)(void *info), void *info);
/*
 * Runs @func(@info) on CPU @cpu with IRQs off and waits for it; -ENXIO if
 * @cpu is offline. Call from process context with IRQs on.
 */
int rspl_on_cpu(unsigned int cpu, void (*func)(void *info), void *info);

/*
 * Reclaim (rust/sys/reclaim.c): the shrinker and the aging tick, which call
 * back into Rust (rust/sys/rust_callbacks.h).
 */
int rspl_reclaim_start(void);
void rspl_reclaim_stop(void);

/* A cache's reap lock (rust/sys/reap_lock.c): a mutex that can be tried. */
struct mutex;
void rspl_reap_lock_init(struct mutex *m);
void rspl_mutex_lock(struct mutex *m);
int rspl_mutex_trylock(struct mutex *m);
void rspl_mutex_unlock(struct mutex *m);

/*
 * CPU hotplug (rust/sys/cpu_hotplug.c): @dead runs, in process context on a
 * CPU still online, once a CPU is offline. Returns the state to stop, or
 * a negative errno.
 */
int rspl_cpu_hotplug_start(int (*dead)(unsigned int cpu));
void rspl_cpu_hotplug_stop(int state);

/*
 * Module unload watch (rust/sys/module_watch.c), which calls back into Rust
 * (rust/sys/rust_callbacks.h) for each module going away.
 */
int rspl_module_watch_start(void);
void rspl_module_watch_stop(void);

/*
 * Waiting for a bit of a flag word to clear (rust/sys/wait_queue.c), at most @ms
 * milliseconds, with the kernel's wait_event_hrtimeout(): a high-resolution
 * timer, not the timer wheel (whose 8 ms levels stretched a 100 ms wait to
 * 106 ms), and uninterruptible, so a pending signal does not turn the wait
 * into a busy loop. Returns 1 when the bit cleared, 0 on timeout.
 */
void rspl_waitq_init(struct wait_queue_head *wq);
int rspl_wait_bit_clear(struct wait_queue_head *wq, unsigned long *word,
			unsigned int bit, unsigned int ms);
void rspl_wake_all(struct wait_queue_head *wq);

/*
 * Trace events (rust/sys/trace.c, system "rspl"): each fires its event of
 * rust/sys/rspl_trace.h. @cache is the cache's name.
 */
void rspl_trace_grow_queued(const char *cache);
void rspl_trace_grow_done(const char *cache, int added, unsigned long us);
void rspl_trace_wait_timeout(const char *cache, unsigned long waited_us);
void rspl_trace_emergency_alloc(const char *cache, const void *obj,
				unsigned long size, int kmflags);
void rspl_trace_emergency_free(const char *cache, const void *obj,
			       unsigned long size);
void rspl_trace_reserve_take(const char *cache, const void *obj,
			     unsigned int left);
void rspl_trace_move_offer(const char *cache, const void *old,
			   const void *new);
void rspl_trace_move_answer(const char *cache, const void *old, int answer);
void rspl_trace_shrink_scan(unsigned long asked, unsigned long freed);

/*
 * The grow crew (rust/sys/crew_thread.c): kernel thread "rspl_grow/@n" runs
 * @serve(@crew); stop waits for it to return. An idle member waits, as
 * TASK_IDLE and exclusively, until *@ready is not 0 or it is told to stop
 * (which it returns); wake_one wakes one.
 */
struct task_struct *rspl_crew_member_start(int (*serve)(void *crew), void *crew,
					   unsigned int n);
void rspl_crew_member_stop(struct task_struct *t);
int rspl_crew_wait(struct wait_queue_head *wq, const int *ready);
void rspl_crew_wake_one(struct wait_queue_head *wq);

/* Module parameters (rust/sys/params.c) */
unsigned int rspl_param_obj_per_slab(void);
unsigned int rspl_param_max_size_mb(void);
unsigned int rspl_param_slab_limit(void);
unsigned int rspl_param_magazine_size(void);
unsigned int rspl_param_age_ms(void);
void rspl_param_set_age_ms(unsigned int ms);
unsigned int rspl_param_kmem_debug(void);
void rspl_param_set_kmem_debug(unsigned int on);
void rspl_param_set_magazine_size(unsigned int rounds);
unsigned int rspl_param_grow_timeout_ms(void);
unsigned int rspl_param_inject_grow_delay_ms(void);
void rspl_param_set_grow_timeout_ms(unsigned int ms);
void rspl_param_set_inject_grow_delay_ms(unsigned int ms);
unsigned int rspl_param_reserve_objs(void);
void rspl_param_set_reserve_objs(unsigned int objs);
unsigned int rspl_param_inject_emergency_fail(void);
void rspl_param_set_inject_emergency_fail(unsigned int on);

/* KUnit and the suites' file access (rust/sys/kunit.c, CONFIG_KUNIT only) */
void rspl_kunit_fail(struct kunit *test, const char *file, unsigned int line,
		     const char *msg, unsigned long msg_len);
/* Prints @msg as a KTAP diagnostic of the running case. */
void rspl_kunit_info(struct kunit *test, const char *msg, unsigned long msg_len);
/* Runs @fn(@arg) on CPU @cpu (work_on_cpu()); -EINVAL if it is offline. */
long rspl_kunit_on_cpu(unsigned int cpu, long (*fn)(void *arg), void *arg);
/* Takes CPU @cpu offline (remove_cpu()) or back online (add_cpu()). */
int rspl_kunit_cpu_offline(unsigned int cpu);
int rspl_kunit_cpu_online(unsigned int cpu);
unsigned int rspl_kunit_online_cpus(void);
void rspl_kunit_migrate_disable(void);
void rspl_kunit_migrate_enable(void);
/*
 * What rspl's trace events fired (rust/sys/trace_record.c, CONFIG_KUNIT
 * only): start attaches a probe to each event, which records those of
 * cache @cache in order (every shrinker scan for a NULL @cache, and
 * nothing else); stop detaches them and
 * copies out at most @max. Start returns 0 or -errno (-ENOSYS without
 * tracepoints); stop returns how many were recorded, which may exceed @max.
 */
enum rspl_trace_event {
	RSPL_TRACE_GROW_QUEUED,
	RSPL_TRACE_GROW_DONE,		/* a: added, b: microseconds */
	RSPL_TRACE_WAIT_TIMEOUT,	/* a: microseconds waited */
	RSPL_TRACE_EMERGENCY_ALLOC,	/* a: object, b: kmflags */
	RSPL_TRACE_EMERGENCY_FREE,	/* a: object */
	RSPL_TRACE_RESERVE_TAKE,	/* a: object, b: objects left */
	RSPL_TRACE_MOVE_OFFER,		/* a: old object, b: new object */
	RSPL_TRACE_MOVE_ANSWER,		/* a: old object, b: answer */
	RSPL_TRACE_SHRINK_SCAN,		/* a: asked, b: freed */
};
struct rspl_trace_seen {
	unsigned int event;		/* enum rspl_trace_event */
	unsigned long a, b;
};
int rspl_trace_record_start(const char *cache);
unsigned int rspl_trace_record_stop(struct rspl_trace_seen *out,
				    unsigned int max);
/*
 * Reads up to @len bytes of a file into @buf from kernel code (tests
 * check /proc/rspl/kmem/slab through the same path as cat). Returns the
 * number of bytes read or a negative errno.
 */
long rspl_read_file(const char *path, void *buf, unsigned long len);
/* Writes @len bytes of @buf to the file at @path; bytes or -errno. */
long rspl_write_file(const char *path, const void *buf, unsigned long len);

#endif /* _RSPL_SHIM_H */
