// SPDX-License-Identifier: MIT
/*
 * cmsign preload: apt's pre-install hook.  Before dpkg unpacks anything,
 * it checks the signed manifest of every package about to be installed and
 * loads its entries (digest and security.ima value) into the LSM's digest
 * table, securityfs "digests", so that under enforce the files dpkg
 * unpacks without an xattr, and the maintainer scripts it runs, are
 * allowed by content until the dpkg hook writes their xattrs.
 * `cmsign preload --clear` (apt's post-invoke) empties the table.
 *
 * A package's manifest is the `_cryptomark` ar member cmsign deb adds (no
 * decompression); without one, the usr/share/cryptomark/manifests/NAME.cmm
 * files of data.tar (dh_cryptomark's packages).  Every manifest goes
 * through cmsign apply's trust check (signers directory, CA chains, bundle
 * revocations; mftrust.c) and every entry is checked (its key id trusted,
 * nothing revoked; its signature is covered by the manifest's and verified
 * by the kernel at use) before the first byte is written: one refused manifest and nothing is loaded,
 * so apt aborts before dpkg runs.  The lines ("ALG:HEXDIGEST HEXSIG\n",
 * duplicates dropped) go out in writes of at most 65536 bytes, never
 * splitting a line, each of which the kernel takes whole or refuses.
 *
 * State: the packages' manifests, held until the write; entry checks run
 * on the worker pool, one result slot per entry.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cryptomark/cryptomark.h>
#include <cryptomark/manifest.h>

#include "cmtool.h"
#include "debfmt.h"
#include "debpkg.h"
#include "signtool.h"

#define PROG "cmsign preload"
#define PL_SIGNERS "/etc/cryptomark/manifest-signers"
#define PL_SECURITYFS "/sys/kernel/security/cryptomark/digests"
#define PL_WRITE_MAX 65536	/* the kernel's bound on one write */

/* Exit statuses. */
enum {
	PL_OK = 0,
	PL_IO = 1,		/* a write refused by the kernel, or I/O */
	PL_USAGE = 2,
	PL_REFUSED = 3,		/* a manifest refused: nothing written */
};

static const char usage_text[] =
"Usage: cmsign preload [options] PKG.deb...\n"
"       cmsign preload [options] --stdin\n"
"       cmsign preload --clear [--securityfs FILE] [-q]\n"
"\n"
"apt's pre-install hook: checks the signed cryptomark manifest of each\n"
"package about to be installed and loads its entries (digest and\n"
"signature of every file and maintainer script) into the cryptomark LSM's\n"
"digest table, so that under enforce what dpkg unpacks and runs is allowed\n"
"by content until the dpkg hook has written the files' security.ima.  The\n"
"manifest is the package's _cryptomark member (cmsign deb), or else the\n"
"usr/share/cryptomark/manifests/*.cmm files of its data.tar (dh_cryptomark).\n"
"Every manifest is checked before anything is written; one refused and\n"
"nothing is loaded.\n"
"\n"
"Options:\n"
"  --signers DIR      trusted manifest signers and CAs (*.pem, *.der, *.crt,\n"
"                     *.cer), as cmsign apply --keyring; default\n"
"                     " PL_SIGNERS "\n"
"  --bundle BUNDLE    also trust a keyring bundle's certificates and refuse\n"
"                     what it revokes\n"
"  --securityfs FILE  the LSM's table; default\n"
"                     " PL_SECURITYFS "\n"
"  --stdin            read the packages from standard input, apt's\n"
"                     Pre-Install-Pkgs protocol version 1 (one .deb path a\n"
"                     line; **CONFIGURE**, **REMOVE** and blank lines skipped)\n"
"  --clear            empty the table (apt's post-invoke, after dpkg)\n"
"  -j, --jobs N       worker threads (default: online CPUs)\n"
"  -q, --quiet        no summary line\n"
"  -v, --verbose      name where each package's manifest came from\n"
"  -h, --help         this text\n"
"\n"
"A package without a manifest is named (its files will be refused under\n"
"enforce) and skipped.  Without the LSM (FILE missing) there is nothing to\n"
"do: one line says so (none with -q), exit 0.\n"
"\n"
"Exit status: 0 if every manifest was loaded; 1 if the kernel refused a\n"
"write (its errno named; ENOSPC: the table is full, raise\n"
"cryptomark.digests_max or install fewer packages per apt run) or a package\n"
"could not be read; 2 on a usage error; 3 if a manifest is malformed,\n"
"tampered with or not signed by a trusted signer (named; nothing written).\n";

