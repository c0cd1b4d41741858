// SPDX-License-Identifier: MIT
/*
 * cmverify: verify files offline against trusted signer certificates, the
 * way the kernel will (CI, audits, before switching to enforce).  CLI glue
 * only: the verification itself is libcryptomark's.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include <cryptomark/cryptomark.h>
#include <cryptomark/bundle.h>

#include "cmtool.h"

#define PROG "cmverify"

static const char usage_text[] =
"Usage: cmverify --cert CERT [--cert CERT...] [options] PATH...\n"
"       cmverify --bundle BUNDLE [options] PATH...\n"
"       cmverify --digests [--hash ALG] [-r] PATH...\n"
"\n"
"Verifies the signature of each PATH against the trusted certificates and\n"
"prints one line per file:\n"
"  PATH: ok (keyid 1a2b3c4d, sha256)\n"
"  PATH: FAIL <reason>\n"
"where <reason> is unsigned, bad-signature, unknown-key, revoked,\n"
"untrusted-chain, expired (with --ca),\n"
"malformed: <what>, or io: <errno text>.\n"
"\n"
"Options:\n"
"  -k, --cert CERT    trust this signer certificate (PEM or DER); repeatable\n"
"  --keyring DIR      trust every *.pem, *.der, *.crt, *.cer in DIR\n"
"  --ca CA            trust signer certificates (from --cert and --keyring)\n"
"                     only if they chain to CA (PEM or DER; repeatable): CA\n"
"                     basicConstraints, validity, codeSigning usage and the\n"
"                     bundle's key id revocations are checked; files signed by\n"
"                     a refused one fail with untrusted-chain, expired or\n"
"                     revoked\n"
"  --bundle BUNDLE    trust the certificates of a keyring bundle (cmkeys\n"
"                     bundle) and refuse what it revokes: key ids and file\n"
"                     digests (reason revoked).  Its TPM seal is not checked\n"
"                     here: that is cmkeys unseal's job\n"
"  --carrier C        any (default): passes if a present carrier verifies and\n"
"                     none present is invalid; xattr: security.ima only;\n"
"                     note: the ELF note only; both: both must verify\n"
"  -r, --recursive    walk directories (symlinks are not followed)\n"
"  -j, --jobs N       worker threads (default: online CPUs)\n"
"  --json             JSON document on stdout instead of lines\n"
"  -q, --quiet        print only failures\n"
"  --digests          verify nothing: print, for each PATH, the digest of\n"
"                     every carrier the kernel could check it by:\n"
"                       PATH: xattr ALG:HEX   (the whole file: security.ima)\n"
"                       PATH: note ALG:HEX    (descriptor as zeros; ELF with\n"
"                                              a .note.cryptomark only)\n"
"                     the values a revocation must name (cmkeys bundle\n"
"                     --revoke ALG:HEX); no certificate needed\n"
"  -a, --hash ALG     digest algorithm of --digests (default sha256)\n"
"  -h, --help         this text\n"
"  --version          print the version\n"
"\n"
"Exit status: 0 if every file verified, 1 if any did not, 2 on usage error.\n";

/* A signer certificate --ca refused, so its files name the reason. */
struct refused {
	uint32_t keyid;
	int err;
};

struct verify_run {
	const struct cm_trust *trust;
	struct refused *refused;
	size_t n_refused;
	int carrier;
	int json, quiet;
	struct cmt_filelist files;
	struct cm_verify_result *res;
	struct cmt_ordered order;
	int failed;		/* files and walk errors that failed */
	size_t ok;		/* files that verified */
	size_t walk_failed;	/* paths the walk could not read */
	int json_first;
};

static const struct cmt_cli cli = { PROG, "cmverify" };

/* "malformed: sig_size exceeds the data", "io: Permission denied", ... */
static void reason(const struct cm_verify_result *v, char *buf, size_t len)
{
	const char *word = cm_strerror(v->err);

	if (!strcmp(word, "malformed"))
		snprintf(buf, len, "malformed: %s", v->why ? v->why : strerror(-v->err));
	else if (!strcmp(word, "io"))
		snprintf(buf, len, "io: %s", v->why ? v->why : strerror(-v->err));
	else if (v->err == -ENOEXEC)
		snprintf(buf, len, "unsigned (not an ELF file, no note carrier)");
	else
		snprintf(buf, len, "%s", word);
}

