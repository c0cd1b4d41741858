/* SPDX-License-Identifier: MIT */
/*
 * What the command-line tools share beyond the public API: tree walking,
 * the worker pool, the progress bar and JSON output.  Not installed.
 */
#ifndef CM_TOOL_H
#define CM_TOOL_H

#include <stdint.h>
#include <stdio.h>

struct cm_file {
	char *path;
	uint64_t size;
};

struct cm_filelist {
	struct cm_file *v;
	size_t n, cap;
	uint64_t bytes;
};

/* Called for every path not added: @what is "skipped: symlink", ... */
typedef void (*cm_walk_report_fn)(void *ctx, const char *path,
				  const char *what, int err);

/*
 * Expands @paths into regular files.  Directories are walked only with
 * @recursive (fts, physical: symlinks are never followed and are reported
 * as skipped); a hard-linked inode is listed once.  An explicitly named
 * symlink is followed.  Returns the number of errors reported (@err != 0);
 * skipped entries are reported with err == 0.
 */
int cm_walk(char *const *paths, int recursive, struct cm_filelist *out,
	    cm_walk_report_fn report, void *ctx);
void cm_filelist_free(struct cm_filelist *l);

/* Calls fn(ctx, i) for every i in [0, n) from @threads threads. */
void cm_parallel(size_t n, int threads, void (*fn)(void *ctx, size_t i),
		 void *ctx);
/* Online CPUs, at least 1. */
int cm_ncpus(void);

/* Progress bar on stderr when @enabled and stderr is a terminal. */
struct cm_progress;
struct cm_progress *cm_progress_new(const char *verb, uint64_t files,
				    uint64_t bytes, int enabled);
/* One file of @bytes done.  Thread-safe; redraws at most 10 times/s. */
void cm_progress_step(struct cm_progress *p, uint64_t bytes);
/* Clears the bar so that normal output follows cleanly. */
void cm_progress_clear(struct cm_progress *p);
void cm_progress_free(struct cm_progress *p);

/* Writes @s as a JSON string literal (quoted, escaped). */
void cm_json_str(FILE *f, const char *s);

#endif
