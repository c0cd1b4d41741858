// SPDX-License-Identifier: MIT
/*
 * Recovery: provisioning once when the TPM refuses (a firmware update with
 * no signed policy, a cleared TPM), with the offline key's consent instead
 * of the seal, and without weakening the binding for any other boot.
 *
 * `cmkeys recovery request` on the machine records what the administrator
 * must approve: this TPM (the name of an endorsement-hierarchy primary,
 * which survives TPM2_Clear), this boot (the TPM's reset count, one more at
 * every boot), the current PCR values and the digest of the bundle.  The
 * administrator checks them (against a reference event log) and signs the
 * request offline with the CA key (`cmkeys recovery sign`); `provision
 * --recovery TOKEN --signed-by CA` then loads the CA-signed bundle if, and
 * only if, every recorded value is the live one: the token is worth one
 * boot of one machine in one boot state, and nothing is unsealed.  After
 * it, the administrator reseals (and signs a policy for the new chain).
 *
 *   request: "CMRQST01" | reset_count be32 | pcr_mask be32 |
 *            tpm_id[34] | 0 0 | bundle sha256[32] | 32 bytes per PCR
 *   token:   request | IMA signature v2 over sha256(request)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cryptomark/cryptomark.h>

#include "cmkeys.h"
#include "cmtool.h"

#define REQ_MAGIC	"CMRQST01"
#define REQ_FIXED	(8 + 4 + 4 + CM_TPM_NAME_SIZE + 2 + 32)
#define REQ_MAX		(REQ_FIXED + 32 * CM_PCR_MAX)

static size_t req_len(uint32_t mask)
{
	return REQ_FIXED + 32 * (size_t)__builtin_popcount(mask);
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | p[2] << 8 | p[3];
}

/* What this machine is now: the request's bytes for @bundle_digest. */
static int live_request(struct cmk_tpm *t, uint32_t mask,
			const uint8_t bundle_digest[32], uint8_t *req,
			char *err, size_t errlen)
{
	cmk_pcr_values v;
	uint32_t reset;
	size_t off;
	int ret;

	ret = cmk_tpm_identity(t, req + 16, &reset, err, errlen);
	if (!ret)
		ret = cmk_tpm_pcr_read(t, mask, v, err, errlen);
	if (ret)
		return ret;
	memcpy(req, REQ_MAGIC, 8);
	put_be32(req + 8, reset);
	put_be32(req + 12, mask);
	req[16 + CM_TPM_NAME_SIZE] = req[17 + CM_TPM_NAME_SIZE] = 0;
	memcpy(req + 18 + CM_TPM_NAME_SIZE, bundle_digest, 32);
	off = REQ_FIXED;
	for (int i = 0; i < CM_PCR_MAX; i++)
		if (mask & (1u << i)) {
			memcpy(req + off, v[i], 32);
			off += 32;
		}
	return 0;
}

static int bundle_digest(const char *bundle, uint8_t **bytes, size_t *len,
			 uint8_t d[32], char *err, size_t errlen)
{
	int ret = cm_read_file(bundle, CM_BUNDLE_MAX_SIZE, bytes, len);

	if (ret) {
		snprintf(err, errlen, "%s: %s", bundle, strerror(-ret));
		return ret;
	}
	ret = cm_digest_buf(*bytes, *len, CM_HASH_SHA256, d);
	return ret < 0 ? ret : 0;
}

int cmk_recovery_request(const char *tcti, const char *bundle, uint32_t mask,
			 const char *out, char *err, size_t errlen)
{
	uint8_t req[REQ_MAX], d[32], *bytes = NULL;
	struct cmk_tpm *t;
	size_t len;
	int ret;

	ret = bundle_digest(bundle, &bytes, &len, d, err, errlen);
	free(bytes);
	if (ret)
		return ret;
	ret = cmk_tpm_open(tcti, &t, err, errlen);
	if (ret)
		return ret;
	ret = live_request(t, mask, d, req, err, errlen);
	cmk_tpm_close(t);
	if (!ret)
		ret = cmt_write_atomic(out, req, req_len(mask), 0644);
	if (ret && !err[0])
		snprintf(err, errlen, "%s: %s", out, strerror(-ret));
	return ret;
}

