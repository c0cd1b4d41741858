// SPDX-License-Identifier: MIT
/*
 * cmattest verify: reads the AK, the quote, the log and the trusted keys,
 * asks verify.c for the verdict and prints it, as lines or one JSON
 * document.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <cryptomark/cryptomark.h>

#include "cmattest.h"
#include "util.h"
#include "cmtool.h"
#include "verify.h"

#define LOG_MAX		((size_t)1 << 31)
#define QUOTE_MAX	4096

struct vargs {
	const char *ak, *nonce, *quote, *log;
	int pcr, json, quiet, jobs, n_trust;
	struct cm_trust *trust;
};

enum { OPT_AK = 256, OPT_NONCE, OPT_QUOTE, OPT_LOG, OPT_CERT, OPT_KEYRING,
       OPT_BUNDLE, OPT_PCR, OPT_JSON };

/* --cert, --keyring, --bundle: the tools' shared loaders, which say why. */
static int add_trust(struct vargs *a, int opt, const char *arg)
{
	static const struct cmt_cli cli = { .prog = PROG " verify",
					    .help = PROG " --help" };
	int e;

	if (opt == OPT_CERT)
		e = cmt_trust_cert(&cli, a->trust, arg);
	else if (opt == OPT_KEYRING)
		e = cmt_trust_keyring(&cli, a->trust, arg);
	else
		e = cmt_trust_bundle(&cli, a->trust, arg);
	if (e < 0)
		return -1;
	a->n_trust++;
	return 0;
}

static int parse_args(int argc, char **argv, struct vargs *a)
{
	static const struct option opts[] = {
		{ "ak", required_argument, NULL, OPT_AK },
		{ "nonce", required_argument, NULL, OPT_NONCE },
		{ "quote", required_argument, NULL, OPT_QUOTE },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "cert", required_argument, NULL, OPT_CERT },
		{ "keyring", required_argument, NULL, OPT_KEYRING },
		{ "bundle", required_argument, NULL, OPT_BUNDLE },
		{ "pcr", required_argument, NULL, OPT_PCR },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "jobs", required_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "qj:", opts, NULL)) != -1) {
		switch (c) {
		case OPT_AK: a->ak = optarg; break;
		case OPT_NONCE: a->nonce = optarg; break;
		case OPT_QUOTE: a->quote = optarg; break;
		case OPT_LOG: a->log = optarg; break;
		case OPT_JSON: a->json = 1; break;
		case 'q': a->quiet = 1; break;
		case OPT_CERT:
		case OPT_KEYRING:
		case OPT_BUNDLE:
			if (add_trust(a, c, optarg))
				return -1;
			break;
		case OPT_PCR:
			a->pcr = cma_parse_pcr(optarg);
			if (a->pcr < 0) {
				fprintf(stderr, PROG " verify: --pcr %s: not a PCR index 0..23\n", optarg);
				return -1;
			}
			break;
		case 'j':
			a->jobs = atoi(optarg);
			if (a->jobs < 1 || a->jobs > 1024) {
				fprintf(stderr, PROG " verify: -j %s: not a thread count\n", optarg);
				return -1;
			}
			break;
		default:
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, PROG " verify: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (!a->ak || !a->nonce || !a->quote || !a->log || !a->n_trust) {
		fprintf(stderr, PROG " verify: --ak, --nonce, --quote, --log and one of --cert, --keyring, --bundle are required\n");
		return -1;
	}
	return 0;
}

static void hex(FILE *f, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", b[i]);
}

static void print_entry_text(const struct cma_entry *e,
			     const struct cma_result *r, size_t i, int quoted,
			     int quiet)
{
	int ok = r->status == CMA_OK || r->status == CMA_BOOT_AGGREGATE;

	if (quiet && ok)
		return;
	printf("entry %zu: %s: %s", i, e->path, cma_status_name(r->status));
	if (r->status == CMA_OK)
		printf(" (keyid %08x, %s)", r->keyid, cm_hash_name(r->hash_algo));
	else if (r->status == CMA_BOOT_AGGREGATE)
		printf(" (boot_aggregate)");
	else if (r->status == CMA_LOG_FULL)
		printf(" (the list is full: nothing after it was measured)");
	else if (r->status == CMA_UNKNOWN_KEY || r->status == CMA_REVOKED)
		printf(" (keyid %08x)", r->keyid);
	else if (r->why)
		printf(": %s", r->why);
	if (!r->tdigest_ok)
		printf(" [template digest mismatch]");
	if (!quoted)
		printf(" [not quoted]");
	putchar('\n');
}

