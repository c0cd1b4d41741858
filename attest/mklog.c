// SPDX-License-Identifier: MIT
/*
 * cmattest mklog: a measurement log for tests and benchmarks.  Entry 0 is
 * boot_aggregate; the others name the regular files under --root (real
 * paths, listed with cmt_walk, reused in turn when there are fewer files
 * than entries) with a digest (by default a synthetic one, SHA-256 of the
 * entry's index and path; --hash-files: the file's content) signed with
 * the given key through libcryptomark, exactly as cmsign writes
 * security.ima.  --unsigned K leaves every K-th entry unsigned.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cryptomark/cryptomark.h>

#include "cmattest.h"
#include "util.h"
#include "cmtool.h"
#include "imalog.h"
#include "quote.h"

static const char mklog_usage[] =
"Usage: cmattest mklog --key KEY --cert CERT -n N --out LOG [options]\n"
"\n"
"Writes a measurement log of N entries (entry 0 boot_aggregate) naming the\n"
"regular files under --root, each signed with KEY as cmsign would sign it.\n"
"\n"
"  --root DIR          where the paths come from (default /usr)\n"
"  --hash-files        digest each file's content (default: a synthetic\n"
"                      digest, SHA-256 of the index and path: fast)\n"
"  --hash ALG          sha256 (default), sha384, sha512\n"
"  --unsigned K        every K-th entry unsigned (default: none)\n"
"  --pcr N             PCR index of the records (default 11)\n"
"  --boot-aggregate HEX  entry 0's digest (default: 32 zero bytes)\n"
"  --pass-env VAR, --pass-file FILE  passphrase of an encrypted KEY\n"
"  -j, --jobs N        signing threads (default: online CPUs)\n";

struct gen {
	struct cm_signer *signer;
	struct cmt_filelist files;
	size_t n, unsigned_every;
	int algo, hash_files, failed;
	uint8_t (*digest)[CM_MAX_DIGEST_SIZE];
	uint8_t (*sig)[CM_XATTR_MAX_SIZE];
	int *sig_len;
	char err[256];
};

static const char *entry_path(const struct gen *g, size_t i)
{
	return g->files.v[(i - 1) % g->files.n].path;
}

static void make_entry(void *ctx, size_t i)
{
	struct gen *g = ctx;
	const char *path;
	char err[200];
	int fd, n;

	if (i == 0)
		return;
	path = entry_path(g, i);
	if (g->hash_files) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		n = fd < 0 ? -errno : cm_digest_fd(fd, g->algo, 0, 0, g->digest[i]);
		if (fd >= 0)
			close(fd);
	} else {
		char seed[4200];
		int len = snprintf(seed, sizeof(seed), "%zu %s", i, path);

		n = cm_digest_buf(seed, (size_t)len, g->algo, g->digest[i]);
	}
	if (n < 0) {
		snprintf(g->err, sizeof(g->err), "%s: %s", path, strerror(-n));
		g->failed = 1;
		return;
	}
	g->sig_len[i] = 0;
	if (g->unsigned_every && i % g->unsigned_every == 0)
		return;
	g->sig_len[i] = cm_signer_sign(g->signer, g->algo, g->digest[i],
				       g->sig[i], CM_XATTR_MAX_SIZE, err,
				       sizeof(err));
	if (g->sig_len[i] < 0) {
		snprintf(g->err, sizeof(g->err), "signing: %s", err);
		g->failed = 1;
	}
}

static void walk_report(void *ctx, const char *path, const char *what,
			int err)
{
	(void)ctx;
	(void)path;
	(void)what;
	(void)err;
}

/* Serializes the entries into @out. */
static int write_log(struct gen *g, const uint8_t *boot, int pcr,
		     const char *out)
{
	uint8_t rec[4 + 20 + 4 + 16 + 4 + CMA_TDATA_MAX];
	FILE *f = strcmp(out, "-") ? fopen(out, "w") : stdout;
	int ret = 0, n;

	if (!f)
		return -errno;
	for (size_t i = 0; i < g->n && !ret; i++) {
		if (i == 0)
			n = cma_record_write(rec, sizeof(rec), (uint32_t)pcr,
					     CM_HASH_SHA256, boot,
					     CMA_BOOT_NAME, NULL, 0);
		else
			n = cma_record_write(rec, sizeof(rec), (uint32_t)pcr,
					     g->algo, g->digest[i],
					     entry_path(g, i), g->sig[i],
					     (size_t)g->sig_len[i]);
		if (n == -E2BIG)
			continue;	/* a path too long for a record: skip */
		if (n < 0 || fwrite(rec, 1, (size_t)n, f) != (size_t)n)
			ret = n < 0 ? n : -EIO;
	}
	if (fflush(f) && !ret)
		ret = -errno;
	if (f != stdout)
		fclose(f);
	return ret;
}

enum { OPT_KEY = 256, OPT_CERT, OPT_ROOT, OPT_HASHF, OPT_HASH, OPT_UNS,
       OPT_PCR, OPT_BOOT, OPT_PENV, OPT_PFILE };

