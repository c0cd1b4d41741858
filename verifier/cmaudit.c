// SPDX-License-Identifier: MIT
/*
 * cmaudit: the dry run before enforcing.  Reads kernel log text (dmesg,
 * journalctl, kern.log, the console, audit.log) and prints what the
 * cryptomark LSM refused or, booted with cryptomark.mode=audit, would have
 * refused: one row per distinct (path, operation, reason) with its count.
 * CLI glue; the line reader is auditlog.c.
 *
 * A list that misses lines says so: the kernel's rate-limit marker, console
 * drops, journalctl's hidden blob messages and lines naming cryptomark that
 * do not parse make it "incomplete" (exit 1), never a silent shorter list.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auditlog.h"
#include "cmtool.h"

#define PROG "cmaudit"

static const char usage_text[] =
"Usage: cmaudit [--json] [-q] [--mode audit|enforce|any] [FILE...]\n"
"\n"
"Reads kernel log text from each FILE (standard input when there is none,\n"
"or for '-') and lists what the cryptomark LSM refused or would refuse: a\n"
"header (PATH OPERATION REASON COUNT), one row per distinct path, operation\n"
"and reason with its count, most frequent first (then by path), and a\n"
"summary line \"N distinct, M events\".\n"
"A path with a space, a quote, a backslash or a byte that is not printable\n"
"UTF-8 is printed in double quotes with C escapes (\\n, \\\", \\\\, \\xHH).\n"
"Any log wrapper is read: dmesg (also -T, -x, -r), journalctl -k (any\n"
"-o short* format, -o cat), /var/log/kern.log, the console with its time\n"
"stamps, and audit.log INTEGRITY_DATA records.  Other lines are ignored.\n"
"When both the kernel's cryptomark lines and audit records of the same\n"
"events are read, only the cryptomark lines count.  In audit mode the ELF\n"
"loader then maps the file a process just executed (op=mmap, same pid and\n"
"path); enforce refuses the exec first, so that line is not listed (the\n"
"count is said on stderr).\n"
"\n"
"Options:\n"
"  --mode audit       (default) what cryptomark.mode=audit logged as\n"
"                     allowed: what enforce would refuse\n"
"  --mode enforce     what enforce mode refused (verdict=deny)\n"
"  --mode any         both\n"
"  --json             one JSON document on stdout: \"results\" and \"summary\"\n"
"  -q, --quiet        rows only: no header, no summary line, no notes on\n"
"                     stderr (warnings about lost lines stay)\n"
"  -h, --help         this text\n"
"  --version          print the version\n"
"\n"
"The list is incomplete, and says so on stderr and in its summary\n"
"(\"incomplete: N lines suppressed by the kernel's rate limit\"), when the\n"
"log shows that lines were lost: the LSM's rate limit (100 lines per 5 s:\n"
"\"cm_audit_denial: N callbacks suppressed\"), console drops, messages\n"
"journalctl printed as \"[blob data]\" (run it with --all), or lines naming\n"
"cryptomark that do not parse.  The kernel reports suppressed lines only\n"
"at its next audit line: compare the events plus the mmap lines not listed\n"
"with 'denied' in /sys/kernel/security/cryptomark/stats.\n"
"\n"
"Exit status: 0 read (the rows are the result), 1 incomplete, 2 usage\n"
"error or a FILE that cannot be read.\n";

static const struct cmt_cli cli = { PROG, "cmaudit" };

enum mode_filter { WANT_AUDIT = 1, WANT_ENFORCE = 2, WANT_ANY = 3 };

/* One distinct (source, path, operation, reason) and its count. */
struct row {
	struct row *next;
	unsigned char *path;
	size_t path_len;
	int record, truncated;
	char op[CMA_WORD_MAX], reason[CMA_WORD_MAX];
	uint64_t count;
	uint64_t hash;
};

/*
 * The last file a pid executed in audit mode (per source).  The ELF loader
 * then maps that file (op=mmap, same pid and path): enforce refuses the
 * exec, so that mapping never happens and is not listed (folded).
 */
struct execd {
	struct execd *next;
	unsigned long pid;
	int record;
	unsigned char *path;
	size_t path_len;
};

#define EXECD_BUCKETS	4096

struct audit_run {
	int json, quiet;
	struct execd *execd[EXECD_BUCKETS];
	uint64_t folded[2];	/* per source: mmap lines folded into an exec */
	enum mode_filter want;
	struct row **tab;
	size_t nbuckets, nrows;
	uint64_t events[2];	/* per source: printk, record (wanted ones) */
	uint64_t other_mode[2];	/* per source: events --mode left out */
	uint64_t suppressed, dropped, blob, unreadable, truncated;
};

