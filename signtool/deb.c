// SPDX-License-Identifier: MIT
/*
 * cmsign deb: add a signed cryptomark manifest to prebuilt .deb packages,
 * without rebuilding them (what rpmsign --addsign --signfiles does for RPM).
 *
 * The manifest goes into data.tar as one more regular file,
 *
 *   ./usr/share/cryptomark/manifests/PACKAGE_ARCH.cmm
 *
 * appended after the package's own entries (plus the directories leading
 * to it when the package has none), so dpkg installs it like any file the
 * package owns and cryptomark's dpkg hook applies it.  Every byte of the
 * original tar stream before its end-of-archive blocks is kept, headers
 * included: file contents, modes, owners and mtimes are unchanged.  When
 * control.tar has md5sums, its line for the manifest is appended (the one
 * member of control.tar that changes; `dpkg --verify` stays clean).  The
 * other members (debian-binary, anything else) are copied byte for byte,
 * and data.tar (and control.tar if changed) is recompressed with the
 * compressor it had.  Nothing here depends on the clock: with an RSA key
 * (deterministic PKCS#1 v1.5) the same input gives the same .deb.
 *
 * State: a package at a time; its files are hashed and signed by the
 * worker pool, one result slot per file written by one thread.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cryptomark/cryptomark.h>
#include <cryptomark/manifest.h>
#include "cmtool.h"
#include "debfmt.h"
#include "debpkg.h"
#include "signtool.h"

#define PROG "cmsign deb"

static const char usage_text[] =
"Usage: cmsign deb --key KEY --cert CERT [-o DIR] [options] PKG.deb...\n"
"\n"
"Adds a signed cryptomark manifest to each prebuilt Debian package without\n"
"rebuilding it: every regular file of data.tar is hashed and signed, and the\n"
"manifest is added to data.tar as\n"
"  /usr/share/cryptomark/manifests/PACKAGE_ARCH.cmm\n"
"(its md5sums line too), which cryptomark's dpkg hook applies at install.\n"
"The packaged files stay byte for byte as they were (unless --elf-notes).\n"
"With an RSA key the output is deterministic.\n"
"\n"
"Options:\n"
"  --key KEY, --cert CERT, --pass-env VAR, --pass-file FILE   as for cmsign\n"
"  -o, --output DIR   write the signed packages into DIR (same file names);\n"
"                     default: replace each PKG.deb (atomically)\n"
"  --hash ALGO        sha256 (default), sha384 or sha512\n"
"  --elf-notes        also embed the .note.cryptomark signature into every\n"
"                     ELF file (signed even where xattrs are lost); those\n"
"                     files' bytes change, md5sums is updated for them, and\n"
"                     the summary line says so\n"
"  -j, --jobs N       worker threads (default: online CPUs)\n"
"  -q, --quiet        no summary lines\n"
"  -v, --verbose      name every file signed\n"
"\n"
"A package that already ships a manifest at that path is refused.\n"
"Exit status: 0 if every package was signed; 1 if any failed (each is named\n"
"with the cause, and nothing is written for it); 2 on a usage or key error.\n";

struct deb_opts {
	struct cm_signer_opts key;
	int algo;
	const char *outdir;
	int jobs;
	int quiet;
	int verbose;
	int notes;		/* --elf-notes: embed the note into ELF files */
};

struct df_slot {
	int err;
	int digest_len;
	int xattr_len;
	uint8_t digest[CM_MAX_DIGEST_SIZE];
	uint8_t xattr[CM_XATTR_MAX_SIZE];
	char msg[200];
};

struct df_run {
	struct cm_signer *signer;
	int algo;
	const struct df_file *files;
	struct df_slot *slots;
};

