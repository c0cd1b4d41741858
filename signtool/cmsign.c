// SPDX-License-Identifier: MIT
/*
 * cmsign: sign files in place (security.ima and/or the ELF note), build
 * manifests for package roots, apply them at install time.  CLI glue only:
 * the signing itself is libcryptomark's.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
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
"       cmsign manifest --key KEY --cert CERT --root DIR -o MANIFEST\n"
"       cmsign apply --manifest MANIFEST --root DIR --cert CERT\n"
"       cmsign deb --key KEY --cert CERT [-o DIR] PKG.deb...\n"
"\n"
"Signs each PATH in place so that cmverify, evmctl and the kernel (IMA\n"
"appraisal or the cryptomark LSM) accept it.\n"
"\n"
"Options:\n"
"  --key KEY          private key: PEM file (RSA 2048-4096, ECDSA P-256/P-384)\n"
"                     or an RFC 7512 pkcs11: URI (PKCS11_MODULE_PATH or\n"
"                     module-path= selects the module)\n"
"  --cert CERT        the signer's X.509 certificate, PEM or DER; it must match\n"
"                     KEY and carry a subjectKeyIdentifier (the IMA key id)\n"
"  --pass-env VAR     read an encrypted key's passphrase from variable VAR\n"
"  --pass-file FILE   read it from the first line of FILE\n"
"  --hash ALGO        sha256 (default), sha384 or sha512\n"
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
	int jobs;
	int json;
	int quiet;
	int verbose;
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
	pthread_mutex_t out_lock;
	size_t printed;		/* results printed in walk order so far */
	char *done;
	int failed, skipped;
	int json_first;
};

static void __attribute__((format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'cmsign --help'.\n");
}

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

	if (err) {
		r->failed++;
		fprintf(stderr, PROG ": %s: %s%s%s\n", path, what,
			strcmp(what, "io") ? "" : ": ", strcmp(what, "io") ? "" : strerror(-err));
		if (r->o->json)
			json_result(r, path, err, what);
		return;
	}
	r->skipped++;
	if (!r->o->quiet)
		fprintf(stderr, PROG ": %s: %s\n", path, what);
}

/* Prints finished results in walk order, so output is deterministic. */
static void flush_results(struct sign_run *r)
{
	while (r->printed < r->files.n && r->done[r->printed]) {
		const char *path = r->files.v[r->printed].path;
		struct file_result *fr = &r->res[r->printed];

		if (fr->skipped) {
			r->skipped++;
			if (!r->o->quiet) {
				cmt_progress_clear(r->progress);
				fprintf(stderr, PROG ": %s: skipped: not an ELF file\n", path);
			}
		} else if (fr->err) {
			r->failed++;
			cmt_progress_clear(r->progress);
			fprintf(stderr, PROG ": %s: %s\n", path, fr->msg);
		} else if (r->o->verbose) {
			cmt_progress_clear(r->progress);
			fprintf(stderr, PROG ": %s: signed\n", path);
		}
		if (r->o->json)
			json_result(r, path, fr->err,
				    fr->skipped ? "skipped" : fr->msg);
		r->printed++;
	}
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
	pthread_mutex_lock(&r->out_lock);
	r->done[i] = 1;
	flush_results(r);
	pthread_mutex_unlock(&r->out_lock);
	cmt_progress_step(r->progress, r->files.v[i].size);
}

