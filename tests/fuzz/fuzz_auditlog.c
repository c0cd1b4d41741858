// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: cmaudit's kernel log line reader (verifier/auditlog.c),
 * which reads text anyone who names a file or a process partly chose.  The
 * input is split into lines as cmaudit reads them; what a line is said to
 * be must hold together: an event's words are short [a-z0-9_] strings, its
 * decoded path NUL-terminated and never longer than the line, a count only
 * on the markers, a reason given for an unreadable line.  The path's
 * display form must fit what it said it needs, cut cleanly into a short
 * buffer, and a bare (unquoted) form must hold no space, quote or byte a
 * terminal would act on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auditlog.h"

static void check_word(const char *w)
{
	size_t n = strnlen(w, CMA_WORD_MAX);

	if (!n || n >= CMA_WORD_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		if (!((w[i] >= 'a' && w[i] <= 'z') || (w[i] >= '0' && w[i] <= '9') ||
		      w[i] == '_'))
			abort();
}

static void check_display(const unsigned char *p, size_t n)
{
	size_t need = cma_path_display(p, n, NULL, 0), got;
	char *buf = malloc(need + 1), small[8];

	if (!buf)
		return;
	got = cma_path_display(p, n, buf, need + 1);
	if (got != need || strlen(buf) != need || (n && need < n))
		abort();
	if (buf[0] != '"')
		for (size_t i = 0; i < need; i++)
			if ((unsigned char)buf[i] <= ' ' || buf[i] == '"' ||
			    buf[i] == '\\' || buf[i] == 0x7f)
				abort();
	if (buf[0] == '"' && (need < 2 || buf[need - 1] != '"'))
		abort();
	memset(small, 'x', sizeof(small));
	got = cma_path_display(p, n, small, sizeof(small));
	if (got != need || strlen(small) != (need < sizeof(small) ? need : sizeof(small) - 1) ||
	    memcmp(small, buf, strlen(small)))
		abort();
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *end = s + size, *nl;
	struct cma_line l;

	while (s < end) {
		nl = memchr(s, '\n', (size_t)(end - s));
		nl = nl ? nl + 1 : end;
		if (cma_parse_line(s, (size_t)(nl - s), &l))
			return 0;	/* -ENOMEM */
		switch (l.kind) {
		case CMA_EVENT:
			check_word(l.op);
			check_word(l.reason);
			check_word(l.mode);
			check_word(l.verdict);
			if (!l.path || l.path[l.path_len] || l.path_len > (size_t)(nl - s))
				abort();
			check_display(l.path, l.path_len);
			break;
		case CMA_UNREADABLE:
			if (!l.why || l.path)
				abort();
			break;
		case CMA_OTHER:
		case CMA_BLOB:
			if (l.path || l.count)
				abort();
			break;
		case CMA_SUPPRESSED:
		case CMA_DROPPED:
			if (l.path)
				abort();
			break;
		default:
			abort();
		}
		cma_line_free(&l);
		s = nl;
	}
	return 0;
}
