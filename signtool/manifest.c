// SPDX-License-Identifier: MIT
/*
 * cmsign manifest: sign every regular file of a staged package root and
 * write a signed manifest of (path, digest, security.ima value).
 *
 * ELF files first get the .note.cryptomark carrier embedded in place (the
 * package then ships signed binaries), and the manifest's xattr value signs
 * the final bytes, which is what the installer will find on disk.  The
 * staged files get no xattr here: dpkg-deb would drop it anyway.  State:
 * one result slot per file, written by exactly one worker thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cryptomark/rewrite.h>
#include "cmtool.h"
#include "signtool.h"

#define PROG "cmsign manifest"

static const char usage_text[] =
"Usage: cmsign manifest --key KEY --cert CERT --root DIR -o MANIFEST [options]\n"
"\n"
"Signs every regular file under DIR (a staged package root) and writes a\n"
"manifest listing, for each, its path relative to DIR, its digest and its\n"
"security.ima signature; the manifest is itself signed with KEY.  ELF files\n"
"get the .note.cryptomark signature embedded in place first (--carrier\n"
"both, the default).  Install with: cmsign apply --manifest MANIFEST ...\n"
"\n"
"Options:\n"
"  -k, --key KEY, --cert CERT, --pass-env VAR, --pass-file FILE   as for cmsign\n"
"  --root DIR         the staged root\n"
"  -o, --output FILE  the manifest to write (atomically)\n"
"  -a, --hash ALGO    sha256 (default), sha384 or sha512\n"
"  --carrier C        both (default): embed ELF notes, then list xattrs;\n"
"                     xattr: leave the files' bytes untouched\n"
"  -j, --jobs N       worker threads (default: online CPUs)\n"
"  -q, --quiet        no progress bar, no summary\n"
"  --exclude PATH     leave PATH (relative to DIR, a file or a directory)\n"
"                     out, e.g. DEBIAN; repeatable\n"
"  -v, --verbose      also name skipped entries (symlinks, devices)\n"
"\n"
"Exit status: 0 on success; 1 if a file could not be signed (nothing is\n"
"written); 2 on a usage or key error.\n";

struct mf_run {
	struct cm_signer *signer;
	int algo;
	int carrier;
	int verbose;
	struct cmt_filelist files;
	struct st_entry *slots;	/* one a file, written by one worker */
	char *relink;		/* hard-linked ELF: note embedded after the pool */
	struct cmt_progress *progress;
	int walk_errors;
	int note_missing;
	char **links;		/* the other names of hard-linked files */
	size_t n_links;
};

static void report_walk(void *ctx, const char *path, const char *what,
			int err)
{
	struct mf_run *r = ctx;

	if (err) {
		r->walk_errors++;
		fprintf(stderr, PROG ": %s: %s: %s\n", path, what,
			strerror(-err));
	} else if (!strncmp(what, "skipped: hard link", 18)) {
		char **n = realloc(r->links, (r->n_links + 1) * sizeof(*n));

		if (!n || !(n[r->n_links] = strdup(path))) {
			r->links = n ? n : r->links;
			r->walk_errors++;
			fprintf(stderr, PROG ": %s: out of memory\n", path);
			return;
		}
		r->links = n;
		r->n_links++;
		if (r->verbose)
			fprintf(stderr, PROG ": %s: %s\n", path, what);
	} else if (r->verbose) {
		fprintf(stderr, PROG ": %s: %s\n", path, what);
	}
}

