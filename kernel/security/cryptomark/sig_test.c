// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit: the kernel's signature header parser against the repository's
 * vectors (tests/vectors/sig/), the same files and expected errors
 * libcryptomark's unit tests use.  sig_vectors.gen.h is generated from
 * tests/vectors/sig/index.txt by kernel/build-kernel.sh.
 */
#include <kunit/test.h>

#include "cryptomark.h"
#include "test_vectors.h"

static const struct cm_vector cm_sig_vectors[] = {
#include "sig_vectors.gen.h"
};

static void cm_sig_vector_desc(const struct cm_vector *v, char *desc)
{
	strscpy(desc, v->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(cm_sig, cm_sig_vectors, cm_sig_vector_desc);

static void cm_sig_parse_vector(struct kunit *test)
{
	const struct cm_vector *v = test->param_value;
	const struct cm_sig_hdr *hdr = NULL;
	int ret;

	ret = cm_sig_parse((const u8 *)v->bytes, v->len, &hdr);
	KUNIT_EXPECT_EQ_MSG(test, ret, v->err, "%s: %s", v->name, v->why);
	if (!v->err)
		KUNIT_EXPECT_PTR_EQ(test, (const void *)hdr,
				    (const void *)v->bytes);
}

/* The vector set must not silently shrink to nothing. */
static void cm_sig_vectors_present(struct kunit *test)
{
	KUNIT_EXPECT_GE(test, ARRAY_SIZE(cm_sig_vectors), 20);
}

static struct kunit_case cm_sig_test_cases[] = {
	KUNIT_CASE(cm_sig_vectors_present),
	KUNIT_CASE_PARAM(cm_sig_parse_vector, cm_sig_gen_params),
	{}
};

static struct kunit_suite cm_sig_test_suite = {
	.name = "cryptomark_sig",
	.test_cases = cm_sig_test_cases,
};

kunit_test_suite(cm_sig_test_suite);
