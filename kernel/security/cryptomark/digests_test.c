// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit: the parser of securityfs "digests" writes (digests.c): good
 * lines, and each error with its errno: bad hex, wrong length, unknown
 * algorithm, oversized, a bad signature header, "clear" mixed with
 * entries.  All or nothing: a write with one bad line keeps nothing.
 */
#include <kunit/test.h>
#include <linux/list.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "cryptomark.h"

/* 64 hex digits: a SHA-256 digest. */
#define D256 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
/* A signature v2 header (sha256, keyid 0x01020304, 8 bytes) and its bytes. */
#define SIG256 "030204010203040008a1a2a3a4a5a6a7a8"
#define LINE256 "sha256:" D256 " " SIG256
#define D256UP "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF"
#define SIG256UP "030204010203040008A1A2A3A4A5A6A7A8"
/* The same digest less its first byte, and 32 and 56 hex digits. */
#define D248 "112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define D128 "00112233445566778899aabbccddeeff"
#define D224 "00112233445566778899aabbccddeeff00112233445566778899aabb"
#define SIG384 "030205010203040008a1a2a3a4a5a6a7a8"
#define SIG224 "030207010203040008a1a2a3a4a5a6a7a8"
#define SIGZZ "030204010203040008a1a2a3a4a5a6a7zz"

struct cm_dcase {
	const char *name;
	const char *text;
	int err;
	int entries;	/* when err is 0 */
	bool clear;
};

static const struct cm_dcase cm_dcases[] = {
	{ "one line", LINE256 "\n", 0, 1, false },
	{ "no final newline", LINE256, 0, 1, false },
	{ "two lines", LINE256 "\n" LINE256 "\n", 0, 2, false },
	{ "upper-case hex", "sha256:" D256UP " " SIG256UP "\n", 0, 1, false },
	{ "sha512",
	  "sha512:" D256 D256 " 030206010203040008a1a2a3a4a5a6a7a8\n",
	  0, 1, false },
	{ "sha384", "sha384:" D256 D128 " " SIG384, 0, 1, false },
	{ "sha224", "sha224:" D224 " " SIG224, 0, 1, false },
	{ "clear", "clear\n", 0, 0, true },
	{ "clear without newline", "clear", 0, 0, true },
	{ "bad hex in the digest", "sha256:zz" D248 " " SIG256, -EINVAL },
	{ "bad hex in the signature", "sha256:" D256 " " SIGZZ, -EINVAL },
	{ "odd signature hex", LINE256 "a", -EINVAL },
	{ "digest too short", "sha256:0011 " SIG256, -EINVAL },
	{ "no space, no signature", "sha256:" D256, -EINVAL },
	{ "digest one byte short",
	  "sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddee "
	  SIG256, -EINVAL },
	{ "digest one byte long", "sha256:" D256 "00 " SIG256, -EINVAL },
	{ "sha512 with a sha256 digest", "sha512:" D256 " " SIG256, -EINVAL },
	{ "unknown algorithm md5",
	  "md5:00112233445566778899aabbccddeeff " SIG256, -EINVAL },
	{ "unknown algorithm sha1",
	  "sha1:00112233445566778899aabbccddeeff00112233 " SIG256, -EINVAL },
	{ "no algorithm", D256 " " SIG256, -EINVAL },
	{ "no signature", "sha256:" D256 " ", -EINVAL },
	{ "two spaces", "sha256:" D256 "  " SIG256, -EINVAL },
	{ "trailing space", LINE256 " ", -EINVAL },
	{ "carriage return", LINE256 "\r\n", -EINVAL },
	{ "signature of another hash algorithm",
	  "sha256:" D256 " 030206010203040008a1a2a3a4a5a6a7a8", -EINVAL },
	{ "IMA digest, not a signature",
	  "sha256:" D256 " 040204010203040008a1a2a3a4a5a6a7a8", -EPROTO },
	{ "signature version 1",
	  "sha256:" D256 " 030104010203040008a1a2a3a4a5a6a7a8",
	  -EPROTONOSUPPORT },
	{ "sig_size beyond the data",
	  "sha256:" D256 " 030204010203040009a1a2a3a4a5a6a7a8", -EMSGSIZE },
	{ "truncated header", "sha256:" D256 " 03020401", -EBADMSG },
	{ "signature too short",
	  "sha256:" D256 " 030204010203040004a1a2a3a4", -EBADMSG },
	{ "signature hash algorithm not accepted",
	  "sha256:" D256 " 030202010203040008a1a2a3a4a5a6a7a8", -ENOPKG },
	{ "empty line", LINE256 "\n\n" LINE256, -EINVAL },
	{ "only a newline", "\n", -EINVAL },
	{ "clear then an entry", "clear\n" LINE256 "\n", -EINVAL },
	{ "an entry then clear", LINE256 "\nclear\n", -EINVAL },
	{ "clear twice", "clear\nclear\n", -EINVAL },
	{ "clear with a space", "clear\x20\n", -EINVAL },
	{ "a good line then a bad one", LINE256 "\nsha256:xx\n", -EINVAL },
};

