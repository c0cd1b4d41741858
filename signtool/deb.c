// SPDX-License-Identifier: MIT
/*
 * cmsign deb: add a signed cryptomark manifest to prebuilt .deb packages,
 * without rebuilding them (what rpmsign --addsign --signfiles does for RPM).
 *
 * The manifest lists every regular file of data.tar and every maintainer
 * script of control.tar, at the path dpkg installs it to
 * (var/lib/dpkg/info/PKG.SCRIPT, PKG:ARCH.SCRIPT for Multi-Arch: same).
 * It goes into data.tar as one more regular file,
 *
 *   ./usr/share/cryptomark/manifests/PACKAGE_ARCH.cmm
 *
 * appended after the package's own entries (plus the directories leading
 * to it when the package has none), so dpkg installs it like any file the
 * package owns and cryptomark's dpkg hook applies it; and the same bytes
 * go into a trailing ar member "_cryptomark" (deb(5): dpkg skips "_"
 * members), which `cmsign preload` reads before dpkg unpacks anything
 * without decompressing data.tar.  Every byte of the
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

#include "cmtool.h"
#include "debfmt.h"
#include "debpkg.h"
#include "signtool.h"

#define PROG "cmsign deb"

static const char usage_text[] =
"Usage: cmsign deb --key KEY --cert CERT [-o DIR] [options] PKG.deb...\n"
"\n"
"Adds a signed cryptomark manifest to each prebuilt Debian package without\n"
"rebuilding it: every regular file of data.tar and every maintainer script\n"
"(as /var/lib/dpkg/info/PKG.SCRIPT, PKG:ARCH.SCRIPT for Multi-Arch: same) is\n"
"hashed and signed, and the manifest is added to data.tar as\n"
"  /usr/share/cryptomark/manifests/PACKAGE_ARCH.cmm\n"
"(its md5sums line too), which cryptomark's dpkg hook applies at install,\n"
"and as a trailing ar member _cryptomark, which `cmsign preload` (apt's\n"
"pre-install hook) reads before dpkg unpacks the package.\n"
"The packaged files stay byte for byte as they were (unless --elf-notes).\n"
"With an RSA key the output is deterministic.\n"
"\n"
"Options:\n"
"  -k, --key KEY, --cert CERT, --pass-env VAR, --pass-file FILE   as for cmsign\n"
"  -o, --output DIR   write the signed packages into DIR (same file names);\n"
"                     default: replace each PKG.deb (atomically)\n"
"  -a, --hash ALGO    sha256 (default), sha384 or sha512\n"
"  --elf-notes        also embed the .note.cryptomark signature into every\n"
"                     ELF file (signed even where xattrs are lost); those\n"
"                     files' bytes change, md5sums is updated for them, and\n"
"                     the summary line says so\n"
"  -j, --jobs N       worker threads (default: online CPUs)\n"
"  -q, --quiet        no summary lines\n"
"  -v, --verbose      name every file signed\n"
"\n"
"A package that already ships a manifest (at that path, or as a _cryptomark\n"
"member) is refused.\n"
"Exit status: 0 if every package was signed; 1 if any failed (each is named\n"
"with the cause, and nothing is written for it); 2 on a usage or key error.\n";

struct deb_opts {
	struct cm_signer_opts key;
	int algo;
	const char *outdir;
	struct cmt_common run;	/* -j, -q, -v */
	int notes;		/* --elf-notes: embed the note into ELF files */
};

/* One package being signed: what resign()'s steps hand each other. */
struct df_run {
	const struct deb_opts *o;
	struct cm_signer *signer;
	const char *file;
	struct deb_pkg d;
	struct df_file *files;
	size_t n, n_notes;
	struct df_script scripts[DEB_MAX_SCRIPTS];	/* signed after files[] */
	size_t n_scripts;
	struct st_entry *slots;
	struct df_new *nw;
	char mf_path[512];
	uint8_t *mf;
	size_t mf_len;
	struct deb_buf ctl, dat, ctlz, datz, deb;
	int ctl_changed;
	char *dest;
};

