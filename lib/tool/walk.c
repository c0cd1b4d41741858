// SPDX-License-Identifier: MIT
/*
 * Tree walking and the worker pool.  The walk runs to completion first:
 * the list of files (a path and a size each) gives the progress bar its
 * totals and the workers an index to share, and costs memory linear in the
 * number of files, not their size.
 */
#include <errno.h>
#include <fts.h>
#include <search.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmtool.h"

/* Inodes seen with st_nlink > 1, so a hard-linked file is signed once. */
struct inode_key {
	dev_t dev;
	ino_t ino;
};

struct inode_set {
	void *root;	/* tsearch(3) tree of struct inode_key */
};

static int inode_cmp(const void *a, const void *b)
{
	const struct inode_key *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return 0;
}

/* 1 if seen before, 0 if newly recorded, -ENOMEM. */
static int inode_seen(struct inode_set *s, const struct stat *st)
{
	struct inode_key *k = malloc(sizeof(*k)), **found;

	if (!k)
		return -ENOMEM;
	k->dev = st->st_dev;
	k->ino = st->st_ino;
	found = tsearch(k, &s->root, inode_cmp);
	if (!found) {
		free(k);
		return -ENOMEM;
	}
	if (*found != k) {
		free(k);
		return 1;
	}
	return 0;
}

static int add_file(struct cmt_filelist *l, const char *path, uint64_t size)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct cmt_file *n = realloc(l->v, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		l->v = n;
		l->cap = cap;
	}
	l->v[l->n].path = strdup(path);
	if (!l->v[l->n].path)
		return -ENOMEM;
	l->v[l->n].size = size;
	l->n++;
	l->bytes += size;
	return 0;
}

static int consider(struct cmt_filelist *out, struct inode_set *seen,
		    const char *path, const struct stat *st,
		    cmt_walk_report_fn report, void *ctx)
{
	int r;

	if (!S_ISREG(st->st_mode)) {
		report(ctx, path, S_ISLNK(st->st_mode) ? "skipped: symlink" :
		       "skipped: not a regular file", 0);
		return 0;
	}
	if (st->st_nlink > 1) {
		r = inode_seen(seen, st);
		if (r < 0)
			return r;
		if (r) {
			report(ctx, path, "skipped: hard link to a file already listed", 0);
			return 0;
		}
	}
	return add_file(out, path, (uint64_t)st->st_size);
}

/* Sorted walk: the same tree gives the same output order every time. */
static int by_name(const FTSENT **a, const FTSENT **b)
{
	return strcmp((*a)->fts_name, (*b)->fts_name);
}

int cmt_walk(char *const *paths, int recursive, struct cmt_filelist *out,
	    cmt_walk_report_fn report, void *ctx)
{
	struct inode_set seen = { 0 };
	int errors = 0;

	memset(out, 0, sizeof(*out));
	for (char *const *p = paths; *p; p++) {
		char *one[2] = { *p, NULL };
		struct stat st;
		FTS *fts;
		FTSENT *e;

		if (stat(*p, &st)) {
			report(ctx, *p, "io", -errno);
			errors++;
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			if (consider(out, &seen, *p, &st, report, ctx) < 0)
				goto out_nomem;
			continue;
		}
		if (!recursive) {
			report(ctx, *p, "is a directory (use -r)", -EISDIR);
			errors++;
			continue;
		}
		fts = fts_open(one, FTS_PHYSICAL | FTS_NOCHDIR | FTS_COMFOLLOW,
			       by_name);
		if (!fts) {
			report(ctx, *p, "io", -errno);
			errors++;
			continue;
		}
		while ((e = fts_read(fts))) {
			switch (e->fts_info) {
			case FTS_D:
			case FTS_DP:
			case FTS_DOT:
				break;
			case FTS_DNR:
			case FTS_ERR:
			case FTS_NS:
				report(ctx, e->fts_path, "io", -e->fts_errno);
				errors++;
				break;
			case FTS_DC:
				report(ctx, e->fts_path, "skipped: directory cycle", 0);
				break;
			default:
				if (consider(out, &seen, e->fts_path,
					     e->fts_statp, report, ctx) < 0) {
					fts_close(fts);
					goto out_nomem;
				}
			}
		}
		fts_close(fts);
	}
	tdestroy(seen.root, free);
	return errors;
out_nomem:
	tdestroy(seen.root, free);
	report(ctx, "(walk)", "io", -ENOMEM);
	return errors + 1;
}

void cmt_filelist_free(struct cmt_filelist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

struct pool {
	size_t n;
	atomic_size_t next;
	void (*fn)(void *ctx, size_t i);
	void *ctx;
};

static void *worker(void *arg)
{
	struct pool *p = arg;
	size_t i;

	while ((i = atomic_fetch_add(&p->next, 1)) < p->n)
		p->fn(p->ctx, i);
	return NULL;
}

void cmt_parallel(size_t n, int threads, void (*fn)(void *ctx, size_t i),
		 void *ctx)
{
	struct pool p = { .n = n, .fn = fn, .ctx = ctx };
	pthread_t *tid;
	int started = 0;

	atomic_init(&p.next, 0);
	if (threads < 1)
		threads = 1;
	if ((size_t)threads > n)
		threads = n ? (int)n : 1;
	tid = calloc((size_t)threads, sizeof(*tid));
	/* Thread 0 is the caller; the others are extra workers. */
	for (int i = 1; tid && i < threads; i++) {
		if (pthread_create(&tid[i], NULL, worker, &p))
			break;	/* fewer workers, same result */
		started = i;
	}
	worker(&p);
	for (int i = 1; i <= started; i++)
		pthread_join(tid[i], NULL);
	free(tid);
}

int cmt_ncpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : (int)n;
}
