// SPDX-License-Identifier: MIT
/*
 * A bundle bound to the TPM: BUNDLE.seal holds a fresh 32-byte secret sealed
 * under a PolicyPCR policy and the HMAC-SHA256 of the bundle keyed with it
 * (a TPM2 sealed object holds at most 128 bytes, so the bundle itself cannot
 * be sealed).  Opening unseals the secret, checks the tag, and only then
 * parses the bundle for use.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "cmkeys.h"
#include "cmtool.h"

#define SEAL_MAX_SIZE	(CM_SIZEOF_SEAL_HDR + CM_SIZEOF_SEAL_AUTH + 2 * CMK_TPM_BLOB_MAX)

int cmk_parse_pcrs(const char *spec, uint32_t *mask)
{
	const char *p = spec;
	uint32_t m = 0;

	if (!strncmp(p, "sha256:", 7))
		p += 7;
	else if (strchr(p, ':'))
		return -ENOPKG;		/* another bank */
	while (*p) {
		char *end;
		long n;

		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		n = strtol(p, &end, 10);
		if (n < 0 || n >= CM_PCR_MAX)
			return -ERANGE;
		m |= 1u << n;
		p = end;
		if (*p == ',')
			p++;
		else if (*p)
			return -EINVAL;
	}
	if (!m)
		return -EINVAL;
	*mask = m;
	return 0;
}

static int hex32(const char *s, uint8_t out[32])
{
	if (!strncmp(s, "0x", 2) || !strncmp(s, "0X", 2))
		s += 2;
	for (int i = 0; i < 32; i++) {
		unsigned int b;

		if (!isxdigit((unsigned char)s[0]) ||
		    !isxdigit((unsigned char)s[1]) || sscanf(s, "%2x", &b) != 1)
			return -EINVAL;
		out[i] = (uint8_t)b;
		s += 2;
	}
	while (isspace((unsigned char)*s))
		s++;
	return *s ? -EINVAL : 0;
}

int cmk_load_pcr_values(const char *path, uint32_t *mask, cmk_pcr_values v,
			char *err, size_t errlen)
{
	char line[256];
	int lineno = 0, in_other_bank = 0;
	uint32_t m = 0;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s = line, *sep;
		long n;

		lineno++;
		while (isspace((unsigned char)*s))
			s++;
		if (!*s || *s == '#')
			continue;
		/* tpm2_pcrread prints "  sha256:" then "    7 : 0x..." lines. */
		if (!strcmp(s, "sha256:\n") || !strcmp(s, "sha256:")) {
			in_other_bank = 0;
			continue;
		}
		if (isalpha((unsigned char)*s) && s[strlen(s) - 2] == ':') {
			in_other_bank = 1;
			continue;
		}
		if (!strncmp(s, "sha256:", 7))
			s += 7;
		else if (isalpha((unsigned char)*s))
			goto bad_line;	/* another bank named inline */
		if (in_other_bank)
			continue;
		n = strtol(s, &sep, 10);
		if (sep == s || n < 0 || n >= CM_PCR_MAX)
			goto bad_line;
		while (isspace((unsigned char)*sep))
			sep++;
		if (*sep != '=' && *sep != ':')
			goto bad_line;
		sep++;
		while (isspace((unsigned char)*sep))
			sep++;
		if (hex32(sep, v[n]))
			goto bad_line;
		m |= 1u << n;
	}
	fclose(f);
	if (!m) {
		snprintf(err, errlen, "%s: no sha256 PCR values", path);
		return -EINVAL;
	}
	*mask = m;
	return 0;

bad_line:
	fclose(f);
	snprintf(err, errlen, "%s:%d: expected 'N=<64 hex digits>' (sha256 bank)",
		 path, lineno);
	return -EINVAL;
}

