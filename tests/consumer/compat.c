// SPDX-License-Identifier: GPL-2.0
/*
 * rspl's C API under the SPL names (RSPL_SPL_COMPAT): ZFS-style code that
 * says kmem_cache_create(), kmem_cache_alloc(), kmem_cache_t, KM_PUSHPAGE
 * compiles unchanged against include/rspl/kmem_cache.h and runs on rspl.
 */
#define RSPL_SPL_COMPAT
#include <rspl/kmem_cache.h>
#include "consumer.h"
#include <kunit/test.h>
#include <linux/string.h>

#define ZIO_BUF_SIZE	(128 * 1024)

struct compat_hdr {
	u64 birth;
	u32 refcount;
	u32 flags;
};

static kmem_cache_t *zio_buf_cache;
static kmem_cache_t *hdr_cache;

static int hdr_cons(void *buf, void *unused, int kmflag)
{
	struct compat_hdr *hdr = buf;

	memset(hdr, 0, sizeof(*hdr));
	hdr->refcount = 1;
	return 0;
}

static void hdr_dest(void *buf, void *unused)
{
	struct compat_hdr *hdr = buf;

	hdr->refcount = 0;
}

/* Declared as ZFS's dnode_move(), which declines on Linux. */
static kmem_cbrc_t hdr_move(void *buf, void *newbuf, size_t size, void *arg)
{
	return KMEM_CBRC_NO;
}

/* The shape of ZFS's zio_init()/zio_fini() and their callers. */
static void compat_zfs_style_caches(struct kunit *test)
{
	struct compat_hdr *hdr;
	char *buf;

	zio_buf_cache = kmem_cache_create("rspl_c_zio_buf_131072", ZIO_BUF_SIZE,
					  0, NULL, NULL, NULL, NULL, NULL,
					  KMC_NODEBUG);
	hdr_cache = kmem_cache_create("rspl_c_buf_hdr_t", sizeof(struct compat_hdr),
				      0, hdr_cons, hdr_dest, NULL, NULL, NULL, 0);
	consumer_own(test, zio_buf_cache);
	consumer_own(test, hdr_cache);

	buf = kmem_cache_alloc(zio_buf_cache, KM_PUSHPAGE);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	memset(buf, 0xab, ZIO_BUF_SIZE);
	hdr = kmem_cache_alloc(hdr_cache, KM_SLEEP);
	KUNIT_ASSERT_NOT_NULL(test, hdr);
	KUNIT_EXPECT_EQ(test, hdr->refcount, 1);
	KUNIT_EXPECT_TRUE(test, kmem_cache_inuse(zio_buf_cache));
	KUNIT_EXPECT_GE(test, kmem_cache_entry_size(zio_buf_cache), (size_t)ZIO_BUF_SIZE);

	kmem_cache_free(hdr_cache, hdr);
	kmem_cache_free(zio_buf_cache, buf);
	KUNIT_EXPECT_FALSE(test, kmem_cache_inuse(zio_buf_cache));
	KUNIT_EXPECT_FALSE(test, kmem_cache_inuse(hdr_cache));
	/* A move callback as ZFS's dnode_move() is declared. */
	kmem_cache_set_move(hdr_cache, hdr_move);
	kmem_cache_set_move(hdr_cache, NULL);
	kmem_cache_reap_now(zio_buf_cache);
	KUNIT_EXPECT_EQ(test, kmem_cache_reap_active(), 0);
	consumer_destroy(test, hdr_cache);
	consumer_destroy(test, zio_buf_cache);
}

static void compat_km_zero(struct kunit *test)
{
	kmem_cache_t *cache;
	u8 *obj;
	int i;

	cache = kmem_cache_create("rspl_c_zeroed", 20000, 0, NULL, NULL, NULL,
				  NULL, NULL, KMC_VMEM);
	consumer_own(test, cache);
	obj = kmem_cache_alloc(cache, KM_SLEEP);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	memset(obj, 0xee, 20000);
	kmem_cache_free(cache, obj);
	/* Likely the same object again: KM_ZERO must clear it. */
	obj = kmem_cache_alloc(cache, KM_SLEEP | KM_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, obj);
	for (i = 0; i < 20000; i++)
		KUNIT_ASSERT_EQ(test, obj[i], 0);
	kmem_cache_free(cache, obj);
	consumer_destroy(test, cache);
}

static struct kunit_case compat_cases[] = {
	KUNIT_CASE(compat_zfs_style_caches),
	KUNIT_CASE(compat_km_zero),
	{}
};

static struct kunit_suite compat_suite = {
	.name = "rspl_consumer_compat",
	.test_cases = compat_cases,
};

kunit_test_suite(compat_suite);
