// SPDX-License-Identifier: MIT
/*
 * cmaudit's line reader (verifier/auditlog.c) against a table of lines as
 * each log prints them: what kind each is, and for an event its fields and
 * the exact path bytes; for an unreadable line, the exact reason.  Then the
 * path's display form, byte by byte.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "auditlog.h"

#define PR "cryptomark: op=exec reason=unsigned mode=audit verdict=allow pid=7 comm=\"sh\" path="

static const struct {
	const char *line;
	enum cma_kind kind;
	const char *op, *path;	/* CMA_EVENT */
	int record, truncated;
	unsigned long long count; /* markers */
	const char *why;	/* CMA_UNREADABLE */
	const char *desc;
} cases[] = {
	{ PR "\"/bin/x\"", CMA_EVENT, "exec", "/bin/x", 0, 0, 0, NULL, "journalctl -o cat" },
	{ "[    1.000001] " PR "\"/bin/x\"\r\n", CMA_EVENT, "exec", "/bin/x", 0, 0, 0, NULL, "console, CR LF" },
	{ "Dec 03 14:00:00 host kernel: " PR "\"/a b\"", CMA_EVENT, "exec", "/a b", 0, 0, 0, NULL, "journalctl -k" },
	{ "<5>[    1.2] " PR "\"/q\"uo\\te\"", CMA_EVENT, "exec", "/q\"uo\te", 0, 0, 0, NULL, "dmesg -r; raw quote, kernel \\t" },
	{ "[ 1.2] " PR "\"/o\\177\\e\\033x\"", CMA_EVENT, "exec", "/o\177\033\033x", 0, 0, 0, NULL, "octal and \\e" },
	{ "[ 1.2] " PR "\"/d\\xe9\\x00\\x\"", CMA_EVENT, "exec", "/d\xe9\\x00\\x", 0, 0, 0, NULL, "dmesg \\xHH; \\x00 and a lone \\x stay" },
	{ "[ 1.2] " PR "\"/b\\\\s\\qz\\000\"", CMA_EVENT, "exec", "/b\\\\s\\qz\\000", 0, 0, 0, NULL, "backslashes that start no escape stay" },
	{ "[ 1.2] cryptomark: op=mmap reason=unsigned mode=audit verdict=allow pid=7 comm=\"c\" path=\"\" path=\"/bin/x\"",
	  CMA_EVENT, "mmap", "/bin/x", 0, 0, 0, NULL, "a comm holding the path field" },
	{ "[ 1.2] " PR "\"/x\" path=\"/y\"", CMA_EVENT, "exec", "/x\" path=\"/y", 0, 0, 0, NULL, "a path holding the path field" },
	{ "[ 1.2] cryptomark: op=ptrace reason=ptrace mode=enforce verdict=deny pid=7 comm=\"gdb\" path=\"-\"",
	  CMA_EVENT, "ptrace", "-", 0, 0, 0, NULL, "no file: -" },
	{ "type=INTEGRITY_DATA msg=audit(1.2:3): op=exec reason=unsigned mode=audit verdict=allow pid=7 comm=\"sh\" path=\"/r\"",
	  CMA_EVENT, "exec", "/r", 1, 0, 0, NULL, "audit.log record, quoted" },
	{ "type=INTEGRITY_DATA msg=audit(1.2:3): op=exec reason=unsigned mode=audit verdict=allow pid=7 comm=7368 path=2F6120620A\x1d" "AUID=\"x\"",
	  CMA_EVENT, "exec", "/a b\n", 1, 0, 0, NULL, "audit.log record, hex, enriched" },
	{ "[ 1.2] audit: type=1800 audit(1.2:3): op=mmap reason=unsigned mode=audit verdict=allow pid=7 comm=\"sh\" path=\"/k\"",
	  CMA_EVENT, "mmap", "/k", 1, 0, 0, NULL, "record in the kernel log" },
	{ "Dec 03 14:00:00 host audit[7]: INTEGRITY_DATA op=exec reason=unsigned mode=audit verdict=allow pid=7 comm=\"sh\" path=\"/j\"",
	  CMA_EVENT, "exec", "/j", 1, 0, 0, NULL, "record in the journal" },
	{ "\033[32m[    3.4] \033[0m\033[33mcryptomark: \033[0mop=exec reason=unsigned mode=audit verdict=allow pid=7 comm=\"sh\" path=\"/c\\e\"",
	  CMA_EVENT, "exec", "/c\033", 0, 0, 0, NULL, "dmesg --color=always" },
	{ "[ 1.2] cm_audit_denial: 42 callbacks suppressed", CMA_SUPPRESSED, NULL, NULL, 0, 0, 42, NULL, "rate-limit marker" },
	{ "kern  :warn  : [ 1.2] cm_audit_denial: 1 callbacks suppressed\n", CMA_SUPPRESSED, NULL, NULL, 0, 0, 1, NULL, "marker, dmesg -x" },
	{ "[ 1.2] ** 5 printk messages dropped **", CMA_DROPPED, NULL, NULL, 0, 0, 5, NULL, "console drops" },
	{ "Dec 03 14:00:00 host kernel: [1.2K blob data]", CMA_BLOB, NULL, NULL, 0, 0, 0, NULL, "journalctl blob" },
	{ "Dec 03 14:00:00 host sshd[1]: [1.2K blob data]", CMA_OTHER, NULL, NULL, 0, 0, 0, NULL, "blob, not the kernel's" },
	{ "[ 1.2] cm_audit_denial: x callbacks suppressed", CMA_OTHER, NULL, NULL, 0, 0, 0, NULL, "marker without a count" },
	{ "[ 1.2] EXT4-fs (vda): mounted", CMA_OTHER, NULL, NULL, 0, 0, 0, NULL, "another message" },
	{ "type=INTEGRITY_DATA msg=audit(1.2:3): pid=1 uid=0 op=appraise_data cause=x comm=\"sh\" name=\"/x\"",
	  CMA_OTHER, NULL, NULL, 0, 0, 0, NULL, "IMA's INTEGRITY_DATA" },
	{ "[ 1.2] process 'a cryptomark: op=exec' started", CMA_UNREADABLE, NULL, NULL, 0, 0, 0,
	  "text before \"cryptomark:\" is not a log prefix", "look-alike inside another message" },
	{ "[ 1.2] " PR "\"/open", CMA_UNREADABLE, NULL, NULL, 0, 0, 0, "no closing quote after the path", "no closing quote" },
	{ "[ 1.2] cryptomark: op=exec reason=unsigned mode=audit verdict=allow pid=7 comm=\"sh\"", CMA_UNREADABLE, NULL, NULL, 0, 0, 0,
	  "no path=\"...\" after comm", "no path" },
	{ "[ 1.2] cryptomark: op=EXEC reason=unsigned mode=audit verdict=allow pid=7 comm=\"sh\" path=\"/x\"", CMA_UNREADABLE, NULL, NULL, 0, 0, 0,
	  "fields not in the order op reason mode verdict pid comm path", "upper-case word" },
	{ "type=INTEGRITY_DATA msg=audit(1.2:3): op=exec reason=unsigned mode=audit verdict=allow pid=7 comm=\"sh\" path=2F0",
	  CMA_UNREADABLE, NULL, NULL, 0, 0, 0, "audit record comm or path not a quoted or hex value", "odd hex" },
	{ "type=INTEGRITY_DATA msg=audit(1.2:3): op=exec reason=unsigned mode=audit verdict=allow pid=7 comm=\"sh\" path=2F00",
	  CMA_UNREADABLE, NULL, NULL, 0, 0, 0, "audit record comm or path not a quoted or hex value", "hex NUL" },
};

