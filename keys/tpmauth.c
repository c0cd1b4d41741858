// SPDX-License-Identifier: MIT
/*
 * Signed PCR policies and NV counters, the TPM half (tpm2-tss ESAPI).
 *
 * A seal under signed policies (CMSEAL02) is released to a policy session
 * that went through: PolicyPCR (the TPM's current PCRs), PolicyNV on the
 * policy counter if the signed policy is bound to it, PolicyAuthorize (the
 * TPM checks the policy key's signature over that digest: TPM2_LoadExternal
 * + TPM2_VerifySignature give the ticket), then PolicyNV on the bundle
 * counter if the seal is bound to it.  Each refusal is the TPM's own and is
 * reported with the step that failed.
 *
 * The counters are TPM_NT_COUNTER indices: only TPM2_NV_Increment changes
 * them, by one, upwards; nothing in cmkeys ever asks for less.  Like every
 * other function here, these flush each transient object they load.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>

#include "tpm_priv.h"

static int rc_is(TSS2_RC rc, TSS2_RC code)
{
	if (rc & TSS2_RC_LAYER_MASK)
		return 0;
	if (rc & TPM2_RC_FMT1)
		return (rc & (0x3f | TPM2_RC_FMT1)) == code;
	return (rc & 0xfff) == code;
}

static int nv_handle(struct cmk_tpm *t, uint32_t index, ESYS_TR *tr,
		     char *err, size_t errlen)
{
	TSS2_RC rc;

	rc = Esys_TR_FromTPMPublic(t->esys, index, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, tr);
	if (rc == TSS2_RC_SUCCESS)
		return 0;
	if (rc_is(rc, TPM2_RC_HANDLE)) {
		snprintf(err, errlen,
			 "NV counter 0x%08x missing: run 'cmkeys counter init' (a cleared TPM needs the recovery procedure, keys/README.md)",
			 index);
		return -ENOENT;
	}
	cmk_tpm_err(err, errlen, "TPM2_NV_ReadPublic", rc);
	return -EIO;
}

static void nv_close(struct cmk_tpm *t, ESYS_TR *tr)
{
	if (*tr != ESYS_TR_NONE)
		Esys_TR_Close(t->esys, tr);
}

int cmk_nv_counter_read(struct cmk_tpm *t, uint32_t index, uint64_t *value,
			char *err, size_t errlen)
{
	TPM2B_MAX_NV_BUFFER *data = NULL;
	ESYS_TR nv = ESYS_TR_NONE;
	TSS2_RC rc;
	int ret;

	ret = nv_handle(t, index, &nv, err, errlen);
	if (ret)
		return ret;
	rc = Esys_NV_Read(t->esys, nv, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			  ESYS_TR_NONE, 8, 0, &data);
	if (rc != TSS2_RC_SUCCESS || data->size != 8) {
		if (rc_is(rc, TPM2_RC_NV_UNINITIALIZED))
			snprintf(err, errlen,
				 "NV counter 0x%08x never written: run 'cmkeys counter init'",
				 index);
		else
			cmk_tpm_err(err, errlen, "TPM2_NV_Read", rc);
		ret = rc_is(rc, TPM2_RC_NV_UNINITIALIZED) ? -ENOENT : -EIO;
	} else {
		*value = 0;
		for (int i = 0; i < 8; i++)
			*value = *value << 8 | data->buffer[i];
	}
	Esys_Free(data);
	nv_close(t, &nv);
	return ret;
}

static int nv_increment(struct cmk_tpm *t, ESYS_TR nv, uint32_t index,
			char *err, size_t errlen)
{
	TSS2_RC rc;

	rc = Esys_NV_Increment(t->esys, ESYS_TR_RH_OWNER, nv, ESYS_TR_PASSWORD,
			       ESYS_TR_NONE, ESYS_TR_NONE);
	if (rc != TSS2_RC_SUCCESS) {
		char stage[64];

		snprintf(stage, sizeof(stage), "TPM2_NV_Increment(0x%08x)", index);
		cmk_tpm_err(err, errlen, stage, rc);
		return -EIO;
	}
	return 0;
}

int cmk_nv_counter_init(struct cmk_tpm *t, uint32_t index, uint64_t *value,
			int *created, char *err, size_t errlen)
{
	TPM2B_NV_PUBLIC want, *have = NULL;
	TPM2B_AUTH auth = { 0 };
	ESYS_TR nv = ESYS_TR_NONE;
	TSS2_RC rc;
	int ret;

	*created = 0;
	cmk_nv_template(index, &want, 0);
	rc = Esys_TR_FromTPMPublic(t->esys, index, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, &nv);
	if (rc_is(rc, TPM2_RC_HANDLE)) {
		rc = Esys_NV_DefineSpace(t->esys, ESYS_TR_RH_OWNER,
					 ESYS_TR_PASSWORD, ESYS_TR_NONE,
					 ESYS_TR_NONE, &auth, &want, &nv);
		if (rc_is(rc, TPM2_RC_NV_SPACE)) {
			snprintf(err, errlen,
				 "TPM NV space exhausted: cannot define counter 0x%08x (tpm2_getcap handles-nv-index lists what uses it)",
				 index);
			return -ENOSPC;
		}
		if (rc != TSS2_RC_SUCCESS) {
			cmk_tpm_err(err, errlen, "TPM2_NV_DefineSpace", rc);
			return -EIO;
		}
		*created = 1;
	} else if (rc != TSS2_RC_SUCCESS) {
		cmk_tpm_err(err, errlen, "TPM2_NV_ReadPublic", rc);
		return -EIO;
	}
	rc = Esys_NV_ReadPublic(t->esys, nv, ESYS_TR_NONE, ESYS_TR_NONE,
				ESYS_TR_NONE, &have, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		cmk_tpm_err(err, errlen, "TPM2_NV_ReadPublic", rc);
		ret = -EIO;
		goto out_close;
	}
	/* Someone else's index at our handle is not a counter to trust. */
	if ((have->nvPublic.attributes & ~TPMA_NV_WRITTEN) !=
	    want.nvPublic.attributes ||
	    have->nvPublic.nameAlg != TPM2_ALG_SHA256 ||
	    have->nvPublic.authPolicy.size || have->nvPublic.dataSize != 8) {
		snprintf(err, errlen,
			 "NV index 0x%08x exists with other attributes (0x%08x): not a cryptomark counter",
			 index, have->nvPublic.attributes);
		ret = -EEXIST;
		goto out_free;
	}
	/* A counter's name (and so the policies) is fixed once written. */
	if (!(have->nvPublic.attributes & TPMA_NV_WRITTEN)) {
		ret = nv_increment(t, nv, index, err, errlen);
		if (ret)
			goto out_free;
	}
	Esys_Free(have);
	nv_close(t, &nv);
	return cmk_nv_counter_read(t, index, value, err, errlen);

