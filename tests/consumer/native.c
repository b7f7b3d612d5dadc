// SPDX-License-Identifier: GPL-2.0
/*
 * rspl's C API as a C module uses it, with the rspl_ names: callbacks,
 * private pointer, every backing, KM_ZERO and KM_NOSLEEP, the query
 * functions, and bad arguments refused with NULL.
 */
#include <kunit/test.h>
#include <linux/align.h>
#include <linux/atomic.h>
#include <linux/module.h>
#include <linux/string.h>
#include <rspl/kmem_cache.h>
#include "consumer.h"

#define NATIVE_SIZE	200
#define NATIVE_ALIGN	64
#define NATIVE_OBJS	64
#define CTOR_BYTE	0x5a

struct native_counts {
	atomic_t ctor;
	atomic_t dtor;
	atomic_t reclaim;
	atomic_t wrong_priv;
};

static struct native_counts *native_expected;

static int native_ctor(void *obj, void *priv, int kmflags)
{
	struct native_counts *c = priv;

	if (c != native_expected)
		atomic_inc(&native_expected->wrong_priv);
	memset(obj, CTOR_BYTE, NATIVE_SIZE);
	atomic_inc(&c->ctor);
	return 0;
}

static void native_dtor(void *obj, void *priv)
{
	struct native_counts *c = priv;

	if (c != native_expected)
		atomic_inc(&native_expected->wrong_priv);
	atomic_inc(&c->dtor);
}

static void native_reclaim(void *priv)
{
	struct native_counts *c = priv;

	atomic_inc(&c->reclaim);
}

static void native_callbacks_and_queries(struct kunit *test)
{
	struct native_counts counts = {};
	struct rspl_kmem_cache *cache;
	void *objs[NATIVE_OBJS];
	int i;

	native_expected = &counts;
	cache = rspl_kmem_cache_create("rspl_c_native", NATIVE_SIZE, NATIVE_ALIGN,
				       native_ctor, native_dtor, native_reclaim,
				       &counts, NULL, KMC_KVMEM);
	consumer_own(test, cache);
	for (i = 0; i < NATIVE_OBJS; i++) {
		objs[i] = rspl_kmem_cache_alloc(cache, KM_SLEEP);
		KUNIT_ASSERT_NOT_NULL(test, objs[i]);
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)objs[i], NATIVE_ALIGN));
		/* Constructed: the constructor's bytes are there. */
		KUNIT_EXPECT_EQ(test, ((u8 *)objs[i])[NATIVE_SIZE - 1], CTOR_BYTE);
		memset(objs[i], i, NATIVE_SIZE);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&counts.ctor), NATIVE_OBJS);
	KUNIT_EXPECT_TRUE(test, rspl_kmem_cache_inuse(cache));
	KUNIT_EXPECT_GE(test, rspl_kmem_cache_entry_size(cache), (size_t)NATIVE_SIZE);
	for (i = 0; i < NATIVE_OBJS; i++) {
		/* Nobody else wrote into our object. */
		KUNIT_EXPECT_EQ(test, ((u8 *)objs[i])[0], (u8)i);
		rspl_kmem_cache_free(cache, objs[i]);
	}
	KUNIT_EXPECT_EQ(test, atomic_read(&counts.dtor), NATIVE_OBJS);
	KUNIT_EXPECT_FALSE(test, rspl_kmem_cache_inuse(cache));
	rspl_kmem_cache_reap_now(cache);
	KUNIT_EXPECT_GE(test, atomic_read(&counts.reclaim), 1);
	KUNIT_EXPECT_EQ(test, rspl_kmem_cache_reap_active(), 0);
	rspl_kmem_cache_set_move(cache, NULL);
	KUNIT_EXPECT_EQ(test, atomic_read(&counts.wrong_priv), 0);
	consumer_destroy(test, cache);
}

static void native_every_backing(struct kunit *test)
{
	static const int backings[] = { KMC_KMEM, KMC_VMEM, KMC_KVMEM, KMC_SLAB, 0 };
	struct rspl_kmem_cache *cache;
	u8 *obj, *nosleep;
	int i, j;

	for (i = 0; i < ARRAY_SIZE(backings); i++) {
		cache = rspl_kmem_cache_create("rspl_c_backing", 3000, 0, NULL, NULL,
					       NULL, NULL, NULL, backings[i]);
		consumer_own(test, cache);
		obj = rspl_kmem_cache_alloc(cache, KM_SLEEP | KM_ZERO);
		KUNIT_ASSERT_NOT_NULL(test, obj);
		for (j = 0; j < 3000; j++)
			KUNIT_ASSERT_EQ(test, obj[j], 0);
		memset(obj, 0xff, 3000);
		/* KM_NOSLEEP may fail, but never returns an object in use. */
		nosleep = rspl_kmem_cache_alloc(cache, KM_NOSLEEP);
		KUNIT_EXPECT_PTR_NE(test, nosleep, obj);
		if (nosleep)
			rspl_kmem_cache_free(cache, nosleep);
		rspl_kmem_cache_free(cache, obj);
		KUNIT_EXPECT_FALSE(test, rspl_kmem_cache_inuse(cache));
		consumer_destroy(test, cache);
	}
}

static void native_bad_arguments(struct kunit *test)
{
	struct rspl_kmem_cache *cache;
	int vmp;

	KUNIT_EXPECT_NULL(test, rspl_kmem_cache_create(NULL, 64, 0, NULL, NULL,
						       NULL, NULL, NULL, 0));
	KUNIT_EXPECT_NULL(test, rspl_kmem_cache_create("rspl_c_bad", 0, 0, NULL,
						       NULL, NULL, NULL, NULL, 0));
	KUNIT_EXPECT_NULL(test, rspl_kmem_cache_create("rspl_c_bad", 64, 24, NULL,
						       NULL, NULL, NULL, NULL, 0));
	KUNIT_EXPECT_NULL(test, rspl_kmem_cache_create("rspl_c_bad", 64, 0, NULL,
						       NULL, NULL, NULL, &vmp, 0));
	KUNIT_EXPECT_NULL(test, rspl_kmem_cache_create("rspl_c_bad", 64, 0, NULL,
						       NULL, NULL, NULL, NULL, 1 << 30));
	KUNIT_EXPECT_NULL(test, rspl_kmem_cache_alloc(NULL, KM_SLEEP));
	/* Refused with a message; the cache still works afterwards. */
	cache = rspl_kmem_cache_create("rspl_c_bad", 64, 0, NULL, NULL, NULL,
				       NULL, NULL, 0);
	consumer_own(test, cache);
	rspl_kmem_cache_free(cache, NULL);
	KUNIT_EXPECT_NULL(test, rspl_kmem_cache_alloc(cache, 0x4000));
	rspl_kmem_cache_free(cache, rspl_kmem_cache_alloc(cache, KM_SLEEP));
	KUNIT_EXPECT_FALSE(test, rspl_kmem_cache_inuse(cache));
	consumer_destroy(test, cache);
}

static struct kunit_case native_cases[] = {
	KUNIT_CASE(native_callbacks_and_queries),
	KUNIT_CASE(native_every_backing),
	KUNIT_CASE(native_bad_arguments),
	{}
};

static struct kunit_suite native_suite = {
	.name = "rspl_consumer_native",
	.test_cases = native_cases,
};

kunit_test_suite(native_suite);

MODULE_DESCRIPTION("C consumer tests of rspl's kmem_cache API");
MODULE_LICENSE("GPL");