/* Embeds the note (ELF only), then digests and signs the final bytes. */
static void sign_one(void *ctx, size_t i)
{
	struct mf_run *r = ctx;
	struct st_entry *sl = &r->slots[i];
	const char *path = r->files.v[i].path;
	int ret;

	if (r->carrier & CM_CARRIER_NOTE) {
		ret = cm_note_sign_path(r->signer, r->algo, path, sl->msg,
					sizeof(sl->msg));
		/*
		 * -ENOEXEC: not ELF.  -ENOSYS: a library built without the
		 * note carrier.  In both cases the bytes stay as they are and
		 * the manifest's xattr value alone covers the file, so neither
		 * is a failure.
		 */
		if (ret == -ENOSYS)
			__atomic_store_n(&r->note_missing, 1, __ATOMIC_RELAXED);
		/*
		 * -EMLINK: hard-linked.  Rewriting one name would split the
		 * link the package ships; relink_one() embeds the note and
		 * links the other names to the result, one file at a time.
		 */
		if (ret == -EMLINK) {
			r->relink[i] = 1;
			goto out_step;
		}
		if (ret && ret != -ENOEXEC && ret != -ENOSYS) {
			sl->err = ret;
			goto out_step;
		}
		sl->msg[0] = '\0';
	}
	st_entry_sign_path(sl, r->signer, r->algo, path);
out_step:
	cmt_progress_step(r->progress, r->files.v[i].size);
}

/* Replaces @name by a hard link to @src (temp link + rename: atomic). */
static int relink(const char *src, const char *name)
{
	char *tmp;
	int ret = 0;

	if (asprintf(&tmp, "%s.cm-link.%d", name, (int)getpid()) < 0)
		return -ENOMEM;
	if (link(src, tmp) || rename(tmp, name)) {
		ret = -errno;
		unlink(tmp);
	}
	free(tmp);
	return ret;
}

/*
 * A hard-linked ELF file: embeds the note into one name (a new inode),
 * then links each other name of the old inode to it, so the package keeps
 * its hard links and every name carries the note.  A failure is an error
 * of the file (stated), never a silent fallback.
 */
static void relink_one(struct mf_run *r, size_t i)
{
	struct st_entry *sl = &r->slots[i];
	const char *path = r->files.v[i].path;
	struct stat st0, st;
	int ret, n = 0;

	if (lstat(path, &st0)) {
		sl->err = -errno;
		snprintf(sl->msg, sizeof(sl->msg), "lstat: %s", strerror(errno));
		return;
	}
	ret = cm_note_sign_path_flags(r->signer, r->algo, path,
				      CM_REWRITE_SPLIT_LINKS, sl->msg,
				      sizeof(sl->msg));
	if (ret) {
		sl->err = ret;
		return;
	}
	for (size_t k = 0; k < r->n_links; k++) {
		if (lstat(r->links[k], &st) || st.st_dev != st0.st_dev ||
		    st.st_ino != st0.st_ino)
			continue;
		ret = relink(path, r->links[k]);
		if (ret) {
			sl->err = ret;
			snprintf(sl->msg, sizeof(sl->msg),
				 "hard-linked: note embedded, but relinking %s failed: %s (its links are split)",
				 r->links[k], strerror(-ret));
			return;
		}
		n++;
	}
	if (r->verbose)
		fprintf(stderr, PROG ": %s: hard-linked: note embedded, %d other name(s) linked to it\n",
			path, n);
	sl->msg[0] = '\0';
	st_entry_sign_path(sl, r->signer, r->algo, path);
}

/* Path relative to @root ("ROOT/a/b" -> "a/b"). */
static const char *relative(const char *path, size_t root_len)
{
	path += root_len;
	while (*path == '/')
		path++;
	return path;
}

/* Is relative path @rel @ex itself or below it? */
static int excluded(const char *rel, char **ex, int n_ex)
{
	for (int i = 0; i < n_ex; i++) {
		size_t l = strlen(ex[i]);

		if (!strncmp(rel, ex[i], l) && (rel[l] == '\0' || rel[l] == '/'))
			return 1;
	}
	return 0;
}

/* Drops entry @i of @l (order kept: the walk's order is deterministic). */
static void drop_file(struct cmt_filelist *l, size_t i)
{
	free(l->v[i].path);
	l->bytes -= l->v[i].size;
	memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(l->v[0]));
	l->n--;
}

struct mf_opts {
	struct cm_signer_opts key;
	char *root;
	size_t root_len;
	const char *output;
	struct cmt_common run;	/* -j, -q, -v */
	char **ex;		/* --exclude, relative to the root */
	int n_ex;
};

