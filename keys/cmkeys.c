// SPDX-License-Identifier: MIT
/*
 * cmkeys: the command line.  Option parsing and messages only; the work is
 * in pki.c, sealed.c, tpm.c, provision.c and libcryptomark.
 */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cli.h"
#include "cmtool.h"


static const char usage_text[] =
	"usage:\n"
	"  cmkeys ca -o DIR [--type T] [--subject DN] [--days N]\n"
	"            [--encrypt (--pass-env V|--pass-file F)]   (DIR/ca.key, ca.pem, ca.der)\n"
	"  cmkeys signer --ca DIR -o DIR2 [--type T] [--subject DN] [--days N]\n"
	"                [--pass-env V|--pass-file F]   (the CA key's passphrase)\n"
	"  cmkeys bundle -o BUNDLE [--version N] [--previous OLD_BUNDLE]\n"
	"                [--revoke KEYID|ALG:HEX|CERT|FILE]... [--unrevoke ...]...\n"
	"                [--sign-key KEY --sign-cert CERT [--pass-env V|--pass-file F]]\n"
	"                CERT...\n"
	"  cmkeys seal [--tcti TCTI] [--force] (--pcrs sha256:7,14 | --pcr-values FILE) BUNDLE\n"
	"  cmkeys unseal [--tcti TCTI] [--min-version N] [--policies DIR]\n"
	"                (--signed-by CERT | --allow-unsigned-bundle) BUNDLE\n"
	"  cmkeys provision [--tcti TCTI] [--keyring NAME] [--cap-pcr N] [--min-version N]\n"
	"                   [--policies DIR]\n"
	"                   (--signed-by CERT | --allow-unsigned-bundle) BUNDLE\n"
	"  cmkeys policy (--pcr-values FILE | [--tcti TCTI] --pcrs SPEC)\n"
	"  cmkeys seal [--tcti TCTI] [--force] --authorize POLICYKEY --pcrs SPEC\n"
	"              [--counter N] BUNDLE   (signed PCR policies; unseal/provision\n"
	"                                    then need --policies DIR)\n"
	"  cmkeys policy sign --pcr-values FILE --key POLICYKEY [--version N] -o POLICY\n"
	"  cmkeys policy show POLICY\n"
	"  cmkeys counter init|show [policy|bundle]    (TPM NV counters)\n"
	"  cmkeys counter bump policy|bundle [--to N]  (never backwards)\n"
	"  cmkeys recovery request [--tcti TCTI] [--pcrs SPEC] -o REQUEST BUNDLE\n"
	"  cmkeys recovery sign --sign-key KEY --sign-cert CERT -o TOKEN REQUEST\n"
	"  cmkeys provision --recovery TOKEN --signed-by CERT ... BUNDLE  (once, this boot)\n"
	"  cmkeys pcrs [--tcti TCTI] --pcrs SPEC   (current values, --pcr-values format)\n"
	"  cmkeys pcrs --replay EVENTLOG [--pcrs SPEC]  (the values a TCG event log leads to)\n"
	"  cmkeys show BUNDLE        (layout only: no TPM, not authenticated)\n"
	"  cmkeys rules check|sign|pack|show|load ...  (the LSM's rule set)\n"
	"T: rsa3072 (default) rsa4096 ecdsa-p256 ecdsa-p384.  TCTI defaults to\n"
	"$TPM2TOOLS_TCTI, then $TCTI, then the tpm2-tss default search.\n"
	"--sign-key signs the bundle into BUNDLE.sig with an offline key (the\n"
	"CA's); --signed-by then refuses a bundle whose BUNDLE.sig that\n"
	"certificate did not make, before the TPM is asked: a seal alone only\n"
	"proves TPM access (docs/FORMAT-keys.md, \"Forged seals\").\n";

static void usage(FILE *f)
{
	fputs(usage_text, f);
}

/*
 * `cmkeys CMD --help`: the usage lines of CMD (and their continuation
 * lines) only; the whole text for an unknown CMD.
 */
static void usage_for(FILE *f, const char *cmd)
{
	const char *p = usage_text;
	size_t clen = strlen(cmd);
	int in = 0, any = 0;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p + 1) : strlen(p);

		if (!strncmp(p, "  cmkeys ", 9))
			in = !strncmp(p + 9, cmd, clen) &&
			     (p[9 + clen] == ' ' || p[9 + clen] == '\n');
		else if (strncmp(p, "   ", 3))
			in = 0;
		if (in) {
			if (!any++)
				fputs("usage:\n", f);
			fwrite(p, 1, len, f);
		}
		p += len;
	}
	if (!any)
		usage(f);
}


