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

#include <cryptomark/cryptomark.h>
#include <cryptomark/manifest.h>
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
"  --key KEY, --cert CERT, --pass-env VAR, --pass-file FILE   as for cmsign\n"
"  --root DIR         the staged root\n"
"  -o, --output FILE  the manifest to write (atomically)\n"
"  --hash ALGO        sha256 (default), sha384 or sha512\n"
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

struct mf_slot {
	int err;
	int relink;		/* hard-linked ELF: note embedded after the pool */
	int digest_len;
	int xattr_len;
	uint8_t digest[CM_MAX_DIGEST_SIZE];
	uint8_t xattr[CM_XATTR_MAX_SIZE];
	char msg[200];
};

struct mf_run {
	struct cm_signer *signer;
	int algo;
	int carrier;
	int verbose;
	struct cmt_filelist files;
	struct mf_slot *slots;
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

/* Digests @path's final bytes and signs them into @sl. */
static void digest_sign(struct mf_run *r, struct mf_slot *sl, const char *path)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		sl->err = -errno;
		snprintf(sl->msg, sizeof(sl->msg), "open: %s", strerror(errno));
		return;
	}
	ret = cm_digest_fd(fd, r->algo, 0, 0, sl->digest);
	close(fd);
	if (ret < 0) {
		sl->err = ret;
		snprintf(sl->msg, sizeof(sl->msg), "read: %s", strerror(-ret));
		return;
	}
	sl->digest_len = ret;
	ret = cm_signer_sign(r->signer, r->algo, sl->digest, sl->xattr,
			     sizeof(sl->xattr), sl->msg, sizeof(sl->msg));
	if (ret < 0) {
		sl->err = ret;
		return;
	}
	sl->xattr_len = ret;
}

/* Embeds the note (ELF only), then digests and signs the final bytes. */
static void sign_one(void *ctx, size_t i)
{
	struct mf_run *r = ctx;
	struct mf_slot *sl = &r->slots[i];
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
			sl->relink = 1;
			goto out_step;
		}
		if (ret && ret != -ENOEXEC && ret != -ENOSYS) {
			sl->err = ret;
			goto out_step;
		}
		sl->msg[0] = '\0';
	}
	digest_sign(r, sl, path);
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
	struct mf_slot *sl = &r->slots[i];
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
	digest_sign(r, sl, path);
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