struct audit_opts {
	struct cmt_common run;
	struct audit_run *r;
	char **files;
};

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *c = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ c[i]) * 0x100000001b3ull;
	return h;
}

static int grow(struct audit_run *r)
{
	size_t n = r->nbuckets ? r->nbuckets * 2 : 1024;
	struct row **t = calloc(n, sizeof(*t)), *w, *next;

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < r->nbuckets; i++)
		for (w = r->tab[i]; w; w = next) {
			next = w->next;
			w->next = t[w->hash & (n - 1)];
			t[w->hash & (n - 1)] = w;
		}
	free(r->tab);
	r->tab = t;
	r->nbuckets = n;
	return 0;
}

/* Counts one event; takes its path. */
static int add_event(struct audit_run *r, struct cma_line *l)
{
	uint64_t h = 0xcbf29ce484222325ull;
	struct row *w;

	h = fnv(h, &l->record, sizeof(l->record));
	h = fnv(h, &l->truncated, sizeof(l->truncated));
	h = fnv(h, l->path, l->path_len + 1);
	h = fnv(h, l->op, strlen(l->op) + 1);
	h = fnv(h, l->reason, strlen(l->reason) + 1);
	if (r->nrows >= r->nbuckets && grow(r))
		return -ENOMEM;
	for (w = r->tab[h & (r->nbuckets - 1)]; w; w = w->next)
		if (w->hash == h && w->record == l->record &&
		    w->truncated == l->truncated && w->path_len == l->path_len &&
		    !memcmp(w->path, l->path, l->path_len) &&
		    !strcmp(w->op, l->op) && !strcmp(w->reason, l->reason)) {
			w->count++;
			return 0;
		}
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->path = l->path;
	w->path_len = l->path_len;
	l->path = NULL;
	w->record = l->record;
	w->truncated = l->truncated;
	memcpy(w->op, l->op, sizeof(w->op));
	memcpy(w->reason, l->reason, sizeof(w->reason));
	w->count = 1;
	w->hash = h;
	w->next = r->tab[h & (r->nbuckets - 1)];
	r->tab[h & (r->nbuckets - 1)] = w;
	r->nrows++;
	return 0;
}

static struct execd **execd_slot(struct audit_run *r, const struct cma_line *l)
{
	struct execd **x = &r->execd[l->pid % EXECD_BUCKETS];

	while (*x && ((*x)->pid != l->pid || (*x)->record != l->record))
		x = &(*x)->next;
	return x;
}

/*
 * Remembers an audit-mode exec; says whether an audit-mode mmap is the
 * loader mapping the file its pid executed (1: fold it).  0, 1 or -ENOMEM.
 */
static int fold(struct audit_run *r, const struct cma_line *l)
{
	struct execd **x, *n;
	unsigned char *p;

	if (strcmp(l->mode, "audit"))
		return 0;
	x = execd_slot(r, l);
	if (!strcmp(l->op, "mmap"))
		return *x && (*x)->path_len == l->path_len &&
		       !memcmp((*x)->path, l->path, l->path_len);
	if (strcmp(l->op, "exec"))
		return 0;
	p = malloc(l->path_len + 1);
	if (!p)
		return -ENOMEM;
	memcpy(p, l->path, l->path_len + 1);
	if (!*x) {
		n = calloc(1, sizeof(*n));
		if (!n) {
			free(p);
			return -ENOMEM;
		}
		n->pid = l->pid;
		n->record = l->record;
		*x = n;
	}
	free((*x)->path);
	(*x)->path = p;
	(*x)->path_len = l->path_len;
	return 0;
}

static int wanted(const struct audit_run *r, const struct cma_line *l)
{
	if (!strcmp(l->mode, "audit") && !strcmp(l->verdict, "allow"))
		return r->want & WANT_AUDIT;
	if (!strcmp(l->mode, "enforce") && !strcmp(l->verdict, "deny"))
		return r->want & WANT_ENFORCE;
	return -1;
}

/* Unreadable lines named one by one; the rest only counted (hostile logs). */
#define UNREADABLE_SHOWN	20

