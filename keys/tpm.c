// SPDX-License-Identifier: MIT
/*
 * The TPM side of cmkeys, through tpm2-tss ESAPI.
 *
 * State: one ESYS context over one TCTI, opened per command.  Nothing stays
 * loaded in the TPM between calls: every function flushes each transient
 * object and session it created, on every path, because a TPM without a
 * resource manager (swtpm, /dev/tpm0) has only three object slots.
 *
 * Key hierarchy: an ECC P-256 storage primary under the owner hierarchy,
 * recreated from the same template on each use (so nothing is persisted in
 * NV), and below it a keyed-hash data object holding the 32-byte secret,
 * with no userWithAuth so only its PolicyPCR policy can release it.  The
 * sessions that carry the secret (Create, Unseal) are salted with the
 * primary and encrypt that parameter, so the secret never crosses the bus
 * in clear.
 */
#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

#include "tpm_priv.h"

/*
 * A TPM that accepted the connection but never answers must not hang boot.
 * Esys_SetTimeout covers the TCTIs that honour it; the swtpm TCTI blocks in
 * its socket read regardless, so a watchdog bounds the whole TPM session
 * (open to close): on expiry the command ends with a clear message and a
 * non-zero status.  Provisioning touches no keyring before cmk_tpm_close(),
 * so exiting from the handler cannot leave a key loaded.
 */
#define TPM_TIMEOUT_MS		5000
#define TPM_DEADLINE_S		10

void cmk_tpm_err(char *err, size_t errlen, const char *stage, TSS2_RC rc)
{
	snprintf(err, errlen, "%s: 0x%x: %s", stage, rc, Tss2_RC_Decode(rc));
}

/* The owner-hierarchy storage primary: the TCG "SRK" shape, ECC P-256. */
static const TPM2B_PUBLIC primary_template = {
	.publicArea = {
		.type = TPM2_ALG_ECC,
		.nameAlg = TPM2_ALG_SHA256,
		.objectAttributes = TPMA_OBJECT_RESTRICTED |
				    TPMA_OBJECT_DECRYPT |
				    TPMA_OBJECT_FIXEDTPM |
				    TPMA_OBJECT_FIXEDPARENT |
				    TPMA_OBJECT_SENSITIVEDATAORIGIN |
				    TPMA_OBJECT_USERWITHAUTH |
				    TPMA_OBJECT_NODA,
		.parameters.eccDetail = {
			.symmetric = {
				.algorithm = TPM2_ALG_AES,
				.keyBits.aes = 128,
				.mode.aes = TPM2_ALG_CFB,
			},
			.scheme.scheme = TPM2_ALG_NULL,
			.curveID = TPM2_ECC_NIST_P256,
			.kdf.scheme = TPM2_ALG_NULL,
		},
	},
};

const TPMT_SYM_DEF cmk_session_sym = {
	.algorithm = TPM2_ALG_AES,
	.keyBits.aes = 128,
	.mode.aes = TPM2_ALG_CFB,
};

static void tpm_deadline(int sig)
{
	static const char msg[] =
		"cmkeys: no TPM: no answer within 10 s (TCTI connected but the TPM is silent)\n";

	(void)sig;
	/* Only async-signal-safe calls here. */
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(3);
}

static void arm_deadline(void)
{
	struct sigaction sa = { .sa_handler = tpm_deadline };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm(TPM_DEADLINE_S);
}

static const char *tcti_from_env(void)
{
	const char *v = getenv("TPM2TOOLS_TCTI");

	if (!v || !*v)
		v = getenv("TCTI");
	return v && *v ? v : NULL;
}

