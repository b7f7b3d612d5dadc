// SPDX-License-Identifier: GPL-2.0
/*
 * The grow crew's threads and its hiring work (rust/grow_crew.rs decides
 * what they do): kernel threads, started before they are needed, so that
 * no grow waits for a thread to be created.
 */
#include <linux/kthread.h>
#include <linux/sched/task.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <rspl/shim.h>

struct task_struct *rspl_crew_member_start(int (*serve)(void *crew), void *crew,
					   unsigned int n)
{
	struct task_struct *t = kthread_create(serve, crew, "rspl_grow/%u", n);

	if (IS_ERR(t))
		return NULL;
	/* kthread_stop() may come after the thread has returned. */
	get_task_struct(t);
	wake_up_process(t);
	return t;
}

void rspl_crew_member_stop(struct task_struct *t)
{
	kthread_stop(t);
	put_task_struct(t);
}

/* Interruptible (an idle member is not a hung task), exclusive: one
 * queued grow wakes one member. kthread_stop() leaves a signal pending,
 * so a stopped member must see that it is stopped, not wait again. */
int rspl_crew_wait(struct wait_queue_head *wq, const int *ready)
{
	int rc = wait_event_interruptible_exclusive(*wq, READ_ONCE(*ready) != 0 ||
						    kthread_should_stop());

	(void)rc;	/* the condition says why it returned */
	return kthread_should_stop();
}

void rspl_crew_wake_one(struct wait_queue_head *wq)
{
	wake_up(wq);
}

/* One crew per module: the hiring work's. */
static void (*rspl_crew_hire)(void *crew);
static void *rspl_crew_hiring;

static void rspl_crew_hire_fn(struct work_struct *work)
{
	rspl_crew_hire(rspl_crew_hiring);
}

static DECLARE_WORK(rspl_crew_hire_work, rspl_crew_hire_fn);

void rspl_crew_hiring_start(void (*hire)(void *crew), void *crew)
{
	rspl_crew_hire = hire;
	rspl_crew_hiring = crew;
}

/* On the system's unbound queue: creating a thread may wait on kthreadd,
 * which may be stuck in reclaim; no grow waits for this work. */
void rspl_crew_hire_later(void)
{
	queue_work(system_unbound_wq, &rspl_crew_hire_work);
}

void rspl_crew_hiring_stop(void)
{
	cancel_work_sync(&rspl_crew_hire_work);
}