/* One line of @name (line @no). */
static int take_line(struct audit_run *r, const char *name, size_t no,
		     const char *s, size_t len)
{
	struct cma_line l;
	int e = cma_parse_line(s, len, &l), w, f;

	if (e)
		return e;
	switch (l.kind) {
	case CMA_EVENT:
		w = wanted(r, &l);
		f = w < 0 ? 0 : fold(r, &l);
		if (f < 0) {
			e = f;
		} else if (w < 0) {
			if (r->unreadable++ < UNREADABLE_SHOWN)
				fprintf(stderr, PROG ": %s:%zu: mode=%s verdict=%s: not a pair the LSM writes: line not counted\n",
					name, no, l.mode, l.verdict);
		} else if (f && w) {
			r->folded[l.record]++;
		} else if (!w) {
			r->other_mode[l.record]++;
		} else {
			r->events[l.record]++;
			r->truncated += (uint64_t)l.truncated;
			e = add_event(r, &l);
		}
		break;
	case CMA_SUPPRESSED:
		r->suppressed += l.count;
		break;
	case CMA_DROPPED:
		r->dropped += l.count;
		break;
	case CMA_BLOB:
		r->blob++;
		break;
	case CMA_UNREADABLE:
		if (r->unreadable++ < UNREADABLE_SHOWN)
			fprintf(stderr, PROG ": %s:%zu: a cryptomark line cmaudit cannot read (%s): not counted\n",
				name, no, l.why);
		break;
	default:
		break;
	}
	cma_line_free(&l);
	return e;
}

/* Reads one FILE ("-": stdin).  0, 2 (said) on a read error or no memory. */
static int read_file(struct audit_run *r, const char *path)
{
	int is_stdin = !strcmp(path, "-");
	const char *name = is_stdin ? "(standard input)" : path;
	FILE *f = is_stdin ? stdin : fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, no = 0;
	ssize_t n;
	int e = 0;

	if (!f) {
		fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
		return 2;
	}
	while ((n = getline(&line, &cap, f)) > 0) {
		e = take_line(r, name, ++no, line, (size_t)n);
		if (e)
			break;
	}
	if (e) {
		fprintf(stderr, PROG ": %s: %s\n", name, strerror(-e));
	} else if (ferror(f)) {
		fprintf(stderr, PROG ": %s: %s\n", name, strerror(errno));
		e = -EIO;
	}
	free(line);
	if (!is_stdin)
		fclose(f);
	else
		clearerr(stdin);
	return e ? 2 : 0;
}

static int cmp_rows(const void *a, const void *b)
{
	const struct row *x = *(struct row *const *)a, *y = *(struct row *const *)b;
	size_t n = x->path_len < y->path_len ? x->path_len : y->path_len;
	int c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	c = memcmp(x->path, y->path, n);
	if (c)
		return c;
	if (x->path_len != y->path_len)
		return x->path_len < y->path_len ? -1 : 1;
	if (x->truncated != y->truncated)
		return x->truncated - y->truncated;
	c = strcmp(x->op, y->op);
	return c ? c : strcmp(x->reason, y->reason);
}

/* The row's path as printed, with @cut when printk cut it; malloc'd. */
static char *display(const struct row *w, const char *cut)
{
	size_t n = cma_path_display(w->path, w->path_len, NULL, 0);
	size_t k = w->truncated ? strlen(cut) : 0;
	char *s = malloc(n + k + 1);

	if (!s)
		return NULL;
	cma_path_display(w->path, w->path_len, s, n + 1);
	memcpy(s + n, cut, k);
	s[n + k] = '\0';
	return s;
}

/* Columns as a terminal shows them: UTF-8 continuation bytes take none. */
static size_t width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

/* A longer path overflows its column rather than widen every row. */
#define PATH_COLUMN_MAX	72

static const char *const mode_names[] = { NULL, "audit", "enforce", "any" };

/* The reasons the list may be short, as the summary says them. */
static void incomplete_text(const struct audit_run *r, FILE *f, const char *sep)
{
	const char *s = "";

	if (r->suppressed) {
		fprintf(f, "%s%llu lines suppressed by the kernel's rate limit", s,
			(unsigned long long)r->suppressed);
		s = sep;
	}
	if (r->dropped) {
		fprintf(f, "%s%llu kernel messages dropped by the console", s,
			(unsigned long long)r->dropped);
		s = sep;
	}
	if (r->blob) {
		fprintf(f, "%s%llu kernel messages journalctl hid as blob data (use --all)", s,
			(unsigned long long)r->blob);
		s = sep;
	}
	if (r->unreadable)
		fprintf(f, "%s%llu cryptomark lines unreadable", s,
			(unsigned long long)r->unreadable);
}

