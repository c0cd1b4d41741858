// SPDX-License-Identifier: MIT
/*
 * What `cmkeys bundle --revoke` / `--unrevoke` name, turned into bundle
 * records, and the revocations of a previous bundle carried into the next.
 *
 * A revoked digest must be the digest the kernel computes, or it revokes
 * nothing: the LSM hashes with the algorithm of the signature it found
 * (kernel/security/cryptomark/verify.c), over the whole file for
 * security.ima and over the file with the note descriptor counted as zeros
 * for the ELF note (docs/FORMAT-note.md).  So `--revoke FILE` adds each
 * carrier's digest in every algorithm a signature may use: the revocation
 * holds whichever carrier and hash a copy of the file is signed with.
 *
 * Revocations only grow unless lifted on purpose: a bundle made with
 * --previous OLD keeps every revocation of OLD, and --unrevoke names the
 * ones to drop (each must match one; the caller prints what was lifted).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "cmkeys.h"

/* Every algorithm a signature header may name (lib/hash.c, the LSM). */
static const int file_algos[] = {
	CM_HASH_SHA256, CM_HASH_SHA384, CM_HASH_SHA512, CM_HASH_SHA224,
};

void cmk_dstore_free(struct cmk_dstore *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->bufs[i]);
	free(s->bufs);
	s->bufs = NULL;
	s->n = 0;
}

static uint8_t *dstore_new(struct cmk_dstore *s)
{
	uint8_t **v = realloc(s->bufs, (s->n + 1) * sizeof(*v));

	if (!v)
		return NULL;
	s->bufs = v;
	v[s->n] = calloc(1, CM_MAX_DIGEST_SIZE);
	return v[s->n] ? v[s->n++] : NULL;
}

static int has_keyid(const struct cm_bundle *b, uint32_t keyid)
{
	for (size_t i = 0; i < b->n_keyids; i++)
		if (b->keyids[i] == keyid)
			return 1;
	return 0;
}

static int has_digest(const struct cm_bundle *b, int algo, const uint8_t *d,
		      size_t len)
{
	for (size_t i = 0; i < b->n_digests; i++)
		if (b->digests[i].algo == algo && b->digests[i].len == len &&
		    !memcmp(b->digests[i].d, d, len))
			return 1;
	return 0;
}

/* Adds unless present: returns 1 added, 0 already there, or an error. */
static int add_keyid(struct cm_bundle *b, uint32_t keyid)
{
	if (has_keyid(b, keyid))
		return 0;
	return cm_bundle_add_keyid(b, keyid) ?: 1;
}

static int add_digest(struct cm_bundle *b, int algo, const uint8_t *d,
		      size_t len)
{
	if (has_digest(b, algo, d, len))
		return 0;
	return cm_bundle_add_digest(b, algo, d, len) ?: 1;
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

/* Every carrier's digest of the file at @path, in every algorithm. */
static int add_file_digests(struct cm_bundle *b, const char *path,
			    struct cmk_dstore *ds, char *err, size_t errlen)
{
	uint64_t note_off = 0;
	const char *why = "";
	struct stat st;
	int fd, ret, note, added = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, errlen, "--revoke %s: %s", path, strerror(-ret));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "--revoke %s: not a regular file", path);
		close(fd);
		return -EINVAL;
	}
	note = cm_note_locate(fd, (uint64_t)st.st_size, &note_off, &why);
	if (note && note != -ENOEXEC && note != -ENODATA)
		/* The kernel refuses such a note whatever it says: only the
		 * security.ima digest can vouch for this file. */
		fprintf(stderr,
			"cmkeys bundle: --revoke %s: no ELF note digest: %s (the kernel refuses that note anyway)\n",
			path, why);
	for (size_t i = 0; i < sizeof(file_algos) / sizeof(file_algos[0]); i++) {
		for (int carrier = 0; carrier < 2; carrier++) {
			uint8_t *d;

			if (carrier == 1 && note)
				break;
			d = dstore_new(ds);
			if (!d) {
				ret = -ENOMEM;
				goto out_close;
			}
			ret = cm_digest_fd(fd, file_algos[i], carrier ? note_off : 0,
					   carrier ? CM_NOTE_DESC_SIZE : 0, d);
			if (ret < 0) {
				snprintf(err, errlen, "--revoke %s: %s: %s", path,
					 cm_hash_name(file_algos[i]),
					 strerror(-ret));
				goto out_close;
			}
			ret = add_digest(b, file_algos[i], d, (size_t)ret);
			if (ret < 0) {
				snprintf(err, errlen, "--revoke %s: %s", path,
					 strerror(-ret));
				goto out_close;
			}
			added += ret;
		}
	}
	ret = added;
out_close:
	close(fd);
	return ret;
}

