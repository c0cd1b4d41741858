// SPDX-License-Identifier: MIT
/*
 * cmsign apply: the installer hook.  Writes the security.ima values of a
 * signed manifest onto the installed files whose content matches.
 *
 * Order of trust: the manifest is parsed strictly and its trailer verified
 * against the given certificates before any file is touched, and every
 * entry is checked (key id trusted, nothing revoked; its signature is
 * covered by the manifest's and verified by whoever uses it: mftrust.c), so
 * nothing is written unless the whole manifest is good.  Then each file is opened once
 * below the root (openat2 RESOLVE_IN_ROOT: the manifest's paths cannot
 * leave it, even through symlinks in the installed tree; without openat2,
 * a file whose real path is not below the root is refused), hashed through
 * that descriptor and given its xattr through the same descriptor: the
 * value lands on the inode whose bytes were checked.  setxattr(2) replaces
 * a value atomically, so a crash leaves each file with no value, its old
 * one, or the complete new one.  A file that already carries the exact
 * value is not rehashed, which makes re-running cheap and idempotent.
 *
 * Several manifests (--manifest repeated: the dpkg hook's one run per dpkg
 * run, one process start instead of one per package) are each loaded,
 * checked, applied and reported on their own, in order, exactly as one
 * would be alone: a refused one writes nothing and does not stop the
 * others.  The trust is shared: a signer certificate chained to a trusted
 * CA for one manifest stays trusted for the next (it passed the same
 * checks; cmsign preload does the same).
 *
 * State: one result slot per entry, each written by one worker thread.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <linux/openat2.h>

#include <cryptomark/cryptomark.h>
#include <cryptomark/manifest.h>
#include <cryptomark/bundle.h>

#include "cmtool.h"
#include "signtool.h"

#define PROG "cmsign apply"

/* Exit statuses. */
enum {
	APPLY_OK = 0,
	APPLY_SOME_FILES = 1,	/* missing / mismatching / unwritable files */
	APPLY_USAGE = 2,
	APPLY_REFUSED = 3,	/* manifest invalid or untrusted: nothing written */
};

static const char usage_text[] =
"Usage: cmsign apply --manifest MANIFEST... --root DIR --cert CERT [options]\n"
"\n"
"Checks MANIFEST's signature against CERT, then writes each listed file's\n"
"security.ima under DIR if and only if the file's digest matches the one\n"
"in the manifest.  Re-running is harmless.\n"
"\n"
"Options:\n"
"  --manifest FILE    the manifest (from cmsign manifest); repeatable: each\n"
"                     one is checked and applied on its own, in order\n"
"  --root DIR         where the package is installed (default /)\n"
"  --cert CERT        a trusted manifest signer (repeatable)\n"
"  --keyring DIR      trust every certificate in DIR as well (*.pem, *.der,\n"
"                     *.crt, *.cer)\n"
"  --bundle BUNDLE    trust a keyring bundle's certificates and refuse what\n"
"                     it revokes\n"
"\n"
"A trusted certificate may be a CA: a manifest that carries its signer's\n"
"certificate (cmsign manifest and cmsign deb embed it) is accepted when that\n"
"certificate chains to a trusted CA, is valid now, has the codeSigning\n"
"extended key usage and is not revoked; otherwise it is refused naming\n"
"unknown-key, untrusted-chain, expired or revoked.\n"
"  -j, --jobs N       worker threads (default: online CPUs)\n"
"  -q, --quiet        no summary line\n"
"  -v, --verbose      name every file applied\n"
"\n"
"Exit status: 0 if every file got its signature (or already had it); 1 if\n"
"any file was missing, did not match or could not be written (each is\n"
"named); 2 on a usage error; 3 if the manifest is malformed or not signed\n"
"by a trusted key (nothing is written).  With several manifests: 3 if any\n"
"was refused, else 2 if any could not be read, else 1 if any file was not\n"
"applied, else 0; each manifest's lines name it or its files, and without\n"
"-q each ends with its summary line.\n";

enum slot_state {
	ST_APPLIED = 1,
	ST_ALREADY,
	ST_MISSING,
	ST_MISMATCH,
	ST_FAILED,
};

struct ap_slot {
	int state;
	int err;
	const char *what;
};

struct ap_run {
	const struct cm_trust *trust;
	const struct cm_manifest *m;
	int rootfd;
	char *root_real;	/* realpath of the root, for the fallback */
	struct ap_slot *slots;
	int bad_entries;	/* phase 1 */
};

