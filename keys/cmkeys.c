// SPDX-License-Identifier: MIT
/*
 * cmkeys: the command line.  Option parsing and messages only; the work is
 * in pki.c, sealed.c, tpm.c, provision.c and libcryptomark.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cmkeys.h"

#define ERRLEN 512

static void usage(FILE *f)
{
	fputs("usage:\n"
	      "  cmkeys ca -o DIR [--type T] [--subject DN] [--days N]\n"
	      "  cmkeys signer --ca DIR -o DIR2 [--type T] [--subject DN] [--days N]\n"
	      "  cmkeys bundle -o BUNDLE [--version N] [--previous OLD_BUNDLE]\n"
	      "                [--revoke KEYID|ALG:HEX|CERT]...\n"
	      "                [--sign-key KEY --sign-cert CERT [--pass-env V|--pass-file F]]\n"
	      "                CERT...\n"
	      "  cmkeys seal [--tcti TCTI] (--pcrs sha256:7,14 | --pcr-values FILE) BUNDLE\n"
	      "  cmkeys unseal [--tcti TCTI] [--min-version N] [--signed-by CERT] BUNDLE\n"
	      "  cmkeys provision [--tcti TCTI] [--keyring NAME] [--cap-pcr N]\n"
	      "                   [--min-version N] [--signed-by CERT] BUNDLE\n"
	      "  cmkeys policy (--pcr-values FILE | [--tcti TCTI] --pcrs SPEC)\n"
	      "  cmkeys pcrs [--tcti TCTI] --pcrs SPEC   (current values, --pcr-values format)\n"
	      "  cmkeys show BUNDLE        (layout only: no TPM, not authenticated)\n"
	      "T: rsa3072 (default) rsa4096 ecdsa-p256 ecdsa-p384.  TCTI defaults to\n"
	      "$TPM2TOOLS_TCTI, then $TCTI, then the tpm2-tss default search.\n"
	      "--sign-key signs the bundle into BUNDLE.sig with an offline key (the\n"
	      "CA's); --signed-by then refuses a bundle whose BUNDLE.sig that\n"
	      "certificate did not make, before the TPM is asked: a seal alone only\n"
	      "proves TPM access (docs/FORMAT-keys.md, \"Forged seals\").\n",
	      f);
}

static int die_usage(const char *cmd, const char *msg)
{
	fprintf(stderr, "cmkeys %s: %s\n", cmd, msg);
	usage(stderr);
	return 2;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 10);
	return (errno || end == s || *end || s[0] == '-') ? -EINVAL : 0;
}

enum { O_TYPE = 256, O_SUBJECT, O_DAYS, O_CA, O_VERSION, O_REVOKE, O_TCTI,
       O_PCRS, O_PCR_VALUES, O_MIN_VERSION, O_KEYRING, O_CAP_PCR, O_PREVIOUS,
       O_SIGN_KEY, O_SIGN_CERT, O_PASS_ENV, O_PASS_FILE, O_SIGNED_BY };

static const struct option long_opts[] = {
	{ "out", required_argument, NULL, 'o' },
	{ "type", required_argument, NULL, O_TYPE },
	{ "subject", required_argument, NULL, O_SUBJECT },
	{ "days", required_argument, NULL, O_DAYS },
	{ "ca", required_argument, NULL, O_CA },
	{ "version", required_argument, NULL, O_VERSION },
	{ "revoke", required_argument, NULL, O_REVOKE },
	{ "tcti", required_argument, NULL, O_TCTI },
	{ "pcrs", required_argument, NULL, O_PCRS },
	{ "pcr-values", required_argument, NULL, O_PCR_VALUES },
	{ "min-version", required_argument, NULL, O_MIN_VERSION },
	{ "previous", required_argument, NULL, O_PREVIOUS },
	{ "keyring", required_argument, NULL, O_KEYRING },
	{ "cap-pcr", required_argument, NULL, O_CAP_PCR },
	{ "sign-key", required_argument, NULL, O_SIGN_KEY },
	{ "sign-cert", required_argument, NULL, O_SIGN_CERT },
	{ "pass-env", required_argument, NULL, O_PASS_ENV },
	{ "pass-file", required_argument, NULL, O_PASS_FILE },
	{ "signed-by", required_argument, NULL, O_SIGNED_BY },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* Every subcommand's options in one struct; each uses what it needs. */