struct pl_opts {
	const char *signers, *bundle, *securityfs;
	int clear, use_stdin;
	struct cmt_common run;	/* -j, -q, -v */
	char **debs;
	size_t n_debs;
	char **owned;		/* the paths read from stdin */
};

/* One manifest of a package: its bytes (m points into them). */
struct pl_manifest {
	const char *file;	/* the package */
	char *src;		/* "member _cryptomark" or its path in data.tar */
	uint8_t *buf;
	size_t len;
	struct cm_manifest m;
};

struct pl_run {
	const struct pl_opts *o;
	struct cm_trust *trust;
	struct pl_manifest *mf;
	size_t n_mf, cap_mf;
	const struct cm_manifest_item **items;	/* all entries, for the checks */
	int *item_err;
	size_t n_items;
	size_t no_manifest;
	int status;		/* the worst so far */
};

static const struct cmt_cli cli = { PROG, "cmsign preload" };

static void set_status(struct pl_run *r, int status)
{
	if (status == PL_REFUSED || r->status == PL_OK)
		r->status = status;
}

/* Keeps a copy of @len bytes as one more manifest of the run. */
static int add_manifest(struct pl_run *r, const char *file, const char *src,
			const uint8_t *p, size_t len)
{
	struct pl_manifest *mf;

	if (r->n_mf == r->cap_mf) {
		size_t nc = r->cap_mf ? r->cap_mf * 2 : 64;
		struct pl_manifest *nv = realloc(r->mf, nc * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		r->mf = nv;
		r->cap_mf = nc;
	}
	mf = &r->mf[r->n_mf];
	memset(mf, 0, sizeof(*mf));
	mf->file = file;
	mf->src = strdup(src);
	mf->buf = malloc(len ? len : 1);
	if (!mf->buf || !mf->src) {
		free(mf->src);
		free(mf->buf);
		return -ENOMEM;
	}
	memcpy(mf->buf, p, len);
	mf->len = len;
	r->n_mf++;
	if (r->o->run.verbose)
		fprintf(stderr, PROG ": %s: manifest: %s\n", file, src);
	return 0;
}

/* A manifest dh_cryptomark or cmsign deb installs: MANIFEST_DIR/NAME.cmm. */
static int is_manifest_path(const char *path)
{
	size_t dl = strlen(MANIFEST_DIR), l = strlen(path);

	return l > dl + 5 && !strncmp(path, MANIFEST_DIR "/", dl + 1) &&
	       !strchr(path + dl + 1, '/') && !strcmp(path + l - 4, ".cmm");
}

/*
 * No _cryptomark member: the manifests in data.tar (decompressed whole).
 * The number found, or a negative errno (printed).
 */
static int manifests_from_data(struct pl_run *r, const char *file,
			       const struct deb_ar_member *m, size_t n_m)
{
	struct deb_buf tar = { .max = DEB_MAX_UNPACKED };
	struct deb_tar t = { 0 };
	const struct deb_ar_member *dm = NULL;
	const char *why = NULL;
	int comp = -1, found = 0, ret;

	for (size_t i = 1; i < n_m && !dm; i++)
		if ((comp = deb_comp_of(m[i].name, "data.tar")) >= 0)
			dm = &m[i];
	if (!dm) {
		fprintf(stderr, PROG ": %s: no data.tar member (or an unsupported compressor)\n",
			file);
		return -ENOTSUP;
	}
	ret = deb_decompress(comp, dm->data, dm->size, &tar, &why);
	if (!ret)
		ret = deb_tar_parse(tar.p, tar.len, &t, &why);
	if (ret) {
		fprintf(stderr, PROG ": %s: %s: %s\n", file, dm->name,
			why ? why : strerror(-ret));
		deb_buf_free(&tar);
		return ret;
	}
	for (size_t i = 0; !ret && i < t.n; i++) {
		if (t.v[i].type != '0' || !is_manifest_path(t.v[i].path))
			continue;
		if (!found++ && r->o->run.verbose)
			fprintf(stderr, PROG ": %s: no " DEB_MF_MEMBER " member: manifests from %s\n",
				file, dm->name);
		ret = add_manifest(r, file, t.v[i].path,
				   tar.p + t.v[i].data_off, (size_t)t.v[i].size);
	}
	if (ret)
		fprintf(stderr, PROG ": %s: %s\n", file, strerror(-ret));
	deb_tar_free(&t);
	deb_buf_free(&tar);
	return ret ? ret : found;
}

/* The manifests of one package into @r; a failure is printed and noted. */
static void read_package(struct pl_run *r, const char *file)
{
	struct deb_ar_member m[DEB_AR_MAX_MEMBERS];
	const char *why = NULL;
	uint8_t *raw = NULL;
	size_t len, n_m = 0;
	int ret, found = 0;

	ret = cm_read_file(file, DEB_MAX_SIZE, &raw, &len);
	if (ret) {
		fprintf(stderr, PROG ": %s: %s\n", file, strerror(-ret));
		set_status(r, PL_IO);
		return;
	}
	ret = deb_ar_parse(raw, len, m, &n_m, &why);
	if (!ret && (n_m < 2 || strcmp(m[0].name, "debian-binary"))) {
		why = "not a Debian binary package";
		ret = -EPROTO;
	}
	if (ret) {
		fprintf(stderr, PROG ": %s: %s\n", file, why ? why : strerror(-ret));
		set_status(r, PL_IO);
		goto out_free;
	}
	for (size_t i = 1; i < n_m && !ret; i++)
		if (!strcmp(m[i].name, DEB_MF_MEMBER)) {
			ret = add_manifest(r, file, "member " DEB_MF_MEMBER,
					   m[i].data, m[i].size);
			found++;
		}
	if (!ret && !found) {
		ret = manifests_from_data(r, file, m, n_m);
		found = ret > 0 ? ret : 0;
		ret = ret > 0 ? 0 : ret;
	}
	if (ret) {
		set_status(r, PL_IO);
	} else if (!found) {
		fprintf(stderr, PROG ": %s: no cryptomark manifest: not preloaded (its files will be refused under enforce)\n",
			file);
		r->no_manifest++;
	}
out_free:
	free(raw);
}

static void check_one(void *ctx, size_t i)
{
	struct pl_run *r = ctx;

	r->item_err[i] = st_entry_check(r->trust, r->items[i]);
}

/*
 * Every manifest's trailer, then every entry's signature: PL_OK, or
 * PL_REFUSED with each refusal named.
 */
static int check_manifests(struct pl_run *r)
{
	size_t *owner;
	char msg[512];
	int refused = 0;

	for (size_t i = 0; i < r->n_mf; i++) {
		struct pl_manifest *mf = &r->mf[i];

		if (st_manifest_trust(r->trust, mf->buf, mf->len, &mf->m, msg,
				      sizeof(msg))) {
			fprintf(stderr, PROG ": %s: %s: REFUSED: %s%s\n",
				mf->file, mf->src, msg,
				cm_trust_count(r->trust) ? "" : ": no trusted signer in --signers");
			refused = 1;
			continue;
		}
		r->n_items += mf->m.n;
	}
	if (refused)
		return PL_REFUSED;
	r->items = calloc(r->n_items ? r->n_items : 1, sizeof(*r->items));
	r->item_err = calloc(r->n_items ? r->n_items : 1, sizeof(*r->item_err));
	owner = calloc(r->n_items ? r->n_items : 1, sizeof(*owner));
	if (!r->items || !r->item_err || !owner) {
		free(owner);
		fprintf(stderr, PROG ": out of memory\n");
		return PL_IO;
	}
	for (size_t i = 0, k = 0; i < r->n_mf; i++)
		for (size_t j = 0; j < r->mf[i].m.n; j++, k++) {
			r->items[k] = &r->mf[i].m.items[j];
			owner[k] = i;
		}
	cmt_parallel(r->n_items, r->o->run.jobs, check_one, r);
	for (size_t k = 0; k < r->n_items; k++)
		if (r->item_err[k]) {
			fprintf(stderr, PROG ": %s: %s: REFUSED: entry %s: signature %s\n",
				r->mf[owner[k]].file, r->mf[owner[k]].src,
				r->items[k]->path, cm_strerror(r->item_err[k]));
			refused = 1;
		}
	free(owner);
	return refused ? PL_REFUSED : PL_OK;
}

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "ALG:HEXDIGEST HEXSIG\n" of entry @it, malloc'd. */
static char *entry_line(const struct cm_manifest_item *it)
{
	static const char hex[] = "0123456789abcdef";
	const char *alg = cm_hash_name(it->hash_algo);
	size_t al, len;
	char *s, *p;

	if (!alg)
		return NULL;
	al = strlen(alg);
	len = al + 1 + 2 * it->digest_len + 1 + 2 * it->xattr_len + 1;
	s = p = malloc(len + 1);
	if (!s)
		return NULL;
	memcpy(p, alg, al);
	p += al;
	*p++ = ':';
	for (size_t i = 0; i < it->digest_len; i++) {
		*p++ = hex[it->digest[i] >> 4];
		*p++ = hex[it->digest[i] & 15];
	}
	*p++ = ' ';
	for (size_t i = 0; i < it->xattr_len; i++) {
		*p++ = hex[it->xattr[i] >> 4];
		*p++ = hex[it->xattr[i] & 15];
	}
	*p++ = '\n';
	*p = '\0';
	return s;
}

/* What the kernel's errno means here. */
static const char *write_hint(int err)
{
	switch (err) {
	case ENOSPC:
		return ": the LSM's digest table is full (cryptomark.digests_max): install fewer packages per apt run";
	case EPERM:
	case EACCES:
		return ": loading digests needs root (CAP_SYS_ADMIN)";
	case EINVAL:
		return ": the LSM refused a line as malformed";
	default:
		return "";
	}
}

/* Names @err: "ENOSPC (No space left on device)". */
static void say_errno(const char *file, const char *what, int err)
{
	const char *name = strerrorname_np(err);

	fprintf(stderr, PROG ": %s %s: %s (%s)%s\n", what, file,
		name ? name : "?", strerror(err), write_hint(err));
}

/* The table's file, or -ENOENT (no LSM: said unless -q). */
static int open_table(const struct pl_opts *o)
{
	int fd = open(o->securityfs, O_WRONLY | O_APPEND | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	if (errno == ENOENT) {
		if (!o->run.quiet)
			fprintf(stderr, PROG ": no cryptomark LSM (%s missing): nothing to do\n",
				o->securityfs);
		return -ENOENT;
	}
	fd = -errno;
	say_errno(o->securityfs, "open", -fd);
	return fd;
}

/* One write(2) of whole lines: 0, or the errno (printed). */
static int write_batch(const struct pl_opts *o, int fd, const char *p,
		       size_t len)
{
	ssize_t n = write(fd, p, len);

	if (n == (ssize_t)len)
		return 0;
	if (n >= 0) {
		fprintf(stderr, PROG ": write %s: short write (%zd of %zu bytes)\n",
			o->securityfs, n, len);
		return EIO;
	}
	say_errno(o->securityfs, "write", errno);
	return errno;
}

/*
 * Every entry's line, sorted and without duplicates, in writes of at most
 * PL_WRITE_MAX bytes of whole lines.  PL_OK or PL_IO (said).
 */
static int load_entries(struct pl_run *r, int fd, size_t *n_lines,
			size_t *n_writes)
{
	char **lines = calloc(r->n_items ? r->n_items : 1, sizeof(*lines));
	char *batch = malloc(PL_WRITE_MAX);
	size_t n = 0, used = 0;
	int ret = PL_OK;

	if (!lines || !batch)
		goto out_nomem;
	for (size_t k = 0; k < r->n_items; k++)
		if (!(lines[k] = entry_line(r->items[k])))
			goto out_nomem;
	qsort(lines, r->n_items, sizeof(*lines), line_cmp);
	for (size_t k = 0; k < r->n_items && ret == PL_OK; k++) {
		size_t l = strlen(lines[k]);

		if (k && !strcmp(lines[k], lines[k - 1]))
			continue;
		if (used + l > PL_WRITE_MAX) {
			ret = write_batch(r->o, fd, batch, used) ? PL_IO : PL_OK;
			(*n_writes)++;
			used = 0;
		}
		memcpy(batch + used, lines[k], l);
		used += l;
		n++;
	}
	if (ret == PL_OK && used) {
		ret = write_batch(r->o, fd, batch, used) ? PL_IO : PL_OK;
		(*n_writes)++;
	}
	*n_lines = n;
	goto out_free;
out_nomem:
	fprintf(stderr, PROG ": out of memory\n");
	ret = PL_IO;
out_free:
	for (size_t k = 0; lines && k < r->n_items; k++)
		free(lines[k]);
	free(lines);
	free(batch);
	return ret;
}

/* apt's Pre-Install-Pkgs version 1 on stdin: the .deb paths. */
static int read_stdin(struct pl_opts *o)
{
	char *line = NULL;
	size_t cap = 0, n_cap = 0;
	ssize_t l;

	while ((l = getline(&line, &cap, stdin)) >= 0) {
		if (l && line[l - 1] == '\n')
			line[--l] = '\0';
		if (!l || !strcmp(line, "**CONFIGURE**") || !strcmp(line, "**REMOVE**"))
			continue;
		if (o->n_debs == n_cap) {
			size_t nc = n_cap ? n_cap * 2 : 64;
			char **nv = realloc(o->owned, nc * sizeof(*nv));

			if (!nv)
				goto out_nomem;
			o->owned = o->debs = nv;
			n_cap = nc;
		}
		if (!(o->debs[o->n_debs] = strdup(line)))
			goto out_nomem;
		o->n_debs++;
	}
	free(line);
	if (ferror(stdin)) {
		fprintf(stderr, PROG ": standard input: %s\n", strerror(errno));
		return PL_IO;
	}
	return PL_OK;
out_nomem:
	free(line);
	fprintf(stderr, PROG ": out of memory\n");
	return PL_IO;
}

/* One option: 0, 1 (stop, exit 0: --help) or negative. */
static int pl_opt(void *ctx, int c, char *arg)
{
	struct pl_opts *o = ctx;

	switch (c) {
	case 'S':
		o->signers = arg;
		return 0;
	case 'B':
		o->bundle = arg;
		return 0;
	case 'F':
		o->securityfs = arg;
		return 0;
	case 'I':
		o->use_stdin = 1;
		return 0;
	case 'C':
		o->clear = 1;
		return 0;
	default:
		return cmt_opt_common(&cli, &o->run, c, arg, usage_text);
	}
}

/* The command line: PL_OK to run, 1 done (--help), or PL_USAGE. */
static int pl_parse(int argc, char **argv, struct pl_opts *o)
{
	static const struct option longopts[] = {
		{ "signers", required_argument, NULL, 'S' },
		{ "bundle", required_argument, NULL, 'B' },
		{ "securityfs", required_argument, NULL, 'F' },
		{ "stdin", no_argument, NULL, 'I' },
		{ "clear", no_argument, NULL, 'C' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ret;

	ret = cmt_getopt(argc, argv, "j:qvh", longopts, pl_opt, o);
	if (ret)
		return ret == 1 ? 1 : PL_USAGE;
	if (o->clear && (o->use_stdin || optind != argc || o->bundle)) {
		fprintf(stderr, PROG ": --clear takes no package, --stdin or --bundle\nTry 'cmsign preload --help'.\n");
		return PL_USAGE;
	}
	if (!o->clear && o->use_stdin == (optind != argc)) {
		fprintf(stderr, PROG ": give PKG.deb... or --stdin (one of them)\nTry 'cmsign preload --help'.\n");
		return PL_USAGE;
	}
	o->debs = argv + optind;
	o->n_debs = (size_t)(argc - optind);
	o->run.jobs = cmt_jobs(o->run.jobs);
	return PL_OK;
}

/* --clear: "clear\n" alone in its write. */
static int pl_clear(const struct pl_opts *o)
{
	int fd = open_table(o), ret;

	if (fd == -ENOENT)
		return PL_OK;
	if (fd < 0)
		return PL_IO;
	ret = write_batch(o, fd, "clear\n", 6) ? PL_IO : PL_OK;
	close(fd);
	return ret;
}

/* The trusted signers: 0, or PL_USAGE (said). */
static int pl_trust(const struct pl_opts *o, struct cm_trust *t)
{
	int e = cm_trust_add_dir(t, o->signers);

	if (e < 0 && e != -ENOENT) {
		fprintf(stderr, PROG ": --signers %s: %s\n", o->signers,
			e == -ENOKEY ? "a certificate there has no subjectKeyIdentifier" :
			e == -EBADMSG ? "a file there is not a PEM or DER certificate" :
			strerror(-e));
		return PL_USAGE;
	}
	if (o->bundle && cmt_trust_bundle(&cli, t, o->bundle))
		return PL_USAGE;
	return PL_OK;
}

/* Checks every package's manifests, then loads them all. */
static int pl_load(struct pl_run *r)
{
	const struct pl_opts *o = r->o;
	size_t n_lines = 0, n_writes = 0;
	int fd, ret;

	for (size_t i = 0; i < o->n_debs; i++)
		read_package(r, o->debs[i]);
	if (r->n_mf) {
		ret = check_manifests(r);
		set_status(r, ret);
	}
	if (r->status) {
		fprintf(stderr, PROG ": %s: nothing loaded\n",
			r->status == PL_REFUSED ? "REFUSED" : "failed");
		return r->status;
	}
	fd = open_table(o);
	if (fd == -ENOENT)
		return PL_OK;	/* removed meanwhile */
	if (fd < 0)
		return PL_IO;
	ret = load_entries(r, fd, &n_lines, &n_writes);
	if (close(fd) && ret == PL_OK) {
		say_errno(o->securityfs, "close", errno);
		ret = PL_IO;
	}
	if (ret == PL_OK && !o->run.quiet)
		fprintf(stderr, PROG ": %zu packages (%zu without a manifest), %zu manifests, %zu entries loaded into %s in %zu writes\n",
			o->n_debs, r->no_manifest, r->n_mf, n_lines,
			o->securityfs, n_writes);
	return ret;
}

int cmd_preload(int argc, char **argv)
{
	struct pl_opts o = { .signers = PL_SIGNERS, .securityfs = PL_SECURITYFS };
	struct pl_run r = { .o = &o };
	int ret;

	ret = pl_parse(argc, argv, &o);
	if (ret)
		return ret == 1 ? PL_OK : ret;
	/* apt writes the list whatever happens next: read it all first. */
	if (o.use_stdin && (ret = read_stdin(&o)))
		goto out;
	if (o.clear) {
		ret = pl_clear(&o);
		goto out;
	}
	if (access(o.securityfs, F_OK) && errno == ENOENT) {
		if (!o.run.quiet)
			fprintf(stderr, PROG ": no cryptomark LSM (%s missing): nothing to do\n",
				o.securityfs);
		ret = PL_OK;
		goto out;
	}
	r.trust = cm_trust_new();
	if (!r.trust) {
		fprintf(stderr, PROG ": out of memory\n");
		ret = PL_IO;
		goto out;
	}
	ret = pl_trust(&o, r.trust);
	if (!ret)
		ret = pl_load(&r);
out:
	for (size_t i = 0; i < r.n_mf; i++) {
		cm_manifest_release(&r.mf[i].m);
		free(r.mf[i].src);
		free(r.mf[i].buf);
	}
	free(r.mf);
	free(r.items);
	free(r.item_err);
	if (r.trust)
		cm_trust_free(r.trust);
	for (size_t i = 0; o.owned && i < o.n_debs; i++)
		free(o.owned[i]);
	free(o.owned);
	return ret;
}