struct margs {
	struct cm_signer_opts so;
	const char *root, *out, *boot;
	long n;
	int pcr, jobs;
};

static int mklog_args(int argc, char **argv, struct margs *a, struct gen *g)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, OPT_KEY },
		{ "cert", required_argument, NULL, OPT_CERT },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "hash-files", no_argument, NULL, OPT_HASHF },
		{ "hash", required_argument, NULL, OPT_HASH },
		{ "unsigned", required_argument, NULL, OPT_UNS },
		{ "pcr", required_argument, NULL, OPT_PCR },
		{ "boot-aggregate", required_argument, NULL, OPT_BOOT },
		{ "pass-env", required_argument, NULL, OPT_PENV },
		{ "pass-file", required_argument, NULL, OPT_PFILE },
		{ "out", required_argument, NULL, 'o' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "n:o:j:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_KEY: a->so.key = optarg; break;
		case OPT_CERT: a->so.cert = optarg; break;
		case OPT_ROOT: a->root = optarg; break;
		case OPT_HASHF: g->hash_files = 1; break;
		case OPT_BOOT: a->boot = optarg; break;
		case OPT_PENV: a->so.pass_env = optarg; break;
		case OPT_PFILE: a->so.pass_file = optarg; break;
		case 'o': a->out = optarg; break;
		case 'n': a->n = atol(optarg); break;
		case 'j': a->jobs = atoi(optarg); break;
		case OPT_UNS: g->unsigned_every = (size_t)atol(optarg); break;
		case OPT_HASH:
			g->algo = cm_hash_from_name(optarg);
			break;
		case OPT_PCR:
			a->pcr = cma_parse_pcr(optarg);
			break;
		case 'h':
			fputs(mklog_usage, stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if (!a->so.key || !a->so.cert || !a->out || a->n < 1 ||
	    a->n > (long)CMA_LOG_MAX_ENTRIES || g->algo < 0 || a->pcr < 0 ||
	    a->jobs < 1 || optind != argc) {
		fprintf(stderr, "%s", mklog_usage);
		return -1;
	}
	return 0;
}

static int gen_alloc(struct gen *g)
{
	g->digest = calloc(g->n, sizeof(*g->digest));
	g->sig = malloc(g->n * sizeof(*g->sig));
	g->sig_len = calloc(g->n, sizeof(*g->sig_len));
	return g->digest && g->sig && g->sig_len ? 0 : -ENOMEM;
}

/* The regular files under @root whose paths fit a record. */
static int list_paths(struct gen *g, const char *root)
{
	char *paths[] = { (char *)root, NULL };
	size_t k = 0;

	cmt_walk(paths, 1, &g->files, walk_report, NULL);
	for (size_t i = 0; i < g->files.n; i++) {
		if (strlen(g->files.v[i].path) < 1024)
			g->files.v[k++] = g->files.v[i];
		else
			free(g->files.v[i].path);
	}
	g->files.n = k;
	return k ? 0 : -ENOENT;
}

int cma_cmd_mklog(int argc, char **argv)
{
	struct margs a = { .root = "/usr", .pcr = CMA_PCR_DEFAULT,
			   .jobs = cmt_ncpus() };
	struct gen g = { .algo = CM_HASH_SHA256 };
	uint8_t boot[32] = { 0 };
	char err[256] = "";
	size_t blen;
	int ret = CMA_EXIT_IO, e;

	if (mklog_args(argc, argv, &a, &g))
		return CMA_EXIT_USAGE;
	if (a.boot && (cma_hex_decode(a.boot, boot, sizeof(boot), &blen) || blen != 32)) {
		fprintf(stderr, PROG " mklog: --boot-aggregate: not 32 bytes in hex\n");
		return CMA_EXIT_USAGE;
	}
	g.n = (size_t)a.n;
	if (cm_signer_load(&a.so, &g.signer, err, sizeof(err))) {
		fprintf(stderr, PROG " mklog: %s\n", err);
		return CMA_EXIT_USAGE;
	}
	if (list_paths(&g, a.root)) {
		fprintf(stderr, PROG " mklog: no regular file under %s\n", a.root);
		goto out;
	}
	if (gen_alloc(&g)) {
		fprintf(stderr, PROG " mklog: out of memory\n");
		goto out;
	}
	cmt_parallel(g.n, a.jobs, make_entry, &g);
	if (g.failed) {
		fprintf(stderr, PROG " mklog: %s\n", g.err);
		goto out;
	}
	e = write_log(&g, boot, a.pcr, a.out);
	if (e)
		fprintf(stderr, PROG " mklog: %s: %s\n", a.out, strerror(-e));
	else
		ret = 0;
out:
	free(g.digest);
	free(g.sig);
	free(g.sig_len);
	cmt_filelist_free(&g.files);
	cm_signer_free(g.signer);
	return ret;
}
