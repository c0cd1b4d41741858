// SPDX-License-Identifier: MIT
/*
 * `cmkeys rules`: compile, sign, show and load a rule set for the LSM
 * (docs/FORMAT-rules.md).  The text is parsed by the same source the
 * kernel runs (lib/rules_parse.c); what is signed is the text as given,
 * after it parsed, with a signature v2 value over its SHA-256 digest.
 *
 *   cmkeys rules check POLICY
 *   cmkeys rules sign --sign-key KEY --sign-cert CERT [--pass-env V |
 *                     --pass-file F] -o OUT POLICY
 *   cmkeys rules pack -o OUT POLICY        (unsigned: before the lock only)
 *   cmkeys rules show SIGNED|POLICY
 *   cmkeys rules load [--securityfs FILE] SIGNED
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cryptomark/cryptomark.h>

#include "cli.h"
#include "cmtool.h"
#include "rules.h"

#define RULES_SECURITYFS "/sys/kernel/security/cryptomark/rules"
#define RULES_FILE_MAX (CM_RULES_HDR_SIZE + CM_RULES_TEXT_MAX + CM_RULES_SIG_MAX)

struct rules_cli {
	const char *out, *securityfs;
	struct cm_signer_opts sign;
};

static int rules_err(const char *path, int err, const char *what)
{
	fprintf(stderr, "cmkeys rules: %s: %s%s%s\n", path, what,
		*what ? ": " : "", strerror(-err));
	return 1;
}

/* Reads and parses a policy text; prints the line and reason on error. */
static int read_policy(const char *path, uint8_t **text, size_t *len,
		       struct cm_rules *r)
{
	struct cm_rules_err e;
	int ret = cm_read_file(path, CM_RULES_TEXT_MAX + 1, text, len);

	if (ret)
		return rules_err(path, ret, "");
	ret = cm_rules_parse((const char *)*text, *len, r, &e);
	if (ret) {
		if (e.line)
			fprintf(stderr, "cmkeys rules: %s:%u: %s (%s)\n", path,
				e.line, e.why, strerror(-ret));
		else
			fprintf(stderr, "cmkeys rules: %s: %s (%s)\n", path,
				e.why, strerror(-ret));
		free(*text);
		*text = NULL;
		return 1;
	}
	return 0;
}

static int print_rules(const struct cm_rules *r)
{
	char out[CM_RULES_FORMAT_MAX];
	int n = cm_rules_format(r, out, sizeof(out));

	if (n < 0)
		return rules_err("format", n, "");
	fputs(out, stdout);
	return 0;
}

/* Signs (or, @so NULL, packs unsigned) POLICY into @out. */
static int rules_write(const char *path, const char *out,
		       const struct cm_signer_opts *so)
{
	uint8_t digest[CM_MAX_DIGEST_SIZE], sig[CM_XATTR_MAX_SIZE], *text;
	static uint8_t buf[RULES_FILE_MAX];
	char why[256] = "";
	struct cm_signer *s;
	struct cm_rules r;
	size_t len;
	int n = 0, ret;

	if (read_policy(path, &text, &len, &r))
		return 1;
	if (so) {
		ret = cm_signer_load(so, &s, why, sizeof(why));
		if (ret) {
			fprintf(stderr, "cmkeys rules: --sign-key: %s\n", why);
			free(text);
			return 1;
		}
		n = cm_digest_buf(text, len, CM_HASH_SHA256, digest);
		n = n < 0 ? n : cm_signer_sign(s, CM_HASH_SHA256, digest, sig,
					       sizeof(sig), why, sizeof(why));
		cm_signer_free(s);
		if (n < 0) {
			fprintf(stderr, "cmkeys rules: signing %s: %s\n", path, why);
			free(text);
			return 1;
		}
	}
	ret = cm_rules_pack((const char *)text, len, sig, (size_t)n, buf,
			    sizeof(buf));
	free(text);
	if (ret < 0)
		return rules_err(path, ret, "packing");
	ret = cmt_write_atomic(out, buf, (size_t)ret, 0644);
	if (ret)
		return rules_err(out, ret, "");
	printf("%s: version %llu, %s\n", out, (unsigned long long)r.version,
	       so ? "signed" : "unsigned");
	return 0;
}

