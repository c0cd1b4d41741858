// SPDX-License-Identifier: MIT
/*
 * cmattest: remote attestation of the measurement log.  On the attested
 * machine: `ak` exports the attestation key, `quote` quotes the
 * measurement PCR with a verifier's nonce.  On the verifier: `verify`
 * (report.c).  For tests and benchmarks: `extend` replays a log into a
 * TPM's PCR the way the LSM does, `mklog` generates a signed log (mklog.c).
 * CLI glue: the formats are imalog.c and quote.c, the TPM calls tpm.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <tss2/tss2_esys.h>

#include "cmattest.h"
#include "util.h"
#include "cmkeys.h"
#include "imalog.h"
#include "quote.h"
#include "tpm.h"

static const char usage_text[] =
"Usage: cmattest ak [--ak HANDLE] [--tcti TCTI] --out AK.pub\n"
"  or:  cmattest quote --nonce HEX [--ak HANDLE] [--pcr N] [--tcti TCTI] [--out QUOTE]\n"
"  or:  cmattest verify --ak AK.pub --nonce HEX --quote QUOTE --log LOG (--cert CERT | --keyring DIR | --bundle BUNDLE)... [--pcr N] [--json] [-q] [-j N]\n"
"  or:  cmattest extend --log LOG [--pcr N] [--tcti TCTI]\n"
"  or:  cmattest mklog --key KEY --cert CERT -n N --out LOG [options]\n"
"\n"
"Remote attestation of the cryptomark measurement log (IMA's\n"
"binary_runtime_measurements layout, ima-sig template, PCR 11 by default).\n"
"\n"
"  ak       exports the attestation key's public part as a PEM public key.\n"
"           The AK is a restricted ECDSA P-256 signing key, a primary in the\n"
"           endorsement hierarchy recreated from a fixed template on each\n"
"           use (nothing stored in the TPM); --ak 0x81xxxxxx uses a\n"
"           persistent restricted signing key instead.\n"
"  quote    TPM2_Quote of the sha256 bank of the measurement PCR with the\n"
"           verifier's nonce (at most 64 bytes, hex) as qualifying data;\n"
"           writes the quote file (\"CMQUOTE1\" + TPM2B_ATTEST +\n"
"           TPMT_SIGNATURE, docs/FORMAT.md) to --out (default stdout).\n"
"  verify   checks the quote's signature with AK.pub, its nonce and PCR\n"
"           selection, replays the log to the quoted PCR (a log longer than\n"
"           the quote is replayed up to the matching prefix), checks every\n"
"           entry's signature against the trusted keys and the bundle's\n"
"           revocations; one line per entry (ok, unsigned, unknown-key,\n"
"           bad-signature, revoked, malformed, log-full) and a verdict.  Exit 0 only\n"
"           when the quote is genuine and every quoted entry is ok.\n"
"  extend   extends every entry of LOG into the PCR, in every active bank\n"
"           (what the LSM does; for tests on a TPM without it).\n"
"  mklog    generates a log of N entries with real signatures (tests,\n"
"           benchmarks; cmattest mklog --help).\n"
"\n"
"Options:\n"
"  --tcti TCTI     tpm2-tss TCTI (default: $TPM2TOOLS_TCTI, $TCTI, the\n"
"                  tpm2-tss default)\n"
"  --pcr N         the measurement PCR (default 11, cryptomark.pcr=)\n"
"  --json          verify: one JSON document on stdout\n"
"  -q, --quiet     verify: print only the entries that are not ok\n"
"  -j, --jobs N    verify: worker threads (default: online CPUs)\n"
"  -h, --help      this text\n"
"  --version       print the version\n"
"\n"
"Exit status: 0 ok, 1 verification failed, 2 usage error, 3 TPM or I/O error.\n";

static int parse_handle(const char *s, uint32_t *h)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (!*s || *end || v > 0xffffffffUL)
		return -1;
	*h = (uint32_t)v;
	return 0;
}

struct tpm_args {
	const char *tcti;
	const char *out;
	const char *nonce;
	const char *log;
	uint32_t handle;
	int pcr;
};

enum { OPT_TCTI = 256, OPT_NONCE, OPT_AK, OPT_PCR, OPT_LOG, OPT_VERSION };

static int parse_tpm_args(int argc, char **argv, struct tpm_args *a)
{
	static const struct option opts[] = {
		{ "tcti", required_argument, NULL, OPT_TCTI },
		{ "nonce", required_argument, NULL, OPT_NONCE },
		{ "ak", required_argument, NULL, OPT_AK },
		{ "pcr", required_argument, NULL, OPT_PCR },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	a->pcr = CMA_PCR_DEFAULT;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_TCTI:
			a->tcti = optarg;
			break;
		case OPT_NONCE:
			a->nonce = optarg;
			break;
		case OPT_AK:
			if (parse_handle(optarg, &a->handle)) {
				fprintf(stderr, PROG ": --ak %s: not a TPM handle (0x81xxxxxx)\n", optarg);
				return -1;
			}
			break;
		case OPT_PCR:
			a->pcr = cma_parse_pcr(optarg);
			if (a->pcr < 0) {
				fprintf(stderr, PROG ": --pcr %s: not a PCR index 0..23\n", optarg);
				return -1;
			}
			break;
		case OPT_LOG:
			a->log = optarg;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		default:
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

/* Opens the TPM and the AK; on failure prints why and returns non-zero. */
static int open_ak(const struct tpm_args *a, struct cmk_tpm **t, ESYS_TR *ak,
		   TPM2B_PUBLIC **pub, const char *cmd)
{
	char err[256] = "";

	if (cmk_tpm_open(a->tcti, t, err, sizeof(err))) {
		fprintf(stderr, PROG " %s: %s\n", cmd, err);
		return -1;
	}
	if (cma_ak_open(*t, a->handle, ak, pub, err, sizeof(err))) {
		fprintf(stderr, PROG " %s: %s\n", cmd, err);
		cmk_tpm_close(*t);
		return -1;
	}
	return 0;
}

