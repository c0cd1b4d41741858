// SPDX-License-Identifier: MIT
/*
 * cmsign: sign files in place (security.ima and/or the ELF note), build
 * manifests for package roots, apply them at install time.  CLI glue only:
 * the signing itself is libcryptomark's.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cryptomark/cryptomark.h>
#include "cmtool.h"
#include "signtool.h"

#define PROG "cmsign"

static const char usage_text[] =
"Usage: cmsign --key KEY --cert CERT [options] PATH...\n"
"  or:  cmsign manifest --key KEY --cert CERT --root DIR -o MANIFEST\n"
"  or:  cmsign apply --manifest MANIFEST --root DIR --cert CERT\n"
"  or:  cmsign deb --key KEY --cert CERT [-o DIR] PKG.deb...\n"
"  or:  cmsign preload [--signers DIR] [--securityfs FILE] (PKG.deb... | --stdin)\n"
"  or:  cmsign preload --clear [--securityfs FILE]\n"
"\n"
"Signs each PATH in place so that cmverify, evmctl and the kernel (IMA\n"
"appraisal or the cryptomark LSM) accept it.\n"
"\n"
"Subcommands (each has its own --help):\n"
"  manifest           sign a package root into a signed manifest\n"
"  apply              write a trusted manifest's signatures onto the installed\n"
"                     files (the dpkg hook)\n"
"  deb                add a signed manifest to prebuilt .deb packages, their\n"
"                     maintainer scripts included\n"
"  preload            check packages' manifests and load their digests into\n"
"                     the cryptomark LSM before dpkg unpacks them (apt's\n"
"                     pre-install hook); --clear empties the table\n"
"\n"
"Options:\n"
"  -k, --key KEY      private key: PEM file (RSA 2048-4096, ECDSA P-256/P-384)\n"
"                     or an RFC 7512 pkcs11: URI (PKCS11_MODULE_PATH or\n"
"                     module-path= selects the module)\n"
"  --cert CERT        the signer's X.509 certificate, PEM or DER; it must match\n"
"                     KEY and carry a subjectKeyIdentifier (the IMA key id)\n"
"  --pass-env VAR     read an encrypted key's passphrase from variable VAR\n"
"  --pass-file FILE   read it from the first line of FILE\n"
"  -a, --hash ALGO    sha256 (default), sha384 or sha512\n"
"  --carrier C        xattr (default): security.ima, IMA signature v2;\n"
"                     note: a .note.cryptomark section embedded in ELF files;\n"
"                     both: the note, then security.ima over the final bytes\n"
"  --non-elf P        with --carrier note/both, what to do with a file that is\n"
"                     not ELF: error (default; the file is untouched), skip\n"
"                     (reported), or xattr (sign it with security.ima only)\n"
"  -r, --recursive    walk directories; symlinks are never followed, a\n"
"                     hard-linked file is signed once; skipped entries are\n"
"                     reported\n"
"  -j, --jobs N       worker threads (default: online CPUs)\n"
"  --json             print a JSON document of results on stdout\n"
"  -q, --quiet        no progress bar, no summary, no skip notices\n"
"  -v, --verbose      name every file signed\n"
"  -h, --help         this text\n"
"  --version          print the version\n"
"\n"
"Exit status: 0 if every file was signed; 1 if any failed (one line per\n"
"failing file on stderr names it and the cause); 2 on a usage or key error.\n";

enum non_elf { NON_ELF_ERROR, NON_ELF_SKIP, NON_ELF_XATTR };

struct sign_opts {
	struct cm_signer_opts key;
	int algo;
	int carrier;
	enum non_elf non_elf;
	int recursive;
	int json;
	struct cmt_common run;	/* -j, -q, -v */
	char **paths;
};

struct file_result {
	int err;
	int skipped;	/* not ELF, --non-elf skip */
	char msg[200];
};

struct sign_run {
	const struct sign_opts *o;
	struct cm_signer *signer;
	struct cmt_filelist files;
	struct file_result *res;
	struct cmt_progress *progress;
	struct cmt_ordered order;
	int failed, skipped;
	int json_first;
};

static const struct cmt_cli cli = { PROG, "cmsign" };

