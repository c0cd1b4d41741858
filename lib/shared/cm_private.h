/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * What the shared parsers (this directory) need from their environment,
 * mapped once for the kernel and once for userspace, as xz-embedded's
 * xz_private.h does: the ELF structures (<linux/elf.h>, the uapi header
 * both sides have), errno values, zeroed allocation, sort, and a yield
 * point for long loops.  Nothing else in these files depends on where
 * they are built.  libcryptomark compiles them from lib/shared/;
 * kernel/build-kernel.sh copies them into security/cryptomark/.
 */
#ifndef CM_PRIVATE_H
#define CM_PRIVATE_H

#include <linux/elf.h>

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>

static inline void *cm_zalloc(size_t n)
{
	return kvzalloc(n ? n : 1, GFP_KERNEL);
}

static inline void cm_free(void *p)
{
	kvfree(p);
}

static inline void cm_sort(void *base, size_t n, size_t size,
			   int (*cmp)(const void *, const void *))
{
	sort(base, n, size, cmp, NULL);
}

/*
 * Called once per item of a long loop: every 1024 items, give the CPU away
 * and stop if the task is being killed, so a hostile file costs its caller
 * time but never stalls the CPU or outlives a SIGKILL.
 */
static inline int cm_yield(uint64_t i)
{
	if (i % 1024)
		return 0;
	if (fatal_signal_pending(current))
		return -EINTR;
	cond_resched();
	return 0;
}
#else /* userspace */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define U64_MAX UINT64_MAX

static inline void *cm_zalloc(size_t n)
{
	return calloc(1, n ? n : 1);
}

static inline void cm_free(void *p)
{
	free(p);
}

static inline void cm_sort(void *base, size_t n, size_t size,
			   int (*cmp)(const void *, const void *))
{
	qsort(base, n, size, cmp);
}

static inline int cm_yield(uint64_t i)
{
	(void)i;
	return 0;
}
#endif

#endif /* CM_PRIVATE_H */