static void cm_dcase_desc(const struct cm_dcase *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(cm_digests, cm_dcases, cm_dcase_desc);

static int cm_list_len(struct list_head *list)
{
	struct list_head *p;
	int n = 0;

	list_for_each(p, list)
		n++;
	return n;
}

static void cm_digests_parse_case(struct kunit *test)
{
	const struct cm_dcase *c = test->param_value;
	LIST_HEAD(list);
	bool clear = true;
	int ret;

	ret = cm_digests_parse(c->text, strlen(c->text), &list, &clear);
	KUNIT_EXPECT_EQ_MSG(test, ret, c->err, "%s", c->name);
	KUNIT_EXPECT_EQ_MSG(test, cm_list_len(&list), c->err ? 0 : c->entries,
			    "%s", c->name);
	KUNIT_EXPECT_EQ_MSG(test, clear, c->err ? false : c->clear, "%s",
			    c->name);
	cm_digests_free_list(&list);
}

/* What a good line becomes: algorithm, digest bytes, signature bytes. */
static void cm_digests_line_fields(struct kunit *test)
{
	static const u8 sig[] = { 0x03, 0x02, 0x04, 0x01, 0x02, 0x03, 0x04,
				  0x00, 0x08, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5,
				  0xa6, 0xa7, 0xa8 };
	struct cm_digest *e = NULL;
	u8 digest[CM_MAX_DIGEST_SIZE] = { 0 };
	int i;

	KUNIT_ASSERT_EQ(test, cm_digests_parse_line(LINE256,
						    strlen(LINE256), &e), 0);
	KUNIT_ASSERT_NOT_NULL(test, e);
	for (i = 0; i < 32; i++)
		digest[i] = (i % 16) * 0x11;
	KUNIT_EXPECT_EQ(test, e->algo, 4);	/* HASH_ALGO_SHA256 */
	KUNIT_EXPECT_EQ(test, memcmp(e->digest, digest, sizeof(digest)), 0);
	KUNIT_EXPECT_EQ(test, e->sig_len, (u16)sizeof(sig));
	KUNIT_EXPECT_EQ(test, memcmp(e->sig, sig, sizeof(sig)), 0);
	kfree(e);
}

/* Past the per-write bound, and a signature longer than any value. */
static void cm_digests_oversized(struct kunit *test)
{
	size_t big = CM_DIGESTS_WRITE_MAX + 1, n;
	LIST_HEAD(list);
	bool clear;
	char *buf;

	buf = kunit_kzalloc(test, big, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	/* Whole good lines up to the bound are accepted... */
	for (n = 0; n + sizeof(LINE256) <= CM_DIGESTS_WRITE_MAX;
	     n += sizeof(LINE256))
		memcpy(buf + n, LINE256 "\n", sizeof(LINE256));
	KUNIT_EXPECT_EQ(test, cm_digests_parse(buf, n, &list, &clear), 0);
	KUNIT_EXPECT_EQ(test, cm_list_len(&list),
			(int)(n / sizeof(LINE256)));
	cm_digests_free_list(&list);
	/* ...one byte more than the bound is refused whole. */
	memset(buf + n, '\n', big - n);
	KUNIT_EXPECT_EQ(test, cm_digests_parse(buf, big, &list, &clear),
			-EINVAL);
	KUNIT_EXPECT_TRUE(test, list_empty(&list));
	/* A signature of 512 bytes is the largest; 513 is refused. */
	n = scnprintf(buf, big, "sha256:%s 03020401020304%04x", D256, 512);
	memset(buf + n, 'a', 2 * 512);
	n += 2 * 512;
	KUNIT_EXPECT_EQ(test, cm_digests_parse(buf, n, &list, &clear), 0);
	cm_digests_free_list(&list);
	n = scnprintf(buf, big, "sha256:%s 03020401020304%04x", D256, 513);
	memset(buf + n, 'a', 2 * 513);
	n += 2 * 513;
	KUNIT_EXPECT_EQ(test, cm_digests_parse(buf, n, &list, &clear),
			-EINVAL);
	KUNIT_EXPECT_TRUE(test, list_empty(&list));
}

static struct kunit_case cm_digests_test_cases[] = {
	KUNIT_CASE_PARAM(cm_digests_parse_case, cm_digests_gen_params),
	KUNIT_CASE(cm_digests_line_fields),
	KUNIT_CASE(cm_digests_oversized),
	{}
};

static struct kunit_suite cm_digests_test_suite = {
	.name = "cryptomark_digests",
	.test_cases = cm_digests_test_cases,
};

kunit_test_suite(cm_digests_test_suite);