int die_usage(const char *cmd, const char *msg)
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
       O_SIGN_KEY, O_SIGN_CERT, O_PASS_ENV, O_PASS_FILE, O_SIGNED_BY,
       O_UNREVOKE, O_ALLOW_UNSIGNED, O_FORCE, O_AUTHORIZE, O_COUNTER,
       O_POLICIES, O_KEY, O_TO, O_REPLAY, O_RECOVERY, O_ENCRYPT };

static const struct option long_opts[] = {
	{ "out", required_argument, NULL, 'o' },
	{ "type", required_argument, NULL, O_TYPE },
	{ "subject", required_argument, NULL, O_SUBJECT },
	{ "days", required_argument, NULL, O_DAYS },
	{ "ca", required_argument, NULL, O_CA },
	{ "version", required_argument, NULL, O_VERSION },
	{ "revoke", required_argument, NULL, O_REVOKE },
	{ "unrevoke", required_argument, NULL, O_UNREVOKE },
	{ "allow-unsigned-bundle", no_argument, NULL, O_ALLOW_UNSIGNED },
	{ "force", no_argument, NULL, O_FORCE },
	{ "authorize", required_argument, NULL, O_AUTHORIZE },
	{ "counter", required_argument, NULL, O_COUNTER },
	{ "policies", required_argument, NULL, O_POLICIES },
	{ "key", required_argument, NULL, O_KEY },
	{ "to", required_argument, NULL, O_TO },
	{ "replay", required_argument, NULL, O_REPLAY },
	{ "recovery", required_argument, NULL, O_RECOVERY },
	{ "encrypt", no_argument, NULL, O_ENCRYPT },
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


static int push(const char ***v, size_t *n, const char *arg)
{
	const char **nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[(*n)++] = arg;
	return 0;
}

/* The option's string field, or NULL if @opt is not a plain string. */
static const char **str_field(struct cli *c, int opt)
{
	switch (opt) {
	case 'o': return &c->out;
	case O_SUBJECT: return &c->subject;
	case O_CA: return &c->ca;
	case O_TCTI: return &c->tcti;
	case O_PCRS: return &c->pcrs;
	case O_PCR_VALUES: return &c->pcr_values;
	case O_KEYRING: return &c->keyring;
	case O_PREVIOUS: return &c->previous;
	case O_SIGN_KEY: return &c->sign.key;
	case O_SIGN_CERT: return &c->sign.cert;
	case O_PASS_ENV: return &c->sign.pass_env;
	case O_PASS_FILE: return &c->sign.pass_file;
	case O_AUTHORIZE: return &c->authorize;
	case O_POLICIES: return &c->policies;
	case O_KEY: return &c->key;
	case O_REPLAY: return &c->replay;
	case O_RECOVERY: return &c->recovery;
	default: return NULL;
	}
}

/* The option's flag, or NULL if @opt is not a flag. */
static int *flag_field(struct cli *c, int opt)
{
	switch (opt) {
	case O_ALLOW_UNSIGNED: return &c->allow_unsigned;
	case O_FORCE: return &c->force;
	case O_ENCRYPT: return &c->encrypt;
	default: return NULL;
	}
}

/* Numeric options: 0, a usage error's status, or -ENOENT (not one). */
static int num_opt(struct cli *c, int opt, const char *arg)
{
	uint64_t v;

	switch (opt) {
	case O_COUNTER:
		c->have_counter = 1;
		return parse_u64(arg, &c->counter) ? die_usage(c->cmd, "bad --counter") : 0;
	case O_TO:
		c->have_to = 1;
		return parse_u64(arg, &c->to) ? die_usage(c->cmd, "bad --to") : 0;
	case O_VERSION:
		c->have_version = 1;
		return parse_u64(arg, &c->version) ? die_usage(c->cmd, "bad --version") : 0;
	case O_MIN_VERSION:
		return parse_u64(arg, &c->min_version) ? die_usage(c->cmd, "bad --min-version") : 0;
	case O_DAYS:
		if (parse_u64(arg, &v) || !v || v > INT_MAX)
			return die_usage(c->cmd, "--days must be positive");
		c->days = (int)v;
		return 0;
	case O_CAP_PCR:
		if (parse_u64(arg, &v) || v >= CM_PCR_MAX)
			return die_usage(c->cmd, "--cap-pcr must be 0..23");
		c->cap_pcr = (int)v;
		return 0;
	default:
		return -ENOENT;
	}
}

static int signed_by_opt(struct cli *c, const char *arg)
{
	int e;

	if (!c->signed_by)
		c->signed_by = cm_trust_new();
	if (!c->signed_by)
		return 1;
	e = cm_trust_add_cert_file(c->signed_by, arg);
	if (e) {
		fprintf(stderr, "cmkeys %s: --signed-by %s: %s\n", c->cmd, arg,
			cm_cert_strerror(e));
		return 2;
	}
	return 0;
}

/* The options that are neither strings, flags nor numbers. */
static int other_opt(struct cli *c, int opt, const char *arg)
{
	switch (opt) {
	case O_SIGNED_BY:
		return signed_by_opt(c, arg);
	case O_TYPE:
		c->type = cmk_key_type_from_name(arg);
		return c->type < 0 ? die_usage(c->cmd, "unknown --type") : 0;
	case O_REVOKE:
		return push(&c->revoke, &c->n_revoke, arg) ? 1 : 0;
	case O_UNREVOKE:
		return push(&c->unrevoke, &c->n_unrevoke, arg) ? 1 : 0;
	case 'h':
		usage_for(stdout, c->cmd);
		exit(0);
	default:
		usage(stderr);
		return 2;
	}
}

static int parse_opts(int argc, char **argv, struct cli *c)
{
	const char **str;
	int opt, *flag, ret;

	c->type = CMK_RSA3072;
	c->cap_pcr = -1;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:h", long_opts, NULL)) != -1) {
		str = str_field(c, opt);
		flag = flag_field(c, opt);
		if (str) {
			*str = optarg;
			continue;
		}
		if (flag) {
			*flag = 1;
			continue;
		}
		ret = num_opt(c, opt, optarg);
		if (ret == -ENOENT)
			ret = other_opt(c, opt, optarg);
		if (ret)
			return ret;
	}
	return 0;
}