static void print_result(struct verify_run *r, const char *path,
			 const struct cm_verify_result *v)
{
	char why[256];

	if (v->err)
		reason(v, why, sizeof(why));
	for (size_t i = 0; v->err == -ENOKEY && i < r->n_refused; i++)
		if (r->refused[i].keyid == v->keyid)
			snprintf(why, sizeof(why), "%s", cm_strerror(r->refused[i].err));
	if (r->json) {
		printf("%s\n    {\"path\": ", r->json_first ? "" : ",");
		r->json_first = 0;
		cmt_json_str(stdout, path);
		if (v->err) {
			printf(", \"status\": \"fail\", \"reason\": ");
			cmt_json_str(stdout, why);
		} else {
			printf(", \"status\": \"ok\", \"keyid\": \"%08x\", \"hash\": \"%s\", \"carriers\": [%s%s%s]",
			       v->keyid, cm_hash_name(v->hash_algo),
			       v->verified & CM_CARRIER_XATTR ? "\"xattr\"" : "",
			       v->verified == CM_CARRIER_BOTH ? ", " : "",
			       v->verified & CM_CARRIER_NOTE ? "\"note\"" : "");
		}
		printf("}");
		return;
	}
	if (v->err)
		printf("%s: FAIL %s\n", path, why);
	else if (!r->quiet)
		printf("%s: ok (keyid %08x, %s)\n", path, v->keyid,
		       cm_hash_name(v->hash_algo));
}

static void report_walk(void *ctx, const char *path, const char *what,
			int err)
{
	struct verify_run *r = ctx;
	struct cm_verify_result v = { .err = err, .why = NULL };

	if (!err) {
		if (!r->quiet && !r->json)
			fprintf(stderr, PROG ": %s: %s\n", path, what);
		return;
	}
	r->failed++;
	r->walk_failed++;
	if (strcmp(what, "io"))
		v.why = what;
	print_result(r, path, &v);
}

/* One verified file, printed in walk order (cmt_ordered_done). */
static void emit_result(void *ctx, size_t i)
{
	struct verify_run *r = ctx;
	struct cm_verify_result *v = &r->res[i];

	if (v->err)
		r->failed++;
	else
		r->ok++;
	print_result(r, r->files.v[i].path, v);
}

static void verify_one(void *ctx, size_t i)
{
	struct verify_run *r = ctx;

	cm_verify_path(r->trust, r->files.v[i].path, r->carrier, &r->res[i]);
	cmt_ordered_done(&r->order, i, emit_result, r);
}

/*
 * A signer certificate: trusted as it is, or with --ca only if it chains
 * (a refusal is remembered for its files and said once here).  Non-zero
 * only on a usage error (unreadable certificate).
 */
static int add_cert(struct verify_run *r, struct cm_trust *t, const char *path,
		    int have_ca)
{
	unsigned char *der = NULL;
	const char *why = NULL;
	struct refused *nr;
	uint32_t keyid;
	X509 *cert;
	int e, len;

	if (!have_ca)
		return cmt_trust_cert(&cli, t, path);
	e = cm_cert_load(path, &cert);
	if (e) {
		fprintf(stderr, PROG ": %s: %s\n", path, cm_cert_strerror(e));
		return e;
	}
	e = cm_cert_keyid(cert, &keyid);
	if (e) {
		fprintf(stderr, PROG ": %s: %s\n", path, cm_cert_strerror(e));
		X509_free(cert);
		return e;
	}
	len = i2d_X509(cert, &der);
	X509_free(cert);
	if (len <= 0)
		return -ENOMEM;
	e = cm_trust_add_chained(t, der, (size_t)len, &why);
	OPENSSL_free(der);
	if (!e)
		return 0;
	fprintf(stderr, PROG ": %s: not trusted: %s%s%s\n", path, cm_strerror(e),
		why ? ": " : "", why ? why : "");
	nr = realloc(r->refused, (r->n_refused + 1) * sizeof(*nr));
	if (!nr)
		return -ENOMEM;
	r->refused = nr;
	r->refused[r->n_refused++] = (struct refused){ keyid, e };
	return 0;
}

static int is_cert_file(const struct dirent *d)
{
	const char *dot = strrchr(d->d_name, '.');

	return d->d_name[0] != '.' && dot &&
	       (!strcmp(dot, ".pem") || !strcmp(dot, ".der") ||
		!strcmp(dot, ".crt") || !strcmp(dot, ".cer"));
}