static void print_json(struct audit_run *r, struct row **v, size_t n,
		       uint64_t events, uint64_t folded, int incomplete)
{
	printf("{\n  \"mode\": \"%s\",\n  \"results\": [", mode_names[r->want]);
	for (size_t i = 0; i < n; i++) {
		const struct row *w = v[i];
		int plain = cma_utf8_valid(w->path, w->path_len) &&
			    strlen((const char *)w->path) == w->path_len;
		/* Not UTF-8 (or a NUL): the escaped text, its quotes off. */
		char *d = plain ? NULL : display(w, "");
		size_t dl = d ? strlen(d) : 0;

		if (dl >= 2 && d[0] == '"' && d[dl - 1] == '"') {
			memmove(d, d + 1, dl - 2);
			d[dl - 2] = '\0';
		}
		printf("%s\n    {\"path\": ", i ? "," : "");
		cmt_json_str(stdout, plain ? (const char *)w->path : d ? d : "?");
		if (!plain) {
			printf(", \"path_hex\": \"");
			for (size_t j = 0; j < w->path_len; j++)
				printf("%02x", w->path[j]);
			putchar('"');
		}
		printf(", \"operation\": ");
		cmt_json_str(stdout, w->op);
		printf(", \"reason\": ");
		cmt_json_str(stdout, w->reason);
		printf(", \"count\": %llu%s}", (unsigned long long)w->count,
		       w->truncated ? ", \"truncated\": true" : "");
		free(d);
	}
	printf("%s],\n  \"summary\": {\"distinct\": %zu, \"events\": %llu, \"complete\": %s, "
	       "\"folded\": %llu, \"suppressed\": %llu, \"dropped\": %llu, \"blob\": %llu, \"unreadable\": %llu",
	       n ? "\n  " : "", n, (unsigned long long)events,
	       incomplete ? "false" : "true", (unsigned long long)folded,
	       (unsigned long long)r->suppressed, (unsigned long long)r->dropped,
	       (unsigned long long)r->blob, (unsigned long long)r->unreadable);
	if (incomplete) {
		printf(", \"incomplete\": \"");
		incomplete_text(r, stdout, ", ");
		putchar('"');
	}
	printf("}\n}\n");
}

static int print_table(struct audit_run *r, struct row **v, size_t n,
		       uint64_t events, int incomplete)
{
	size_t wp = 4, wo = 9, wr = 6, wc = 5;
	char **d = calloc(n ? n : 1, sizeof(*d)), num[24];

	if (!d)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		d[i] = display(v[i], " (cut by printk)");
		if (!d[i])
			goto out_nomem;
		if (width(d[i]) > wp && width(d[i]) <= PATH_COLUMN_MAX)
			wp = width(d[i]);
		if (strlen(v[i]->op) > wo)
			wo = strlen(v[i]->op);
		if (strlen(v[i]->reason) > wr)
			wr = strlen(v[i]->reason);
		if ((size_t)snprintf(num, sizeof(num), "%llu",
				     (unsigned long long)v[i]->count) > wc)
			wc = strlen(num);
	}
	if (!r->quiet)
		printf("%-*s  %-*s  %-*s  %*s\n", (int)wp, "PATH", (int)wo,
		       "OPERATION", (int)wr, "REASON", (int)wc, "COUNT");
	for (size_t i = 0; i < n; i++)
		printf("%s%*s  %-*s  %-*s  %*llu\n", d[i],
		       (int)(width(d[i]) < wp ? wp - width(d[i]) : 0), "", (int)wo, v[i]->op, (int)wr,
		       v[i]->reason, (int)wc, (unsigned long long)v[i]->count);
	if (!r->quiet) {
		printf("%zu distinct, %llu events", n, (unsigned long long)events);
		if (incomplete) {
			printf("; incomplete: ");
			incomplete_text(r, stdout, ", ");
		}
		putchar('\n');
	}
	for (size_t i = 0; i < n; i++)
		free(d[i]);
	free(d);
	return 0;
out_nomem:
	for (size_t i = 0; i < n; i++)
		free(d[i]);
	free(d);
	return -ENOMEM;
}

