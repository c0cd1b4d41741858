// SPDX-License-Identifier: MIT
/*
 * Signature header: round trips, and every vector of
 * tests/vectors/sig/index.txt parsed with its exact expected error.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <cryptomark/cryptomark.h>

#define VECTORS "tests/vectors/sig"

static const struct { const char *name; int err; } errnames[] = {
	{ "0", 0 }, { "ENODATA", -ENODATA }, { "EBADMSG", -EBADMSG },
	{ "EMSGSIZE", -EMSGSIZE }, { "EPROTO", -EPROTO },
	{ "EPROTONOSUPPORT", -EPROTONOSUPPORT }, { "ENOPKG", -ENOPKG },
	{ "E2BIG", -E2BIG },
};

static int errno_of(const char *name)
{
	for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (!strcmp(errnames[i].name, name))
			return errnames[i].err;
	fail_msg("unknown errno name %s in index.txt", name);
	return 1;
}

static void test_vectors(void **state)
{
	char line[512], path[600];
	FILE *idx = fopen(VECTORS "/index.txt", "r");
	int n = 0;

	assert_non_null(idx);
	while (fgets(line, sizeof(line), idx)) {
		char *file, *err, *why;
		unsigned char buf[1024];
		struct cm_sig sig;
		const char *reason = NULL;
		size_t len;
		FILE *f;
		int got;

		if (line[0] == '#')
			continue;
		file = strtok(line, "\t");
		err = strtok(NULL, "\t");
		why = strtok(NULL, "\n");
		assert_non_null(why);
		snprintf(path, sizeof(path), VECTORS "/%s", file);
		f = fopen(path, "rb");
		assert_non_null(f);
		len = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		got = cm_sig_parse(buf, len, &sig, &reason);
		if (got != errno_of(err))
			fail_msg("%s (%s): expected %s, got %d (%s)", file, why,
				 err, got, reason ? reason : "");
		if (got)
			assert_non_null(reason);	/* every refusal says why */
		n++;
	}
	fclose(idx);
	assert_true(n >= 20);
}

static void test_roundtrip(void **state)
{
	static const int algos[] = { CM_HASH_SHA256, CM_HASH_SHA384,
				     CM_HASH_SHA512 };
	uint8_t sigbytes[CM_SIG_MAX_SIZE], buf[CM_XATTR_MAX_SIZE];
	static const size_t lens[] = { CM_SIG_MIN_SIZE, 71, 256, 384,
				       CM_SIG_MAX_SIZE };

	for (size_t i = 0; i < sizeof(sigbytes); i++)
		sigbytes[i] = (uint8_t)(i * 7 + 1);
	for (size_t a = 0; a < 3; a++) {
		for (size_t l = 0; l < 5; l++) {
			struct cm_sig in = { algos[a], 0xdeadbeef, sigbytes,
					     lens[l] }, out;
			int n = cm_sig_serialize(&in, buf, sizeof(buf));

			assert_int_equal(n, CM_SIG_HDR_SIZE + (int)lens[l]);
			assert_int_equal(buf[0], 0x03);
			assert_int_equal(buf[1], 2);
			assert_int_equal(buf[2], algos[a]);
			/* keyid and sig_size are big-endian on disk */
			assert_int_equal(buf[3], 0xde);
			assert_int_equal(buf[6], 0xef);
			assert_int_equal(buf[7], lens[l] >> 8);
			assert_int_equal(buf[8], lens[l] & 0xff);
			assert_int_equal(cm_sig_parse(buf, (size_t)n, &out, NULL), 0);
			assert_int_equal(out.hash_algo, algos[a]);
			assert_int_equal(out.keyid, 0xdeadbeef);
			assert_int_equal(out.sig_len, lens[l]);
			assert_memory_equal(out.sig, sigbytes, lens[l]);
		}
	}
}

static void test_serialize_errors(void **state)
{
	uint8_t s[600] = { 0 }, buf[CM_XATTR_MAX_SIZE];
	struct cm_sig sig = { CM_HASH_SHA256, 1, s, 64 };

	assert_int_equal(cm_sig_serialize(&sig, buf, 72), -ENOSPC);
	sig.sig_len = 0;
	assert_int_equal(cm_sig_serialize(&sig, buf, sizeof(buf)), -EINVAL);
	sig.sig_len = 513;
	assert_int_equal(cm_sig_serialize(&sig, buf, sizeof(buf)), -EINVAL);
	sig.sig_len = 64;
	sig.hash_algo = CM_HASH_SHA1;
	assert_int_equal(cm_sig_serialize(&sig, buf, sizeof(buf)), -ENOPKG);
}

static void test_hash_table(void **state)
{
	assert_int_equal(cm_hash_from_name("sha256"), 4);
	assert_int_equal(cm_hash_from_name("sha384"), 5);
	assert_int_equal(cm_hash_from_name("sha512"), 6);
	assert_int_equal(cm_hash_from_name("md5"), -ENOPKG);
	assert_int_equal(cm_hash_from_name("sha1"), -ENOPKG);
	assert_int_equal(cm_hash_size(CM_HASH_SHA256), 32);
	assert_int_equal(cm_hash_size(CM_HASH_SHA384), 48);
	assert_int_equal(cm_hash_size(CM_HASH_SHA512), 64);
	assert_int_equal(cm_hash_size(CM_HASH_SHA1), -ENOPKG);
	assert_string_equal(cm_hash_name(CM_HASH_SHA512), "sha512");
	assert_null(cm_hash_md(99));
}

static void test_strerror(void **state)
{
	assert_string_equal(cm_strerror(-ENODATA), "unsigned");
	assert_string_equal(cm_strerror(-EKEYREJECTED), "bad-signature");
	assert_string_equal(cm_strerror(-ENOKEY), "unknown-key");
	assert_string_equal(cm_strerror(-EMSGSIZE), "malformed");
	assert_string_equal(cm_strerror(-ENOPKG), "malformed");
	assert_string_equal(cm_strerror(-EACCES), "io");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_serialize_errors),
		cmocka_unit_test(test_hash_table),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests_name("sig", tests, NULL, NULL);
}