static void print_text(const struct cma_log *l, const struct cma_report *r,
		       const struct vargs *a)
{
	for (size_t i = 0; i < l->n; i++)
		print_entry_text(&l->e[i], &r->res[i], i,
				 r->prefix >= 0 && (long)i < r->prefix, a->quiet);
	if (r->quote != CMA_QUOTE_GENUINE) {
		printf("quote: FAIL %s\n", cma_quote_reason(r->quote));
	} else if (r->prefix < 0) {
		printf("quote: genuine (nonce ok, PCR %d); the log does not replay to it\n",
		       a->pcr);
	} else {
		printf("quote: genuine (nonce ok, PCR %d sha256 = ", a->pcr);
		hex(stdout, r->pcr_value, 32);
		printf(", %ld of %zu entries quoted)\n", r->prefix, l->n);
	}
	if (r->reason == CMA_R_OK)
		printf("verify: ok: %s\n", r->detail);
	else
		printf("verify: FAIL %s: %s\n", r->reason_word, r->detail);
}

static void print_entry_json(const struct cma_entry *e,
			     const struct cma_result *r, size_t i, int quoted)
{
	printf("%s\n    {\"index\": %zu, \"path\": ", i ? "," : "", i);
	cmt_json_str(stdout, e->path);
	printf(", \"status\": \"%s\"", cma_status_name(r->status));
	if (r->status == CMA_BOOT_AGGREGATE)
		printf(", \"boot_aggregate\": true");
	if (r->status == CMA_OK || r->status == CMA_UNKNOWN_KEY ||
	    r->status == CMA_REVOKED || r->status == CMA_BAD_SIGNATURE)
		printf(", \"keyid\": \"%08x\"", r->keyid);
	if (r->status == CMA_OK)
		printf(", \"hash\": \"%s\"", cm_hash_name(r->hash_algo));
	if (r->why) {
		printf(", \"why\": ");
		cmt_json_str(stdout, r->why);
	}
	printf(", \"digest\": \"%s:", cma_hash_name(e->hash_algo));
	hex(stdout, e->digest, e->digest_len);
	printf("\", \"template_digest_ok\": %s, \"quoted\": %s}",
	       r->tdigest_ok ? "true" : "false", quoted ? "true" : "false");
}

static void print_json(const struct cma_log *l, const struct cma_report *r,
		       const struct vargs *a)
{
	printf("{\n  \"quote\": {\"status\": \"%s\", \"pcr\": %d",
	       cma_quote_reason(r->quote), a->pcr);
	if (r->prefix >= 0) {
		printf(", \"pcr_value\": \"");
		hex(stdout, r->pcr_value, 32);
		printf("\", \"quoted_entries\": %ld", r->prefix);
	}
	printf("},\n  \"entries\": [");
	for (size_t i = 0; i < l->n; i++)
		print_entry_json(&l->e[i], &r->res[i], i,
				 r->prefix >= 0 && (long)i < r->prefix);
	printf("\n  ],\n  \"summary\": {\"entries\": %zu, \"quoted\": %ld",
	       l->n, r->prefix < 0 ? 0 : r->prefix);
	for (int s = CMA_OK; s < __CMA_STATUS_MAX; s++)
		if (s != CMA_BOOT_AGGREGATE)
			printf(", \"%s\": %zu", cma_status_name(s),
			       r->count[s] + (s == CMA_OK ? r->count[CMA_BOOT_AGGREGATE] : 0));
	printf("},\n  \"verdict\": \"%s\", \"reason\": \"%s\", \"detail\": ",
	       r->reason == CMA_R_OK ? "ok" : "fail", r->reason_word);
	cmt_json_str(stdout, r->detail);
	printf("\n}\n");
}