static int cmd_pki(struct cli *c, int signer)
{
	struct cmk_pki_opts o = {
		.out_dir = c->out, .ca_dir = c->ca, .subject = c->subject,
		.type = c->type, .days = c->days, .encrypt = c->encrypt,
		.pass_env = c->sign.pass_env, .pass_file = c->sign.pass_file,
	};
	char err[ERRLEN] = "";
	int ret;

	if (!c->out)
		return die_usage(c->cmd, "-o DIR is required");
	if (signer && !c->ca)
		return die_usage(c->cmd, "--ca DIR is required");
	if (signer && c->encrypt)
		return die_usage(c->cmd, "--encrypt is for the CA key (signer keys sign unattended)");
	ret = signer ? cmk_make_signer(&o, err, sizeof(err))
		     : cmk_make_ca(&o, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "cmkeys %s: %s\n", c->cmd, err);
		return 1;
	}
	printf("%s/%s.key\n%s/%s.pem\n%s/%s.der\n", c->out, signer ? "signer" : "ca",
	       c->out, signer ? "signer" : "ca", c->out, signer ? "signer" : "ca");
	return 0;
}

/* An existing bundle (layout checked, not authenticated); @bytes backs it. */
static int load_previous(const char *path, struct cm_bundle *b,
			 uint8_t **bytes)
{
	const char *why = "";
	size_t len;
	int ret;

	ret = cm_read_file(path, CM_BUNDLE_MAX_SIZE, bytes, &len);
	if (ret) {
		fprintf(stderr, "cmkeys bundle: --previous %s: %s\n", path, strerror(-ret));
		return ret;
	}
	ret = cm_bundle_parse(*bytes, len, b, &why);
	if (ret) {
		fprintf(stderr, "cmkeys bundle: --previous %s: malformed bundle: %s\n", path, why);
		free(*bytes);
		*bytes = NULL;
	}
	return ret;
}

/* The --unrevoke arguments, each of which must lift a revocation of @prev. */
static int collect_lifts(struct cli *c, const struct cm_bundle *prev,
			 struct cm_bundle *lift, struct cmk_dstore *ds)
{
	char err[ERRLEN] = "";

	for (size_t i = 0; i < c->n_unrevoke; i++) {
		struct cm_bundle one = { 0 };
		int ret;

		ret = cmk_revoke_arg(&one, c->unrevoke[i], ds, err, sizeof(err));
		if (ret >= 0)
			ret = cmk_revoke_lift_check(prev, &one);
		if (ret == -ENOENT && !err[0])
			snprintf(err, sizeof(err), "--unrevoke %s: not revoked by %s",
				 c->unrevoke[i], c->previous);
		for (size_t j = 0; ret >= 0 && j < one.n_keyids; j++)
			ret = cm_bundle_add_keyid(lift, one.keyids[j]);
		for (size_t j = 0; ret >= 0 && j < one.n_digests; j++)
			ret = cm_bundle_add_digest(lift, one.digests[j].algo,
						   one.digests[j].d,
						   one.digests[j].len);
		cm_bundle_release(&one);
		if (ret < 0) {
			if (!err[0])
				snprintf(err, sizeof(err), "--unrevoke %s: %s",
					 c->unrevoke[i], strerror(-ret));
			fprintf(stderr, "cmkeys bundle: %s\n", err);
			return ret;
		}
	}
	return 0;
}