/* Prints the list: 0, 1 when incomplete, 2 on no memory. */
static int report(struct audit_run *r)
{
	/* The cryptomark lines and the records are the same events. */
	int src = r->events[0] || r->other_mode[0] || r->folded[0] ? 0 : 1;
	uint64_t events = r->events[src];
	int incomplete = r->suppressed || r->dropped || r->blob || r->unreadable;
	struct row **v = calloc(r->nrows ? r->nrows : 1, sizeof(*v)), *w;
	size_t n = 0;
	int e = 0;

	if (!v) {
		fprintf(stderr, PROG ": out of memory\n");
		return 2;
	}
	for (size_t i = 0; i < r->nbuckets; i++)
		for (w = r->tab[i]; w; w = w->next)
			if (w->record == src)
				v[n++] = w;
	qsort(v, n, sizeof(*v), cmp_rows);
	if (r->json)
		print_json(r, v, n, events, r->folded[src], incomplete);
	else
		e = print_table(r, v, n, events, incomplete);
	free(v);
	if (e) {
		fprintf(stderr, PROG ": out of memory\n");
		return 2;
	}
	if (!src && (r->events[1] || r->other_mode[1]) && !r->quiet)
		fprintf(stderr, PROG ": %llu audit records not counted: the cryptomark lines read hold the same events\n",
			(unsigned long long)(r->events[1] + r->other_mode[1]));
	if (r->other_mode[src] && !r->quiet && r->want != WANT_ANY)
		fprintf(stderr, PROG ": %llu %s events not listed (--mode %s or any)\n",
			(unsigned long long)r->other_mode[src],
			r->want == WANT_AUDIT ? "enforce" : "audit",
			r->want == WANT_AUDIT ? "enforce" : "audit");
	if (r->folded[src] && !r->quiet)
		fprintf(stderr, PROG ": %llu mmap lines not listed: the loader mapping a file its process had just executed, whose exec is listed (enforce refuses the exec first)\n",
			(unsigned long long)r->folded[src]);
	if (r->truncated && !r->quiet)
		fprintf(stderr, PROG ": %llu events with a path printk cut at its line limit (listed \"(cut by printk)\")\n",
			(unsigned long long)r->truncated);
	if (r->unreadable > UNREADABLE_SHOWN)
		fprintf(stderr, PROG ": %llu more unreadable lines not named\n",
			(unsigned long long)(r->unreadable - UNREADABLE_SHOWN));
	if (incomplete) {
		fprintf(stderr, PROG ": incomplete: ");
		incomplete_text(r, stderr, ", ");
		fprintf(stderr, "; the list misses events (compare 'denied' in /sys/kernel/security/cryptomark/stats)\n");
		return 1;
	}
	return 0;
}

static int audit_opt(void *ctx, int c, char *arg)
{
	struct audit_opts *o = ctx;

	switch (c) {
	case 'M':
		if (!strcmp(arg, "audit"))
			o->r->want = WANT_AUDIT;
		else if (!strcmp(arg, "enforce"))
			o->r->want = WANT_ENFORCE;
		else if (!strcmp(arg, "any"))
			o->r->want = WANT_ANY;
		else {
			cmt_usage(&cli, "--mode %s: give audit, enforce or any", arg);
			return -EINVAL;
		}
		return 0;
	case 'J':
		o->r->json = 1;
		return 0;
	case 'V':
		printf("cmaudit (cryptomark) %s\n", CM_VERSION);
		return 1;
	default:
		return cmt_opt_common(&cli, &o->run, c, arg, usage_text);
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'M' },
		{ "json", no_argument, NULL, 'J' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static char *stdin_only[] = { "-", NULL };
	struct audit_run r = { .want = WANT_AUDIT };
	struct audit_opts o = { .r = &r };
	struct row *w, *next;
	int ret;

	ret = cmt_getopt(argc, argv, "qh", longopts, audit_opt, &o);
	if (ret == 1)
		return 0;
	if (ret)
		return 2;
	r.quiet = o.run.quiet;
	o.files = optind < argc ? argv + optind : stdin_only;
	if (grow(&r)) {
		fprintf(stderr, PROG ": out of memory\n");
		return 2;
	}
	for (char **f = o.files; *f && !ret; f++)
		ret = read_file(&r, *f);
	if (!ret)
		ret = report(&r);
	for (size_t i = 0; i < r.nbuckets; i++)
		for (w = r.tab[i]; w; w = next) {
			next = w->next;
			free(w->path);
			free(w);
		}
	free(r.tab);
	for (size_t i = 0; i < EXECD_BUCKETS; i++)
		for (struct execd *x = r.execd[i], *xn; x; x = xn) {
			xn = x->next;
			free(x->path);
			free(x);
		}
	return ret;
}