int cmk_tpm_open(const char *tcti, struct cmk_tpm **out, char *err,
		 size_t errlen)
{
	struct cmk_tpm *t;
	TSS2_RC rc;

	if (!tcti)
		tcti = tcti_from_env();
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	arm_deadline();
	rc = Tss2_TctiLdr_Initialize(tcti, &t->tcti);
	if (rc != TSS2_RC_SUCCESS) {
		snprintf(err, errlen, "no TPM at '%s': %s",
			 tcti ? tcti : "(tpm2-tss default)",
			 Tss2_RC_Decode(rc));
		free(t);
		alarm(0);
		return -ENODEV;
	}
	rc = Esys_Initialize(&t->esys, t->tcti, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		snprintf(err, errlen, "no TPM at '%s': Esys_Initialize: %s",
			 tcti ? tcti : "(tpm2-tss default)",
			 Tss2_RC_Decode(rc));
		goto out_finalize_tcti;
	}
	Esys_SetTimeout(t->esys, TPM_TIMEOUT_MS);
	/*
	 * A TPM the firmware (or swtpm's startup-clear) already started answers
	 * TPM2_RC_INITIALIZE, which Esys may also report as success.  Both mean
	 * "started"; anything else means there is no usable TPM.
	 */
	rc = Esys_Startup(t->esys, TPM2_SU_CLEAR);
	if (rc != TSS2_RC_SUCCESS && (rc & ~TSS2_RC_LAYER_MASK) != TPM2_RC_INITIALIZE) {
		snprintf(err, errlen, "no TPM at '%s': TPM2_Startup: %s",
			 tcti ? tcti : "(tpm2-tss default)",
			 Tss2_RC_Decode(rc));
		goto out_finalize_esys;
	}
	*out = t;
	return 0;

out_finalize_esys:
	Esys_Finalize(&t->esys);
out_finalize_tcti:
	Tss2_TctiLdr_Finalize(&t->tcti);
	free(t);
	alarm(0);
	return -ENODEV;
}

void cmk_tpm_close(struct cmk_tpm *t)
{
	if (!t)
		return;
	Esys_Finalize(&t->esys);
	Tss2_TctiLdr_Finalize(&t->tcti);
	free(t);
	alarm(0);
}

void cmk_pcr_selection(uint32_t mask, TPML_PCR_SELECTION *sel)
{
	memset(sel, 0, sizeof(*sel));
	sel->count = 1;
	sel->pcrSelections[0].hash = TPM2_ALG_SHA256;
	sel->pcrSelections[0].sizeofSelect = 3;
	sel->pcrSelections[0].pcrSelect[0] = mask & 0xff;
	sel->pcrSelections[0].pcrSelect[1] = (mask >> 8) & 0xff;
	sel->pcrSelections[0].pcrSelect[2] = (mask >> 16) & 0xff;
}

int cmk_tpm_pcr_read(struct cmk_tpm *t, uint32_t mask, cmk_pcr_values v,
		     char *err, size_t errlen)
{
	uint32_t left = mask;

	/* TPM2_PCR_Read returns at most 8 digests per call: ask until done. */
	while (left) {
		TPML_PCR_SELECTION sel, *got = NULL;
		TPML_DIGEST *vals = NULL;
		uint32_t done = 0, counter;
		size_t k = 0;
		TSS2_RC rc;

		cmk_pcr_selection(left, &sel);
		rc = Esys_PCR_Read(t->esys, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, &sel, &counter, &got, &vals);
		if (rc != TSS2_RC_SUCCESS) {
			cmk_tpm_err(err, errlen, "TPM2_PCR_Read", rc);
			return -EIO;
		}
		for (unsigned int i = 0; i < CM_PCR_MAX && got->count; i++) {
			if (!(got->pcrSelections[0].pcrSelect[i / 8] & (1u << (i % 8))))
				continue;
			if (k >= vals->count || vals->digests[k].size != 32)
				break;
			memcpy(v[i], vals->digests[k++].buffer, 32);
			done |= 1u << i;
		}
		Esys_Free(got);
		Esys_Free(vals);
		if (!(done & left)) {
			snprintf(err, errlen, "TPM2_PCR_Read: sha256 bank not active");
			return -ENOPKG;
		}
		left &= ~done;
	}
	return 0;
}