static int add_keyring(struct verify_run *r, struct cm_trust *t,
		       const char *dir, int have_ca)
{
	struct dirent **names;
	int n, e = 0;

	if (!have_ca)
		return cmt_trust_keyring(&cli, t, dir);
	n = scandir(dir, &names, is_cert_file, alphasort);
	if (n < 0) {
		e = -errno;
		fprintf(stderr, PROG ": --keyring %s: %s\n", dir, strerror(-e));
		return e;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (!e)
			e = add_cert(r, t, path, 1);
		free(names[i]);
	}
	free(names);
	return e;
}

static void print_hex(const char *path, const char *carrier, int algo,
		      const uint8_t *d, int n)
{
	printf("%s: %s %s:", path, carrier, cm_hash_name(algo));
	for (int i = 0; i < n; i++)
		printf("%02x", d[i]);
	putchar('\n');
}

static void report_skip(void *ctx, const char *path, const char *what,
			int err)
{
	if (err)
		fprintf(stderr, PROG ": %s: %s: %s\n", path, what,
			strerror(-err));
	else
		fprintf(stderr, PROG ": %s: %s\n", path, what);
}

/*
 * --digests: the digest of every carrier of each file.  Returns 0, 1 if a
 * file could not be read (named on stderr), or 2 without a PATH.
 */
static int print_digests(char **paths, int recursive, int algo)
{
	struct cmt_filelist files = { 0 };
	uint8_t d[CM_MAX_DIGEST_SIZE];
	int failed = 0;

	if (!paths[0]) {
		fprintf(stderr, PROG ": no PATH\nTry 'cmverify --help'.\n");
		return 2;
	}
	if (cmt_walk(paths, recursive, &files, report_skip, NULL))
		failed = 1;
	for (size_t i = 0; i < files.n; i++) {
		const char *path = files.v[i].path, *why = "";
		uint64_t desc_off;
		struct stat st;
		int fd = open(path, O_RDONLY | O_CLOEXEC), n, e;

		if (fd < 0 || fstat(fd, &st) < 0) {
			fprintf(stderr, PROG ": %s: %s\n", path, strerror(errno));
			if (fd >= 0)
				close(fd);
			failed = 1;
			continue;
		}
		n = cm_digest_fd(fd, algo, 0, 0, d);
		if (n < 0) {
			fprintf(stderr, PROG ": %s: %s\n", path, strerror(-n));
			close(fd);
			failed = 1;
			continue;
		}
		print_hex(path, "xattr", algo, d, n);
		e = cm_note_locate(fd, (uint64_t)st.st_size, &desc_off, &why);
		if (!e) {
			n = cm_digest_fd(fd, algo, desc_off, CM_NOTE_DESC_SIZE, d);
			if (n < 0) {
				fprintf(stderr, PROG ": %s: %s\n", path,
					strerror(-n));
				failed = 1;
			} else {
				print_hex(path, "note", algo, d, n);
			}
		} else if (e != -ENOEXEC && e != -ENODATA) {
			/* The kernel refuses such a note: nothing to revoke. */
			printf("%s: note malformed: %s\n", path, why);
		}
		close(fd);
	}
	cmt_filelist_free(&files);
	return failed;
}

struct verify_opts {
	struct cm_trust *trust;	/* --ca and --bundle, added as parsed */
	char **cand;		/* --cert / --keyring, added after the options */
	int *cand_dir;
	size_t n_cand;
	int have_ca, recursive, digests, algo;
	struct cmt_common run;	/* -j, -q */
	char **paths;
	struct verify_run *r;
};

static int add_candidate(struct verify_opts *o, const char *arg, int dir)
{
	char **nc = realloc(o->cand, (o->n_cand + 1) * sizeof(*o->cand));
	int *nd;

	if (!nc)
		return -ENOMEM;
	o->cand = nc;
	nd = realloc(o->cand_dir, (o->n_cand + 1) * sizeof(*o->cand_dir));
	if (!nd)
		return -ENOMEM;
	o->cand_dir = nd;
	o->cand[o->n_cand] = (char *)arg;
	o->cand_dir[o->n_cand++] = dir;
	return 0;
}

