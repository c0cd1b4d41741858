/* SPDX-License-Identifier: MIT */
/*
 * cmaudit's reader of kernel log text: one line in, what it says about
 * cryptomark out.  The line is hostile text (paths and comms are chosen by
 * whoever ran the program), so nothing here trusts a length, a quote or an
 * escape it did not check.  libc only, no allocation but the decoded path.
 */
#ifndef CM_AUDITLOG_H
#define CM_AUDITLOG_H

#include <stddef.h>

/* What a line is. */
enum cma_kind {
	CMA_OTHER = 0,		/* not a cryptomark line: ignored */
	CMA_EVENT,		/* one negative verdict */
	CMA_SUPPRESSED,		/* "cm_audit_denial: N callbacks suppressed" */
	CMA_DROPPED,		/* console "** N printk messages dropped **" */
	CMA_BLOB,		/* journalctl "kernel: [N blob data]" (no --all) */
	CMA_UNREADABLE,		/* names cryptomark but does not parse */
	__CMA_KIND_MAX
};

#define CMA_WORD_MAX	32

/*
 * The longest message printk keeps in Linux 6.1 (LOG_LINE_MAX - 1:
 * CONSOLE_LOG_MAX 1024 - PREFIX_MAX 32 - 1); a longer one is cut there,
 * without its closing quote.
 */
#define CMA_PRINTK_MAX	991

struct cma_line {
	enum cma_kind kind;
	int record;		/* CMA_EVENT: 1 audit record, 0 printk line */
	char op[CMA_WORD_MAX], reason[CMA_WORD_MAX];
	char mode[CMA_WORD_MAX], verdict[CMA_WORD_MAX];
	unsigned long pid;
	unsigned char *path;	/* CMA_EVENT: decoded bytes, NUL-terminated */
	size_t path_len;
	int truncated;		/* the path was cut by printk's line limit */
	unsigned long long count; /* CMA_SUPPRESSED, CMA_DROPPED */
	const char *why;	/* CMA_UNREADABLE: what is wrong (static) */
};

/*
 * Reads one line (@len bytes, no trailing newline needed; NUL bytes are
 * data).  Fills @out; CMA_EVENT's path is malloc'd (cma_line_free()).
 * Returns 0 or -ENOMEM.
 */
int cma_parse_line(const char *s, size_t len, struct cma_line *out);
void cma_line_free(struct cma_line *l);

/*
 * The path as cmaudit prints it, into @buf (@size bytes, NUL-terminated,
 * cut if too small): bare when it is printable ASCII or UTF-8 with no
 * space, quote or backslash; otherwise in double quotes with \" \\ \n \t
 * \r \v \f \a \e and \xHH for any other byte that is not printable UTF-8.
 * Returns the length it needed (as snprintf).
 */
size_t cma_path_display(const unsigned char *p, size_t n, char *buf,
			size_t size);
/* 1 if @p is valid UTF-8 (no overlongs, no surrogates), else 0. */
int cma_utf8_valid(const unsigned char *p, size_t n);

#endif