out_free:
	Esys_Free(have);
out_close:
	nv_close(t, &nv);
	return ret;
}

int cmk_nv_counter_bump(struct cmk_tpm *t, uint32_t index, uint64_t target,
			uint64_t *value, char *err, size_t errlen)
{
	ESYS_TR nv = ESYS_TR_NONE;
	int ret;

	ret = cmk_nv_counter_read(t, index, value, err, errlen);
	if (ret)
		return ret;
	if (target < *value) {
		snprintf(err, errlen,
			 "counter 0x%08x is at %llu: it never moves backwards (asked for %llu)",
			 index, (unsigned long long)*value,
			 (unsigned long long)target);
		return -ERANGE;
	}
	if (target - *value > 1000) {
		snprintf(err, errlen,
			 "counter 0x%08x is at %llu: refusing %llu increments (at most 1000 at once)",
			 index, (unsigned long long)*value,
			 (unsigned long long)(target - *value));
		return -E2BIG;
	}
	ret = nv_handle(t, index, &nv, err, errlen);
	while (!ret && *value < target) {
		ret = nv_increment(t, nv, index, err, errlen);
		if (!ret)
			(*value)++;
	}
	nv_close(t, &nv);
	/* What the TPM says, not what we counted. */
	return ret ? ret : cmk_nv_counter_read(t, index, value, err, errlen);
}

/* PolicyNV: the counter at @index <= @max, or a clear refusal. */
static int policy_counter(struct cmk_tpm *t, ESYS_TR session, uint32_t index,
			  uint64_t max, const char *what, char *err,
			  size_t errlen)
{
	TPM2B_OPERAND op = { .size = 8 };
	ESYS_TR nv = ESYS_TR_NONE;
	uint64_t now = 0;
	TSS2_RC rc;
	int ret;

	ret = nv_handle(t, index, &nv, err, errlen);
	if (ret)
		return ret;
	for (int i = 0; i < 8; i++)
		op.buffer[i] = (uint8_t)(max >> (56 - 8 * i));
	rc = Esys_PolicyNV(t->esys, nv, nv, session, ESYS_TR_PASSWORD,
			   ESYS_TR_NONE, ESYS_TR_NONE, &op, 0,
			   TPM2_EO_UNSIGNED_LE);
	nv_close(t, &nv);
	if (rc == TSS2_RC_SUCCESS)
		return 0;
	if (rc_is(rc, TPM2_RC_POLICY)) {
		char e2[64];

		cmk_nv_counter_read(t, index, &now, e2, sizeof(e2));
		snprintf(err, errlen,
			 "%s revoked: counter 0x%08x is at %llu, past its %llu (TPM2_PolicyNV: 0x%x)",
			 what, index, (unsigned long long)now,
			 (unsigned long long)max, rc);
		return -ESTALE;
	}
	cmk_tpm_err(err, errlen, "TPM2_PolicyNV", rc);
	return -EIO;
}