static const struct cmt_cli cli = { PROG, "cmsign manifest" };

static int add_exclude(struct mf_opts *o, char *arg)
{
	size_t l = strlen(arg);
	char **nex;

	while (l > 1 && arg[l - 1] == '/')
		arg[--l] = '\0';
	if (!l || arg[0] == '/') {
		cmt_usage(&cli, "--exclude %s: give a path relative to the root", arg);
		return -EINVAL;
	}
	nex = realloc(o->ex, (size_t)(o->n_ex + 1) * sizeof(*o->ex));
	if (!nex)
		return -ENOMEM;
	o->ex = nex;
	o->ex[o->n_ex++] = arg;
	return 0;
}

struct mf_parse {
	struct mf_opts *o;
	struct mf_run *r;
};

/* One option: 0, 1 (stop, exit 0: --help) or negative. */
static int mf_opt(void *ctx, int c, char *arg)
{
	struct mf_opts *o = ((struct mf_parse *)ctx)->o;
	struct mf_run *r = ((struct mf_parse *)ctx)->r;

	if (cmt_opt_key(&o->key, c, arg))
		return 0;
	switch (c) {
	case 'R':
		o->root = arg;
		return 0;
	case 'o':
		o->output = arg;
		return 0;
	case 'a':
	case 'H':
		return cmt_opt_sign_hash(&cli, arg, &r->algo);
	case 'C':
		return cmt_opt_carrier(&cli, arg, CMT_CARRIER_ALLOW(CM_CARRIER_BOTH) |
				       CMT_CARRIER_ALLOW(CM_CARRIER_XATTR), &r->carrier);
	case 'X':
		return add_exclude(o, arg);
	default:
		return cmt_opt_common(&cli, &o->run, c, arg, usage_text);
	}
}

