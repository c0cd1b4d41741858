/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cryptomark KUnit: one test vector of tests/vectors/<set>/index.txt, as
 * kernel/build-kernel.sh generates them into <set>_vectors.gen.h.
 */
#ifndef _SECURITY_CRYPTOMARK_TEST_VECTORS_H
#define _SECURITY_CRYPTOMARK_TEST_VECTORS_H

#include <linux/types.h>

struct cm_vector {
	const char *name;
	int err;		/* what libcryptomark returns for these bytes */
	size_t len;
	const char *bytes;
	const char *why;
};

#endif /* _SECURITY_CRYPTOMARK_TEST_VECTORS_H */