int cmk_policy_pcr_offline(uint32_t mask, const cmk_pcr_values v,
			   uint8_t out[32])
{
	uint8_t zero[32] = { 0 }, pcr_digest[32], cc[4] = { 0, 0, 0x01, 0x7f };
	uint8_t sel_buf[sizeof(TPML_PCR_SELECTION)];
	TPML_PCR_SELECTION sel;
	size_t sel_len = 0;
	EVP_MD_CTX *md;
	int ok;

	/* pcrDigest = H(selected PCR values, in ascending index order). */
	md = EVP_MD_CTX_new();
	if (!md)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (unsigned int i = 0; ok && i < CM_PCR_MAX; i++)
		if (mask & (1u << i))
			ok = EVP_DigestUpdate(md, v[i], 32);
	ok = ok && EVP_DigestFinal_ex(md, pcr_digest, NULL);

	/* policy = H(0^32 || TPM_CC_PolicyPCR || TPML_PCR_SELECTION || pcrDigest),
	 * the TPM's PolicyPCR update applied to a fresh session. */
	cmk_pcr_selection(mask, &sel);
	if (ok && Tss2_MU_TPML_PCR_SELECTION_Marshal(&sel, sel_buf,
						     sizeof(sel_buf),
						     &sel_len) != TSS2_RC_SUCCESS)
		ok = 0;
	ok = ok && EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(md, zero, 32) && EVP_DigestUpdate(md, cc, 4) &&
	     EVP_DigestUpdate(md, sel_buf, sel_len) &&
	     EVP_DigestUpdate(md, pcr_digest, 32) &&
	     EVP_DigestFinal_ex(md, out, NULL);
	EVP_MD_CTX_free(md);
	return ok ? 0 : -EIO;
}

static int create_primary_in(struct cmk_tpm *t, ESYS_TR hierarchy,
			     ESYS_TR *primary, char *err, size_t errlen);

static int create_primary(struct cmk_tpm *t, ESYS_TR *primary, char *err,
			  size_t errlen)
{
	return create_primary_in(t, ESYS_TR_RH_OWNER, primary, err, errlen);
}

int cmk_tpm_identity(struct cmk_tpm *t, uint8_t id[CM_TPM_NAME_SIZE],
		     uint32_t *reset_count, char *err, size_t errlen)
{
	TPMS_TIME_INFO *now = NULL;
	TPM2B_NAME *name = NULL;
	ESYS_TR ek = ESYS_TR_NONE;
	TSS2_RC rc;
	int ret;

	/* The endorsement seed survives TPM2_Clear: so does this name. */
	ret = create_primary_in(t, ESYS_TR_RH_ENDORSEMENT, &ek, err, errlen);
	if (ret)
		return ret;
	rc = Esys_TR_GetName(t->esys, ek, &name);
	if (rc != TSS2_RC_SUCCESS || name->size != CM_TPM_NAME_SIZE) {
		cmk_tpm_err(err, errlen, "TPM name of the endorsement primary", rc);
		ret = -EIO;
		goto out;
	}
	memcpy(id, name->name, CM_TPM_NAME_SIZE);
	rc = Esys_ReadClock(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
			    &now);
	if (rc != TSS2_RC_SUCCESS) {
		cmk_tpm_err(err, errlen, "TPM2_ReadClock", rc);
		ret = -EIO;
		goto out;
	}
	*reset_count = now->clockInfo.resetCount;
out:
	Esys_Free(now);
	Esys_Free(name);
	cmk_tpm_flush(t, ek);
	return ret;
}

static int create_primary_in(struct cmk_tpm *t, ESYS_TR hierarchy,
			     ESYS_TR *primary, char *err, size_t errlen)
{
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION none = { 0 };
	TSS2_RC rc;

	rc = Esys_CreatePrimary(t->esys, hierarchy, ESYS_TR_PASSWORD,
				ESYS_TR_NONE, ESYS_TR_NONE, &sens,
				&primary_template, &outside, &none, primary,
				NULL, NULL, NULL, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		cmk_tpm_err(err, errlen, hierarchy == ESYS_TR_RH_OWNER ?
			    "TPM2_CreatePrimary (owner hierarchy)" :
			    "TPM2_CreatePrimary (endorsement hierarchy)", rc);
		return -EIO;
	}
	return 0;
}

void cmk_tpm_flush(struct cmk_tpm *t, ESYS_TR h)
{
	if (h != ESYS_TR_NONE)
		Esys_FlushContext(t->esys, h);
}