/* One option: 0, 1 (stop, exit 0: --help, --version) or negative. */
static int verify_opt(void *ctx, int c, char *arg)
{
	struct verify_opts *o = ctx;
	struct verify_run *r = o->r;
	int e;

	switch (c) {
	case 'k':
	case 'c':
	case 'K':
		return add_candidate(o, arg, c == 'K');
	case 'A':
		e = cm_trust_add_cert_file(o->trust, arg);
		if (e)
			fprintf(stderr, PROG ": --ca %s: %s\n", arg,
				cm_cert_strerror(e));
		o->have_ca = 1;
		return e;
	case 'B':
		return cmt_trust_bundle(&cli, o->trust, arg);
	case 'C':
		return cmt_opt_carrier(&cli, arg, ~0u, &r->carrier);
	case 'a':
	case 'H':
		o->algo = cm_hash_from_name(arg);
		if (o->algo >= 0)
			return 0;
		fprintf(stderr, PROG ": --hash %s: unknown algorithm (sha256, sha384, sha512, ...)\n", arg);
		return -EINVAL;
	case 'r':
		o->recursive = 1;
		return 0;
	case 'J':
		r->json = 1;
		return 0;
	case 'D':
		o->digests = 1;
		return 0;
	case 'V':
		printf("cmverify (cryptomark) %s\n", CM_VERSION);
		return 1;
	default:
		return cmt_opt_common(&cli, &o->run, c, arg, usage_text);
	}
}

/* The command line: 0 run, 1 done (exit 0), 2 usage error. */
static int verify_parse(int argc, char **argv, struct verify_opts *o)
{
	static const struct option longopts[] = {
		{ "cert", required_argument, NULL, 'c' },
		{ "keyring", required_argument, NULL, 'K' },
		{ "bundle", required_argument, NULL, 'B' },
		{ "ca", required_argument, NULL, 'A' },
		{ "carrier", required_argument, NULL, 'C' },
		{ "recursive", no_argument, NULL, 'r' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "json", no_argument, NULL, 'J' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "digests", no_argument, NULL, 'D' },
		{ "hash", required_argument, NULL, 'H' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int ret;

	ret = cmt_getopt(argc, argv, "k:a:rj:qh", longopts, verify_opt, o);
	o->paths = argv + optind;
	o->r->quiet = o->run.quiet;
	return ret;
}

/* --cert and --keyring, once --ca (given anywhere) is known; a PATH. */
static int load_trust(struct verify_opts *o, struct verify_run *r)
{
	for (size_t i = 0; i < o->n_cand; i++) {
		int e = o->cand_dir[i] ?
			add_keyring(r, o->trust, o->cand[i], o->have_ca) :
			add_cert(r, o->trust, o->cand[i], o->have_ca);

		if (e)
			return e;
	}
	if (!cm_trust_count(o->trust)) {
		fprintf(stderr, PROG ": no trusted certificate: give --cert CERT, --keyring DIR or --bundle BUNDLE\nTry 'cmverify --help'.\n");
		return -ENOKEY;
	}
	if (!o->paths[0]) {
		fprintf(stderr, PROG ": no PATH to verify\nTry 'cmverify --help'.\n");
		return -EINVAL;
	}
	return 0;
}

/* Verifies o->paths: 0 if all verified, 1 if any did not, 2 on no memory. */
static int verify_run(struct verify_opts *o, struct verify_run *r)
{
	r->trust = o->trust;
	if (r->json)
		printf("{\n  \"carrier\": \"%s\",\n  \"results\": [",
		       cmt_carrier_name(r->carrier));
	cmt_walk(o->paths, o->recursive, &r->files, report_walk, r);
	r->res = calloc(r->files.n ? r->files.n : 1, sizeof(*r->res));
	if (!r->res || cmt_ordered_init(&r->order, r->files.n)) {
		fprintf(stderr, PROG ": out of memory\n");
		return 2;
	}
	cmt_parallel(r->files.n, cmt_jobs(o->run.jobs), verify_one, r);
	if (r->json)
		printf("\n  ],\n  \"summary\": {\"files\": %zu, \"ok\": %zu, \"failed\": %d}\n}\n",
		       r->files.n + r->walk_failed, r->ok, r->failed);
	return r->failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct verify_run r = { .carrier = CM_CARRIER_ANY, .json_first = 1 };
	struct verify_opts o = { .algo = CM_HASH_SHA256, .r = &r };
	int ret;

	o.trust = cm_trust_new();
	if (!o.trust)
		return 2;
	ret = verify_parse(argc, argv, &o);
	if (ret == 1)
		ret = 0;
	else if (!ret && o.digests)
		ret = print_digests(o.paths, o.recursive, o.algo);
	else if (!ret)
		ret = load_trust(&o, &r) ? 2 : verify_run(&o, &r);
	cmt_ordered_free(&r.order);
	cmt_filelist_free(&r.files);
	free(r.res);
	free(o.cand);
	free(o.cand_dir);
	free(r.refused);
	cm_trust_free(o.trust);
	return ret;
}
