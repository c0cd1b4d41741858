// SPDX-License-Identifier: MIT
/*
 * The rule-set parser (lib/rules_parse.c, shared with the LSM): every
 * vector of tests/vectors/rules/index.txt with its exact errno and reason,
 * the compiled result of accepted texts, the canonical text round trip and
 * the signed-policy container.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "rules.h"

#define VECTORS "tests/vectors/rules"

static const struct { const char *name; int err; } errnames[] = {
	{ "0", 0 }, { "ENODATA", -ENODATA }, { "EBADMSG", -EBADMSG },
	{ "EILSEQ", -EILSEQ }, { "E2BIG", -E2BIG }, { "EEXIST", -EEXIST },
	{ "ERANGE", -ERANGE },
};

static int errno_of(const char *name)
{
	for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (!strcmp(errnames[i].name, name))
			return errnames[i].err;
	fail_msg("unknown errno name %s in index.txt", name);
	return 1;
}

static size_t slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, size, f);
	fclose(f);
	return n;
}

/* Parse, format, parse again: the same rules. */
static void roundtrip(const struct cm_rules *r)
{
	char text[CM_RULES_FORMAT_MAX];
	struct cm_rules again;
	int n = cm_rules_format(r, text, sizeof(text));

	assert_true(n > 0);
	assert_int_equal(cm_rules_parse(text, (size_t)n, &again, NULL), 0);
	assert_memory_equal(r, &again, sizeof(again));
}

static void test_vectors(void **state)
{
	static char buf[CM_RULES_TEXT_MAX + 16];
	char line[512], path[600];
	FILE *idx = fopen(VECTORS "/index.txt", "r");
	int n = 0, refused = 0;

	(void)state;
	assert_non_null(idx);
	while (fgets(line, sizeof(line), idx)) {
		struct cm_rules_err e;
		struct cm_rules r;
		char *file, *err, *why;
		size_t len;
		int got;

		if (line[0] == '#')
			continue;
		file = strtok(line, "\t");
		err = strtok(NULL, "\t");
		why = strtok(NULL, "\n");
		assert_non_null(why);
		snprintf(path, sizeof(path), VECTORS "/%s", file);
		len = slurp(path, buf, sizeof(buf));
		got = cm_rules_parse(buf, len, &r, &e);
		if (got != errno_of(err))
			fail_msg("%s: expected %s, got %d (line %u: %s)", file,
				 err, got, e.line, e.why);
		if (got) {	/* the exact reason */
			if (strcmp(e.why, why))
				fail_msg("%s: reason '%s', expected '%s'", file,
					 e.why, why);
			refused++;
		} else {
			roundtrip(&r);
		}
		n++;
	}
	fclose(idx);
	assert_true(n >= 50);
	assert_true(refused >= 40);
}

static void test_compiled(void **state)
{
	static const char text[] =
		"version 42\nop module audit key 1a2b3c4d\nop firmware off\n"
		"op kexec enforce key 1A2B3C4D,deadbeef\n"
		"fs 0b8e7f10-4c2a-4f6e-9d1b-2a3c4d5e6f70 exec,check\n";
	static const uint8_t uuid[16] = { 0x0b, 0x8e, 0x7f, 0x10, 0x4c, 0x2a,
		0x4f, 0x6e, 0x9d, 0x1b, 0x2a, 0x3c, 0x4d, 0x5e, 0x6f, 0x70 };
	struct cm_rules r, d;

	(void)state;
	assert_int_equal(cm_rules_parse(text, sizeof(text) - 1, &r, NULL), 0);
	assert_int_equal(r.version, 42);
	assert_int_equal(r.op[CM_RULES_OP_EXEC].mode, CM_RULES_ENFORCE);
	assert_int_equal(r.op[CM_RULES_OP_EXEC].nkeys, 0);
	assert_int_equal(r.op[CM_RULES_OP_MODULE].mode, CM_RULES_AUDIT);
	assert_int_equal(r.op[CM_RULES_OP_MODULE].nkeys, 1);
	assert_int_equal(r.op[CM_RULES_OP_MODULE].keys[0], 0x1a2b3c4d);
	assert_int_equal(r.op[CM_RULES_OP_FIRMWARE].mode, CM_RULES_OFF);
	assert_int_equal(r.op[CM_RULES_OP_KEXEC].nkeys, 2);
	assert_int_equal(r.op[CM_RULES_OP_KEXEC].keys[1], 0xdeadbeef);
	assert_int_equal(r.nfs, 1);
	assert_memory_equal(r.fs[0].uuid, uuid, 16);
	assert_int_equal(r.fs[0].ops, 1u << CM_RULES_OP_EXEC |
				      1u << CM_RULES_OP_CHECK);
	/* "version 1" alone is the compiled-in default with a version. */
	assert_int_equal(cm_rules_parse("version 1", 9, &r, NULL), 0);
	cm_rules_default(&d);
	d.version = 1;
	assert_memory_equal(&r, &d, sizeof(d));
	roundtrip(&r);
}