int cmd_manifest(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'c' },
		{ "pass-env", required_argument, NULL, 'E' },
		{ "pass-file", required_argument, NULL, 'F' },
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
	struct cm_signer_opts key = { 0 };
	char **ex = NULL;
	int n_ex = 0;
	struct mf_run r = { .algo = CM_HASH_SHA256, .carrier = CM_CARRIER_BOTH };
	struct cm_manifest_item *items = NULL;
	struct stat out_st;
	char *root = NULL, *walk_argv[2];
	const char *output = NULL;
	uint8_t *buf = NULL;
	size_t buflen, n_items = 0, root_len;
	char err[512] = "";
	int c, ret, jobs = 0, quiet = 0, have_out_st, failed = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:j:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			key.key = optarg;
			break;
		case 'c':
			key.cert = optarg;
			break;
		case 'E':
			key.pass_env = optarg;
			break;
		case 'F':
			key.pass_file = optarg;
			break;
		case 'R':
			root = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case 'H':
			r.algo = cm_hash_from_name(optarg);
			if (r.algo < 0 || r.algo == CM_HASH_SHA224) {
				fprintf(stderr, PROG ": --hash %s: use sha256, sha384 or sha512\n", optarg);
				return 2;
			}
			break;
		case 'C':
			if (!strcmp(optarg, "both")) {
				r.carrier = CM_CARRIER_BOTH;
			} else if (!strcmp(optarg, "xattr")) {
				r.carrier = CM_CARRIER_XATTR;
			} else {
				fprintf(stderr, PROG ": --carrier %s: use both or xattr\n", optarg);
				return 2;
			}
			break;
		case 'j': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*end || v < 1 || v > 1024) {
				fprintf(stderr, PROG ": -j %s: give a number of threads from 1 to 1024\n", optarg);
				return 2;
			}
			jobs = (int)v;
			break;
		}
		case 'q':
			quiet = 1;
			break;
		case 'v':
			r.verbose = 1;
			break;
		case 'X': {
			char **nex;
			size_t l = strlen(optarg);

			while (l > 1 && optarg[l - 1] == '/')
				optarg[--l] = '\0';
			if (!l || optarg[0] == '/') {
				fprintf(stderr, PROG ": --exclude %s: give a path relative to the root\n", optarg);
				free(ex);
				return 2;
			}
			nex = realloc(ex, (size_t)(n_ex + 1) * sizeof(*ex));
			if (!nex) {
				free(ex);
				return 2;
			}
			ex = nex;
			ex[n_ex++] = optarg;
			break;
		}
		case 'h':
			fputs(usage_text, stdout);
			free(ex);
			return 0;
		default:
			fprintf(stderr, "Try 'cmsign manifest --help'.\n");
			free(ex);
			return 2;
		}
	}
	if (!key.key || !key.cert || !root || !output || optind != argc) {
		fprintf(stderr, PROG ": --key, --cert, --root and -o are required, and nothing else\nTry 'cmsign manifest --help'.\n");
		free(ex);
		return 2;
	}
	root_len = strlen(root);
	while (root_len > 1 && root[root_len - 1] == '/')
		root[--root_len] = '\0';
	if (!jobs)
		jobs = cmt_ncpus();

	ret = cm_signer_load(&key, &r.signer, err, sizeof(err));
	if (ret) {
		fprintf(stderr, PROG ": %s\n", err);
		free(ex);
		return 2;
	}
	walk_argv[0] = root;
	walk_argv[1] = NULL;
	if (cmt_walk(walk_argv, 1, &r.files, report_walk, &r) || r.walk_errors) {
		fprintf(stderr, PROG ": %s: cannot walk the whole root; no manifest written\n", root);
		ret = 1;
		goto out_free;
	}
	/* A manifest written into the root must not list (a stale) itself. */
	have_out_st = !stat(output, &out_st);
	r.slots = calloc(r.files.n ? r.files.n : 1, sizeof(*r.slots));
	items = calloc(r.files.n ? r.files.n : 1, sizeof(*items));
	if (!r.slots || !items) {
		fprintf(stderr, PROG ": out of memory\n");
		ret = 2;
		goto out_free;
	}
	for (size_t i = 0; i < r.files.n; ) {
		struct stat st;

		if (excluded(relative(r.files.v[i].path, root_len), ex, n_ex) ||
		    (have_out_st && !lstat(r.files.v[i].path, &st) &&
		     st.st_dev == out_st.st_dev && st.st_ino == out_st.st_ino))
			drop_file(&r.files, i);
		else
			i++;
	}
	r.progress = cmt_progress_new("signing", r.files.n, r.files.bytes,
				     !quiet);
	cmt_parallel(r.files.n, jobs, sign_one, &r);
	cmt_progress_free(r.progress);
	for (size_t i = 0; i < r.files.n; i++)
		if (r.slots[i].relink)
			relink_one(&r, i);

	if (r.note_missing && !quiet)
		fprintf(stderr, PROG ": warning: this build has no ELF note carrier; ELF files carry their signature in the manifest only\n");
	for (size_t i = 0; i < r.files.n; i++) {
		struct mf_slot *sl = &r.slots[i];

		if (sl->err) {
			failed++;
			fprintf(stderr, PROG ": %s: %s\n", r.files.v[i].path,
				sl->msg[0] ? sl->msg : strerror(-sl->err));
			continue;
		}
		items[n_items].path = relative(r.files.v[i].path, root_len);
		items[n_items].hash_algo = r.algo;
		items[n_items].digest = sl->digest;
		items[n_items].digest_len = (size_t)sl->digest_len;
		items[n_items].xattr = sl->xattr;
		items[n_items].xattr_len = (size_t)sl->xattr_len;
		n_items++;
	}
	if (failed) {
		fprintf(stderr, PROG ": %d file(s) failed; no manifest written\n",
			failed);
		ret = 1;
		goto out_free;
	}
	ret = cm_manifest_build_ex(items, n_items, r.algo, r.signer,
				   CM_MANIFEST_EMBED_CERT, &buf, &buflen, err,
				   sizeof(err));
	if (ret) {
		fprintf(stderr, PROG ": %s\n", err);
		ret = 1;
		goto out_free;
	}
	ret = cmt_write_atomic(output, buf, buflen, 0644);
	if (ret) {
		fprintf(stderr, PROG ": %s: %s\n", output, strerror(-ret));
		ret = 1;
		goto out_free;
	}
	if (!quiet)
		fprintf(stderr, PROG ": %s: %zu files, %.1f MB signed, keyid %08x\n",
			output, n_items, (double)r.files.bytes / 1e6,
			cm_signer_keyid(r.signer));
out_free:
	for (size_t k = 0; k < r.n_links; k++)
		free(r.links[k]);
	free(r.links);
	free(ex);
	free(buf);
	free(items);
	free(r.slots);
	cmt_filelist_free(&r.files);
	cm_signer_free(r.signer);
	return ret;
}
