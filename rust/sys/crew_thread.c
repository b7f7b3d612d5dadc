// SPDX-License-Identifier: GPL-2.0
/*
 * The grow crew's threads (rust/services/grow_crew.rs decides what they do): kernel
 * threads, all started at load, so that no grow waits for a thread to be
 * created.
 */
#include <linux/kthread.h>
#include <linux/sched/task.h>
#include <linux/wait.h>
#include "shim.h"

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

/* TASK_IDLE (an idle member is neither a hung task nor load), exclusive:
 * one queued grow wakes one member. kthread_stop() wakes the member. */
int rspl_crew_wait(struct wait_queue_head *wq, const int *ready)
{
	wait_event_idle_exclusive(*wq, READ_ONCE(*ready) != 0 || kthread_should_stop());
	return kthread_should_stop();
}

void rspl_crew_wake_one(struct wait_queue_head *wq)
{
	wake_up(wq);
}