static void test_error_line(void **state)
{
	static const char text[] = "# c\nversion 2\n\nop exec sometimes\n";
	struct cm_rules_err e;
	struct cm_rules r;

	(void)state;
	assert_int_equal(cm_rules_parse(text, sizeof(text) - 1, &r, &e),
			 -EBADMSG);
	assert_int_equal(e.line, 4);
	assert_string_equal(e.why, "unknown mode");
	assert_int_equal(cm_rules_parse("", 0, &r, &e), -ENODATA);
	assert_int_equal(e.line, 0);
}

static void test_container(void **state)
{
	uint8_t buf[256], sig[70];
	const char *t;
	const uint8_t *s;
	size_t tl, sl;
	int n;

	(void)state;
	memset(sig, 0x30, sizeof(sig));
	n = cm_rules_pack("version 1\n", 10, sig, sizeof(sig), buf, sizeof(buf));
	assert_int_equal(n, CM_RULES_HDR_SIZE + 10 + 70);
	assert_int_equal(cm_rules_split(buf, (size_t)n, &t, &tl, &s, &sl), 0);
	assert_int_equal(tl, 10);
	assert_memory_equal(t, "version 1\n", 10);
	assert_int_equal(sl, 70);
	assert_ptr_equal(s, buf + CM_RULES_HDR_SIZE + 10);
	assert_int_equal(cm_rules_split(buf, (size_t)n - 1, &t, &tl, &s, &sl),
			 -EMSGSIZE);
	assert_int_equal(cm_rules_split(buf, 15, &t, &tl, &s, &sl), -EBADMSG);
	buf[0] = 'X';
	assert_int_equal(cm_rules_split(buf, (size_t)n, &t, &tl, &s, &sl),
			 -EBADMSG);
	buf[0] = 'C';
	buf[12] = 0xff;		/* sig_len 4 GiB: over the limit, no overflow */
	assert_int_equal(cm_rules_split(buf, (size_t)n, &t, &tl, &s, &sl),
			 -E2BIG);
	buf[12] = 0;
	buf[8] = 0xff;		/* text_len likewise */
	assert_int_equal(cm_rules_split(buf, (size_t)n, &t, &tl, &s, &sl),
			 -E2BIG);
	assert_int_equal(cm_rules_pack("x", 1, sig, CM_RULES_SIG_MAX + 1, buf,
				       sizeof(buf)), -E2BIG);
	assert_int_equal(cm_rules_pack("version 1\n", 10, sig, 70, buf, 50),
			 -ENOSPC);
	/* unsigned: sig_len 0 */
	n = cm_rules_pack("version 1\n", 10, NULL, 0, buf, sizeof(buf));
	assert_int_equal(cm_rules_split(buf, (size_t)n, &t, &tl, &s, &sl), 0);
	assert_int_equal(sl, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_compiled),
		cmocka_unit_test(test_error_line),
		cmocka_unit_test(test_container),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