static void json_result(struct sign_run *r, const char *path, int err,
			const char *msg)
{
	printf("%s\n    {\"path\": ", r->json_first ? "" : ",");
	r->json_first = 0;
	cmt_json_str(stdout, path);
	printf(", \"status\": \"%s\"", err ? "error" : msg && !strcmp(msg, "skipped") ? "skipped" : "signed");
	if (err) {
		printf(", \"error\": ");
		cmt_json_str(stdout, msg);
	}
	printf("}");
}

static void report_skip(void *ctx, const char *path, const char *what,
			int err)
{
	struct sign_run *r = ctx;
	char msg[256];

	if (err) {
		r->failed++;
		if (strcmp(what, "io"))
			snprintf(msg, sizeof(msg), "%s", what);
		else
			snprintf(msg, sizeof(msg), "io: %s", strerror(-err));
		fprintf(stderr, PROG ": %s: %s\n", path, msg);
		if (r->o->json)
			json_result(r, path, err, msg);
		return;
	}
	r->skipped++;
	if (!r->o->run.quiet)
		fprintf(stderr, PROG ": %s: %s\n", path, what);
}

/* One finished file, printed in walk order (cmt_ordered_done). */
static void emit_result(void *ctx, size_t i)
{
	struct sign_run *r = ctx;
	const char *path = r->files.v[i].path;
	struct file_result *fr = &r->res[i];

	if (fr->skipped) {
		r->skipped++;
		if (!r->o->run.quiet) {
			cmt_progress_clear(r->progress);
			fprintf(stderr, PROG ": %s: skipped: not an ELF file\n", path);
		}
	} else if (fr->err) {
		r->failed++;
		cmt_progress_clear(r->progress);
		fprintf(stderr, PROG ": %s: %s\n", path, fr->msg);
	} else if (r->o->run.verbose) {
		cmt_progress_clear(r->progress);
		fprintf(stderr, PROG ": %s: signed\n", path);
	}
	if (r->o->json)
		json_result(r, path, fr->err, fr->skipped ? "skipped" : fr->msg);
}