#define OPEN_FLAGS (O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)

/*
 * Without openat2 (Linux < 5.6, valgrind, old seccomp profiles): open
 * normally, then refuse the file unless where it really is lies below the
 * root.  A symlink inside the tree pointing out of it is refused rather
 * than resolved inside the root as openat2 would.
 */
static int open_below_fallback(const struct ap_run *r, const char *path)
{
	char proc[64], real[PATH_MAX + 1];
	size_t rl = strlen(r->root_real);
	ssize_t n;
	int fd;

	fd = openat(r->rootfd, path, OPEN_FLAGS);
	if (fd < 0)
		return -errno;
	if (!strcmp(r->root_real, "/"))
		return fd;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, real, sizeof(real) - 1);
	if (n < 0 || (size_t)n >= sizeof(real) - 1) {
		close(fd);
		return n < 0 ? -errno : -ENAMETOOLONG;
	}
	real[n] = '\0';
	if (strncmp(real, r->root_real, rl) || real[rl] != '/') {
		close(fd);
		return -EXDEV;
	}
	return fd;
}

static int open_below(const struct ap_run *r, const char *path)
{
	static int no_openat2;
	struct open_how how = {
		.flags = OPEN_FLAGS,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	if (__atomic_load_n(&no_openat2, __ATOMIC_RELAXED))
		return open_below_fallback(r, path);
	fd = syscall(SYS_openat2, r->rootfd, path, &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS) {
		__atomic_store_n(&no_openat2, 1, __ATOMIC_RELAXED);
		return open_below_fallback(r, path);
	}
	return fd < 0 ? -errno : (int)fd;
}

/* Phase 1: every entry must pass st_entry_check(). */
static void check_entry(void *ctx, size_t i)
{
	struct ap_run *r = ctx;
	int ret = st_entry_check(r->trust, &r->m->items[i]);

	if (ret) {
		r->slots[i].err = ret;
		r->slots[i].what = cm_strerror(ret);
		__atomic_add_fetch(&r->bad_entries, 1, __ATOMIC_RELAXED);
	}
}

static void apply_one(void *ctx, size_t i)
{
	struct ap_run *r = ctx;
	const struct cm_manifest_item *it = &r->m->items[i];
	struct ap_slot *sl = &r->slots[i];
	uint8_t cur[CM_XATTR_MAX_SIZE + 1];
	uint8_t digest[CM_MAX_DIGEST_SIZE];
	struct stat st;
	ssize_t cur_len;
	int fd, ret;

	fd = open_below(r, it->path);
	if (fd < 0) {
		sl->err = fd;
		if (fd == -ENOENT) {
			sl->state = ST_MISSING;
			sl->what = "missing";
		} else {
			sl->state = ST_FAILED;
			sl->what = fd == -ELOOP ? "is a symlink" :
				   fd == -EXDEV ? "resolves outside the root" :
				   "open";
		}
		return;
	}
	if (fstat(fd, &st)) {
		sl->err = -errno;
		sl->state = ST_FAILED;
		sl->what = "fstat";
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		sl->err = -EINVAL;
		sl->state = ST_MISMATCH;
		sl->what = "not a regular file";
		goto out_close;
	}
	cur_len = fgetxattr(fd, CM_XATTR_IMA, cur, sizeof(cur));
	if (cur_len >= 0 && (size_t)cur_len == it->xattr_len &&
	    !memcmp(cur, it->xattr, it->xattr_len)) {
		/*
		 * Already applied.  Rewriting could not change what a verifier
		 * concludes, so the file is not rehashed.
		 */
		sl->state = ST_ALREADY;
		goto out_close;
	}
	ret = cm_digest_fd(fd, it->hash_algo, 0, 0, digest);
	if (ret < 0) {
		sl->err = ret;
		sl->state = ST_FAILED;
		sl->what = "read";
		goto out_close;
	}
	if ((size_t)ret != it->digest_len ||
	    memcmp(digest, it->digest, it->digest_len)) {
		sl->err = -EKEYREJECTED;
		sl->state = ST_MISMATCH;
		sl->what = "digest does not match the manifest";
		goto out_close;
	}
	if (fsetxattr(fd, CM_XATTR_IMA, it->xattr, it->xattr_len, 0)) {
		sl->err = -errno;
		sl->state = ST_FAILED;
		sl->what = "setxattr security.ima";
		goto out_close;
	}
	sl->state = ST_APPLIED;
out_close:
	close(fd);
}

struct ap_opts {
	const char *manifest, *root;	/* manifest: the one being applied */
	const char **manifests;		/* every --manifest, in order */
	size_t n_manifests;
	struct cm_trust *trust;
	struct cmt_common run;	/* -j, -q, -v */
};

static const struct cmt_cli cli = { PROG, "cmsign apply" };

/* One option: 0, 1 (stop, exit 0: --help) or negative. */
static int ap_opt(void *ctx, int c, char *arg)
{
	struct ap_opts *o = ctx;
	size_t l;

	switch (c) {
	case 'm': {
		const char **v = realloc(o->manifests, (o->n_manifests + 1) *
					 sizeof(*v));

		if (!v) {
			fprintf(stderr, PROG ": out of memory\n");
			return -ENOMEM;
		}
		v[o->n_manifests++] = arg;
		o->manifests = v;
		return 0;
	}
	case 'R':
		l = strlen(arg);
		/* "DIR/" would print as DIR//path. */
		while (l > 1 && arg[l - 1] == '/')
			arg[--l] = '\0';
		o->root = arg;
		return 0;
	case 'c':
		return cmt_trust_cert(&cli, o->trust, arg);
	case 'K':
		return cmt_trust_keyring(&cli, o->trust, arg);
	case 'B':
		return cmt_trust_bundle(&cli, o->trust, arg);
	default:
		return cmt_opt_common(&cli, &o->run, c, arg, usage_text);
	}
}

/* The command line: APPLY_OK to run, 1 done (--help), or APPLY_USAGE. */
static int ap_parse(int argc, char **argv, struct ap_opts *o)
{
	static const struct option longopts[] = {
		{ "manifest", required_argument, NULL, 'm' },
		{ "root", required_argument, NULL, 'R' },
		{ "cert", required_argument, NULL, 'c' },
		{ "keyring", required_argument, NULL, 'K' },
		{ "bundle", required_argument, NULL, 'B' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ret;

	ret = cmt_getopt(argc, argv, "j:qvh", longopts, ap_opt, o);
	if (ret)
		return ret == 1 ? 1 : APPLY_USAGE;
	if (!o->n_manifests || optind != argc) {
		fprintf(stderr, PROG ": --manifest is required, and nothing else\nTry 'cmsign apply --help'.\n");
		return APPLY_USAGE;
	}
	if (!cm_trust_count(o->trust)) {
		fprintf(stderr, PROG ": no trusted certificate: give --cert or --keyring\n");
		return APPLY_USAGE;
	}
	o->run.jobs = cmt_jobs(o->run.jobs);
	return APPLY_OK;
}

/*
 * Reads and parses the manifest and checks its trailer: a signer trusted
 * through a CA is added (for its entries too) only if its certificate,
 * carried by the manifest, chains.  APPLY_OK or the exit status, said.
 */
static int ap_load(const struct ap_opts *o, uint8_t **buf,
		   struct cm_manifest *m)
{
	const char *mf = o->manifest;
	char msg[512];
	size_t len;
	int ret;

	ret = cm_manifest_read(mf, buf, &len);
	if (ret) {
		fprintf(stderr, PROG ": %s: %s\n", mf, strerror(-ret));
		return APPLY_USAGE;
	}
	if (st_manifest_trust(o->trust, *buf, len, m, msg, sizeof(msg))) {
		fprintf(stderr, PROG ": %s: REFUSED: %s; nothing applied\n", mf, msg);
		return APPLY_REFUSED;
	}
	return APPLY_OK;
}

/* Phase 1 over every entry: APPLY_OK, or APPLY_REFUSED (said). */
static int ap_check(const struct ap_opts *o, struct ap_run *r)
{
	const struct cm_manifest *m = r->m;

	cmt_parallel(m->n, o->run.jobs, check_entry, r);
	if (!r->bad_entries)
		return APPLY_OK;
	for (size_t i = 0; i < m->n; i++)
		if (r->slots[i].err)
			fprintf(stderr, PROG ": %s: entry %s: signature %s\n",
				o->manifest, m->items[i].path, r->slots[i].what);
	fprintf(stderr, PROG ": %s: REFUSED: %d entr%s with a bad signature; nothing applied\n",
		o->manifest, r->bad_entries, r->bad_entries == 1 ? "y" : "ies");
	return APPLY_REFUSED;
}

/* Phase 2: every entry onto its file below the root. */
static int ap_apply(const struct ap_opts *o, struct ap_run *r)
{
	r->rootfd = open(o->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r->root_real = realpath(o->root, NULL);
	if (r->rootfd < 0 || !r->root_real) {
		fprintf(stderr, PROG ": %s: %s\n", o->root, strerror(errno));
		if (r->rootfd >= 0)
			close(r->rootfd);
		free(r->root_real);
		return APPLY_USAGE;
	}
	cmt_parallel(r->m->n, o->run.jobs, apply_one, r);
	close(r->rootfd);
	free(r->root_real);
	return APPLY_OK;
}

/* One line a file not applied (and, with -v, applied), the summary. */
static int ap_report(const struct ap_opts *o, const struct ap_run *r)
{
	const char *sep = strcmp(o->root, "/") ? "/" : "";
	size_t count[ST_FAILED + 1] = { 0 };

	for (size_t i = 0; i < r->m->n; i++) {
		const struct ap_slot *sl = &r->slots[i];
		const char *path = r->m->items[i].path;

		count[sl->state]++;
		if (sl->state == ST_APPLIED || sl->state == ST_ALREADY) {
			if (o->run.verbose)
				fprintf(stderr, PROG ": %s%s%s: %s\n", o->root,
					sep, path, sl->state == ST_APPLIED ?
					"applied" : "already applied");
		} else if (sl->state == ST_FAILED) {
			fprintf(stderr, PROG ": %s%s%s: NOT applied: %s: %s\n",
				o->root, sep, path, sl->what, strerror(-sl->err));
		} else {
			fprintf(stderr, PROG ": %s%s%s: NOT applied: %s\n",
				o->root, sep, path, sl->what);
		}
	}
	if (!o->run.quiet)
		fprintf(stderr, PROG ": %s: %zu applied, %zu already, %zu missing, %zu mismatched, %zu failed\n",
			o->manifest, count[ST_APPLIED], count[ST_ALREADY],
			count[ST_MISSING], count[ST_MISMATCH], count[ST_FAILED]);
	return count[ST_MISSING] || count[ST_MISMATCH] || count[ST_FAILED] ?
	       APPLY_SOME_FILES : APPLY_OK;
}

/* One manifest, o->manifest: loaded, checked, applied, reported. */
static int ap_manifest(const struct ap_opts *o)
{
	struct cm_manifest m = { 0 };
	struct ap_run r = { .m = &m, .rootfd = -1, .trust = o->trust };
	uint8_t *buf = NULL;
	int ret;

	ret = ap_load(o, &buf, &m);
	if (!ret) {
		r.slots = calloc(m.n ? m.n : 1, sizeof(*r.slots));
		if (!r.slots)
			fprintf(stderr, PROG ": out of memory\n");
		ret = r.slots ? ap_check(o, &r) : APPLY_USAGE;
	}
	if (!ret)
		ret = ap_apply(o, &r);
	if (!ret)
		ret = ap_report(o, &r);
	free(r.slots);
	cm_manifest_release(&m);
	free(buf);
	return ret;
}

/* The worst of two manifests' statuses: refused, unreadable, some files. */
static int ap_worst(int a, int b)
{
	static const int rank[] = {
		[APPLY_OK] = 0, [APPLY_SOME_FILES] = 1,
		[APPLY_USAGE] = 2, [APPLY_REFUSED] = 3,
	};

	return rank[b] > rank[a] ? b : a;
}

int cmd_apply(int argc, char **argv)
{
	struct ap_opts o = { .root = "/" };
	int ret;

	o.trust = cm_trust_new();
	if (!o.trust) {
		fprintf(stderr, PROG ": out of memory\n");
		return APPLY_USAGE;
	}
	ret = ap_parse(argc, argv, &o);
	if (ret) {
		ret = ret == 1 ? APPLY_OK : ret;
		goto out_free;
	}
	for (size_t i = 0; i < o.n_manifests; i++) {
		o.manifest = o.manifests[i];
		ret = ap_worst(ret, ap_manifest(&o));
	}
out_free:
	free(o.manifests);
	cm_trust_free(o.trust);
	return ret;
}