static const struct cmt_cli cli = { PROG, "cmsign deb" };

static void sign_one(void *ctx, size_t i)
{
	struct df_run *r = ctx;

	if (i < r->n)
		st_entry_sign_buf(&r->slots[i], r->signer, r->o->algo,
				  r->files[i].data, (size_t)r->files[i].size);
	else
		st_entry_sign_buf(&r->slots[i], r->signer, r->o->algo,
				  r->scripts[i - r->n].data,
				  (size_t)r->scripts[i - r->n].size);
}

/* Entry i: the files of data.tar, then the maintainer scripts. */
static const char *item_path(void *ctx, size_t i)
{
	const struct df_run *r = ctx;

	return i < r->n ? r->files[i].path : r->scripts[i - r->n].path;
}

/*
 * Every file of data.tar and every maintainer script signed, the manifest
 * built (the library sorts the entries by path): 0, or printed.
 */
static int sign_files(struct df_run *r)
{
	size_t total = r->n + r->n_scripts;
	struct cm_manifest_item *items;
	char err[512] = "";
	int ret, failed;

	r->slots = calloc(total ? total : 1, sizeof(*r->slots));
	items = calloc(total ? total : 1, sizeof(*items));
	if (!r->slots || !items) {
		free(items);
		fprintf(stderr, PROG ": %s: out of memory\n", r->file);
		return -ENOMEM;
	}
	cmt_parallel(total, r->o->run.jobs, sign_one, r);
	for (size_t i = 0; i < total; i++)
		if (r->slots[i].err)
			fprintf(stderr, PROG ": %s: %s: %s\n", r->file,
				item_path(r, i), st_entry_error(&r->slots[i]));
		else if (r->o->run.verbose)
			fprintf(stderr, PROG ": %s: %s: signed\n", r->file,
				item_path(r, i));
	st_entries_to_items(r->slots, total, item_path, r, r->o->algo, items,
			    &failed);
	ret = failed ? -EIO :
	      cm_manifest_build_ex(items, total, r->o->algo, r->signer,
				   CM_MANIFEST_EMBED_CERT, &r->mf, &r->mf_len,
				   err, sizeof(err));
	if (ret && !failed)
		fprintf(stderr, PROG ": %s: manifest: %s\n", r->file, err);
	free(items);
	return ret;
}

/*
 * The trailing ar member _cryptomark: the manifest's bytes, under a header
 * like data.tar's (its mtime, owner and mode; no clock), its name written
 * as dpkg-deb writes its own members' (no GNU '/').
 */
static int add_mf_member(struct df_run *r)
{
	uint8_t hdr[60];

	memcpy(hdr, r->d.m[r->d.dat].hdr, sizeof(hdr));
	memset(hdr, ' ', 16);
	memcpy(hdr, DEB_MF_MEMBER, strlen(DEB_MF_MEMBER));
	return deb_ar_add(&r->deb, hdr, r->mf, r->mf_len);
}

