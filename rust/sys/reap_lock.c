// SPDX-License-Identifier: GPL-2.0
/*
 * The reap lock's mutex (rust/sys/reap_lock.rs): mutex_init() is a macro and
 * 6.12's Rust Mutex cannot be tried. One lockdep class for every cache's.
 */
#include <linux/mutex.h>
#include "shim.h"

void rspl_reap_lock_init(struct mutex *m)
{
	static struct lock_class_key key;

	__mutex_init(m, "rspl_cache_reap", &key);
}

void rspl_mutex_lock(struct mutex *m)
{
	mutex_lock(m);
}

int rspl_mutex_trylock(struct mutex *m)
{
	return mutex_trylock(m);
}

void rspl_mutex_unlock(struct mutex *m)
{
	mutex_unlock(m);
}