static int cmd_ak(int argc, char **argv)
{
	struct tpm_args a;
	struct cmk_tpm *t;
	TPM2B_PUBLIC *pub;
	ESYS_TR ak;
	EVP_PKEY *pk;
	FILE *f;
	int ret = CMA_EXIT_IO;

	if (parse_tpm_args(argc, argv, &a))
		return CMA_EXIT_USAGE;
	if (!a.out) {
		fprintf(stderr, PROG " ak: --out AK.pub is required\n");
		return CMA_EXIT_USAGE;
	}
	if (open_ak(&a, &t, &ak, &pub, "ak"))
		return CMA_EXIT_IO;
	pk = cma_tpm_pub_to_pkey(pub);
	if (!pk) {
		fprintf(stderr, PROG " ak: the AK is neither ECC P-256/P-384 nor RSA\n");
		goto out;
	}
	f = strcmp(a.out, "-") ? fopen(a.out, "w") : stdout;
	if (!f || !PEM_write_PUBKEY(f, pk) || fflush(f)) {
		fprintf(stderr, PROG " ak: %s: %s\n", a.out, strerror(errno));
	} else {
		ret = 0;
	}
	if (f && f != stdout)
		fclose(f);
	EVP_PKEY_free(pk);
out:
	Esys_Free(pub);
	cma_ak_close(t, a.handle, ak);
	cmk_tpm_close(t);
	return ret;
}