/* The new data.tar, control.tar (if md5sums changed) and ar archive. */
static int rebuild(struct df_run *r)
{
	struct deb_pkg *d = &r->d;
	const char *why = NULL;
	int ret;

	ret = deb_build_data(d, r->nw, r->mf_path, r->mf, r->mf_len, &r->dat);
	if (!ret)
		ret = deb_compress(d->dat_comp, r->dat.p, r->dat.len, &r->datz,
				   r->o->run.jobs, &why);
	if (ret) {
		fprintf(stderr, PROG ": %s: new %s: %s\n", r->file, d->m[d->dat].name,
			why ? why : ret == -ENOTDIR ? "a path to the manifest directory is not a directory" :
			strerror(-ret));
		return ret;
	}
	ret = deb_build_control(d, r->files, r->n, r->nw, r->mf_path, r->mf,
				r->mf_len, &r->ctl, &r->ctl_changed);
	if (!ret && r->ctl_changed)
		ret = deb_compress(d->ctl_comp, r->ctl.p, r->ctl.len, &r->ctlz, 1, &why);
	if (ret) {
		fprintf(stderr, PROG ": %s: new %s: %s\n", r->file, d->m[d->ctl].name,
			why ? why : ret == -ENOTSUP ? "md5sums has an extended header" :
			strerror(-ret));
		return ret;
	}
	ret = deb_buf_add(&r->deb, "!<arch>\n", 8);
	for (size_t i = 0; !ret && i < d->n_m; i++) {
		if ((int)i == d->dat)
			ret = deb_ar_add(&r->deb, d->m[i].hdr, r->datz.p, r->datz.len);
		else if ((int)i == d->ctl && r->ctl_changed)
			ret = deb_ar_add(&r->deb, d->m[i].hdr, r->ctlz.p, r->ctlz.len);
		else
			ret = deb_ar_add(&r->deb, d->m[i].hdr, d->m[i].data, d->m[i].size);
	}
	if (!ret)
		ret = add_mf_member(r);
	if (ret)
		fprintf(stderr, PROG ": %s: %s\n", r->file, strerror(-ret));
	return ret;
}

/* The new .deb replaces the old one, or goes into --output DIR. */
static int write_deb(struct df_run *r)
{
	const char *base = strrchr(r->file, '/');
	int ret;

	if (r->o->outdir &&
	    asprintf(&r->dest, "%s/%s", r->o->outdir, base ? base + 1 : r->file) < 0) {
		r->dest = NULL;
		return -ENOMEM;
	}
	ret = cmt_write_atomic(r->dest ? r->dest : r->file, r->deb.p,
			       r->deb.len, 0644);
	if (ret)
		fprintf(stderr, PROG ": %s: %s\n", r->dest ? r->dest : r->file,
			strerror(-ret));
	return ret;
}

static void report(const struct df_run *r)
{
	const struct deb_opts *o = r->o;
	char notes[120] = "";

	if (!o->run.quiet) {
		if (o->notes && r->n_notes)
			snprintf(notes, sizeof(notes),
				 " (%zu ELF files got the note: their bytes and md5sums lines changed)",
				 r->n_notes);
		else if (o->notes)
			snprintf(notes, sizeof(notes), " (no ELF file: nothing changed)");
		fprintf(stderr, PROG ": %s: %zu files and %zu maintainer scripts signed%s, /%s and member " DEB_MF_MEMBER " (%zu bytes), keyid %08x, %+lld bytes\n",
			r->dest ? r->dest : r->file, r->n, r->n_scripts, notes, r->mf_path,
			r->mf_len, cm_signer_keyid(r->signer),
			(long long)r->deb.len - (long long)r->d.raw_len);
	}
	if (o->notes && o->run.verbose)
		for (size_t i = 0; i < r->n; i++)
			if (!r->files[i].is_link && r->nw[r->files[i].entry].data)
				fprintf(stderr, PROG ": %s: %s: ELF note embedded\n",
					r->file, r->files[i].path);
}

static void df_run_free(struct df_run *r)
{
	for (size_t i = 0; r->nw && i < r->d.dat_t.n; i++)
		free(r->nw[i].data);
	free(r->nw);
	free(r->dest);
	free(r->mf);
	free(r->slots);
	free(r->files);
	deb_scripts_free(r->scripts, r->n_scripts);
	deb_buf_free(&r->ctl);
	deb_buf_free(&r->dat);
	deb_buf_free(&r->ctlz);
	deb_buf_free(&r->datz);
	deb_buf_free(&r->deb);
	deb_pkg_free(&r->d);
}

