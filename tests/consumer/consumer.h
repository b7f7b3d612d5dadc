/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the consumer suites share: a cache that KUnit destroys when the
 * case ends, however it ends (a failed assertion returns at once), or
 * earlier with consumer_destroy().
 */
#ifndef _RSPL_CONSUMER_H
#define _RSPL_CONSUMER_H

#include <kunit/resource.h>
#include <kunit/test.h>
#include <rspl/kmem_cache.h>

KUNIT_DEFINE_ACTION_WRAPPER(consumer_destroy_action, rspl_kmem_cache_destroy,
			    struct rspl_kmem_cache *);

/* @cache, a create's result: asserts it was made, and has KUnit destroy it. */
static inline void consumer_own(struct kunit *test, struct rspl_kmem_cache *cache)
{
	KUNIT_ASSERT_NOT_NULL(test, cache);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, consumer_destroy_action, cache), 0);
}

/* Destroys @cache, which consumer_own() registered, now. */
static inline void consumer_destroy(struct kunit *test, struct rspl_kmem_cache *cache)
{
	kunit_release_action(test, consumer_destroy_action, cache);
}

#endif /* _RSPL_CONSUMER_H */