/* A verdict decided before there is a report: the inputs do not parse. */
static void print_early_fail(const struct vargs *a, const char *word,
			     const char *file, size_t at, const char *why)
{
	char detail[512];

	if (at != (size_t)-1)
		snprintf(detail, sizeof(detail), "%s: at byte %zu: %s", file, at, why);
	else
		snprintf(detail, sizeof(detail), "%s: %s", file, why);
	if (!a->json) {
		printf("verify: FAIL %s: %s\n", word, detail);
		return;
	}
	printf("{\n  \"verdict\": \"fail\", \"reason\": \"%s\", \"detail\": ", word);
	cmt_json_str(stdout, detail);
	printf("\n}\n");
}

/* The AK, the quote and the log; on failure prints why: non-zero. */
static int load_inputs(const struct vargs *a, EVP_PKEY **ak,
		       struct cma_quote *q, uint8_t **logbuf,
		       struct cma_log *l)
{
	const char *why = "";
	uint8_t *qbuf;
	size_t len, at;
	int e;

	*ak = cma_ak_load(a->ak, &why);
	if (!*ak) {
		fprintf(stderr, PROG " verify: --ak %s: %s\n", a->ak, why);
		return CMA_EXIT_USAGE;
	}
	e = cma_read_all(a->quote, QUOTE_MAX, &qbuf, &len);
	if (e) {
		fprintf(stderr, PROG " verify: --quote %s: %s\n", a->quote, strerror(-e));
		return CMA_EXIT_IO;
	}
	e = cma_quote_parse(qbuf, len, q, &why);
	free(qbuf);
	if (e) {
		print_early_fail(a, "quote-malformed", a->quote, (size_t)-1, why);
		return CMA_EXIT_FAIL;
	}
	e = cma_read_all(a->log, LOG_MAX, logbuf, &len);
	if (e) {
		fprintf(stderr, PROG " verify: --log %s: %s\n", a->log, strerror(-e));
		return CMA_EXIT_IO;
	}
	e = cma_log_parse(*logbuf, len, l, &at, &why);
	if (e) {
		print_early_fail(a, "log-malformed", a->log, at, why);
		return CMA_EXIT_FAIL;
	}
	return 0;
}

int cma_cmd_verify(int argc, char **argv)
{
	struct vargs a = { .pcr = CMA_PCR_DEFAULT, .jobs = cmt_ncpus() };
	struct cma_verify_opts o = { 0 };
	struct cma_report r = { 0 };
	uint8_t nonce[CMA_NONCE_MAX], *logbuf = NULL;
	struct cma_log l = { 0 };
	struct cma_quote *q;
	EVP_PKEY *ak = NULL;
	int ret;

	/* tpm2-tss would log each unmarshalling refusal: ours names it. */
	setenv("TSS2_LOG", "all+NONE", 0);
	a.trust = cm_trust_new();
	q = calloc(1, sizeof(*q));
	if (!a.trust || !q) {
		fprintf(stderr, PROG " verify: out of memory\n");
		ret = CMA_EXIT_IO;
		goto out;
	}
	ret = parse_args(argc, argv, &a) ? CMA_EXIT_USAGE : 0;
	if (!ret && cma_hex_decode(a.nonce, nonce, sizeof(nonce), &o.nonce_len)) {
		fprintf(stderr, PROG " verify: --nonce %s: not 1 to 64 bytes in hex\n", a.nonce);
		ret = CMA_EXIT_USAGE;
	}
	if (!ret)
		ret = load_inputs(&a, &ak, q, &logbuf, &l);
	if (ret)
		goto out;
	o = (struct cma_verify_opts){ .trust = a.trust, .ak = ak, .nonce = nonce,
		.nonce_len = o.nonce_len, .pcr = (uint32_t)a.pcr, .jobs = a.jobs };
	if (cma_verify(&l, q, &o, &r)) {
		fprintf(stderr, PROG " verify: out of memory\n");
		ret = CMA_EXIT_IO;
		goto out;
	}
	if (a.json)
		print_json(&l, &r, &a);
	else
		print_text(&l, &r, &a);
	ret = r.reason == CMA_R_OK ? 0 : CMA_EXIT_FAIL;
	cma_report_free(&r);
out:
	cma_log_free(&l);
	free(logbuf);
	free(q);
	EVP_PKEY_free(ak);
	cm_trust_free(a.trust);
	return ret;
}