static int policy_session(struct cmk_tpm *t, ESYS_TR salt_key, TPM2_SE type,
			  uint32_t mask, const struct cm_seal *s,
			  const struct cmk_policy *p, ESYS_TR *session,
			  char *err, size_t errlen)
{
	TPM2B_DIGEST empty = { 0 };
	TPML_PCR_SELECTION sel;
	TSS2_RC rc;
	int ret;

	rc = Esys_StartAuthSession(t->esys, salt_key, ESYS_TR_NONE,
				   ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
				   NULL, type, &cmk_session_sym, TPM2_ALG_SHA256,
				   session);
	if (rc != TSS2_RC_SUCCESS) {
		cmk_tpm_err(err, errlen, "TPM2_StartAuthSession", rc);
		return -EIO;
	}
	if (s && s->authorized) {
		ret = cmk_tpm_policy_authorized(t, *session, s, p, err, errlen);
		if (ret) {
			cmk_tpm_flush(t, *session);
			*session = ESYS_TR_NONE;
		}
		return ret;
	}
	cmk_pcr_selection(mask, &sel);
	/* An empty pcrDigest: the TPM uses the PCRs' current values. */
	rc = Esys_PolicyPCR(t->esys, *session, ESYS_TR_NONE, ESYS_TR_NONE,
			    ESYS_TR_NONE, &empty, &sel);
	if (rc != TSS2_RC_SUCCESS) {
		cmk_tpm_err(err, errlen, "TPM2_PolicyPCR", rc);
		cmk_tpm_flush(t, *session);
		*session = ESYS_TR_NONE;
		return -EIO;
	}
	return 0;
}

int cmk_tpm_policy_pcr(struct cmk_tpm *t, uint32_t mask, uint8_t out[32],
		       char *err, size_t errlen)
{
	ESYS_TR session = ESYS_TR_NONE;
	TPM2B_DIGEST *d = NULL;
	TSS2_RC rc;
	int ret;

	ret = policy_session(t, ESYS_TR_NONE, TPM2_SE_TRIAL, mask, NULL, NULL,
			     &session, err, errlen);
	if (ret)
		return ret;
	rc = Esys_PolicyGetDigest(t->esys, session, ESYS_TR_NONE, ESYS_TR_NONE,
				  ESYS_TR_NONE, &d);
	if (rc != TSS2_RC_SUCCESS || d->size != 32) {
		cmk_tpm_err(err, errlen, "TPM2_PolicyGetDigest", rc);
		ret = -EIO;
	} else {
		memcpy(out, d->buffer, 32);
	}
	Esys_Free(d);
	cmk_tpm_flush(t, session);
	return ret;
}