static void test_lines(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cma_line l;

		print_message("%s\n", cases[i].desc);
		assert_int_equal(cma_parse_line(cases[i].line, strlen(cases[i].line), &l), 0);
		assert_int_equal(l.kind, cases[i].kind);
		if (l.kind == CMA_EVENT) {
			assert_string_equal(l.op, cases[i].op);
			assert_int_equal(l.path_len, strlen(cases[i].path));
			assert_memory_equal(l.path, cases[i].path, l.path_len);
			assert_int_equal(l.record, cases[i].record);
			assert_int_equal(l.truncated, cases[i].truncated);
			assert_int_equal(l.pid, 7);
		} else if (l.kind == CMA_UNREADABLE) {
			assert_string_equal(l.why, cases[i].why);
		} else {
			assert_int_equal(l.count, cases[i].count);
		}
		cma_line_free(&l);
	}
}

/* A message printk cut at 991 bytes: the path up to there, marked. */
static void test_truncated(void **state)
{
	char line[1100] = "[ 1.2] " PR "\"/";
	size_t pre = strlen("[ 1.2] "), n;
	struct cma_line l;

	n = strlen(line);
	memset(line + n, 'd', sizeof(line) - n);
	n = pre + CMA_PRINTK_MAX;
	assert_int_equal(cma_parse_line(line, n, &l), 0);
	assert_int_equal(l.kind, CMA_EVENT);
	assert_int_equal(l.truncated, 1);
	assert_int_equal(l.path_len, n - pre - strlen(PR "\""));
	cma_line_free(&l);
	/* One byte shorter: a message that was not cut, with no closing quote. */
	assert_int_equal(cma_parse_line(line, n - 1, &l), 0);
	assert_int_equal(l.kind, CMA_UNREADABLE);
}

static void test_display(void **state)
{
	static const struct {
		const char *in, *out;
	} d[] = {
		{ "/usr/bin/ls", "/usr/bin/ls" },
		{ "/tmp/caf\xc3\xa9", "/tmp/caf\xc3\xa9" },
		{ "/a b", "\"/a b\"" },
		{ "/q\"\\", "\"/q\\\"\\\\\"" },
		{ "/\n\t\r\v\f\a\033", "\"/\\n\\t\\r\\v\\f\\a\\e\"" },
		{ "/\xe9\x7f\x01", "\"/\\xe9\\x7f\\x01\"" },
		{ "/\xe2\x80\xae", "\"/\\xe2\\x80\\xae\"" },	/* RLO: shown as bytes */
		{ "/\xc2\x85", "\"/\\xc2\\x85\"" },		/* C1 NEL */
		{ "/\xed\xa0\x80", "\"/\\xed\\xa0\\x80\"" },	/* a surrogate */
		{ "/\xc0\xaf", "\"/\\xc0\\xaf\"" },		/* overlong '/' */
		{ "", "\"\"" },
	};
	char buf[64];

	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		size_t n = cma_path_display((const unsigned char *)d[i].in, strlen(d[i].in), buf, sizeof(buf));

		assert_int_equal(n, strlen(d[i].out));
		assert_string_equal(buf, d[i].out);
	}
	/* Cut into a short buffer, NUL-terminated, the full length returned. */
	assert_int_equal(cma_path_display((const unsigned char *)"/a b", 4, buf, 3), 6);
	assert_string_equal(buf, "\"/");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_display),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