/*
 * --previous: the new version must exceed its version, its revocations are
 * carried forward less --unrevoke's lifts.  0, or non-zero (said).
 */
static int bundle_previous(struct cli *c, struct cm_bundle *b,
			   struct cm_bundle *prev, uint8_t **prev_bytes,
			   struct cm_bundle *lift, struct cmk_dstore *ds)
{
	if (load_previous(c->previous, prev, prev_bytes))
		return 1;
	/* The version only grows: by default one past the previous,
	 * an explicit one must exceed it. */
	if (!c->have_version && b->version <= prev->version)
		b->version = prev->version + 1;
	if (b->version <= prev->version) {
		fprintf(stderr, "cmkeys bundle: version %" PRIu64 " does not exceed %s's %" PRIu64 " (rollback)\n",
			b->version, c->previous, prev->version);
		return 1;
	}
	return collect_lifts(c, prev, lift, ds) ? 1 : 0;
}

/* The signer certificates, DER in @ders (the bundle points into them). */
static int bundle_certs(char **paths, size_t n, struct cm_bundle *b,
			uint8_t **ders)
{
	for (size_t i = 0; i < n; i++) {
		X509 *cert;
		int len, ret;

		ret = cm_cert_load(paths[i], &cert);
		if (ret) {
			fprintf(stderr, "cmkeys bundle: %s: %s\n", paths[i],
				cm_cert_strerror(ret));
			return 1;
		}
		ders[i] = NULL;
		len = i2d_X509(cert, &ders[i]);
		X509_free(cert);
		if (len <= 0 || cm_bundle_add_cert(b, ders[i], (size_t)len)) {
			fprintf(stderr, "cmkeys bundle: %s: cannot encode\n", paths[i]);
			return 1;
		}
	}
	return 0;
}

/* --revoke, then what --previous revoked. */
static int bundle_revocations(struct cli *c, struct cm_bundle *b,
			      const struct cm_bundle *prev,
			      const struct cm_bundle *lift,
			      struct cmk_dstore *ds)
{
	char err[ERRLEN] = "";
	size_t carried = 0;
	int ret;

	for (size_t i = 0; i < c->n_revoke; i++) {
		size_t before = b->n_digests;

		ret = cmk_revoke_arg(b, c->revoke[i], ds, err, sizeof(err));
		if (ret < 0) {
			if (!err[0])
				snprintf(err, sizeof(err), "--revoke %s: %s",
					 c->revoke[i], strerror(-ret));
			fprintf(stderr, "cmkeys bundle: %s\n", err);
			return 1;
		}
		if (b->n_digests - before > 1)
			printf("--revoke %s: %zu digests (each carrier, each hash)\n",
			       c->revoke[i], b->n_digests - before);
	}
	if (!c->previous)
		return 0;
	ret = cmk_revoke_carry(b, prev, lift, stdout, &carried, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "cmkeys bundle: %s\n", err);
		return 1;
	}
	printf("carried %zu revocations forward from %s\n", carried, c->previous);
	return 0;
}

/* Serialized, parsed back, written, signed with --sign-key if given. */
static int bundle_write(struct cli *c, const struct cm_bundle *b)
{
	struct cm_bundle check;
	const char *why = "";
	char err[ERRLEN] = "";
	uint8_t *out = NULL;
	size_t out_len;
	int ret;

	ret = cm_bundle_serialize(b, &out, &out_len);
	if (ret) {
		fprintf(stderr, "cmkeys bundle: %s\n", strerror(-ret));
		return 1;
	}
	/* Parse what we wrote: duplicates and certificates without SKID are
	 * refused here rather than at boot. */
	ret = cm_bundle_parse(out, out_len, &check, &why);
	cm_bundle_release(&check);
	if (ret)
		fprintf(stderr, "cmkeys bundle: refusing: %s\n", why);
	else if ((ret = cmt_write_atomic(c->out, out, out_len, 0644)))
		fprintf(stderr, "cmkeys bundle: %s: %s\n", c->out, strerror(-ret));
	if (!ret)
		printf("%s: version %" PRIu64 ", %zu certificates, %zu revoked key ids, %zu revoked digests\n",
		       c->out, b->version, b->n_certs, b->n_keyids, b->n_digests);
	if (!ret && c->sign.key) {
		ret = cmk_bundle_sign(c->out, out, out_len, &c->sign, err,
				      sizeof(err));
		if (ret)	/* The new bundle must not pair with an old .sig. */
			fprintf(stderr, "cmkeys bundle: %s (%s written, not signed)\n",
				err, c->out);
		else
			printf("%s.sig\n", c->out);
	}
	free(out);
	return ret ? 1 : 0;
}