static void sign_one(void *ctx, size_t i)
{
	struct sign_run *r = ctx;
	struct file_result *fr = &r->res[i];

	fr->err = cm_sign_path(r->signer, r->o->algo, r->files.v[i].path,
			       r->o->carrier, fr->msg, sizeof(fr->msg));
	if (fr->err == -ENOEXEC && r->o->non_elf == NON_ELF_XATTR) {
		fr->msg[0] = '\0';
		fr->err = cm_sign_path(r->signer, r->o->algo, r->files.v[i].path,
				       CM_CARRIER_XATTR, fr->msg, sizeof(fr->msg));
	} else if (fr->err == -ENOEXEC && r->o->non_elf == NON_ELF_SKIP) {
		fr->err = 0;
		fr->skipped = 1;
	} else if (fr->err == -ENOEXEC && !fr->msg[0]) {
		snprintf(fr->msg, sizeof(fr->msg),
			 "not an ELF file: the note carrier needs one (file untouched; see --non-elf)");
	}
	if (fr->err && !fr->msg[0])
		snprintf(fr->msg, sizeof(fr->msg), "%s", strerror(-fr->err));
	cmt_ordered_done(&r->order, i, emit_result, r);
	cmt_progress_step(r->progress, r->files.v[i].size);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_non_elf(const char *arg, enum non_elf *out)
{
	if (!strcmp(arg, "error"))
		*out = NON_ELF_ERROR;
	else if (!strcmp(arg, "skip"))
		*out = NON_ELF_SKIP;
	else if (!strcmp(arg, "xattr"))
		*out = NON_ELF_XATTR;
	else {
		cmt_usage(&cli, "--non-elf %s: use error, skip or xattr", arg);
		return -EINVAL;
	}
	return 0;
}

/* One option of cmd_sign: 0, 1 (stop, exit 0: --help), or -EINVAL. */
static int sign_opt(void *ctx, int c, char *arg)
{
	struct sign_opts *o = ctx;

	if (cmt_opt_key(&o->key, c, arg))
		return 0;
	switch (c) {
	case 'a':
	case 'H':
		return cmt_opt_sign_hash(&cli, arg, &o->algo);
	case 'C':
		return cmt_opt_carrier(&cli, arg, CMT_CARRIER_ALLOW(CM_CARRIER_XATTR) |
				       CMT_CARRIER_ALLOW(CM_CARRIER_NOTE) |
				       CMT_CARRIER_ALLOW(CM_CARRIER_BOTH), &o->carrier);
	case 'N':
		return parse_non_elf(arg, &o->non_elf);
	case 'r':
		o->recursive = 1;
		return 0;
	case 'J':
		o->json = 1;
		return 0;
	default:
		return cmt_opt_common(&cli, &o->run, c, arg, usage_text);
	}
}

/* cmd_sign's command line: 0 run, 1 done (--help), 2 usage error. */
static int sign_parse(int argc, char **argv, struct sign_opts *o)
{
	static const struct option longopts[] = {
		CMT_KEY_LONGOPTS,
		{ "hash", required_argument, NULL, 'H' },
		{ "carrier", required_argument, NULL, 'C' },
		{ "non-elf", required_argument, NULL, 'N' },
		{ "recursive", no_argument, NULL, 'r' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "json", no_argument, NULL, 'J' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ret;

	*o = (struct sign_opts){ .algo = CM_HASH_SHA256,
				 .carrier = CM_CARRIER_XATTR };
	ret = cmt_getopt(argc, argv, "k:a:rj:qvh", longopts, sign_opt, o);
	if (ret)
		return ret;
	if (!o->key.key || !o->key.cert) {
		cmt_usage(&cli, "%s", "--key and --cert are required");
		return 2;
	}
	if (optind >= argc) {
		cmt_usage(&cli, "%s", "no PATH to sign");
		return 2;
	}
	o->paths = argv + optind;
	o->run.jobs = cmt_jobs(o->run.jobs);
	return 0;
}

static void sign_summary(const struct sign_run *r, double el)
{
	size_t nsigned = 0;

	for (size_t i = 0; i < r->files.n; i++)
		nsigned += !r->res[i].err && !r->res[i].skipped;
	if (r->o->json)
		printf("\n  ],\n  \"summary\": {\"signed\": %zu, \"failed\": %d, \"skipped\": %d, \"bytes\": %llu, \"seconds\": %.3f}\n}\n",
		       nsigned, r->failed, r->skipped,
		       (unsigned long long)r->files.bytes, el);
	if (!r->o->run.quiet)
		fprintf(stderr, PROG ": %zu signed, %d failed, %d skipped (%.1f MB in %.2f s)\n",
			nsigned, r->failed, r->skipped,
			(double)r->files.bytes / 1e6, el);
}

/* Signs o->paths with a loaded signer: 0, 1 (a file failed) or 2. */
static int sign_run(struct sign_run *r)
{
	const struct sign_opts *o = r->o;
	double t0 = now();

	if (o->json)
		printf("{\n  \"results\": [");
	cmt_walk(o->paths, o->recursive, &r->files, report_skip, r);
	r->res = calloc(r->files.n ? r->files.n : 1, sizeof(*r->res));
	if (!r->res || cmt_ordered_init(&r->order, r->files.n)) {
		fprintf(stderr, PROG ": out of memory\n");
		return 2;
	}
	r->progress = cmt_progress_new("signing", r->files.n, r->files.bytes,
				       !o->run.quiet);
	cmt_parallel(r->files.n, o->run.jobs, sign_one, r);
	cmt_progress_free(r->progress);
	sign_summary(r, now() - t0);
	return r->failed ? 1 : 0;
}

int cmd_sign(int argc, char **argv)
{
	struct sign_opts o;
	struct sign_run r = { .o = &o, .json_first = 1 };
	int ret;

	ret = sign_parse(argc, argv, &o);
	if (ret)
		return ret == 1 ? 0 : ret;
	if (cmt_signer_load(&cli, &o.key, &r.signer))
		return 2;
	ret = sign_run(&r);
	cmt_ordered_free(&r.order);
	cmt_filelist_free(&r.files);
	free(r.res);
	cm_signer_free(r.signer);
	return ret;
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "--version")) {
		printf("cmsign (cryptomark) %s\n", CM_VERSION);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "manifest"))
		return cmd_manifest(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "apply"))
		return cmd_apply(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "deb"))
		return cmd_deb(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "preload"))
		return cmd_preload(argc - 1, argv + 1);
	return cmd_sign(argc, argv);
}