int cmk_revoke_arg(struct cm_bundle *b, const char *arg,
		   struct cmk_dstore *ds, char *err, size_t errlen)
{
	const char *colon = strchr(arg, ':');
	uint32_t keyid;
	uint8_t *d;
	size_t len;
	X509 *cert;
	int ret;

	if (strlen(arg) == 8 && strspn(arg, "0123456789abcdefABCDEF") == 8)
		return add_keyid(b, (uint32_t)strtoul(arg, NULL, 16));
	if (colon && colon - arg < 16) {
		char alg[16];
		int algo;

		memcpy(alg, arg, colon - arg);
		alg[colon - arg] = '\0';
		algo = cm_hash_from_name(alg);
		if (algo >= 0) {
			d = dstore_new(ds);
			if (!d)
				return -ENOMEM;
			if (hexval(colon + 1, d, CM_MAX_DIGEST_SIZE, &len) ||
			    (int)len != cm_hash_size(algo)) {
				snprintf(err, errlen,
					 "--revoke %s: digest is not %d hex bytes",
					 arg, cm_hash_size(algo));
				return -EINVAL;
			}
			return add_digest(b, algo, d, len);
		}
		if (access(arg, F_OK)) {
			snprintf(err, errlen, "--revoke %s: unknown hash", arg);
			return -ENOPKG;
		}
	}
	/* A certificate revokes its key id; any other file, its digests. */
	ret = cm_cert_load(arg, &cert);
	if (!ret) {
		ret = cm_cert_keyid(cert, &keyid);
		X509_free(cert);
		if (ret) {
			snprintf(err, errlen, "--revoke %s: certificate: %s", arg,
				 cm_cert_strerror(ret));
			return ret;
		}
		return add_keyid(b, keyid);
	}
	if (ret == -ENOENT || ret == -EACCES || ret == -EINVAL) {
		snprintf(err, errlen,
			 "--revoke %s: not a key id, ALG:HEX, certificate or file (%s)",
			 arg, strerror(-ret));
		return ret;
	}
	return add_file_digests(b, arg, ds, err, errlen);
}

static void print_digest(FILE *f, const char *what,
			 const struct cm_bundle_digest *d)
{
	fprintf(f, "%s digest %s:", what, cm_hash_name(d->algo));
	for (size_t j = 0; j < d->len; j++)
		fprintf(f, "%02x", d->d[j]);
	fputc('\n', f);
}

int cmk_revoke_carry(struct cm_bundle *b, const struct cm_bundle *prev,
		     const struct cm_bundle *lift, FILE *out, size_t *carried,
		     char *err, size_t errlen)
{
	int ret;

	*carried = 0;
	/* What is lifted must not be revoked again on the same line. */
	for (size_t i = 0; i < lift->n_keyids; i++)
		if (has_keyid(b, lift->keyids[i])) {
			snprintf(err, errlen,
				 "keyid %08x is both revoked and lifted",
				 lift->keyids[i]);
			return -EINVAL;
		}
	for (size_t i = 0; i < lift->n_digests; i++)
		if (has_digest(b, lift->digests[i].algo, lift->digests[i].d,
			       lift->digests[i].len)) {
			snprintf(err, errlen,
				 "a digest is both revoked and lifted (%s)",
				 cm_hash_name(lift->digests[i].algo));
			return -EINVAL;
		}
	for (size_t i = 0; i < prev->n_keyids; i++) {
		if (has_keyid(lift, prev->keyids[i])) {
			fprintf(out, "lifted: revoked keyid %08x\n",
				prev->keyids[i]);
			continue;
		}
		ret = add_keyid(b, prev->keyids[i]);
		if (ret < 0)
			goto out_err;
		*carried += (size_t)ret;
	}
	for (size_t i = 0; i < prev->n_digests; i++) {
		const struct cm_bundle_digest *d = &prev->digests[i];

		if (has_digest(lift, d->algo, d->d, d->len)) {
			print_digest(out, "lifted: revoked", d);
			continue;
		}
		ret = add_digest(b, d->algo, d->d, d->len);
		if (ret < 0)
			goto out_err;
		*carried += (size_t)ret;
	}
	return 0;

out_err:
	snprintf(err, errlen, "carrying the revocations forward: %s",
		 strerror(-ret));
	return ret;
}

int cmk_revoke_lift_check(const struct cm_bundle *prev,
			  const struct cm_bundle *one)
{
	for (size_t i = 0; i < one->n_keyids; i++)
		if (has_keyid(prev, one->keyids[i]))
			return 0;
	for (size_t i = 0; i < one->n_digests; i++)
		if (has_digest(prev, one->digests[i].algo, one->digests[i].d,
			       one->digests[i].len))
			return 0;
	return -ENOENT;
}