/* The policy's own terms: PolicyPCR, then its counter binding if any. */
static int policy_terms(struct cmk_tpm *t, ESYS_TR session,
			const struct cmk_policy *p, char *err, size_t errlen)
{
	TPM2B_DIGEST empty = { 0 };
	TPML_PCR_SELECTION sel;
	char what[64];
	TSS2_RC rc;

	cmk_pcr_selection(p->pcr_mask, &sel);
	rc = Esys_PolicyPCR(t->esys, session, ESYS_TR_NONE, ESYS_TR_NONE,
			    ESYS_TR_NONE, &empty, &sel);
	if (rc != TSS2_RC_SUCCESS) {
		cmk_tpm_err(err, errlen, "TPM2_PolicyPCR", rc);
		return -EIO;
	}
	if (!p->nv_index)
		return 0;
	snprintf(what, sizeof(what), "signed policy version %llu",
		 (unsigned long long)p->version);
	return policy_counter(t, session, p->nv_index, p->version, what, err,
			      errlen);
}

/* The policy key loaded as an external object, its signature unmarshalled. */
static int load_policy_key(struct cmk_tpm *t, const struct cmk_policy *p,
			   ESYS_TR *key, TPMT_SIGNATURE *sig, char *err,
			   size_t errlen)
{
	TPM2B_PUBLIC pub = { 0 };
	size_t off = 0, off2 = 0;
	TSS2_RC rc;

	if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(p->key_pub, p->key_len, &off, &pub) ||
	    Tss2_MU_TPMT_SIGNATURE_Unmarshal(p->sig, p->sig_len, &off2, sig)) {
		snprintf(err, errlen, "signed policy: key or signature does not unmarshal");
		return -EBADMSG;
	}
	rc = Esys_LoadExternal(t->esys, ESYS_TR_NONE, ESYS_TR_NONE,
			       ESYS_TR_NONE, NULL, &pub, ESYS_TR_RH_OWNER, key);
	if (rc != TSS2_RC_SUCCESS) {
		cmk_tpm_err(err, errlen, "TPM2_LoadExternal (policy key)", rc);
		return -EIO;
	}
	return 0;
}

/* The TPM checks the policy's signature, then PolicyAuthorize with its ticket. */
static int authorize(struct cmk_tpm *t, ESYS_TR session, ESYS_TR key,
		     const struct cmk_policy *p, const TPMT_SIGNATURE *sig,
		     char *err, size_t errlen)
{
	TPM2B_DIGEST approved = { .size = 32 }, ahash = { .size = 32 };
	TPMT_TK_VERIFIED *ticket = NULL;
	TPM2B_NONCE ref = { 0 };
	TPM2B_NAME *name = NULL;
	TSS2_RC rc;
	int ret = 0;

	memcpy(approved.buffer, p->approved, 32);
	/* aHash = H(approvedPolicy || policyRef), policyRef empty. */
	if (cm_digest_buf(p->approved, 32, CM_HASH_SHA256, ahash.buffer) != 32)
		return -EIO;
	rc = Esys_VerifySignature(t->esys, key, ESYS_TR_NONE, ESYS_TR_NONE,
				  ESYS_TR_NONE, &ahash, sig, &ticket);
	if (rc != TSS2_RC_SUCCESS) {
		snprintf(err, errlen,
			 "signed policy refused: its signature does not verify (TPM2_VerifySignature: 0x%x)",
			 rc);
		return -EKEYREJECTED;
	}
	rc = Esys_TR_GetName(t->esys, key, &name);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_PolicyAuthorize(t->esys, session, ESYS_TR_NONE,
					  ESYS_TR_NONE, ESYS_TR_NONE, &approved,
					  &ref, name, ticket);
	if (rc != TSS2_RC_SUCCESS) {
		cmk_tpm_err(err, errlen, "TPM2_PolicyAuthorize", rc);
		ret = -EKEYEXPIRED;
	}
	Esys_Free(name);
	Esys_Free(ticket);
	return ret;
}

int cmk_tpm_policy_authorized(struct cmk_tpm *t, ESYS_TR session,
			      const struct cm_seal *s,
			      const struct cmk_policy *p, char *err,
			      size_t errlen)
{
	TPMT_SIGNATURE sig = { 0 };
	ESYS_TR key = ESYS_TR_NONE;
	int ret;

	if (!p) {
		snprintf(err, errlen, "sealed under signed policies: give --policies DIR");
		return -EINVAL;
	}
	ret = policy_terms(t, session, p, err, errlen);
	if (!ret)
		ret = load_policy_key(t, p, &key, &sig, err, errlen);
	if (ret)
		return ret;
	ret = authorize(t, session, key, p, &sig, err, errlen);
	if (!ret && s->nv_index)
		ret = policy_counter(t, session, s->nv_index, s->nv_max,
				     "seal", err, errlen);
	cmk_tpm_flush(t, key);
	return ret;
}