struct cli {
	const char *cmd;
	const char *out, *subject, *ca, *tcti, *pcrs, *pcr_values, *keyring;
	const char *previous;
	struct cm_signer_opts sign;	/* --sign-key, --sign-cert, --pass-* */
	struct cm_trust *signed_by;	/* --signed-by, repeatable */
	int type, days, cap_pcr, have_version;
	uint64_t version, min_version;
	const char **revoke;
	size_t n_revoke;
};

static int parse_opts(int argc, char **argv, struct cli *c)
{
	int opt;

	c->type = CMK_RSA3072;
	c->cap_pcr = -1;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:h", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'o': c->out = optarg; break;
		case O_SUBJECT: c->subject = optarg; break;
		case O_CA: c->ca = optarg; break;
		case O_TCTI: c->tcti = optarg; break;
		case O_PCRS: c->pcrs = optarg; break;
		case O_PCR_VALUES: c->pcr_values = optarg; break;
		case O_KEYRING: c->keyring = optarg; break;
		case O_PREVIOUS: c->previous = optarg; break;
		case O_SIGN_KEY: c->sign.key = optarg; break;
		case O_SIGN_CERT: c->sign.cert = optarg; break;
		case O_PASS_ENV: c->sign.pass_env = optarg; break;
		case O_PASS_FILE: c->sign.pass_file = optarg; break;
		case O_SIGNED_BY: {
			int e;

			if (!c->signed_by)
				c->signed_by = cm_trust_new();
			if (!c->signed_by)
				return 1;
			e = cm_trust_add_cert_file(c->signed_by, optarg);
			if (e) {
				fprintf(stderr, "cmkeys %s: --signed-by %s: %s\n",
					c->cmd, optarg, cm_cert_strerror(e));
				return 2;
			}
			break;
		}
		case O_TYPE:
			c->type = cmk_key_type_from_name(optarg);
			if (c->type < 0)
				return die_usage(c->cmd, "unknown --type");
			break;
		case O_DAYS:
			c->days = atoi(optarg);
			if (c->days <= 0)
				return die_usage(c->cmd, "--days must be positive");
			break;
		case O_CAP_PCR: {
			char *end;
			long n = strtol(optarg, &end, 10);

			if (*end || end == optarg || n < 0 || n >= CM_PCR_MAX)
				return die_usage(c->cmd, "--cap-pcr must be 0..23");
			c->cap_pcr = (int)n;
			break;
		}
		case O_VERSION:
			if (parse_u64(optarg, &c->version))
				return die_usage(c->cmd, "bad --version");
			c->have_version = 1;
			break;
		case O_MIN_VERSION:
			if (parse_u64(optarg, &c->min_version))
				return die_usage(c->cmd, "bad --min-version");
			break;
		case O_REVOKE: {
			const char **v = realloc(c->revoke, (c->n_revoke + 1) *
						 sizeof(*v));

			if (!v)
				return 1;
			c->revoke = v;
			v[c->n_revoke++] = optarg;
			break;
		}
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	return 0;
}

static int cmd_pki(struct cli *c, int signer)
{
	struct cmk_pki_opts o = {
		.out_dir = c->out, .ca_dir = c->ca, .subject = c->subject,
		.type = c->type, .days = c->days,
	};
	char err[ERRLEN] = "";
	int ret;

	if (!c->out)
		return die_usage(c->cmd, "-o DIR is required");
	if (signer && !c->ca)
		return die_usage(c->cmd, "--ca DIR is required");
	ret = signer ? cmk_make_signer(&o, err, sizeof(err))
		     : cmk_make_ca(&o, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "cmkeys %s: %s\n", c->cmd, err);
		return 1;
	}
	printf("%s/%s.key\n%s/%s.pem\n", c->out, signer ? "signer" : "ca",
	       c->out, signer ? "signer" : "ca");
	return 0;
}

