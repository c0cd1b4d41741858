// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit: the kernel's build of the rule-set parser (rules_parse.c, the
 * same source as libcryptomark's) against tests/vectors/rules/, the files,
 * errors and reasons libcryptomark's unit test uses.  rules_vectors.gen.h
 * is generated from tests/vectors/rules/index.txt by kernel/build-kernel.sh.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "rules_parse.h"
#include "test_vectors.h"

static const struct cm_vector cm_rules_vectors[] = {
#include "rules_vectors.gen.h"
};

static void cm_rules_vector_desc(const struct cm_vector *v, char *desc)
{
	strscpy(desc, v->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(cm_rules, cm_rules_vectors, cm_rules_vector_desc);

static void cm_rules_parse_vector(struct kunit *test)
{
	const struct cm_vector *v = test->param_value;
	struct cm_rules_err e;
	struct cm_rules *r;
	int ret;

	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	ret = cm_rules_parse(v->bytes, v->len, r, &e);
	KUNIT_EXPECT_EQ_MSG(test, ret, v->err, "%s: %s (line %u: %s)",
			    v->name, v->why, e.line, e.why);
	if (v->err)	/* the index's reason is the parser's, exactly */
		KUNIT_EXPECT_STREQ_MSG(test, e.why, v->why, "%s", v->name);
	else
		KUNIT_EXPECT_NE(test, r->version, 0ULL);
}

static void cm_rules_vectors_present(struct kunit *test)
{
	KUNIT_EXPECT_GE(test, ARRAY_SIZE(cm_rules_vectors), 50);
}

/* The container: lengths must add up, limits hold without overflow. */
static void cm_rules_split_cases(struct kunit *test)
{
	static const u8 ok[] = "CMRULES1\0\0\0\x0a\0\0\0\0version 1\n";
	u8 buf[sizeof(ok)];
	const char *text;
	const u8 *sig;
	size_t tl, sl;

	KUNIT_EXPECT_EQ(test, cm_rules_split(ok, sizeof(ok) - 1, &text, &tl,
					     &sig, &sl), 0);
	KUNIT_EXPECT_EQ(test, tl, (size_t)10);
	KUNIT_EXPECT_EQ(test, sl, (size_t)0);
	KUNIT_EXPECT_EQ(test, cm_rules_split(ok, sizeof(ok) - 2, &text, &tl,
					     &sig, &sl), -EMSGSIZE);
	KUNIT_EXPECT_EQ(test, cm_rules_split(ok, 15, &text, &tl, &sig, &sl),
			-EBADMSG);
	memcpy(buf, ok, sizeof(ok));
	buf[12] = 0xff;
	KUNIT_EXPECT_EQ(test, cm_rules_split(buf, sizeof(ok) - 1, &text, &tl,
					     &sig, &sl), -E2BIG);
	buf[12] = 0;
	buf[7] = '2';
	KUNIT_EXPECT_EQ(test, cm_rules_split(buf, sizeof(ok) - 1, &text, &tl,
					     &sig, &sl), -EBADMSG);
}

static struct kunit_case cm_rules_test_cases[] = {
	KUNIT_CASE(cm_rules_vectors_present),
	KUNIT_CASE_PARAM(cm_rules_parse_vector, cm_rules_gen_params),
	KUNIT_CASE(cm_rules_split_cases),
	{}
};

static struct kunit_suite cm_rules_test_suite = {
	.name = "cryptomark_rules",
	.test_cases = cm_rules_test_cases,
};

kunit_test_suite(cm_rules_test_suite);