static void sign_one(void *ctx, size_t i)
{
	struct df_run *r = ctx;
	struct df_slot *sl = &r->slots[i];
	int ret;

	ret = cm_digest_buf(r->files[i].data, (size_t)r->files[i].size,
			    r->algo, sl->digest);
	if (ret < 0) {
		sl->err = ret;
		snprintf(sl->msg, sizeof(sl->msg), "digest: %s", strerror(-ret));
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

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Signs one package.  0, or an error already printed. */
static int resign(const struct deb_opts *o, struct cm_signer *signer,
		  const char *file, size_t *bytes_in, size_t *bytes_out)
{
	struct deb_pkg d = { .file = file };
	struct df_run r = { .signer = signer, .algo = o->algo };
	struct df_file *files = NULL;
	struct df_new *nw = NULL;
	size_t n_notes = 0;
	struct cm_manifest_item *items = NULL;
	struct deb_buf ctl = { 0 }, dat = { 0 }, ctlz = { 0 }, datz = { 0 },
		       deb = { 0 };
	uint8_t *mf = NULL;
	size_t n = 0, mf_len = 0;
	char mf_path[512], err[512] = "", *dest = NULL;
	const char *why = NULL;
	int ret, ctl_changed = 0, failed = 0;

	ret = deb_pkg_open(&d);
	if (ret)
		goto out;
	snprintf(mf_path, sizeof(mf_path), MANIFEST_DIR "/%s_%s.cmm",
		 d.package, d.arch);
	ret = deb_list_files(&d, mf_path, &files, &n);
	if (ret)
		goto out;
	if (o->notes) {
		ret = deb_embed_notes(signer, o->algo, o->jobs, &d, files, n,
				      &nw, &n_notes);
		if (ret)
			goto out;
	}
	r.files = files;
	r.slots = calloc(n ? n : 1, sizeof(*r.slots));
	items = calloc(n ? n : 1, sizeof(*items));
	if (!r.slots || !items) {
		ret = -ENOMEM;
		fprintf(stderr, PROG ": %s: out of memory\n", file);
		goto out;
	}
	cmt_parallel(n, o->jobs, sign_one, &r);
	for (size_t i = 0; i < n; i++) {
		if (r.slots[i].err) {
			failed++;
			fprintf(stderr, PROG ": %s: %s: %s\n", file, files[i].path,
				r.slots[i].msg[0] ? r.slots[i].msg : strerror(-r.slots[i].err));
			continue;
		}
		if (o->verbose)
			fprintf(stderr, PROG ": %s: %s: signed\n", file, files[i].path);
		items[i].path = files[i].path;
		items[i].hash_algo = o->algo;
		items[i].digest = r.slots[i].digest;
		items[i].digest_len = (size_t)r.slots[i].digest_len;
		items[i].xattr = r.slots[i].xattr;
		items[i].xattr_len = (size_t)r.slots[i].xattr_len;
	}
	if (failed) {
		ret = -EIO;
		goto out;
	}
	ret = cm_manifest_build_ex(items, n, o->algo, signer,
				   CM_MANIFEST_EMBED_CERT, &mf, &mf_len, err,
				   sizeof(err));
	if (ret) {
		fprintf(stderr, PROG ": %s: manifest: %s\n", file, err);
		goto out;
	}
	ret = deb_build_data(&d, nw, mf_path, mf, mf_len, &dat);
	if (!ret)
		ret = deb_compress(d.dat_comp, dat.p, dat.len, &datz, o->jobs, &why);
	if (ret) {
		fprintf(stderr, PROG ": %s: new %s: %s\n", file, d.m[d.dat].name,
			why ? why : ret == -ENOTDIR ? "a path to the manifest directory is not a directory" :
			strerror(-ret));
		goto out;
	}
	ret = deb_build_control(&d, files, n, nw, mf_path, mf, mf_len, &ctl,
			    &ctl_changed);
	if (!ret && ctl_changed)
		ret = deb_compress(d.ctl_comp, ctl.p, ctl.len, &ctlz, 1, &why);
	if (ret) {
		fprintf(stderr, PROG ": %s: new %s: %s\n", file, d.m[d.ctl].name,
			why ? why : ret == -ENOTSUP ? "md5sums has an extended header" :
			strerror(-ret));
		goto out;
	}
	ret = deb_buf_add(&deb, "!<arch>\n", 8);
	for (size_t i = 0; !ret && i < d.n_m; i++) {
		if ((int)i == d.dat)
			ret = deb_ar_add(&deb, d.m[i].hdr, datz.p, datz.len);
		else if ((int)i == d.ctl && ctl_changed)
			ret = deb_ar_add(&deb, d.m[i].hdr, ctlz.p, ctlz.len);
		else
			ret = deb_ar_add(&deb, d.m[i].hdr, d.m[i].data, d.m[i].size);
	}
	if (ret) {
		fprintf(stderr, PROG ": %s: %s\n", file, strerror(-ret));
		goto out;
	}
	if (o->outdir) {
		const char *base = strrchr(file, '/');

		if (asprintf(&dest, "%s/%s", o->outdir, base ? base + 1 : file) < 0) {
			dest = NULL;
			ret = -ENOMEM;
			goto out;
		}
	}
	ret = cmt_write_atomic(dest ? dest : file, deb.p, deb.len, 0644);
	if (ret) {
		fprintf(stderr, PROG ": %s: %s\n", dest ? dest : file, strerror(-ret));
		goto out;
	}
	*bytes_in += d.raw_len;
	*bytes_out += deb.len;
	if (!o->quiet) {
		char notes[120] = "";

		if (o->notes && n_notes)
			snprintf(notes, sizeof(notes),
				 " (%zu ELF files got the note: their bytes and md5sums lines changed)",
				 n_notes);
		else if (o->notes)
			snprintf(notes, sizeof(notes), " (no ELF file: nothing changed)");
		fprintf(stderr, PROG ": %s: %zu files signed%s, /%s (%zu bytes), keyid %08x, %+lld bytes\n",
			dest ? dest : file, n, notes, mf_path, mf_len,
			cm_signer_keyid(signer),
			(long long)deb.len - (long long)d.raw_len);
	}
	if (o->notes && o->verbose)
		for (size_t i = 0; i < n; i++)
			if (!files[i].is_link && nw[files[i].entry].data)
				fprintf(stderr, PROG ": %s: %s: ELF note embedded\n",
					file, files[i].path);
out:
	for (size_t i = 0; nw && i < d.dat_t.n; i++)
		free(nw[i].data);
	free(nw);
	free(dest);
	free(mf);
	free(items);
	free(r.slots);
	free(files);
	deb_buf_free(&ctl);
	deb_buf_free(&dat);
	deb_buf_free(&ctlz);
	deb_buf_free(&datz);
	deb_buf_free(&deb);
	deb_pkg_free(&d);
	return ret;
}

int cmd_deb(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'c' },
		{ "pass-env", required_argument, NULL, 'E' },
		{ "pass-file", required_argument, NULL, 'F' },
		{ "output", required_argument, NULL, 'o' },
		{ "hash", required_argument, NULL, 'H' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "elf-notes", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct deb_opts o = { .algo = CM_HASH_SHA256 };
	struct cm_signer *signer;
	size_t bytes_in = 0, bytes_out = 0;
	char err[512] = "";
	int c, ret, failed = 0, npkg;
	double t0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:j:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			o.key.key = optarg;
			break;
		case 'c':
			o.key.cert = optarg;
			break;
		case 'E':
			o.key.pass_env = optarg;
			break;
		case 'F':
			o.key.pass_file = optarg;
			break;
		case 'o':
			o.outdir = optarg;
			break;
		case 'H':
			o.algo = cm_hash_from_name(optarg);
			if (o.algo < 0 || o.algo == CM_HASH_SHA224) {
				fprintf(stderr, PROG ": --hash %s: use sha256, sha384 or sha512\n", optarg);
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
			o.jobs = (int)v;
			break;
		}
		case 'q':
			o.quiet = 1;
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'N':
			o.notes = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'cmsign deb --help'.\n");
			return 2;
		}
	}
	if (!o.key.key || !o.key.cert || optind >= argc) {
		fprintf(stderr, PROG ": --key, --cert and at least one PKG.deb are required\nTry 'cmsign deb --help'.\n");
		return 2;
	}
	if (!o.jobs)
		o.jobs = cmt_ncpus();
	ret = cm_signer_load(&o.key, &signer, err, sizeof(err));
	if (ret) {
		fprintf(stderr, PROG ": %s\n", err);
		return 2;
	}
	npkg = argc - optind;
	t0 = now();
	for (int i = optind; i < argc; i++)
		if (resign(&o, signer, argv[i], &bytes_in, &bytes_out))
			failed++;
	if (!o.quiet) {
		double el = now() - t0;

		fprintf(stderr, PROG ": %d signed, %d failed (%.1f MB in, %.1f MB out, %.2f s)\n",
			npkg - failed, failed, (double)bytes_in / 1e6,
			(double)bytes_out / 1e6, el);
	}
	cm_signer_free(signer);
	return failed ? 1 : 0;
}