int cmk_tpm_seal(struct cmk_tpm *t, const uint8_t policy[32],
		 const uint8_t secret[CM_SEAL_SECRET_SIZE], uint8_t *pub,
		 size_t *pub_len, uint8_t *priv, size_t *priv_len, char *err,
		 size_t errlen)
{
	TPM2B_PUBLIC tmpl = {
		.publicArea = {
			.type = TPM2_ALG_KEYEDHASH,
			.nameAlg = TPM2_ALG_SHA256,
			/* No USERWITHAUTH: only the policy releases it. */
			.objectAttributes = TPMA_OBJECT_FIXEDTPM |
					    TPMA_OBJECT_FIXEDPARENT |
					    TPMA_OBJECT_NODA,
			.parameters.keyedHashDetail.scheme.scheme =
				TPM2_ALG_NULL,
		},
	};
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION none = { 0 };
	TPM2B_PUBLIC *out_pub = NULL;
	TPM2B_PRIVATE *out_priv = NULL;
	ESYS_TR primary = ESYS_TR_NONE, session = ESYS_TR_NONE;
	TSS2_RC rc;
	int ret;

	tmpl.publicArea.authPolicy.size = 32;
	memcpy(tmpl.publicArea.authPolicy.buffer, policy, 32);
	sens.sensitive.data.size = CM_SEAL_SECRET_SIZE;
	memcpy(sens.sensitive.data.buffer, secret, CM_SEAL_SECRET_SIZE);

	ret = create_primary(t, &primary, err, errlen);
	if (ret)
		goto out_wipe;
	/* Salted HMAC session that encrypts the first parameter (the secret). */
	rc = Esys_StartAuthSession(t->esys, primary, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, ESYS_TR_NONE, NULL,
				   TPM2_SE_HMAC, &cmk_session_sym, TPM2_ALG_SHA256,
				   &session);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_TRSess_SetAttributes(t->esys, session,
					       TPMA_SESSION_DECRYPT |
					       TPMA_SESSION_CONTINUESESSION,
					       0xff);
	if (rc != TSS2_RC_SUCCESS) {
		cmk_tpm_err(err, errlen, "TPM2_StartAuthSession (salted)", rc);
		ret = -EIO;
		goto out_flush_primary;
	}
	rc = Esys_Create(t->esys, primary, session, ESYS_TR_NONE, ESYS_TR_NONE,
			 &sens, &tmpl, &outside, &none, &out_priv, &out_pub,
			 NULL, NULL, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		cmk_tpm_err(err, errlen, "TPM2_Create (sealed object)", rc);
		ret = -EIO;
		goto out_flush_session;
	}
	*pub_len = 0;
	*priv_len = 0;
	if (Tss2_MU_TPM2B_PUBLIC_Marshal(out_pub, pub, CMK_TPM_BLOB_MAX,
					 pub_len) != TSS2_RC_SUCCESS ||
	    Tss2_MU_TPM2B_PRIVATE_Marshal(out_priv, priv, CMK_TPM_BLOB_MAX,
					  priv_len) != TSS2_RC_SUCCESS) {
		snprintf(err, errlen, "marshalling the sealed object failed");
		ret = -EIO;
	}
	Esys_Free(out_pub);
	Esys_Free(out_priv);
out_flush_session:
	cmk_tpm_flush(t, session);
out_flush_primary:
	cmk_tpm_flush(t, primary);
out_wipe:
	OPENSSL_cleanse(&sens, sizeof(sens));
	return ret;
}

static int is_policy_fail(TSS2_RC rc)
{
	/* Format-one code, any handle/session/parameter number. */
	return (rc & TSS2_RC_LAYER_MASK) == 0 && (rc & TPM2_RC_FMT1) &&
	       (rc & (0x3f | TPM2_RC_FMT1)) == TPM2_RC_POLICY_FAIL;
}

/*
 * The sealed object's public and private parts; the header's policy must
 * be what the TPM will enforce, or the file lies.
 */
static int unmarshal_sealed(const struct cm_seal *s, TPM2B_PUBLIC *pub,
			    TPM2B_PRIVATE *priv, char *err, size_t errlen)
{
	size_t off = 0;

	if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(s->pub, s->pub_len, &off, pub) ||
	    off != s->pub_len) {
		snprintf(err, errlen, "seal: TPM2B_PUBLIC does not unmarshal");
		return -EBADMSG;
	}
	off = 0;
	if (Tss2_MU_TPM2B_PRIVATE_Unmarshal(s->priv, s->priv_len, &off, priv) ||
	    off != s->priv_len) {
		snprintf(err, errlen, "seal: TPM2B_PRIVATE does not unmarshal");
		return -EBADMSG;
	}
	if (pub->publicArea.type != TPM2_ALG_KEYEDHASH ||
	    (pub->publicArea.objectAttributes & TPMA_OBJECT_USERWITHAUTH) ||
	    pub->publicArea.authPolicy.size != 32 ||
	    memcmp(pub->publicArea.authPolicy.buffer, s->policy_digest, 32)) {
		snprintf(err, errlen,
			 "seal: sealed object is not policy-only or its policy differs from the header");
		return -EBADMSG;
	}
	return 0;
}

