// SPDX-License-Identifier: GPL-2.0
/* Timed waits for a cache's GROWING bit. */
#include <linux/bitops.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/wait.h>
#include "shim.h"

void rspl_waitq_init(struct wait_queue_head *wq)
{
	init_waitqueue_head(wq);
}

int rspl_wait_bit_clear(struct wait_queue_head *wq, unsigned long *word,
			unsigned int bit, unsigned int ms)
{
	return !wait_event_hrtimeout(*wq, !test_bit(bit, word), ms_to_ktime(ms));
}

void rspl_wake_all(struct wait_queue_head *wq)
{
	wake_up_all(wq);
}