static int cmd_quote(int argc, char **argv)
{
	uint8_t nonce[CMA_NONCE_MAX], *file = NULL;
	TPM2B_ATTEST *attest = NULL;
	TPMT_SIGNATURE *sig = NULL;
	size_t nonce_len, file_len;
	char err[256] = "";
	struct tpm_args a;
	struct cmk_tpm *t;
	TPM2B_PUBLIC *pub;
	ESYS_TR ak;
	int ret = CMA_EXIT_IO, e;

	if (parse_tpm_args(argc, argv, &a))
		return CMA_EXIT_USAGE;
	if (!a.nonce || cma_hex_decode(a.nonce, nonce, sizeof(nonce), &nonce_len)) {
		fprintf(stderr, PROG " quote: --nonce HEX is required: 1 to 64 bytes in hex\n");
		return CMA_EXIT_USAGE;
	}
	if (open_ak(&a, &t, &ak, &pub, "quote"))
		return CMA_EXIT_IO;
	if (cma_tpm_quote(t, ak, pub, nonce, nonce_len, (uint32_t)a.pcr,
			  &attest, &sig, err, sizeof(err))) {
		fprintf(stderr, PROG " quote: %s\n", err);
		goto out;
	}
	if (cma_quote_serialize(attest, sig, &file, &file_len)) {
		fprintf(stderr, PROG " quote: marshalling the quote failed\n");
		goto out;
	}
	e = cma_write_all(a.out ? a.out : "-", file, file_len);
	if (e)
		fprintf(stderr, PROG " quote: %s: %s\n", a.out ? a.out : "stdout",
			strerror(-e));
	else
		ret = 0;
out:
	free(file);
	Esys_Free(attest);
	Esys_Free(sig);
	Esys_Free(pub);
	cma_ak_close(t, a.handle, ak);
	cmk_tpm_close(t);
	return ret;
}

static int cmd_extend(int argc, char **argv)
{
	struct cma_log l = { 0 };
	char err[256] = "";
	const char *why;
	struct tpm_args a;
	struct cmk_tpm *t;
	uint8_t *buf;
	size_t len, at;
	int e, ret = 0;

	if (parse_tpm_args(argc, argv, &a))
		return CMA_EXIT_USAGE;
	if (!a.log) {
		fprintf(stderr, PROG " extend: --log LOG is required\n");
		return CMA_EXIT_USAGE;
	}
	e = cma_read_all(a.log, (size_t)1 << 31, &buf, &len);
	if (e) {
		fprintf(stderr, PROG " extend: %s: %s\n", a.log, strerror(-e));
		return CMA_EXIT_IO;
	}
	e = cma_log_parse(buf, len, &l, &at, &why);
	if (e) {
		fprintf(stderr, PROG " extend: %s: malformed at byte %zu: %s\n",
			a.log, at, why);
		free(buf);
		return CMA_EXIT_FAIL;
	}
	if (cmk_tpm_open(a.tcti, &t, err, sizeof(err))) {
		fprintf(stderr, PROG " extend: %s\n", err);
		ret = CMA_EXIT_IO;
		goto out;
	}
	for (size_t i = 0; i < l.n && !ret; i++) {
		if (l.e[i].pcr != (uint32_t)a.pcr)
			continue;
		/* A fresh watchdog per entry: long logs take long. */
		alarm(10);
		if (cma_tpm_extend_data(t, (uint32_t)a.pcr, l.e[i].tdata,
					l.e[i].tdata_len, err, sizeof(err))) {
			fprintf(stderr, PROG " extend: entry %zu: %s\n", i, err);
			ret = CMA_EXIT_IO;
		}
	}
	cmk_tpm_close(t);
out:
	cma_log_free(&l);
	free(buf);
	return ret;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";

	if (!strcmp(cmd, "--version")) {
		printf(PROG " " CM_VERSION "\n");
		return 0;
	}
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help")) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(cmd, "ak"))
		return cmd_ak(argc - 1, argv + 1);
	if (!strcmp(cmd, "quote"))
		return cmd_quote(argc - 1, argv + 1);
	if (!strcmp(cmd, "verify"))
		return cma_cmd_verify(argc - 1, argv + 1);
	if (!strcmp(cmd, "extend"))
		return cmd_extend(argc - 1, argv + 1);
	if (!strcmp(cmd, "mklog"))
		return cma_cmd_mklog(argc - 1, argv + 1);
	fprintf(stderr, "%s", usage_text);
	return CMA_EXIT_USAGE;
}