/* A signed policy: its header, signer and rules; else a policy text. */
static int rules_show(const char *path)
{
	const char *text;
	const uint8_t *sig;
	uint8_t *buf, digest[32];
	size_t len, tl, sl;
	struct cm_rules_err e;
	struct cm_sig hs;
	const char *why = "";
	struct cm_rules r;
	int ret = cm_read_file(path, RULES_FILE_MAX, &buf, &len);

	if (ret)
		return rules_err(path, ret, "");
	if (cm_rules_split(buf, len, &text, &tl, &sig, &sl)) {
		free(buf);
		if (read_policy(path, &buf, &len, &r))
			return 1;
		free(buf);
		return print_rules(&r);
	}
	ret = cm_rules_parse(text, tl, &r, &e);
	if (!ret && sl)
		ret = cm_sig_parse(sig, sl, &hs, &why);
	if (ret) {
		fprintf(stderr, "cmkeys rules: %s: %s (%s)\n", path,
			e.why && *e.why ? e.why : why, strerror(-ret));
		free(buf);
		return 1;
	}
	cm_digest_buf(text, tl, CM_HASH_SHA256, digest);
	printf("# digest sha256:");
	for (int i = 0; i < 32; i++)
		printf("%02x", digest[i]);
	if (sl)
		printf("\n# signer %08x\n", hs.keyid);
	else
		printf("\n# signer none (unsigned)\n");
	free(buf);
	return print_rules(&r);
}

/* One write() of the whole file, as the LSM requires. */
static int rules_load(const char *path, const char *dest)
{
	uint8_t *buf;
	size_t len;
	ssize_t n;
	int fd, ret = cm_read_file(path, RULES_FILE_MAX, &buf, &len);

	if (ret)
		return rules_err(path, ret, "");
	fd = open(dest, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return rules_err(dest, -errno, "");
	}
	n = write(fd, buf, len);
	ret = n < 0 ? -errno : 0;
	close(fd);
	free(buf);
	if (ret)
		return rules_err(dest, ret, path);
	printf("%s: loaded into %s\n", path, dest);
	return 0;
}

static const char rules_usage[] =
	"usage: cmkeys rules check POLICY\n"
	"       cmkeys rules sign --sign-key KEY --sign-cert CERT\n"
	"                         [--pass-env V|--pass-file F] -o OUT POLICY\n"
	"       cmkeys rules pack -o OUT POLICY   (unsigned)\n"
	"       cmkeys rules show SIGNED|POLICY\n"
	"       cmkeys rules load [--securityfs FILE] SIGNED\n";

static int rules_opts(int argc, char **argv, struct rules_cli *c)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "sign-key", required_argument, NULL, 'k' },
		{ "sign-cert", required_argument, NULL, 'c' },
		{ "pass-env", required_argument, NULL, 'e' },
		{ "pass-file", required_argument, NULL, 'f' },
		{ "securityfs", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	optind = 1;
	while ((o = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (o) {
		case 'o': c->out = optarg; break;
		case 'k': c->sign.key = optarg; break;
		case 'c': c->sign.cert = optarg; break;
		case 'e': c->sign.pass_env = optarg; break;
		case 'f': c->sign.pass_file = optarg; break;
		case 's': c->securityfs = optarg; break;
		case 'h': fputs(rules_usage, stdout); return -1;
		default: fputs(rules_usage, stderr); return 2;
		}
	}
	return 0;
}

/* argv[0] is "rules", argv[1] the action. */
int cmd_rules(int argc, char **argv)
{
	struct rules_cli c = { .securityfs = RULES_SECURITYFS };
	const char *act = argc > 1 ? argv[1] : "";
	struct cm_rules r;
	uint8_t *text;
	size_t len;
	int ret;

	if (!strcmp(act, "-h") || !strcmp(act, "--help")) {
		fputs(rules_usage, stdout);
		return 0;
	}
	ret = rules_opts(argc - 1, argv + 1, &c);
	if (ret)
		return ret < 0 ? 0 : ret;
	if (optind + 2 != argc) {
		fputs(rules_usage, stderr);
		return 2;
	}
	if (!strcmp(act, "check")) {
		if (read_policy(argv[optind + 1], &text, &len, &r))
			return 1;
		free(text);
		return print_rules(&r);
	}
	if (!strcmp(act, "sign") || !strcmp(act, "pack")) {
		if (!c.out || (act[0] == 's' && (!c.sign.key || !c.sign.cert))) {
			fprintf(stderr, "cmkeys rules %s: %s\n", act,
				!c.out ? "-o OUT is required" :
				"--sign-key and --sign-cert are required");
			return 2;
		}
		return rules_write(argv[optind + 1], c.out,
				   act[0] == 's' ? &c.sign : NULL);
	}
	if (!strcmp(act, "show"))
		return rules_show(argv[optind + 1]);
	if (!strcmp(act, "load"))
		return rules_load(argv[optind + 1], c.securityfs);
	fputs(rules_usage, stderr);
	return 2;
}