/* The command line: 0 run, 1 done (--help), 2 usage error. */
static int mf_parse(int argc, char **argv, struct mf_opts *o, struct mf_run *r)
{
	static const struct option longopts[] = {
		CMT_KEY_LONGOPTS,
		{ "root", required_argument, NULL, 'R' },
		{ "output", required_argument, NULL, 'o' },
		{ "hash", required_argument, NULL, 'H' },
		{ "carrier", required_argument, NULL, 'C' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "exclude", required_argument, NULL, 'X' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct mf_parse ctx = { o, r };
	int ret;

	ret = cmt_getopt(argc, argv, "k:a:o:j:qvh", longopts, mf_opt, &ctx);
	if (ret)
		return ret;
	r->verbose = o->run.verbose;
	if (!o->key.key || !o->key.cert || !o->root || !o->output || optind != argc) {
		fprintf(stderr, PROG ": --key, --cert, --root and -o are required, and nothing else\nTry 'cmsign manifest --help'.\n");
		return 2;
	}
	o->root_len = strlen(o->root);
	while (o->root_len > 1 && o->root[o->root_len - 1] == '/')
		o->root[--o->root_len] = '\0';
	o->run.jobs = cmt_jobs(o->run.jobs);
	return 0;
}

/*
 * The files of the root, less --exclude and the manifest itself (one
 * written into the root must not list a stale copy of itself).  0, or the
 * exit status.
 */
static int mf_collect(const struct mf_opts *o, struct mf_run *r)
{
	char *walk_argv[2] = { o->root, NULL };
	struct stat out_st, st;
	int have_out_st;

	if (cmt_walk(walk_argv, 1, &r->files, report_walk, r) || r->walk_errors) {
		fprintf(stderr, PROG ": %s: cannot walk the whole root; no manifest written\n",
			o->root);
		return 1;
	}
	have_out_st = !stat(o->output, &out_st);
	for (size_t i = 0; i < r->files.n; ) {
		const char *path = r->files.v[i].path;

		if (excluded(relative(path, o->root_len), o->ex, o->n_ex) ||
		    (have_out_st && !lstat(path, &st) &&
		     st.st_dev == out_st.st_dev && st.st_ino == out_st.st_ino))
			drop_file(&r->files, i);
		else
			i++;
	}
	r->slots = calloc(r->files.n ? r->files.n : 1, sizeof(*r->slots));
	r->relink = calloc(r->files.n ? r->files.n : 1, 1);
	if (!r->slots || !r->relink) {
		fprintf(stderr, PROG ": out of memory\n");
		return 2;
	}
	return 0;
}

/* Notes embedded (ELF), then every file digested and signed. */
static void mf_sign(const struct mf_opts *o, struct mf_run *r)
{
	r->progress = cmt_progress_new("signing", r->files.n, r->files.bytes,
				       !o->run.quiet);
	cmt_parallel(r->files.n, o->run.jobs, sign_one, r);
	cmt_progress_free(r->progress);
	for (size_t i = 0; i < r->files.n; i++)
		if (r->relink[i])
			relink_one(r, i);
	if (r->note_missing && !o->run.quiet)
		fprintf(stderr, PROG ": warning: this build has no ELF note carrier; ELF files carry their signature in the manifest only\n");
}

struct mf_paths {
	const struct mf_run *r;
	size_t root_len;
};

static const char *item_path(void *ctx, size_t i)
{
	struct mf_paths *p = ctx;

	return relative(p->r->files.v[i].path, p->root_len);
}

/* Builds and writes the manifest of the files that signed: 0, or 1. */
static int mf_write(const struct mf_opts *o, struct mf_run *r)
{
	struct mf_paths paths = { r, o->root_len };
	struct cm_manifest_item *items;
	uint8_t *buf = NULL;
	size_t buflen, n_items;
	char err[512] = "";
	int failed, ret = 1;

	items = calloc(r->files.n ? r->files.n : 1, sizeof(*items));
	if (!items) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	for (size_t i = 0; i < r->files.n; i++)
		if (r->slots[i].err)
			fprintf(stderr, PROG ": %s: %s\n", r->files.v[i].path,
				st_entry_error(&r->slots[i]));
	n_items = st_entries_to_items(r->slots, r->files.n, item_path, &paths,
				      r->algo, items, &failed);
	if (failed) {
		fprintf(stderr, PROG ": %d file(s) failed; no manifest written\n",
			failed);
		goto out;
	}
	if (cm_manifest_build_ex(items, n_items, r->algo, r->signer,
				 CM_MANIFEST_EMBED_CERT, &buf, &buflen, err,
				 sizeof(err))) {
		fprintf(stderr, PROG ": %s\n", err);
		goto out;
	}
	ret = cmt_write_atomic(o->output, buf, buflen, 0644);
	if (ret) {
		fprintf(stderr, PROG ": %s: %s\n", o->output, strerror(-ret));
		ret = 1;
		goto out;
	}
	if (!o->run.quiet)
		fprintf(stderr, PROG ": %s: %zu files, %.1f MB signed, keyid %08x\n",
			o->output, n_items, (double)r->files.bytes / 1e6,
			cm_signer_keyid(r->signer));
out:
	free(buf);
	free(items);
	return ret;
}

int cmd_manifest(int argc, char **argv)
{
	struct mf_opts o = { 0 };
	struct mf_run r = { .algo = CM_HASH_SHA256, .carrier = CM_CARRIER_BOTH };
	int ret;

	ret = mf_parse(argc, argv, &o, &r);
	if (ret) {
		free(o.ex);
		return ret == 1 ? 0 : ret;
	}
	if (cmt_signer_load(&cli, &o.key, &r.signer)) {
		free(o.ex);
		return 2;
	}
	ret = mf_collect(&o, &r);
	if (!ret) {
		mf_sign(&o, &r);
		ret = mf_write(&o, &r);
	}
	for (size_t k = 0; k < r.n_links; k++)
		free(r.links[k]);
	free(r.links);
	free(o.ex);
	free(r.slots);
	free(r.relink);
	cmt_filelist_free(&r.files);
	cm_signer_free(r.signer);
	return ret;
}