static int cmd_bundle(struct cli *c, int argc, char **argv)
{
	struct cm_bundle b = { 0 }, prev = { 0 }, lift = { 0 };
	struct cmk_dstore ds = { 0 };
	uint8_t **ders, *prev_bytes = NULL;
	size_t n = (size_t)(argc - optind);
	int ret;

	if (!c->out)
		return die_usage(c->cmd, "-o BUNDLE is required");
	if (!n)
		return die_usage(c->cmd, "at least one signer CERT is required");
	if (!c->sign.key != !c->sign.cert)
		return die_usage(c->cmd, "--sign-key and --sign-cert go together");
	if (c->n_unrevoke && !c->previous)
		return die_usage(c->cmd, "--unrevoke lifts a revocation of --previous OLD: give it");
	ders = calloc(n, sizeof(*ders));
	if (!ders)
		return 1;
	/* Default: seconds since the epoch, which only grows between builds. */
	b.version = c->have_version ? c->version : (uint64_t)time(NULL);
	ret = c->previous ? bundle_previous(c, &b, &prev, &prev_bytes, &lift, &ds) : 0;
	if (!ret)
		ret = bundle_certs(argv + optind, n, &b, ders);
	if (!ret)
		ret = bundle_revocations(c, &b, &prev, &lift, &ds);
	if (!ret)
		ret = bundle_write(c, &b);
	for (size_t i = 0; i < n; i++)
		OPENSSL_free(ders[i]);
	free(ders);
	cm_bundle_release(&b);
	cm_bundle_release(&lift);
	cm_bundle_release(&prev);
	free(prev_bytes);
	cmk_dstore_free(&ds);
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

/* --pcrs: a spec without a bank means sha256, and the user is told so. */
int parse_pcrs_cli(struct cli *c, uint32_t *mask)
{
	if (cmk_parse_pcrs(c->pcrs, mask)) {
		die_usage(c->cmd, "--pcrs: expected [sha256:]N[,N...] with N in 0..23");
		return -EINVAL;
	}
	if (!strchr(c->pcrs, ':'))
		fprintf(stderr, "cmkeys %s: --pcrs %s: no bank given, using sha256:%s\n",
			c->cmd, c->pcrs, c->pcrs);
	return 0;
}

static int cmd_seal(struct cli *c, int argc, char **argv)
{
	struct cmk_seal_opts o = { .tcti = c->tcti, .pcr_values = c->pcr_values,
				   .force = c->force, .authorize = c->authorize,
				   .bind_counter = c->have_counter,
				   .counter = c->counter };
	char err[ERRLEN] = "";

	if (argc - optind != 1)
		return die_usage(c->cmd, "exactly one BUNDLE");
	if (!!c->pcrs == !!c->pcr_values)
		return die_usage(c->cmd, "give one of --pcrs or --pcr-values");
	if (c->pcrs && parse_pcrs_cli(c, &o.pcr_mask))
		return 2;
	if (c->have_counter && !c->authorize)
		return die_usage(c->cmd, "--counter binds a seal under --authorize");
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
	if (!c->signed_by && !c->allow_unsigned) {
		fprintf(stderr, "cmkeys unseal: %s: refusing an unsigned bundle: give --signed-by CERT (or --allow-unsigned-bundle)\n",
			argv[optind]);
		return 1;
	}
	ret = cmk_tpm_open(c->tcti, &t, err, sizeof(err));
	if (!ret) {
		ret = cmk_open_bundle(t, argv[optind], c->min_version,
				      c->signed_by, c->policies, &ob, err,
				      sizeof(err));
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
		.allow_unsigned = c->allow_unsigned, .policies = c->policies,
		.recovery = c->recovery,
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
	if (!strcmp(c.cmd, "rules"))	/* keys/rules.c parses its own */
		return cmd_rules(argc - 1, argv + 1);
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
	else if (!strcmp(c.cmd, "counter"))
		ret = cmd_counter(&c, argc, argv);
	else if (!strcmp(c.cmd, "recovery"))
		ret = cmd_recovery(&c, argc, argv);
	else
		ret = die_usage(c.cmd, "unknown command");
	free(c.revoke);
	free(c.unrevoke);
	cm_trust_free(c.signed_by);
	return ret;
}