/* Prints what a request asks for, so the signer sees what it approves. */
static int show_request(const uint8_t *req, size_t len, char *err,
			size_t errlen)
{
	uint32_t mask;
	size_t off = REQ_FIXED;

	if (len < REQ_FIXED || memcmp(req, REQ_MAGIC, 8) ||
	    (mask = get_be32(req + 12)) == 0 || mask >> CM_PCR_MAX ||
	    len != req_len(mask)) {
		snprintf(err, errlen, "not a recovery request (cmkeys recovery request)");
		return -EBADMSG;
	}
	printf("recovery request: TPM ");
	for (int i = 0; i < CM_TPM_NAME_SIZE; i++)
		printf("%02x", req[16 + i]);
	printf(", boot (reset count) %u, bundle sha256:", get_be32(req + 8));
	for (int i = 0; i < 32; i++)
		printf("%02x", req[18 + CM_TPM_NAME_SIZE + i]);
	printf("\n");
	for (int i = 0; i < CM_PCR_MAX; i++) {
		if (!(mask & (1u << i)))
			continue;
		printf("sha256:%d=", i);
		for (int j = 0; j < 32; j++)
			printf("%02x", req[off + j]);
		printf("\n");
		off += 32;
	}
	return 0;
}

int cmk_recovery_sign(const char *request, const struct cm_signer_opts *so,
		      const char *out, char *err, size_t errlen)
{
	uint8_t *req = NULL, *tok = NULL, d[CM_MAX_DIGEST_SIZE];
	char why[256] = "";
	struct cm_signer *s;
	size_t len;
	int ret, n;

	ret = cm_read_file(request, REQ_MAX, &req, &len);
	if (ret) {
		snprintf(err, errlen, "%s: %s", request, strerror(-ret));
		return ret;
	}
	ret = show_request(req, len, err, errlen);
	if (ret)
		goto out_free;
	ret = cm_signer_load(so, &s, why, sizeof(why));
	if (ret) {
		snprintf(err, errlen, "--sign-key: %s", why);
		goto out_free;
	}
	tok = malloc(len + CM_XATTR_MAX_SIZE);
	n = tok ? cm_digest_buf(req, len, CM_HASH_SHA256, d) : -ENOMEM;
	if (n >= 0)
		n = cm_signer_sign(s, CM_HASH_SHA256, d, tok + len,
				   CM_XATTR_MAX_SIZE, why, sizeof(why));
	cm_signer_free(s);
	if (n < 0) {
		snprintf(err, errlen, "signing the request: %s", why);
		ret = n;
		goto out_free;
	}
	memcpy(tok, req, len);
	ret = cmt_write_atomic(out, tok, len + (size_t)n, 0600);
	if (ret)
		snprintf(err, errlen, "%s: %s", out, strerror(-ret));
out_free:
	free(tok);
	free(req);
	return ret;
}

int cmk_recovery_mask(const char *token, uint32_t *mask, char *err,
		      size_t errlen)
{
	uint8_t *tok = NULL;
	size_t len;
	int ret;

	ret = cm_read_file(token, REQ_MAX + CM_XATTR_MAX_SIZE, &tok, &len);
	if (ret) {
		snprintf(err, errlen, "%s: %s", token, strerror(-ret));
		return ret;
	}
	*mask = len > REQ_FIXED ? get_be32(tok + 12) : 0;
	free(tok);
	if (!*mask || *mask >> CM_PCR_MAX) {
		snprintf(err, errlen, "%s: malformed recovery token", token);
		return -EBADMSG;
	}
	return 0;
}

