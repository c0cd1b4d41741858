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
#include <pthread.h>
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
"  --cert CERT        trust this signer certificate (PEM or DER); repeatable\n"
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
"  --hash ALG         digest algorithm of --digests (default sha256)\n"
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
	char *done;
	size_t printed;
	int failed;
	int json_first;
	pthread_mutex_t lock;
};

static const char *carrier_name(int c)
{
	switch (c) {
	case CM_CARRIER_XATTR:
		return "xattr";
	case CM_CARRIER_NOTE:
		return "note";
	case CM_CARRIER_BOTH:
		return "both";
	default:
		return "any";
	}
}

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
	if (strcmp(what, "io"))
		v.why = what;
	print_result(r, path, &v);
}

static void verify_one(void *ctx, size_t i)
{
	struct verify_run *r = ctx;

	cm_verify_path(r->trust, r->files.v[i].path, r->carrier, &r->res[i]);
	pthread_mutex_lock(&r->lock);
	r->done[i] = 1;
	while (r->printed < r->files.n && r->done[r->printed]) {
		struct cm_verify_result *v = &r->res[r->printed];

		if (v->err)
			r->failed++;
		print_result(r, r->files.v[r->printed].path, v);
		r->printed++;
	}
	pthread_mutex_unlock(&r->lock);
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

	if (!have_ca) {
		e = cm_trust_add_cert_file(t, path);
		if (e)
			fprintf(stderr, PROG ": --cert %s: %s\n", path, cm_cert_strerror(e));
		return e;
	}
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

	if (!have_ca) {
		e = cm_trust_add_dir(t, dir);
		if (e < 0)
			fprintf(stderr, PROG ": --keyring %s: %s\n", dir,
				e == -ENOKEY ? "a certificate there has no subjectKeyIdentifier" :
				e == -EBADMSG ? "a file there is not a PEM or DER certificate" :
				strerror(-e));
		return e < 0 ? e : 0;
	}
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
 * --digests: the digest of every carrier of each file.  Returns 0, or 1
 * if a file could not be read (named on stderr).
 */
static int print_digests(char **paths, int recursive, int algo)
{
	struct cmt_filelist files = { 0 };
	uint8_t d[CM_MAX_DIGEST_SIZE];
	int failed = 0;

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

int main(int argc, char **argv)
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
	struct verify_run r = { .carrier = CM_CARRIER_ANY, .json_first = 1 };
	struct cm_trust *trust = cm_trust_new();
	char **cand = NULL;	/* --cert / --keyring, checked after the options */
	int *cand_dir = NULL;
	size_t n_cand = 0;
	int c, e, recursive = 0, jobs = 0, ret, have_ca = 0, digests = 0;
	int algo = cm_hash_from_name("sha256");

	if (!trust)
		return 2;
	ret = 2;
	while ((c = getopt_long(argc, argv, "rj:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
		case 'K': {
			char **nc = realloc(cand, (n_cand + 1) * sizeof(*cand));
			int *nd = realloc(cand_dir, (n_cand + 1) * sizeof(*cand_dir));

			if (nc)
				cand = nc;
			if (nd)
				cand_dir = nd;
			if (!nc || !nd)
				goto out_free_trust;
			cand[n_cand] = optarg;
			cand_dir[n_cand++] = c == 'K';
			break;
		}
		case 'A':
			e = cm_trust_add_cert_file(trust, optarg);
			if (e) {
				fprintf(stderr, PROG ": --ca %s: %s\n", optarg,
					cm_cert_strerror(e));
				goto out_free_trust;
			}
			have_ca = 1;
			break;
		case 'B': {
			const char *why = "";

			e = cm_trust_add_bundle_file(trust, optarg, &why);
			if (e) {
				fprintf(stderr, PROG ": --bundle %s: %s\n", optarg, why);
				goto out_free_trust;
			}
			break;
		}
		case 'C':
			if (!strcmp(optarg, "any"))
				r.carrier = CM_CARRIER_ANY;
			else if (!strcmp(optarg, "xattr"))
				r.carrier = CM_CARRIER_XATTR;
			else if (!strcmp(optarg, "note"))
				r.carrier = CM_CARRIER_NOTE;
			else if (!strcmp(optarg, "both"))
				r.carrier = CM_CARRIER_BOTH;
			else {
				fprintf(stderr, PROG ": --carrier %s: use any, xattr, note or both\n", optarg);
				goto out_free_trust;
			}
			break;
		case 'r':
			recursive = 1;
			break;
		case 'j':
			jobs = atoi(optarg);
			if (jobs < 1 || jobs > 1024) {
				fprintf(stderr, PROG ": -j %s: give a number of threads from 1 to 1024\n", optarg);
				goto out_free_trust;
			}
			break;
		case 'J':
			r.json = 1;
			break;
		case 'D':
			digests = 1;
			break;
		case 'H':
			algo = cm_hash_from_name(optarg);
			if (algo < 0) {
				fprintf(stderr, PROG ": --hash %s: unknown algorithm (sha256, sha384, sha512, ...)\n", optarg);
				goto out_free_trust;
			}
			break;
		case 'q':
			r.quiet = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			ret = 0;
			goto out_free_trust;
		case 'V':
			printf("cmverify (cryptomark) %s\n", CM_VERSION);
			ret = 0;
			goto out_free_trust;
		default:
			fprintf(stderr, "Try 'cmverify --help'.\n");
			goto out_free_trust;
		}
	}
	if (digests) {
		if (optind >= argc) {
			fprintf(stderr, PROG ": no PATH\nTry 'cmverify --help'.\n");
			goto out_free_trust;
		}
		ret = print_digests(argv + optind, recursive, algo);
		goto out_free_trust;
	}
	for (size_t i = 0; i < n_cand; i++) {
		e = cand_dir[i] ? add_keyring(&r, trust, cand[i], have_ca) :
		    add_cert(&r, trust, cand[i], have_ca);
		if (e)
			goto out_free_trust;
	}
	if (!cm_trust_count(trust)) {
		fprintf(stderr, PROG ": no trusted certificate: give --cert CERT, --keyring DIR or --bundle BUNDLE\nTry 'cmverify --help'.\n");
		goto out_free_trust;
	}
	if (optind >= argc) {
		fprintf(stderr, PROG ": no PATH to verify\nTry 'cmverify --help'.\n");
		goto out_free_trust;
	}
	r.trust = trust;
	pthread_mutex_init(&r.lock, NULL);
	if (r.json)
		printf("{\n  \"carrier\": \"%s\",\n  \"results\": [", carrier_name(r.carrier));
	cmt_walk(argv + optind, recursive, &r.files, report_walk, &r);
	r.res = calloc(r.files.n ? r.files.n : 1, sizeof(*r.res));
	r.done = calloc(r.files.n ? r.files.n : 1, 1);
	if (!r.res || !r.done) {
		fprintf(stderr, PROG ": out of memory\n");
		goto out_free_files;
	}
	cmt_parallel(r.files.n, jobs ? jobs : cmt_ncpus(), verify_one, &r);
	if (r.json)
		printf("\n  ],\n  \"summary\": {\"files\": %zu, \"ok\": %zu, \"failed\": %d}\n}\n",
		       r.files.n, r.files.n - (size_t)0 - (size_t)(r.failed), r.failed);
	ret = r.failed ? 1 : 0;
out_free_files:
	cmt_filelist_free(&r.files);
	free(r.res);
	free(r.done);
out_free_trust:
	free(cand);
	free(cand_dir);
	free(r.refused);
	cm_trust_free(trust);
	return ret;
}