static int seal_path(const char *bundle, char *buf, size_t len)
{
	if ((size_t)snprintf(buf, len, "%s.seal", bundle) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* The seal's policy: PolicyAuthorize(key) [PolicyNV(bundle counter)]. */
static int seal_authorized(const struct cmk_seal_opts *o, struct cm_seal *s,
			   char *err, size_t errlen)
{
	uint8_t pub[CMK_TPM_BLOB_MAX];
	EVP_PKEY *pk = NULL;
	size_t pub_len;
	int ret;

	if (!o->pcr_mask) {
		snprintf(err, errlen, "--authorize needs --pcrs: the PCRs every signed policy selects");
		return -EINVAL;
	}
	ret = cmk_policy_key_load(o->authorize, 0, &pk, err, errlen);
	if (!ret)
		ret = cmk_policy_key_public(pk, pub, &pub_len, s->key_name, err,
					    errlen);
	EVP_PKEY_free(pk);
	if (ret)
		return ret;
	s->authorized = 1;
	s->pcr_mask = o->pcr_mask;
	ret = cmk_policy_authorize_digest(s->key_name, s->policy_digest);
	if (!ret && o->bind_counter) {
		s->nv_index = CMK_NV_BUNDLE_COUNTER;
		s->nv_max = o->counter;
		ret = cmk_policy_nv_update(s->policy_digest, s->nv_index,
					   s->nv_max);
	}
	return ret;
}

/*
 * The bundle to seal, read and parsed (only what would be accepted when
 * opened is sealed), and BUNDLE.seal's @path, which is never replaced
 * without --force: a seal is the boot's only way in.
 */
static int read_sealable(const struct cmk_seal_opts *o, char *path,
			 size_t pathlen, uint8_t **bytes, size_t *len,
			 char *err, size_t errlen)
{
	struct cm_bundle b;
	const char *why = "";
	int ret;

	ret = seal_path(o->bundle, path, pathlen);
	if (ret) {
		snprintf(err, errlen, "%s.seal: %s", o->bundle, strerror(-ret));
		return ret;
	}
	if (!o->force && !access(path, F_OK)) {
		snprintf(err, errlen, "%s exists: not replacing a seal without --force",
			 path);
		return -EEXIST;
	}
	ret = cm_read_file(o->bundle, CM_BUNDLE_MAX_SIZE, bytes, len);
	if (ret) {
		snprintf(err, errlen, "%s: %s", o->bundle, strerror(-ret));
		return ret;
	}
	ret = cm_bundle_parse(*bytes, *len, &b, &why);
	if (ret) {
		snprintf(err, errlen, "%s: malformed bundle: %s", o->bundle, why);
		free(*bytes);
		*bytes = NULL;
		return ret;
	}
	cm_bundle_release(&b);
	return 0;
}

/* The policy known before the TPM: signed (--authorize) or --pcr-values. */
static int policy_offline(const struct cmk_seal_opts *o, struct cm_seal *s,
			  char *err, size_t errlen)
{
	cmk_pcr_values v;
	int ret;

	if (o->authorize)
		return seal_authorized(o, s, err, errlen);
	if (!o->pcr_values)
		return 0;
	ret = cmk_load_pcr_values(o->pcr_values, &s->pcr_mask, v, err, errlen);
	if (!ret)
		ret = cmk_policy_pcr_offline(s->pcr_mask, v, s->policy_digest);
	return ret;
}

/*
 * What needs the TPM: a bound counter must not already be past --counter
 * (the seal would never open); a PolicyPCR of the current PCR values.
 */
static int policy_on_tpm(const struct cmk_seal_opts *o, struct cmk_tpm *t,
			 struct cm_seal *s, char *err, size_t errlen)
{
	uint64_t now;
	int ret;

	if (s->authorized && s->nv_index) {
		ret = cmk_nv_counter_read(t, s->nv_index, &now, err, errlen);
		if (!ret && now > s->nv_max) {
			snprintf(err, errlen,
				 "--counter %llu is below the bundle counter's %llu: the seal would never open",
				 (unsigned long long)s->nv_max,
				 (unsigned long long)now);
			ret = -ESTALE;
		}
		return ret;
	}
	if (s->authorized || o->pcr_values)
		return 0;
	s->pcr_mask = o->pcr_mask;
	return cmk_tpm_policy_pcr(t, s->pcr_mask, s->policy_digest, err, errlen);
}

/* A fresh secret sealed under the policy, and the bundle's tag with it. */
static int seal_secret(struct cmk_tpm *t, struct cm_seal *s, uint8_t *pub,
		       uint8_t *priv, const uint8_t *bytes, size_t len,
		       char *err, size_t errlen)
{
	uint8_t secret[CM_SEAL_SECRET_SIZE];
	int ret;

	if (RAND_priv_bytes(secret, sizeof(secret)) != 1) {
		snprintf(err, errlen, "RAND_priv_bytes failed");
		return -EIO;
	}
	ret = cmk_tpm_seal(t, s->policy_digest, secret, pub, &s->pub_len, priv,
			   &s->priv_len, err, errlen);
	if (!ret)
		ret = cm_bundle_tag(secret, bytes, len, s->tag);
	OPENSSL_cleanse(secret, sizeof(secret));
	s->pub = pub;
	s->priv = priv;
	return ret;
}

int cmk_seal_bundle(const struct cmk_seal_opts *o, char *err, size_t errlen)
{
	uint8_t pub[CMK_TPM_BLOB_MAX], priv[CMK_TPM_BLOB_MAX];
	uint8_t *bytes = NULL, *blob = NULL;
	struct cm_seal s = { .pcr_bank = CM_TPM2_ALG_SHA256 };
	char path[PATH_MAX];
	struct cmk_tpm *t = NULL;
	size_t len, blob_len;
	int ret;

	ret = read_sealable(o, path, sizeof(path), &bytes, &len, err, errlen);
	if (ret)
		return ret;
	ret = policy_offline(o, &s, err, errlen);
	if (!ret)
		ret = cmk_tpm_open(o->tcti, &t, err, errlen);
	if (!ret)
		ret = policy_on_tpm(o, t, &s, err, errlen);
	if (!ret)
		ret = seal_secret(t, &s, pub, priv, bytes, len, err, errlen);
	/* Done with the TPM (and its watchdog) before writing any file. */
	cmk_tpm_close(t);
	if (!ret) {
		ret = cm_seal_serialize(&s, &blob, &blob_len);
		if (ret)
			snprintf(err, errlen, "seal: %s", strerror(-ret));
	}
	if (!ret) {
		ret = cmt_write_atomic(path, blob, blob_len, 0644);
		if (ret)
			snprintf(err, errlen, "%s.seal: %s", o->bundle,
				 strerror(-ret));
	}
	free(blob);
	free(bytes);
	return ret;
}

/* BUNDLE.seal read (into *sbytes, which @s points into) and parsed. */
static int read_seal(const char *bundle, char *path, size_t pathlen,
		     uint8_t **sbytes, struct cm_seal *s, char *err,
		     size_t errlen)
{
	const char *why = "";
	size_t slen;
	int ret;

	*sbytes = NULL;
	ret = seal_path(bundle, path, pathlen);
	if (!ret)
		ret = cm_read_file(path, SEAL_MAX_SIZE, sbytes, &slen);
	if (ret) {
		snprintf(err, errlen, "%s.seal: %s", bundle, strerror(-ret));
		return ret;
	}
	ret = cm_seal_parse(*sbytes, slen, s, &why);
	if (ret) {
		snprintf(err, errlen, "%s: malformed seal: %s", path, why);
		free(*sbytes);
		*sbytes = NULL;
	}
	return ret;
}

int cmk_seal_peek(const char *bundle, uint32_t *mask, int *authorized,
		  char *err, size_t errlen)
{
	char path[PATH_MAX];
	uint8_t *sbytes;
	struct cm_seal s;
	int ret;

	ret = read_seal(bundle, path, sizeof(path), &sbytes, &s, err, errlen);
	if (!ret) {
		*mask = s.pcr_mask;
		*authorized = s.authorized;
	}
	free(sbytes);
	return ret;
}

void cmk_opened_free(struct cmk_opened *o)
{
	cm_bundle_release(&o->b);
	free(o->bytes);
	o->bytes = NULL;
}

/* The bundle's bytes and digest; its signature checked if @signers. */
static int read_bundle(const char *bundle, const struct cm_trust *signers,
		       struct cmk_opened *out, char *err, size_t errlen)
{
	int ret;

	ret = cm_read_file(bundle, CM_BUNDLE_MAX_SIZE, &out->bytes, &out->len);
	if (ret) {
		snprintf(err, errlen, "%s: %s", bundle, strerror(-ret));
		return ret;
	}
	if (EVP_Digest(out->bytes, out->len, out->digest, NULL, EVP_sha256(),
		       NULL) != 1)
		return -EIO;
	if (!signers)
		return 0;
	return cmk_bundle_check_sig(bundle, out->bytes, out->len, signers, err,
				    errlen);
}

/* A seal under signed policies: the policy for the current PCR values. */
static int pick_policy(struct cmk_tpm *t, const struct cm_seal *s,
		       const char *policies, const char *path,
		       struct cmk_policy **pol, char *err, size_t errlen)
{
	cmk_pcr_values cur;
	int ret;

	if (!policies) {
		snprintf(err, errlen,
			 "%s: sealed under signed policies: give --policies DIR",
			 path);
		return -EINVAL;
	}
	*pol = malloc(sizeof(**pol));
	if (!*pol)
		return -ENOMEM;
	ret = cmk_tpm_pcr_read(t, s->pcr_mask, cur, err, errlen);
	if (!ret)
		ret = cmk_policy_pick(policies, s, cur, *pol, err, errlen);
	return ret;
}

/* Unsealed, the bundle authenticated by its tag, then parsed and dated. */
static int unseal_bundle(struct cmk_tpm *t, const struct cm_seal *s,
			 const struct cmk_policy *pol, const char *bundle,
			 uint64_t min_version, struct cmk_opened *out,
			 char *err, size_t errlen)
{
	uint8_t secret[CM_SEAL_SECRET_SIZE];
	const char *why = "";
	int ret;

	ret = cmk_tpm_unseal(t, s, pol, secret, err, errlen);
	if (ret)
		return ret;
	/* Authenticate before parsing anything the bundle says. */
	ret = cm_bundle_tag_check(secret, out->bytes, out->len, s->tag);
	OPENSSL_cleanse(secret, sizeof(secret));
	if (ret) {
		snprintf(err, errlen,
			 "%s: bundle changed: its HMAC does not match the sealed tag",
			 bundle);
		return ret;
	}
	ret = cm_bundle_parse(out->bytes, out->len, &out->b, &why);
	if (ret) {
		snprintf(err, errlen, "%s: malformed bundle: %s", bundle, why);
		return ret;
	}
	if (out->b.version >= min_version)
		return 0;
	snprintf(err, errlen,
		 "%s: bundle version %llu is below the minimum %llu (rollback)",
		 bundle, (unsigned long long)out->b.version,
		 (unsigned long long)min_version);
	return -ESTALE;
}

int cmk_open_bundle(struct cmk_tpm *t, const char *bundle,
		    uint64_t min_version, const struct cm_trust *signers,
		    const char *policies, struct cmk_opened *out, char *err,
		    size_t errlen)
{
	struct cmk_policy *pol = NULL;
	char path[PATH_MAX];
	uint8_t *sbytes;
	struct cm_seal s;
	int ret;

	memset(out, 0, sizeof(*out));
	ret = read_seal(bundle, path, sizeof(path), &sbytes, &s, err, errlen);
	if (ret)
		return ret;
	/*
	 * Known from here on even if opening fails: the caller caps a PCR.
	 * A seal under signed policies is only presented once a policy for
	 * the current PCRs was found: without one nothing reaches the TPM,
	 * and the PCRs stay as the boot made them (what a recovery request
	 * should record, and a new chain's policy be signed for).
	 */
	if (!s.authorized)
		out->pcr_mask = s.pcr_mask;
	ret = read_bundle(bundle, signers, out, err, errlen);
	if (!ret && s.authorized) {
		ret = pick_policy(t, &s, policies, path, &pol, err, errlen);
		if (!ret)
			out->pcr_mask = s.pcr_mask;
	}
	if (!ret)
		ret = unseal_bundle(t, &s, pol, bundle, min_version, out, err,
				    errlen);
	if (ret)
		cmk_opened_free(out);
	free(pol);
	free(sbytes);
	return ret;
}