/* The token read, its layout checked and its signature verified. */
static int read_token(const char *token, const struct cm_trust *signers,
		      uint8_t **tok, uint32_t *mask, size_t *rlen, char *err,
		      size_t errlen)
{
	uint8_t d[CM_MAX_DIGEST_SIZE];
	const char *why = "";
	struct cm_sig sig;
	size_t len;
	int ret, n;

	ret = cm_read_file(token, REQ_MAX + CM_XATTR_MAX_SIZE, tok, &len);
	if (ret) {
		snprintf(err, errlen, "%s: %s", token, strerror(-ret));
		return ret;
	}
	*mask = len >= REQ_FIXED ? get_be32(*tok + 12) : 0;
	*rlen = req_len(*mask);
	if (len <= REQ_FIXED || memcmp(*tok, REQ_MAGIC, 8) || !*mask ||
	    *mask >> CM_PCR_MAX || len <= *rlen) {
		snprintf(err, errlen, "%s: malformed recovery token", token);
		return -EBADMSG;
	}
	ret = cm_sig_parse(*tok + *rlen, len - *rlen, &sig, &why);
	if (!ret) {
		n = cm_digest_buf(*tok, *rlen, sig.hash_algo, d);
		ret = n < 0 ? n : cm_trust_verify(signers, &sig, d, (size_t)n);
	}
	if (ret)
		snprintf(err, errlen, "%s: recovery token refused: %s", token,
			 ret == -ENOKEY ? "not signed by the --signed-by key" :
			 ret == -EKEYREJECTED ? "signature does not match" :
			 why[0] ? why : strerror(-ret));
	return ret;
}

/* Every value the token recorded must be the live one: 0 or -EKEYEXPIRED. */
static int token_matches(const uint8_t *tok, const uint8_t *live, size_t rlen,
			 char *err, size_t errlen)
{
	if (memcmp(tok + 16, live + 16, CM_TPM_NAME_SIZE))
		snprintf(err, errlen, "recovery token refused: it is for another TPM");
	else if (memcmp(tok + 18 + CM_TPM_NAME_SIZE, live + 18 + CM_TPM_NAME_SIZE, 32))
		snprintf(err, errlen, "recovery token refused: it is for another bundle");
	else if (memcmp(tok + 8, live + 8, 4))
		snprintf(err, errlen, "recovery token refused: it was for boot %u, this is boot %u (one boot only)",
			 get_be32(tok + 8), get_be32(live + 8));
	else if (memcmp(tok + REQ_FIXED, live + REQ_FIXED, rlen - REQ_FIXED))
		snprintf(err, errlen, "recovery token refused: the PCRs are not those it approved");
	else
		return 0;
	return -EKEYEXPIRED;
}

int cmk_recovery_open(struct cmk_tpm *t, const char *bundle,
		      const char *token, uint64_t min_version,
		      const struct cm_trust *signers, struct cmk_opened *out,
		      char *err, size_t errlen)
{
	uint8_t *tok = NULL, live[REQ_MAX];
	const char *why = "";
	uint32_t mask;
	size_t rlen;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!signers) {
		snprintf(err, errlen, "--recovery needs --signed-by: the token and the bundle are checked against it");
		return -EINVAL;
	}
	ret = bundle_digest(bundle, &out->bytes, &out->len, out->digest, err,
			    errlen);
	if (!ret)
		ret = cmk_bundle_check_sig(bundle, out->bytes, out->len, signers,
					   err, errlen);
	if (!ret)
		ret = read_token(token, signers, &tok, &mask, &rlen, err, errlen);
	if (!ret)
		ret = live_request(t, mask, out->digest, live, err, errlen);
	if (!ret)
		ret = token_matches(tok, live, rlen, err, errlen);
	if (!ret) {
		ret = cm_bundle_parse(out->bytes, out->len, &out->b, &why);
		if (ret)
			snprintf(err, errlen, "%s: malformed bundle: %s", bundle, why);
	}
	if (!ret && out->b.version < min_version) {
		snprintf(err, errlen,
			 "%s: bundle version %llu is below the minimum %llu (rollback)",
			 bundle, (unsigned long long)out->b.version,
			 (unsigned long long)min_version);
		ret = -ESTALE;
	}
	free(tok);
	if (ret) {
		cmk_opened_free(out);
		return ret;
	}
	/* Approved: cap the token's highest PCR like a seal's. */
	out->pcr_mask = mask;
	return 0;
}