/* Signs one package.  0, or an error already printed. */
static int resign(const struct deb_opts *o, struct cm_signer *signer,
		  const char *file, size_t *bytes_in, size_t *bytes_out)
{
	struct df_run r = { .o = o, .signer = signer, .file = file,
			    .d = { .file = file } };
	int ret;

	ret = deb_pkg_open(&r.d);
	if (ret)
		goto out;
	snprintf(r.mf_path, sizeof(r.mf_path), MANIFEST_DIR "/%s_%s.cmm",
		 r.d.package, r.d.arch);
	for (size_t i = 0; i < r.d.n_m; i++)
		if (!strcmp(r.d.m[i].name, DEB_MF_MEMBER)) {
			fprintf(stderr, PROG ": %s: already has a " DEB_MF_MEMBER " member: not signed again\n",
				file);
			ret = -EEXIST;
			goto out;
		}
	ret = deb_list_files(&r.d, r.mf_path, &r.files, &r.n);
	if (!ret)
		ret = deb_list_scripts(&r.d, r.scripts, &r.n_scripts);
	if (!ret && o->notes)
		ret = deb_embed_notes(signer, o->algo, o->run.jobs, &r.d, r.files,
				      r.n, &r.nw, &r.n_notes);
	if (!ret)
		ret = sign_files(&r);
	if (!ret)
		ret = rebuild(&r);
	if (!ret)
		ret = write_deb(&r);
	if (ret)
		goto out;
	*bytes_in += r.d.raw_len;
	*bytes_out += r.deb.len;
	report(&r);
out:
	df_run_free(&r);
	return ret;
}

/* One option: 0, 1 (stop, exit 0: --help) or negative. */
static int deb_opt(void *ctx, int c, char *arg)
{
	struct deb_opts *o = ctx;

	if (cmt_opt_key(&o->key, c, arg))
		return 0;
	switch (c) {
	case 'o':
		o->outdir = arg;
		return 0;
	case 'a':
	case 'H':
		return cmt_opt_sign_hash(&cli, arg, &o->algo);
	case 'N':
		o->notes = 1;
		return 0;
	default:
		return cmt_opt_common(&cli, &o->run, c, arg, usage_text);
	}
}

/* The command line: 0 run, 1 done (--help), 2 usage error. */
static int deb_parse(int argc, char **argv, struct deb_opts *o)
{
	static const struct option longopts[] = {
		CMT_KEY_LONGOPTS,
		{ "output", required_argument, NULL, 'o' },
		{ "hash", required_argument, NULL, 'H' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "elf-notes", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ret;

	ret = cmt_getopt(argc, argv, "k:a:o:j:qvh", longopts, deb_opt, o);
	if (ret)
		return ret;
	if (!o->key.key || !o->key.cert || optind >= argc) {
		fprintf(stderr, PROG ": --key, --cert and at least one PKG.deb are required\nTry 'cmsign deb --help'.\n");
		return 2;
	}
	o->run.jobs = cmt_jobs(o->run.jobs);
	return 0;
}

int cmd_deb(int argc, char **argv)
{
	struct deb_opts o = { .algo = CM_HASH_SHA256 };
	struct cm_signer *signer;
	size_t bytes_in = 0, bytes_out = 0;
	int ret, failed = 0, npkg;
	double t0;

	ret = deb_parse(argc, argv, &o);
	if (ret)
		return ret == 1 ? 0 : ret;
	if (cmt_signer_load(&cli, &o.key, &signer))
		return 2;
	npkg = argc - optind;
	t0 = cmt_now();
	for (int i = optind; i < argc; i++)
		if (resign(&o, signer, argv[i], &bytes_in, &bytes_out))
			failed++;
	if (!o.run.quiet)
		fprintf(stderr, PROG ": %d signed, %d failed (%.1f MB in, %.1f MB out, %.2f s)\n",
			npkg - failed, failed, (double)bytes_in / 1e6,
			(double)bytes_out / 1e6, cmt_now() - t0);
	cm_signer_free(signer);
	return failed ? 1 : 0;
}
