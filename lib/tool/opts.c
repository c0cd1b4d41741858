// SPDX-License-Identifier: MIT
/*
 * The options more than one tool takes, parsed once: -j/--jobs, --carrier,
 * --hash, the signing key (--key/-k, --cert, --pass-env, --pass-file), the
 * trust sources (--cert, --keyring, --bundle), and the walk-order printing
 * of results that worker threads finish out of order.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cryptomark/bundle.h>

#include "cmtool.h"

void cmt_usage(const struct cmt_cli *cli, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cli->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fprintf(stderr, "Try '%s --help'.\n", cli->help);
}

int cmt_getopt(int argc, char **argv, const char *shortopts,
	       const struct option *longopts,
	       int (*opt)(void *ctx, int c, char *arg), void *ctx)
{
	int c, e;

	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		e = opt(ctx, c, optarg);
		if (e)
			return e > 0 ? 1 : 2;
	}
	return 0;
}

int cmt_opt_common(const struct cmt_cli *cli, struct cmt_common *common,
		   int c, const char *arg, const char *usage)
{
	switch (c) {
	case 'j':
		return cmt_opt_jobs(cli, arg, &common->jobs);
	case 'q':
		common->quiet = 1;
		return 0;
	case 'v':
		common->verbose = 1;
		return 0;
	case 'h':
		fputs(usage, stdout);
		return 1;
	default:
		fprintf(stderr, "Try '%s --help'.\n", cli->help);
		return -EINVAL;
	}
}

int cmt_opt_jobs(const struct cmt_cli *cli, const char *arg, int *jobs)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (end == arg || *end || errno || n < 1 || n > CMT_MAX_JOBS) {
		cmt_usage(cli, "-j %s: give a number of threads from 1 to %d",
			  arg, CMT_MAX_JOBS);
		return -EINVAL;
	}
	*jobs = (int)n;
	return 0;
}

int cmt_jobs(int jobs)
{
	return jobs ? jobs : cmt_ncpus();
}

static const struct {
	const char *name;
	int carrier;
} carriers[] = {
	{ "any", CM_CARRIER_ANY },
	{ "xattr", CM_CARRIER_XATTR },
	{ "note", CM_CARRIER_NOTE },
	{ "both", CM_CARRIER_BOTH },
};

#define N_CARRIERS (sizeof(carriers) / sizeof(carriers[0]))

/* "any, xattr, note or both": the names @allowed permits, in table order. */
static void carrier_list(unsigned int allowed, char *buf, size_t len)
{
	size_t n = 0, k = 0, off = 0;

	for (size_t i = 0; i < N_CARRIERS; i++)
		n += !!(allowed & CMT_CARRIER_ALLOW(carriers[i].carrier));
	buf[0] = '\0';
	for (size_t i = 0; i < N_CARRIERS && off < len; i++) {
		if (!(allowed & CMT_CARRIER_ALLOW(carriers[i].carrier)))
			continue;
		k++;
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					k == 1 ? "" : k == n ? " or " : ", ",
					carriers[i].name);
	}
}

int cmt_opt_carrier(const struct cmt_cli *cli, const char *arg,
		    unsigned int allowed, int *carrier)
{
	char names[64];

	for (size_t i = 0; i < N_CARRIERS; i++) {
		if (strcmp(arg, carriers[i].name) ||
		    !(allowed & CMT_CARRIER_ALLOW(carriers[i].carrier)))
			continue;
		*carrier = carriers[i].carrier;
		return 0;
	}
	carrier_list(allowed, names, sizeof(names));
	cmt_usage(cli, "--carrier %s: use %s", arg, names);
	return -EINVAL;
}

const char *cmt_carrier_name(int carrier)
{
	for (size_t i = 0; i < N_CARRIERS; i++)
		if (carriers[i].carrier == carrier)
			return carriers[i].name;
	return "any";
}

int cmt_opt_sign_hash(const struct cmt_cli *cli, const char *arg, int *algo)
{
	int a = cm_hash_from_name(arg);

	if (a < 0 || a == CM_HASH_SHA224 || a == CM_HASH_SHA1) {
		cmt_usage(cli, "--hash %s: use sha256, sha384 or sha512", arg);
		return -EINVAL;
	}
	*algo = a;
	return 0;
}

int cmt_opt_key(struct cm_signer_opts *key, int opt, const char *arg)
{
	switch (opt) {
	case CMT_OPT_KEY:
		key->key = arg;
		return 1;
	case CMT_OPT_CERT:
		key->cert = arg;
		return 1;
	case CMT_OPT_PASS_ENV:
		key->pass_env = arg;
		return 1;
	case CMT_OPT_PASS_FILE:
		key->pass_file = arg;
		return 1;
	default:
		return 0;
	}
}

int cmt_signer_load(const struct cmt_cli *cli,
		    const struct cm_signer_opts *key, struct cm_signer **out)
{
	char err[512] = "";
	int ret = cm_signer_load(key, out, err, sizeof(err));

	if (ret)
		fprintf(stderr, "%s: %s\n", cli->prog,
			err[0] ? err : strerror(-ret));
	return ret;
}

int cmt_trust_cert(const struct cmt_cli *cli, struct cm_trust *t,
		   const char *path)
{
	int e = cm_trust_add_cert_file(t, path);

	if (e)
		fprintf(stderr, "%s: --cert %s: %s\n", cli->prog, path,
			cm_cert_strerror(e));
	return e;
}

int cmt_trust_keyring(const struct cmt_cli *cli, struct cm_trust *t,
		      const char *dir)
{
	int e = cm_trust_add_dir(t, dir);

	if (e >= 0)
		return 0;
	fprintf(stderr, "%s: --keyring %s: %s\n", cli->prog, dir,
		e == -ENOKEY ? "a certificate there has no subjectKeyIdentifier" :
		e == -EBADMSG ? "a file there is not a PEM or DER certificate" :
		strerror(-e));
	return e;
}

int cmt_trust_bundle(const struct cmt_cli *cli, struct cm_trust *t,
		     const char *path)
{
	const char *why = NULL;
	int e = cm_trust_add_bundle_file(t, path, &why);

	if (e)
		fprintf(stderr, "%s: --bundle %s: %s\n", cli->prog, path,
			why && *why ? why : strerror(-e));
	return e;
}

int cmt_ordered_init(struct cmt_ordered *o, size_t n)
{
	memset(o, 0, sizeof(*o));
	o->n = n;
	o->done = calloc(n ? n : 1, 1);
	if (!o->done)
		return -ENOMEM;
	pthread_mutex_init(&o->lock, NULL);
	return 0;
}

void cmt_ordered_done(struct cmt_ordered *o, size_t i,
		      void (*emit)(void *ctx, size_t i), void *ctx)
{
	pthread_mutex_lock(&o->lock);
	o->done[i] = 1;
	while (o->printed < o->n && o->done[o->printed])
		emit(ctx, o->printed++);
	pthread_mutex_unlock(&o->lock);
}

void cmt_ordered_free(struct cmt_ordered *o)
{
	if (o->done)
		pthread_mutex_destroy(&o->lock);
	free(o->done);
	o->done = NULL;
}