/* TPM2_Unseal's outcome as an errno and a message naming the cause. */
static int unseal_result(TSS2_RC rc, const TPM2B_SENSITIVE_DATA *data,
			 const struct cm_seal *s,
			 uint8_t secret[CM_SEAL_SECRET_SIZE], char *err,
			 size_t errlen)
{
	if (is_policy_fail(rc) && s->authorized) {
		snprintf(err, errlen,
			 "signed policy refused: the policy's key or counter binding is not the seal's (TPM2_Unseal: 0x%x)",
			 rc);
		return -EKEYEXPIRED;
	}
	if (is_policy_fail(rc)) {
		snprintf(err, errlen,
			 "PCR policy mismatch: the PCRs do not show the sealed boot state (TPM2_Unseal: 0x%x)",
			 rc);
		return -EKEYEXPIRED;
	}
	if (rc != TSS2_RC_SUCCESS) {
		cmk_tpm_err(err, errlen, "TPM2_Unseal", rc);
		return -EIO;
	}
	if (data->size != CM_SEAL_SECRET_SIZE) {
		snprintf(err, errlen, "TPM2_Unseal: %u bytes, expected %d",
			 data->size, CM_SEAL_SECRET_SIZE);
		return -EBADMSG;
	}
	memcpy(secret, data->buffer, CM_SEAL_SECRET_SIZE);
	return 0;
}

int cmk_tpm_unseal(struct cmk_tpm *t, const struct cm_seal *s,
		   const struct cmk_policy *p,
		   uint8_t secret[CM_SEAL_SECRET_SIZE], char *err,
		   size_t errlen)
{
	ESYS_TR primary = ESYS_TR_NONE, obj = ESYS_TR_NONE;
	ESYS_TR session = ESYS_TR_NONE;
	TPM2B_SENSITIVE_DATA *data = NULL;
	TPM2B_PUBLIC pub = { 0 };
	TPM2B_PRIVATE priv = { 0 };
	TSS2_RC rc;
	int ret;

	ret = unmarshal_sealed(s, &pub, &priv, err, errlen);
	if (!ret)
		ret = create_primary(t, &primary, err, errlen);
	if (ret)
		return ret;
	rc = Esys_Load(t->esys, primary, ESYS_TR_PASSWORD, ESYS_TR_NONE,
		       ESYS_TR_NONE, &priv, &pub, &obj);
	if (rc != TSS2_RC_SUCCESS) {
		cmk_tpm_err(err, errlen,
			"TPM2_Load: sealed object refused (changed, or sealed on another TPM)",
			rc);
		ret = -EBADMSG;
		goto out_flush_primary;
	}
	ret = policy_session(t, primary, TPM2_SE_POLICY, s->pcr_mask, s, p,
			     &session, err, errlen);
	if (ret)
		goto out_flush_obj;
	/* Encrypt the response: the secret leaves the TPM in the salted
	 * session's key only. */
	rc = Esys_TRSess_SetAttributes(t->esys, session, TPMA_SESSION_ENCRYPT,
				       TPMA_SESSION_ENCRYPT);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_Unseal(t->esys, obj, session, ESYS_TR_NONE,
				 ESYS_TR_NONE, &data);
	ret = unseal_result(rc, data, s, secret, err, errlen);
	if (data) {
		OPENSSL_cleanse(data, sizeof(*data));
		Esys_Free(data);
	}
	cmk_tpm_flush(t, session);
out_flush_obj:
	cmk_tpm_flush(t, obj);
out_flush_primary:
	cmk_tpm_flush(t, primary);
	return ret;
}

int cmk_tpm_extend(struct cmk_tpm *t, unsigned int pcr,
		   const uint8_t digest[32], char *err, size_t errlen)
{
	TPML_DIGEST_VALUES d = { .count = 1 };
	TSS2_RC rc;

	if (pcr >= CM_PCR_MAX)
		return -ERANGE;
	d.digests[0].hashAlg = TPM2_ALG_SHA256;
	memcpy(d.digests[0].digest.sha256, digest, 32);
	rc = Esys_PCR_Extend(t->esys, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD,
			     ESYS_TR_NONE, ESYS_TR_NONE, &d);
	if (rc != TSS2_RC_SUCCESS) {
		char stage[48];

		snprintf(stage, sizeof(stage), "TPM2_PCR_Extend(%u)", pcr);
		cmk_tpm_err(err, errlen, stage, rc);
		return -EIO;
	}
	return 0;
}
