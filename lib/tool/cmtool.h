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
#include <getopt.h>
#include <pthread.h>
#include <sys/types.h>

#include <cryptomark/cryptomark.h>

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

/* CLOCK_MONOTONIC in seconds, for the tools' timings. */
double cmt_now(void);

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

/* ---- options (opts.c) ---------------------------------------------------- */

/*
 * A tool (or subcommand) as its messages name it: "cmsign manifest: ...",
 * and the command in the "Try 'cmsign manifest --help'." line that ends a
 * usage error.
 */
struct cmt_cli {
	const char *prog;
	const char *help;
};

/* "PROG: <message>\n" then the --help hint, on stderr. */
void cmt_usage(const struct cmt_cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * getopt_long over argv from its start, each option handed to @opt, which
 * returns 0 (go on), 1 (stop: done, e.g. --help) or negative (usage error,
 * said).  Returns 0 when all were taken, 1 to stop, 2 on a usage error;
 * optind is then the first operand.
 */
int cmt_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts,
	       int (*opt)(void *ctx, int c, char *arg), void *ctx);

/* -j N, -q, -v, as every batch command takes them. */
struct cmt_common {
	int jobs;		/* 0 until cmt_jobs() */
	int quiet;
	int verbose;
};
/*
 * -j/-q/-v, -h (prints @usage: returns 1) and any other option, the
 * unknown one getopt already named (adds the --help hint: -EINVAL).  The
 * tool's own options are matched before this.
 */
int cmt_opt_common(const struct cmt_cli *cli, struct cmt_common *common,
		   int c, const char *arg, const char *usage);

#define CMT_MAX_JOBS	1024
/* -j/--jobs N, 1..CMT_MAX_JOBS: 0, or -EINVAL after a usage message. */
int cmt_opt_jobs(const struct cmt_cli *cli, const char *arg, int *jobs);
/* The worker count for @jobs (0 = not given: online CPUs). */
int cmt_jobs(int jobs);

/* --carrier NAME among the CM_CARRIER_* @allowed (CMT_CARRIER_ALLOW bits). */
#define CMT_CARRIER_ALLOW(c)	(1u << (c))
int cmt_opt_carrier(const struct cmt_cli *cli, const char *arg,
		    unsigned int allowed, int *carrier);
/* "any", "xattr", "note", "both". */
const char *cmt_carrier_name(int carrier);
/* --hash of a signing command: sha256, sha384 or sha512. */
int cmt_opt_sign_hash(const struct cmt_cli *cli, const char *arg, int *algo);

/*
 * The signing key options, the same in every signing command: getopt
 * values for struct option tables (CMT_KEY_LONGOPTS) and their parser,
 * which returns 1 if @opt was one of them.
 */
enum {
	CMT_OPT_KEY = 'k',		/* --key, -k (as evmctl) */
	CMT_OPT_CERT = 0x1000,		/* --cert */
	CMT_OPT_PASS_ENV,		/* --pass-env */
	CMT_OPT_PASS_FILE,		/* --pass-file */
};
#define CMT_KEY_LONGOPTS \
	{ "key", required_argument, NULL, CMT_OPT_KEY }, \
	{ "cert", required_argument, NULL, CMT_OPT_CERT }, \
	{ "pass-env", required_argument, NULL, CMT_OPT_PASS_ENV }, \
	{ "pass-file", required_argument, NULL, CMT_OPT_PASS_FILE }
int cmt_opt_key(struct cm_signer_opts *key, int opt, const char *arg);
/* cm_signer_load(), its error printed as "PROG: <cause>". */
int cmt_signer_load(const struct cmt_cli *cli,
		    const struct cm_signer_opts *key, struct cm_signer **out);

/* --cert FILE, --keyring DIR, --bundle FILE into @t; errors printed. */
int cmt_trust_cert(const struct cmt_cli *cli, struct cm_trust *t,
		   const char *path);
int cmt_trust_keyring(const struct cmt_cli *cli, struct cm_trust *t,
		      const char *dir);
int cmt_trust_bundle(const struct cmt_cli *cli, struct cm_trust *t,
		     const char *path);

/*
 * Results printed in walk order although workers finish out of order:
 * cmt_ordered_done() marks item @i finished and calls @emit for every
 * finished item not yet printed that all earlier ones precede, under a lock.
 */
struct cmt_ordered {
	size_t n, printed;
	char *done;
	pthread_mutex_t lock;
};
int cmt_ordered_init(struct cmt_ordered *o, size_t n);
void cmt_ordered_done(struct cmt_ordered *o, size_t i,
		      void (*emit)(void *ctx, size_t i), void *ctx);
void cmt_ordered_free(struct cmt_ordered *o);

#endif