static int hexval(const char *s, uint8_t *out, size_t max, size_t *len)
{
	size_t n = strlen(s);

	if (n % 2 || n / 2 > max)
		return -EINVAL;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int b;

		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return -EINVAL;
		out[i] = (uint8_t)b;
	}
	*len = n / 2;
	return 0;
}

/* KEYID (8 hex digits), ALG:HEX (a file digest) or a certificate file. */
static int add_revocation(struct cm_bundle *b, const char *arg,
			  uint8_t *digest_store, char *err, size_t errlen)
{
	const char *colon = strchr(arg, ':');
	size_t len;
	uint32_t keyid;
	X509 *cert;
	int ret;

	if (strlen(arg) == 8 && strspn(arg, "0123456789abcdefABCDEF") == 8)
		return cm_bundle_add_keyid(b, (uint32_t)strtoul(arg, NULL, 16));
	if (colon && colon - arg < 16) {
		char alg[16];
		int algo;

		memcpy(alg, arg, colon - arg);
		alg[colon - arg] = '\0';
		algo = cm_hash_from_name(alg);
		if (algo < 0) {
			snprintf(err, errlen, "--revoke %s: unknown hash", arg);
			return algo;
		}
		if (hexval(colon + 1, digest_store, CM_MAX_DIGEST_SIZE, &len) ||
		    (int)len != cm_hash_size(algo)) {
			snprintf(err, errlen, "--revoke %s: digest is not %d hex bytes",
				 arg, cm_hash_size(algo));
			return -EINVAL;
		}
		return cm_bundle_add_digest(b, algo, digest_store, len);
	}
	ret = cm_cert_load(arg, &cert);
	if (!ret) {
		ret = cm_cert_keyid(cert, &keyid);
		X509_free(cert);
	}
	if (ret) {
		snprintf(err, errlen, "--revoke %s: not a key id, ALG:HEX or certificate with SKID (%s)",
			 arg, cm_cert_strerror(ret));
		return ret;
	}
	return cm_bundle_add_keyid(b, keyid);
}

/* The version of an existing bundle (layout checked, not authenticated). */
static int previous_version(const char *path, uint64_t *version)
{
	struct cm_bundle b;
	const char *why = "";
	uint8_t *bytes;
	size_t len;
	int ret;

	ret = cm_read_file(path, CM_BUNDLE_MAX_SIZE, &bytes, &len);
	if (ret) {
		fprintf(stderr, "cmkeys bundle: --previous %s: %s\n", path, strerror(-ret));
		return ret;
	}
	ret = cm_bundle_parse(bytes, len, &b, &why);
	if (ret) {
		fprintf(stderr, "cmkeys bundle: --previous %s: malformed bundle: %s\n", path, why);
	} else {
		*version = b.version;
		cm_bundle_release(&b);
	}
	free(bytes);
	return ret;
}

