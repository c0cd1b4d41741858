// SPDX-License-Identifier: MIT
/*
 * cmaudit's line reader.  What the LSM writes (kernel/security/cryptomark/
 * audit.c) and what each log keeps of it:
 *
 *  - printk: `cryptomark: op=W reason=W mode=W verdict=W pid=N
 *    comm="%pE" path="%pE"`.  %pE without flags is ESCAPE_ANY_NP: bytes the
 *    kernel's ctype calls printable (0x20-0x7e and 0xa0-0xff) pass as they
 *    are, `"` and `\` included; \n \r \t \v \f become those escapes, \a \e
 *    too, any other byte \ooo (three octal digits).  So the path is what
 *    lies between `path="` and the line's last `"`, and the comm ends at a
 *    `" path="` (comm_end(): a comm holding that text can be
 *    indistinguishable from a path holding it).  A message printk cut at
 *    its limit (CMA_PRINTK_MAX) has no closing quote.
 *  - dmesg (util-linux) reads /dev/kmsg, which \x-escapes, unescapes it and
 *    prints what the locale cannot as \xHH: decoded here too; its colours
 *    (SGR sequences) are dropped.  `-x`, `-T`,
 *    `-r` and the console's `[    1.234567]` stamps are prefixes; so are
 *    journalctl's `host kernel: ` and syslog's header.
 *  - the audit record (AUDIT_INTEGRITY_DATA, 1800) when auditing is on:
 *    `type=INTEGRITY_DATA msg=audit(T:N): op=... comm=V path=V` in
 *    audit.log, `audit: type=1800 audit(T:N): ...` in the kernel log when
 *    no auditd takes it, `audit[N]: INTEGRITY_DATA op=...` in the journal.
 *    V is audit_log_untrustedstring(): `"text"` when the text has no quote,
 *    space or control byte, else its bytes in hex.
 *  - the rate limit (burst 100 per 5 s, __ratelimit in cm_audit_denial)
 *    says `cm_audit_denial: N callbacks suppressed` (printk_deferred,
 *    KERN_WARNING, no "cryptomark:" prefix) at the first call after the
 *    interval in which it dropped lines.
 *
 * The text before a message must look like a log prefix (no quote, no
 * apostrophe, no '=', ends with a space): another subsystem's message that
 * quotes a crafted file name never counts as a cryptomark line, it is
 * reported as unreadable instead.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "auditlog.h"

#define ANCHOR		"cryptomark: op="
#define SUPPRESSED	"cm_audit_denial: "
#define PREFIX_MAX	256

static const char *find(const char *s, const char *end, const char *what)
{
	return memmem(s, (size_t)(end - s), what, strlen(what));
}

static int starts(const char *s, const char *end, const char *what)
{
	size_t n = strlen(what);

	return (size_t)(end - s) >= n && !memcmp(s, what, n);
}

/* Timestamps, host, "kernel:", "<5>", "kern  :notice:": see the top. */
static int ok_prefix(const char *s, size_t n)
{
	if (!n)
		return 1;
	if (n > PREFIX_MAX || s[n - 1] != ' ')
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\'' || c == '=' || (c < 0x20 && c != '\t'))
			return 0;
	}
	return 1;
}

