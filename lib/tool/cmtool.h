/* SPDX-License-Identifier: MIT */
/*
 * What the command-line tools share beyond the public API: tree walking,
 * the worker pool, the progress bar, JSON output, atomic file writes and the options
 * more than one tool parses.  Not installed.
 */
#ifndef CM_TOOL_H
#define CM_TOOL_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct cmt_file {
	char *path;
	uint64_t size;
};

struct cmt_filelist {
	struct cmt_file *v;
	size_t n, cap;
	uint64_t bytes;
};

/* Called for every path not added: @what is "skipped: symlink", ... */
typedef void (*cmt_walk_report_fn)(void *ctx, const char *path,
				  const char *what, int err);

/*
 * Expands @paths into regular files.  Directories are walked only with
 * @recursive (fts, physical: symlinks are never followed and are reported
 * as skipped); a hard-linked inode is listed once.  An explicitly named
 * symlink is followed.  Returns the number of errors reported (@err != 0);
 * skipped entries are reported with err == 0.
 */
int cmt_walk(char *const *paths, int recursive, struct cmt_filelist *out,
	    cmt_walk_report_fn report, void *ctx);
void cmt_filelist_free(struct cmt_filelist *l);

/* Calls fn(ctx, i) for every i in [0, n) from @threads threads. */
void cmt_parallel(size_t n, int threads, void (*fn)(void *ctx, size_t i),
		 void *ctx);
/* Online CPUs, at least 1. */
int cmt_ncpus(void);

/* Progress bar on stderr when @enabled and stderr is a terminal. */
struct cmt_progress;
struct cmt_progress *cmt_progress_new(const char *verb, uint64_t files,
				    uint64_t bytes, int enabled);
/* One file of @bytes done.  Thread-safe; redraws at most 10 times/s. */
void cmt_progress_step(struct cmt_progress *p, uint64_t bytes);
/* Clears the bar so that normal output follows cleanly. */
void cmt_progress_clear(struct cmt_progress *p);
void cmt_progress_free(struct cmt_progress *p);

/* Writes @s as a JSON string literal (quoted, escaped). */
void cmt_json_str(FILE *f, const char *s);

/*
 * Replaces @path by @len bytes of @buf with mode @mode: temporary file in
 * the same directory, fsync, rename, fsync of the directory.  0 or a
 * negative errno.  A failure before the rename leaves @path untouched and no
 * temporary behind; one of the directory fsync is reported after it.
 */
int cmt_write_atomic(const char *path, const void *buf, size_t len,
		     mode_t mode);

#endif
