// SPDX-License-Identifier: GPL-2.0
/*
 * Every object a stress thread holds carries its holder's tag: at its
 * start (after a "held" mark), at every page boundary and in its last
 * bytes. A tag that changed means two holders got the object, or someone
 * wrote into it; a "held" mark on a fresh object means it was handed out
 * while held. Objects are at least 16 bytes.
 */
#include <linux/mm.h>
#include "stress.h"

#define STRESS_HELD	0x5253504c48454c44ULL	/* "RSPLHELD" */
#define STRESS_FREED	0x5253504c46524545ULL	/* "RSPLFREE" */

/* The offsets that carry the tag, after the mark at offset 0. */
#define for_each_tag_offset(off, size)					\
	for ((off) = sizeof(u64); (off) + sizeof(u64) <= (size);	\
	     (off) = (off) < PAGE_SIZE ? PAGE_SIZE : (off) + PAGE_SIZE)

static u64 *at(const void *obj, size_t off)
{
	return (u64 *)((u8 *)obj + off);
}

void stress_mark(void *obj, size_t size, u64 tag)
{
	size_t off;

	*at(obj, 0) = STRESS_HELD;
	for_each_tag_offset(off, size)
		*at(obj, off) = tag;
	*at(obj, ALIGN_DOWN(size - sizeof(u64), sizeof(u64))) = tag;
}

bool stress_intact(const void *obj, size_t size, u64 tag)
{
	size_t off;

	if (*at(obj, 0) != STRESS_HELD)
		return false;
	for_each_tag_offset(off, size)
		if (*at(obj, off) != tag)
			return false;
	return *at(obj, ALIGN_DOWN(size - sizeof(u64), sizeof(u64))) == tag;
}

void stress_retire(void *obj)
{
	*at(obj, 0) = STRESS_FREED;
}

bool stress_claimed(const void *obj)
{
	return *at(obj, 0) == STRESS_HELD;
}