static int isoct(int c)
{
	return c >= '0' && c <= '7';
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * "W " after @key at *@p: a word of [a-z0-9_], 1 to CMA_WORD_MAX - 1
 * bytes, copied to @out.  0, or -1 when it is not there.
 */
static int field(const char **p, const char *end, const char *key, char *out)
{
	const char *s = *p;
	size_t n = 0;

	if (!starts(s, end, key))
		return -1;
	s += strlen(key);
	while (s + n < end && ((s[n] >= 'a' && s[n] <= 'z') ||
			       (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
		n++;
	if (!n || n >= CMA_WORD_MAX || s + n >= end || s[n] != ' ')
		return -1;
	memcpy(out, s, n);
	out[n] = '\0';
	*p = s + n + 1;
	return 0;
}

/* "pid=N " */
static int pid_field(const char **p, const char *end, unsigned long *pid)
{
	const char *s = *p;
	size_t n = 0;

	if (!starts(s, end, "pid="))
		return -1;
	s += 4;
	*pid = 0;
	while (s + n < end && s[n] >= '0' && s[n] <= '9' && n < 10)
		*pid = *pid * 10 + (unsigned long)(s[n++] - '0');
	if (!n || s + n >= end || s[n] != ' ')
		return -1;
	*p = s + n + 1;
	return 0;
}

/*
 * The kernel's %pE escapes and dmesg's \xHH back to bytes.  A backslash
 * that starts neither stays (the kernel does not escape `\`, so a path
 * holding the text "\n" reads as a newline: the log cannot tell them
 * apart).  Nothing decodes to NUL: no path holds one.
 */
static unsigned char *decode_printk(const char *s, size_t n, size_t *len)
{
	unsigned char *o = malloc(n + 1), *q = o;
	size_t i = 0;
	int v;

	if (!o)
		return NULL;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];

		if (c != '\\' || i + 1 >= n) {
			*q++ = c;
			i++;
			continue;
		}
		c = (unsigned char)s[i + 1];
		v = 0;
		if (i + 3 < n && c <= '3' && isoct(c) && isoct(s[i + 2]) &&
		    isoct(s[i + 3])) {
			v = (c - '0') << 6 | (s[i + 2] - '0') << 3 | (s[i + 3] - '0');
			if (v) {
				*q++ = (unsigned char)v;
				i += 4;
				continue;
			}
		}
		if (c == 'x' && i + 3 < n && hexval(s[i + 2]) >= 0 &&
		    hexval(s[i + 3]) >= 0) {
			v = hexval(s[i + 2]) << 4 | hexval(s[i + 3]);
			if (v) {
				*q++ = (unsigned char)v;
				i += 4;
				continue;
			}
		}
		switch (c) {
		case 'n': v = '\n'; break;
		case 'r': v = '\r'; break;
		case 't': v = '\t'; break;
		case 'v': v = '\v'; break;
		case 'f': v = '\f'; break;
		case 'a': v = '\a'; break;
		case 'e': v = 0x1b; break;
		default: v = 0;
		}
		if (v) {
			*q++ = (unsigned char)v;
			i += 2;
		} else {
			*q++ = '\\';
			i++;
		}
	}
	*q = '\0';
	*len = (size_t)(q - o);
	return o;
}

static enum cma_kind unreadable(struct cma_line *out, const char *why)
{
	free(out->path);
	out->path = NULL;
	out->why = why;
	return out->kind = CMA_UNREADABLE;
}

/*
 * Where the comm (from @s) ends: at an occurrence of `" path="` whose path
 * starts as every path the LSM logs does ('/', or "-" / "?" alone) and
 * whose comm is at most 15 bytes (TASK_COMM_LEN - 1, each escaped in at
 * most four); the first such, else the first occurrence at all.  A comm
 * and a path holding that text can still be ambiguous; the first split
 * keeps the whole real path in the row (with the comm's tail before it),
 * never shows a shorter path instead of it.
 */
static const char *comm_end(const char *s, const char *end)
{
	const char *first = find(s, end, "\" path=\""), *c, *ps;

	for (c = first; c && c - s <= 60; c = find(c + 1, end, "\" path=\"")) {
		ps = c + 8;
		if (ps < end && (*ps == '/' ||
				 (end - ps == 2 && (*ps == '-' || *ps == '?') &&
				  ps[1] == '"')))
			return c;
	}
	return first;
}

/* The printk line, from "cryptomark: " (@msg) to @end. */
static int parse_printk(const char *msg, const char *end, struct cma_line *out)
{
	const char *p = msg + strlen("cryptomark: "), *c, *ps, *pe;
	size_t mlen = (size_t)(end - msg);

	if (field(&p, end, "op=", out->op) ||
	    field(&p, end, "reason=", out->reason) ||
	    field(&p, end, "mode=", out->mode) ||
	    field(&p, end, "verdict=", out->verdict) ||
	    pid_field(&p, end, &out->pid) || !starts(p, end, "comm=\"")) {
		unreadable(out, mlen >= CMA_PRINTK_MAX ? "cut by printk before its path" :
			   "fields not in the order op reason mode verdict pid comm path");
		return 0;
	}
	c = comm_end(p + 6, end);
	if (!c) {
		unreadable(out, mlen >= CMA_PRINTK_MAX ? "cut by printk before its path" :
			   "no path=\"...\" after comm");
		return 0;
	}
	ps = c + 8;
	pe = end;
	if (pe > ps && pe[-1] == '"') {
		pe--;
	} else if (mlen >= CMA_PRINTK_MAX) {
		out->truncated = 1;
	} else {
		unreadable(out, "no closing quote after the path");
		return 0;
	}
	out->path = decode_printk(ps, (size_t)(pe - ps), &out->path_len);
	if (!out->path)
		return -ENOMEM;
	out->record = 0;
	out->kind = CMA_EVENT;
	return 0;
}

/*
 * An audit value at *@p: "text" (no quote inside) or hex bytes, ending at
 * @stop (a space or the end for the path).  Decoded into a malloc'd
 * buffer when @dst, else only skipped.  0 or -1 (malformed), -ENOMEM.
 */
static int audit_value(const char **p, const char *end, int last,
		       unsigned char **dst, size_t *len)
{
	const char *s = *p, *e;
	unsigned char *o;
	size_t n;

	if (s < end && *s == '"') {
		e = memchr(s + 1, '"', (size_t)(end - s - 1));
		if (!e)
			return -1;
		n = (size_t)(e - s - 1);
		if (dst) {
			o = malloc(n + 1);
			if (!o)
				return -ENOMEM;
			memcpy(o, s + 1, n);
			o[n] = '\0';
			*dst = o;
			*len = n;
		}
		e++;
	} else {
		for (e = s; e < end && hexval(*e) >= 0; e++)
			;
		n = (size_t)(e - s);
		if (!n || n % 2)
			return -1;
		if (dst) {
			o = malloc(n / 2 + 1);
			if (!o)
				return -ENOMEM;
			for (size_t i = 0; i < n / 2; i++) {
				o[i] = (unsigned char)(hexval(s[2 * i]) << 4 |
						       hexval(s[2 * i + 1]));
				if (!o[i]) {
					free(o);
					return -1;
				}
			}
			o[n / 2] = '\0';
			*dst = o;
			*len = n / 2;
		}
	}
	/* After the path: the end, a space or auditd's enriched separator. */
	if (last ? (e < end && *e != ' ' && *e != '\t' && *e != 0x1d) :
		   (e >= end || *e != ' '))
		return -1;
	*p = last ? e : e + 1;
	return 0;
}

/* The audit record's fields, from "op=" (@p) to @end. */
static int parse_record(const char *p, const char *end, struct cma_line *out)
{
	int e;

	if (field(&p, end, "op=", out->op) ||
	    field(&p, end, "reason=", out->reason) ||
	    field(&p, end, "mode=", out->mode) ||
	    field(&p, end, "verdict=", out->verdict) ||
	    pid_field(&p, end, &out->pid) || !starts(p, end, "comm=")) {
		unreadable(out, "audit record fields not in the order op reason mode verdict pid comm path");
		return 0;
	}
	p += 5;
	e = audit_value(&p, end, 0, NULL, NULL);
	if (!e && !starts(p, end, "path="))
		e = -1;
	if (!e) {
		p += 5;
		e = audit_value(&p, end, 1, &out->path, &out->path_len);
	}
	if (e == -ENOMEM)
		return e;
	if (e) {
		unreadable(out, "audit record comm or path not a quoted or hex value");
		return 0;
	}
	out->record = 1;
	out->kind = CMA_EVENT;
	return 0;
}

/*
 * Where an audit record's "op=" starts, or NULL: after
 * "type=INTEGRITY_DATA msg=audit(T:N): " or "type=1800 audit(T:N): " (the
 * type token at the start or after a space), or after "INTEGRITY_DATA "
 * following journald's "audit[N]: " / "audit: ".
 */
static const char *record_start(const char *s, const char *end)
{
	const char *q = find(s, end, "): op="), *b;

	if (q) {
		b = q;
		while (b > s && ((b[-1] >= '0' && b[-1] <= '9') || b[-1] == '.' ||
				 b[-1] == ':'))
			b--;
		if (b - s < 6 || memcmp(b - 6, "audit(", 6))
			goto journal;
		b -= 6;
		if (b - s >= 4 && !memcmp(b - 4, "msg=", 4))
			b -= 4;
		if (b - s < 1 || b[-1] != ' ')
			goto journal;
		b--;
		if (b - s >= 19 && !memcmp(b - 19, "type=INTEGRITY_DATA", 19))
			b -= 19;
		else if (b - s >= 9 && !memcmp(b - 9, "type=1800", 9))
			b -= 9;
		else
			goto journal;
		if (b > s && b[-1] != ' ')
			goto journal;
		if (memchr(s, '"', (size_t)(b - s)))
			goto journal;
		return q + 3;
	}
journal:
	q = find(s, end, ": INTEGRITY_DATA op=");
	if (!q || !find(s, q, "audit") || !ok_prefix(s, (size_t)(q - s) + 2))
		return NULL;
	return q + 17;
}

/* "N" then @tail at the end: the count, or -1. */
static long long count_then(const char *p, const char *end, const char *tail)
{
	unsigned long long v = 0;
	size_t n = 0;

	while (p + n < end && p[n] >= '0' && p[n] <= '9' && n < 19)
		v = v * 10 + (unsigned long long)(p[n++] - '0');
	if (!n || (size_t)(end - p - n) != strlen(tail) ||
	    memcmp(p + n, tail, strlen(tail)))
		return -1;
	return (long long)v;
}

static int parse_line(const char *s, size_t len, struct cma_line *out)
{
	const char *end = s + len, *a, *r;
	long long v;

	memset(out, 0, sizeof(*out));
	while (end > s && (end[-1] == '\n' || end[-1] == '\r'))
		end--;
	a = find(s, end, ANCHOR);
	if (a) {
		if (!ok_prefix(s, (size_t)(a - s))) {
			unreadable(out, "text before \"cryptomark:\" is not a log prefix");
			return 0;
		}
		return parse_printk(a, end, out);
	}
	a = find(s, end, SUPPRESSED);
	if (a && ok_prefix(s, (size_t)(a - s))) {
		v = count_then(a + strlen(SUPPRESSED), end, " callbacks suppressed");
		if (v >= 0) {
			out->count = (unsigned long long)v;
			out->kind = CMA_SUPPRESSED;
			return 0;
		}
	}
	a = find(s, end, "** ");
	if (a && ok_prefix(s, (size_t)(a - s))) {
		v = count_then(a + 3, end, " printk messages dropped **");
		if (v >= 0) {
			out->count = (unsigned long long)v;
			out->kind = CMA_DROPPED;
			return 0;
		}
	}
	a = find(s, end, " blob data]");
	if (a && a + 11 == end) {
		r = a;
		while (r > s && r[-1] != '[' && r[-1] != ' ')
			r--;
		if (r > s && r[-1] == '[' && r < a && ok_prefix(s, (size_t)(r - 1 - s)) &&
		    (r - 1 == s || find(s, r, "kernel: "))) {
			out->kind = CMA_BLOB;
			return 0;
		}
	}
	r = record_start(s, end);
	if (r)
		return parse_record(r, end, out);
	out->kind = CMA_OTHER;
	return 0;
}

/*
 * dmesg --color=always wraps the stamp and the "cryptomark: " prefix in SGR
 * sequences (ESC [ digits ; ... m); they go before the line is read.  The
 * kernel prints ESC as \e, so a raw one is always the wrapper's.
 */
int cma_parse_line(const char *s, size_t len, struct cma_line *out)
{
	char *t, *q;
	size_t i, j;
	int r;

	if (!memchr(s, 0x1b, len))
		return parse_line(s, len, out);
	t = malloc(len ? len : 1);
	if (!t)
		return -ENOMEM;
	for (i = 0, q = t; i < len; i++) {
		if (s[i] == 0x1b && i + 1 < len && s[i + 1] == '[') {
			for (j = i + 2; j < len && ((s[j] >= '0' && s[j] <= '9') || s[j] == ';'); j++)
				;
			if (j < len && s[j] == 'm') {
				i = j;
				continue;
			}
		}
		*q++ = s[i];
	}
	r = parse_line(t, (size_t)(q - t), out);
	free(t);
	return r;
}

void cma_line_free(struct cma_line *l)
{
	free(l->path);
	l->path = NULL;
}

/* Length of the UTF-8 sequence at @p (1..4), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n, unsigned int *cp)
{
	unsigned int c = p[0], v;
	size_t k;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf)
		k = 2, v = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		k = 3, v = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 4, v = c & 0x07;
	else
		return 0;
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3f);
	}
	if ((k == 3 && v < 0x800) || (k == 4 && (v < 0x10000 || v > 0x10ffff)) ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return k;
}

int cma_utf8_valid(const unsigned char *p, size_t n)
{
	unsigned int cp;

	for (size_t i = 0, k; i < n; i += k) {
		k = utf8_len(p + i, n - i, &cp);
		if (!k)
			return 0;
	}
	return 1;
}

/* A code point a terminal shows as itself (not C1, not a bidi control). */
static int printable_cp(unsigned int cp)
{
	if (cp < 0xa0)
		return cp >= 0x21 && cp < 0x7f;
	return !(cp == 0xad || (cp >= 0x200b && cp <= 0x200f) ||
		 (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x206f) ||
		 cp == 0xfeff);
}

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++, o->len++)
		if (o->len + 1 < o->size)
			o->buf[o->len] = s[i];
}