static int parse_carrier(const char *s)
{
	if (!strcmp(s, "xattr"))
		return CM_CARRIER_XATTR;
	if (!strcmp(s, "note"))
		return CM_CARRIER_NOTE;
	if (!strcmp(s, "both"))
		return CM_CARRIER_BOTH;
	return -1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cmd_sign(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "cert", required_argument, NULL, 'c' },
		{ "pass-env", required_argument, NULL, 'E' },
		{ "pass-file", required_argument, NULL, 'F' },
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
	struct sign_opts o = { .algo = CM_HASH_SHA256,
			       .carrier = CM_CARRIER_XATTR };
	struct sign_run r = { .o = &o, .json_first = 1 };
	char err[512] = "";
	double t0;
	int c, ret;

	while ((c = getopt_long(argc, argv, "rj:qvh", longopts, NULL)) != -1) {
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
		case 'H':
			o.algo = cm_hash_from_name(optarg);
			if (o.algo < 0 || o.algo == CM_HASH_SHA224) {
				usage_error("--hash %s: use sha256, sha384 or sha512", optarg);
				return 2;
			}
			break;
		case 'C':
			o.carrier = parse_carrier(optarg);
			if (o.carrier < 0) {
				usage_error("--carrier %s: use xattr, note or both", optarg);
				return 2;
			}
			break;
		case 'N':
			if (!strcmp(optarg, "error"))
				o.non_elf = NON_ELF_ERROR;
			else if (!strcmp(optarg, "skip"))
				o.non_elf = NON_ELF_SKIP;
			else if (!strcmp(optarg, "xattr"))
				o.non_elf = NON_ELF_XATTR;
			else {
				usage_error("--non-elf %s: use error, skip or xattr", optarg);
				return 2;
			}
			break;
		case 'r':
			o.recursive = 1;
			break;
		case 'j': {
			char *end;
			long n = strtol(optarg, &end, 10);

			if (*end || n < 1 || n > 1024) {
				usage_error("-j %s: give a number of threads from 1 to 1024", optarg);
				return 2;
			}
			o.jobs = (int)n;
			break;
		}
		case 'J':
			o.json = 1;
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		default:
			fprintf(stderr, "Try 'cmsign --help'.\n");
			return 2;
		}
	}
	if (!o.key.key || !o.key.cert) {
		usage_error("%s", "--key and --cert are required");
		return 2;
	}
	if (optind >= argc) {
		usage_error("%s", "no PATH to sign");
		return 2;
	}
	if (!o.jobs)
		o.jobs = cmt_ncpus();

	ret = cm_signer_load(&o.key, &r.signer, err, sizeof(err));
	if (ret) {
		fprintf(stderr, PROG ": %s\n", err);
		return 2;
	}
	if (o.json)
		printf("{\n  \"results\": [");
	t0 = now();
	cmt_walk(argv + optind, o.recursive, &r.files, report_skip, &r);
	r.res = calloc(r.files.n ? r.files.n : 1, sizeof(*r.res));
	r.done = calloc(r.files.n ? r.files.n : 1, 1);
	if (!r.res || !r.done) {
		fprintf(stderr, PROG ": out of memory\n");
		return 2;
	}
	pthread_mutex_init(&r.out_lock, NULL);
	r.progress = cmt_progress_new("signing", r.files.n, r.files.bytes,
				     !o.quiet);
	cmt_parallel(r.files.n, o.jobs, sign_one, &r);
	cmt_progress_free(r.progress);
	{
		double el = now() - t0;
		size_t nsigned = 0;

		for (size_t i = 0; i < r.files.n; i++)
			nsigned += !r.res[i].err && !r.res[i].skipped;
		if (o.json)
			printf("\n  ],\n  \"summary\": {\"signed\": %zu, \"failed\": %d, \"skipped\": %d, \"bytes\": %llu, \"seconds\": %.3f}\n}\n",
			       nsigned, r.failed, r.skipped,
			       (unsigned long long)r.files.bytes, el);
		if (!o.quiet)
			fprintf(stderr, PROG ": %zu signed, %d failed, %d skipped (%.1f MB in %.2f s)\n",
				nsigned, r.failed, r.skipped,
				(double)r.files.bytes / 1e6, el);
	}
	ret = r.failed ? 1 : 0;
	cmt_filelist_free(&r.files);
	free(r.res);
	free(r.done);
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
	return cmd_sign(argc, argv);
}