static int cmd_bundle(struct cli *c, int argc, char **argv)
{
	struct cm_bundle b = { 0 }, check;
	const char *why = "";
	uint8_t **ders, *out = NULL, *digests = NULL;
	char err[ERRLEN] = "";
	size_t out_len, n = (size_t)(argc - optind);
	int ret = 1;

	if (!c->out)
		return die_usage(c->cmd, "-o BUNDLE is required");
	if (!n)
		return die_usage(c->cmd, "at least one signer CERT is required");
	if (!c->sign.key != !c->sign.cert)
		return die_usage(c->cmd, "--sign-key and --sign-cert go together");
	ders = calloc(n, sizeof(*ders));
	digests = calloc(c->n_revoke + 1, CM_MAX_DIGEST_SIZE);
	if (!ders || !digests)
		goto out_free;
	/* Default: seconds since the epoch, which only grows between builds. */
	b.version = c->have_version ? c->version : (uint64_t)time(NULL);
	if (c->previous) {
		uint64_t prev;

		if (previous_version(c->previous, &prev)) {
			ret = 1;
			goto out_free;
		}
		/* The version only grows: by default one past the previous,
		 * an explicit one must exceed it. */
		if (!c->have_version && b.version <= prev)
			b.version = prev + 1;
		if (b.version <= prev) {
			fprintf(stderr, "cmkeys bundle: version %" PRIu64 " does not exceed %s's %" PRIu64 " (rollback)\n",
				b.version, c->previous, prev);
			ret = 1;
			goto out_free;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const char *path = argv[optind + i];
		X509 *cert;
		int len;

		ret = cm_cert_load(path, &cert);
		if (ret) {
			fprintf(stderr, "cmkeys bundle: %s: %s\n", path,
				cm_cert_strerror(ret));
			ret = 1;
			goto out_free;
		}
		ders[i] = NULL;
		len = i2d_X509(cert, &ders[i]);
		X509_free(cert);
		if (len <= 0 || cm_bundle_add_cert(&b, ders[i], (size_t)len)) {
			fprintf(stderr, "cmkeys bundle: %s: cannot encode\n", path);
			ret = 1;
			goto out_free;
		}
	}
	for (size_t i = 0; i < c->n_revoke; i++) {
		if (add_revocation(&b, c->revoke[i],
				   digests + i * CM_MAX_DIGEST_SIZE, err,
				   sizeof(err))) {
			fprintf(stderr, "cmkeys bundle: %s\n", err);
			ret = 1;
			goto out_free;
		}
	}
	ret = cm_bundle_serialize(&b, &out, &out_len);
	if (ret) {
		fprintf(stderr, "cmkeys bundle: %s\n", strerror(-ret));
		goto out_fail;
	}
	/* Parse what we wrote: duplicates and certificates without SKID are
	 * refused here rather than at boot. */
	ret = cm_bundle_parse(out, out_len, &check, &why);
	cm_bundle_release(&check);
	if (ret) {
		fprintf(stderr, "cmkeys bundle: refusing: %s\n", why);
		goto out_fail;
	}
	ret = cmk_write_file(c->out, out, out_len, 0644);
	if (ret) {
		fprintf(stderr, "cmkeys bundle: %s: %s\n", c->out, strerror(-ret));
		goto out_fail;
	}
	printf("%s: version %" PRIu64 ", %zu certificates, %zu revoked key ids, %zu revoked digests\n",
	       c->out, b.version, b.n_certs, b.n_keyids, b.n_digests);
	if (c->sign.key) {
		ret = cmk_bundle_sign(c->out, out, out_len, &c->sign, err,
				      sizeof(err));
		if (ret) {
			/* The new bundle must not pair with an old .sig. */
			fprintf(stderr, "cmkeys bundle: %s (%s written, not signed)\n",
				err, c->out);
			goto out_fail;
		}
		printf("%s.sig\n", c->out);
	}
out_fail:
	ret = ret ? 1 : 0;
out_free:
	for (size_t i = 0; ders && i < n; i++)
		OPENSSL_free(ders[i]);
	free(ders);
	free(digests);
	free(out);
	cm_bundle_release(&b);
	return ret;
}

static void print_bundle(const char *path, const struct cm_bundle *b)
{
	printf("%s: version %" PRIu64 "\n", path, b->version);
	for (size_t i = 0; i < b->n_certs; i++) {
		const unsigned char *p = b->certs[i].der;
		X509 *cert = d2i_X509(NULL, &p, b->certs[i].len);
		char subj[256] = "?";

		if (cert)
			X509_NAME_oneline(X509_get_subject_name(cert), subj,
					  sizeof(subj));
		printf("trust keyid %08x %s\n", b->certs[i].keyid, subj);
		X509_free(cert);
	}
	for (size_t i = 0; i < b->n_keyids; i++)
		printf("revoked keyid %08x\n", b->keyids[i]);
	for (size_t i = 0; i < b->n_digests; i++) {
		printf("revoked digest %s:", cm_hash_name(b->digests[i].algo));
		for (size_t j = 0; j < b->digests[i].len; j++)
			printf("%02x", b->digests[i].d[j]);
		printf("\n");
	}
}

static int cmd_show(struct cli *c, int argc, char **argv)
{
	struct cm_bundle b;
	const char *why = "";
	uint8_t *bytes;
	size_t len;
	int ret;

	if (argc - optind != 1)
		return die_usage(c->cmd, "exactly one BUNDLE");
	ret = cm_read_file(argv[optind], CM_BUNDLE_MAX_SIZE, &bytes, &len);
	if (ret) {
		fprintf(stderr, "cmkeys show: %s: %s\n", argv[optind],
			strerror(-ret));
		return 1;
	}
	ret = cm_bundle_parse(bytes, len, &b, &why);
	if (ret) {
		fprintf(stderr, "cmkeys show: %s: malformed bundle: %s\n",
			argv[optind], why);
	} else {
		print_bundle(argv[optind], &b);
		cm_bundle_release(&b);
	}
	free(bytes);
	return ret ? 1 : 0;
}

static int cmd_seal(struct cli *c, int argc, char **argv)
{
	struct cmk_seal_opts o = { .tcti = c->tcti, .pcr_values = c->pcr_values };
	char err[ERRLEN] = "";

	if (argc - optind != 1)
		return die_usage(c->cmd, "exactly one BUNDLE");
	if (!!c->pcrs == !!c->pcr_values)
		return die_usage(c->cmd, "give one of --pcrs or --pcr-values");
	if (c->pcrs && cmk_parse_pcrs(c->pcrs, &o.pcr_mask))
		return die_usage(c->cmd, "--pcrs: expected sha256:N[,N...] with N in 0..23");
	o.bundle = argv[optind];
	if (cmk_seal_bundle(&o, err, sizeof(err))) {
		fprintf(stderr, "cmkeys seal: %s\n", err);
		return 1;
	}
	printf("%s.seal\n", o.bundle);
	return 0;
}

static int cmd_unseal(struct cli *c, int argc, char **argv)
{
	char err[ERRLEN] = "";
	struct cmk_opened ob;
	struct cmk_tpm *t;
	int ret;

	if (argc - optind != 1)
		return die_usage(c->cmd, "exactly one BUNDLE");
	ret = cmk_tpm_open(c->tcti, &t, err, sizeof(err));
	if (!ret) {
		ret = cmk_open_bundle(t, argv[optind], c->min_version,
				      c->signed_by, &ob, err, sizeof(err));
		cmk_tpm_close(t);
	}
	if (ret) {
		fprintf(stderr, "cmkeys unseal: %s\n", err);
		return 1;
	}
	print_bundle(argv[optind], &ob.b);
	cmk_opened_free(&ob);
	return 0;
}

static int cmd_provision(struct cli *c, int argc, char **argv)
{
	struct cmk_provision_opts o = {
		.tcti = c->tcti, .keyring = c->keyring, .cap_pcr = c->cap_pcr,
		.min_version = c->min_version, .signers = c->signed_by,
	};
	struct cmk_provision_result r;
	char err[ERRLEN] = "";

	if (argc - optind != 1)
		return die_usage(c->cmd, "exactly one BUNDLE");
	o.bundle = argv[optind];
	if (cmk_provision(&o, &r, err, sizeof(err))) {
		fprintf(stderr, "cmkeys provision: %s\n", err);
		return 1;
	}
	if (r.n_skipped)
		printf("skipped %zu certificates whose key id the bundle revokes\n",
		       r.n_skipped);
	if (r.n_digests)
		printf("%zu revoked digests refused by the cryptomark LSM\n",
		       r.n_digests);
	if (r.n_unenforced)
		fprintf(stderr,
			"cmkeys provision: warning: %zu revoked digests are not enforced: keyring %s has no digest list (only .cryptomark does)\n",
			r.n_unenforced, o.keyring);
	printf("provisioned %zu keys into keyring %s (%d), locked; PCR %u capped; %.1f ms\n",
	       r.n_keys, o.keyring ? o.keyring : ".cryptomark", r.keyring,
	       r.cap_pcr, r.ms);
	return 0;
}

static int cmd_policy(struct cli *c, int argc, char **argv)
{
	char err[ERRLEN] = "";
	uint8_t d[32];
	cmk_pcr_values v;
	uint32_t mask;
	int ret;

	if (argc != optind || !!c->pcrs == !!c->pcr_values)
		return die_usage(c->cmd, "give one of --pcrs or --pcr-values");
	if (c->pcr_values) {
		ret = cmk_load_pcr_values(c->pcr_values, &mask, v, err,
					  sizeof(err));
		if (!ret)
			ret = cmk_policy_pcr_offline(mask, v, d);
	} else {
		struct cmk_tpm *t;

		if (cmk_parse_pcrs(c->pcrs, &mask))
			return die_usage(c->cmd, "--pcrs: expected sha256:N[,N...]");
		ret = cmk_tpm_open(c->tcti, &t, err, sizeof(err));
		if (!ret) {
			ret = cmk_tpm_policy_pcr(t, mask, d, err, sizeof(err));
			cmk_tpm_close(t);
		}
	}
	if (ret) {
		fprintf(stderr, "cmkeys policy: %s\n", err);
		return 1;
	}
	for (int i = 0; i < 32; i++)
		printf("%02x", d[i]);
	printf("\n");
	return 0;
}

static int cmd_pcrs(struct cli *c, int argc, char **argv)
{
	char err[ERRLEN] = "";
	struct cmk_tpm *t;
	cmk_pcr_values v;
	uint32_t mask;
	int ret;

	if (argc != optind || !c->pcrs || cmk_parse_pcrs(c->pcrs, &mask))
		return die_usage(c->cmd, "--pcrs sha256:N[,N...] is required");
	ret = cmk_tpm_open(c->tcti, &t, err, sizeof(err));
	if (!ret) {
		ret = cmk_tpm_pcr_read(t, mask, v, err, sizeof(err));
		cmk_tpm_close(t);
	}
	if (ret) {
		fprintf(stderr, "cmkeys pcrs: %s\n", err);
		return 1;
	}
	for (int i = 0; i < CM_PCR_MAX; i++) {
		if (!(mask & (1u << i)))
			continue;
		printf("sha256:%d=", i);
		for (int j = 0; j < 32; j++)
			printf("%02x", v[i][j]);
		printf("\n");
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct cli c = { 0 };
	int ret;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	/* tpm2-tss logs every TPM error on stderr; cmkeys reports its own. */
	setenv("TSS2_LOG", "all+none", 0);
	c.cmd = argv[1];
	if (!strcmp(c.cmd, "-h") || !strcmp(c.cmd, "--help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(c.cmd, "--version")) {
		printf("cmkeys (cryptomark) %s\n", CM_VERSION);
		return 0;
	}
	/* Subcommand options follow the subcommand. */
	ret = parse_opts(argc - 1, argv + 1, &c);
	if (ret)
		return ret;
	argc--;
	argv++;
	if (!strcmp(c.cmd, "ca"))
		ret = cmd_pki(&c, 0);
	else if (!strcmp(c.cmd, "signer"))
		ret = cmd_pki(&c, 1);
	else if (!strcmp(c.cmd, "bundle"))
		ret = cmd_bundle(&c, argc, argv);
	else if (!strcmp(c.cmd, "show"))
		ret = cmd_show(&c, argc, argv);
	else if (!strcmp(c.cmd, "seal"))
		ret = cmd_seal(&c, argc, argv);
	else if (!strcmp(c.cmd, "unseal"))
		ret = cmd_unseal(&c, argc, argv);
	else if (!strcmp(c.cmd, "provision"))
		ret = cmd_provision(&c, argc, argv);
	else if (!strcmp(c.cmd, "pcrs"))
		ret = cmd_pcrs(&c, argc, argv);
	else if (!strcmp(c.cmd, "policy"))
		ret = cmd_policy(&c, argc, argv);
	else
		ret = die_usage(c.cmd, "unknown command");
	free(c.revoke);
	cm_trust_free(c.signed_by);
	return ret;
}