size_t cma_path_display(const unsigned char *p, size_t n, char *buf,
			size_t size)
{
	static const char hex[] = "0123456789abcdef";
	struct out o = { buf, size, 0 };
	int quote = !n;
	unsigned int cp;
	size_t i, k;

	for (i = 0; i < n && !quote; i += k) {
		k = utf8_len(p + i, n - i, &cp);
		if (!k || !printable_cp(cp) || cp == '"' || cp == '\\')
			quote = 1;
	}
	if (quote)
		put(&o, "\"", 1);
	for (i = 0; i < n; i += k) {
		char e[4] = { '\\', 0, 0, 0 };

		k = utf8_len(p + i, n - i, &cp);
		if (k && (printable_cp(cp) || cp == ' ') && cp != '"' && cp != '\\') {
			put(&o, (const char *)p + i, k);
			continue;
		}
		if (!k)
			k = 1;
		switch (k == 1 ? p[i] : 0) {
		case '"': e[1] = '"'; break;
		case '\\': e[1] = '\\'; break;
		case '\n': e[1] = 'n'; break;
		case '\t': e[1] = 't'; break;
		case '\r': e[1] = 'r'; break;
		case '\v': e[1] = 'v'; break;
		case '\f': e[1] = 'f'; break;
		case '\a': e[1] = 'a'; break;
		case 0x1b: e[1] = 'e'; break;
		}
		if (e[1]) {
			put(&o, e, 2);
			continue;
		}
		for (size_t j = 0; j < k; j++) {
			e[1] = 'x';
			e[2] = hex[p[i + j] >> 4];
			e[3] = hex[p[i + j] & 15];
			put(&o, e, 4);
		}
	}
	if (quote)
		put(&o, "\"", 1);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return o.len;
}
