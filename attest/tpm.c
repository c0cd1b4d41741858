// SPDX-License-Identifier: MIT
/*
 * cmattest's TPM commands (attest/tpm.h): the AK, TPM2_Quote, and the
 * every-bank extend the LSM does, for host tests on swtpm.  The session
 * itself (open, watchdog, close) is cmkeys' (keys/tpm.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_rc.h>

#include "tpm_priv.h"
#include "tpm.h"

/* Restricted ECDSA-SHA256 signing key, the TCG "AK" shape. */
static const TPM2B_PUBLIC ak_template = {
	.publicArea = {
		.type = TPM2_ALG_ECC,
		.nameAlg = TPM2_ALG_SHA256,
		.objectAttributes = TPMA_OBJECT_RESTRICTED |
				    TPMA_OBJECT_SIGN_ENCRYPT |
				    TPMA_OBJECT_FIXEDTPM |
				    TPMA_OBJECT_FIXEDPARENT |
				    TPMA_OBJECT_SENSITIVEDATAORIGIN |
				    TPMA_OBJECT_USERWITHAUTH |
				    /* Empty auth: dictionary-attack lockout
				     * (after unclean resets) must not stop
				     * quotes. */
				    TPMA_OBJECT_NODA,
		.parameters.eccDetail = {
			.symmetric.algorithm = TPM2_ALG_NULL,
			.scheme = {
				.scheme = TPM2_ALG_ECDSA,
				.details.ecdsa.hashAlg = TPM2_ALG_SHA256,
			},
			.curveID = TPM2_ECC_NIST_P256,
			.kdf.scheme = TPM2_ALG_NULL,
		},
		/* Entropy input: keeps this key apart from any EK. */
		.unique.ecc = {
			.x = { .size = 11, .buffer = "cmattest-ak" },
		},
	},
};

static int ak_primary(struct cmk_tpm *t, ESYS_TR *ak, TPM2B_PUBLIC **pub,
		      char *err, size_t errlen)
{
	TPM2B_SENSITIVE_CREATE sens = { 0 };
	TPM2B_DATA outside = { 0 };
	TPML_PCR_SELECTION none = { 0 };
	TSS2_RC rc;

	rc = Esys_CreatePrimary(t->esys, ESYS_TR_RH_ENDORSEMENT,
				ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE,
				&sens, &ak_template, &outside, &none, ak, pub,
				NULL, NULL, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		cmk_tpm_err(err, errlen,
			    "TPM2_CreatePrimary (AK, endorsement hierarchy)", rc);
		return -EIO;
	}
	return 0;
}

int cma_ak_open(struct cmk_tpm *t, uint32_t handle, ESYS_TR *ak,
		TPM2B_PUBLIC **pub, char *err, size_t errlen)
{
	TPMA_OBJECT want = TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT |
			   TPMA_OBJECT_FIXEDTPM;
	TSS2_RC rc;

	*ak = ESYS_TR_NONE;
	*pub = NULL;
	if (!handle)
		return ak_primary(t, ak, pub, err, errlen);
	if ((handle >> 24) != TPM2_HT_PERSISTENT) {
		snprintf(err, errlen, "AK handle 0x%08x is not persistent (0x81xxxxxx)",
			 handle);
		return -EINVAL;
	}
	rc = Esys_TR_FromTPMPublic(t->esys, handle, ESYS_TR_NONE, ESYS_TR_NONE,
				   ESYS_TR_NONE, ak);
	if (rc == TSS2_RC_SUCCESS)
		rc = Esys_ReadPublic(t->esys, *ak, ESYS_TR_NONE, ESYS_TR_NONE,
				     ESYS_TR_NONE, pub, NULL, NULL);
	if (rc != TSS2_RC_SUCCESS) {
		char stage[64];

		snprintf(stage, sizeof(stage), "AK at handle 0x%08x", handle);
		cmk_tpm_err(err, errlen, stage, rc);
		return -ENOENT;
	}
	if (((*pub)->publicArea.objectAttributes & want) != want) {
		snprintf(err, errlen,
			 "AK at handle 0x%08x is not a restricted fixedTPM signing key",
			 handle);
		return -EKEYREJECTED;
	}
	return 0;
}

void cma_ak_close(struct cmk_tpm *t, uint32_t handle, ESYS_TR ak)
{
	if (ak == ESYS_TR_NONE)
		return;
	if (handle)
		Esys_TR_Close(t->esys, &ak);
	else
		cmk_tpm_flush(t, ak);
}

/* The key's own scheme, or the usual one for its type when it has none. */
static TPMT_SIG_SCHEME quote_scheme(const TPM2B_PUBLIC *pub)
{
	const TPMT_PUBLIC *p = &pub->publicArea;
	TPMT_SIG_SCHEME s = { .scheme = TPM2_ALG_NULL };

	if (p->type == TPM2_ALG_ECC &&
	    p->parameters.eccDetail.scheme.scheme == TPM2_ALG_NULL) {
		s.scheme = TPM2_ALG_ECDSA;
		s.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
	} else if (p->type == TPM2_ALG_RSA &&
		   p->parameters.rsaDetail.scheme.scheme == TPM2_ALG_NULL) {
		s.scheme = TPM2_ALG_RSASSA;
		s.details.rsassa.hashAlg = TPM2_ALG_SHA256;
	}
	return s;
}

int cma_tpm_quote(struct cmk_tpm *t, ESYS_TR ak, const TPM2B_PUBLIC *pub,
		  const uint8_t *nonce, size_t nonce_len, uint32_t pcr,
		  TPM2B_ATTEST **attest, TPMT_SIGNATURE **sig, char *err,
		  size_t errlen)
{
	TPMT_SIG_SCHEME scheme = quote_scheme(pub);
	TPM2B_DATA q = { .size = (UINT16)nonce_len };
	TPML_PCR_SELECTION sel;
	TSS2_RC rc;

	if (nonce_len > sizeof(q.buffer) || pcr > 23)
		return -EINVAL;
	memcpy(q.buffer, nonce, nonce_len);
	cmk_pcr_selection(1u << pcr, &sel);
	rc = Esys_Quote(t->esys, ak, ESYS_TR_PASSWORD, ESYS_TR_NONE,
			ESYS_TR_NONE, &q, &scheme, &sel, attest, sig);
	if (rc != TSS2_RC_SUCCESS) {
		cmk_tpm_err(err, errlen, "TPM2_Quote", rc);
		return -EIO;
	}
	return 0;
}

static const EVP_MD *bank_md(TPMI_ALG_HASH alg)
{
	switch (alg) {
	case TPM2_ALG_SHA1:
		return EVP_sha1();
	case TPM2_ALG_SHA256:
		return EVP_sha256();
	case TPM2_ALG_SHA384:
		return EVP_sha384();
	case TPM2_ALG_SHA512:
		return EVP_sha512();
	default:
		return NULL;
	}
}

/* The banks with PCR @pcr allocated, as digests of @data.  The TPM is
 * asked once per process: the allocation changes only at a reset. */
static int bank_digests(struct cmk_tpm *t, uint32_t pcr, const uint8_t *data,
			size_t len, TPML_DIGEST_VALUES *d, char *err,
			size_t errlen)
{
	static TPMS_CAPABILITY_DATA *cap;
	TSS2_RC rc;

	if (!cap) {
		rc = Esys_GetCapability(t->esys, ESYS_TR_NONE, ESYS_TR_NONE,
					ESYS_TR_NONE, TPM2_CAP_PCRS, 0, 1, NULL,
					&cap);
		if (rc != TSS2_RC_SUCCESS) {
			cmk_tpm_err(err, errlen, "TPM2_GetCapability(PCRS)", rc);
			cap = NULL;
			return -EIO;
		}
	}
	memset(d, 0, sizeof(*d));
	for (UINT32 i = 0; i < cap->data.assignedPCR.count; i++) {
		const TPMS_PCR_SELECTION *s = &cap->data.assignedPCR.pcrSelections[i];
		const EVP_MD *md = bank_md(s->hash);

		if (!md || pcr / 8 >= s->sizeofSelect ||
		    !(s->pcrSelect[pcr / 8] & (1u << (pcr % 8))) ||
		    d->count >= TPM2_NUM_PCR_BANKS)
			continue;
		d->digests[d->count].hashAlg = s->hash;
		if (!EVP_Digest(data, len, (uint8_t *)&d->digests[d->count].digest,
				NULL, md, NULL))
			break;
		d->count++;
	}
	if (!d->count) {
		snprintf(err, errlen, "no active PCR bank holds PCR %u", pcr);
		return -ENOPKG;
	}
	return 0;
}

int cma_tpm_extend_data(struct cmk_tpm *t, uint32_t pcr, const uint8_t *data,
			size_t len, char *err, size_t errlen)
{
	TPML_DIGEST_VALUES d;
	TSS2_RC rc;
	int ret;

	if (pcr > 23)
		return -ERANGE;
	ret = bank_digests(t, pcr, data, len, &d, err, errlen);
	if (ret)
		return ret;
	rc = Esys_PCR_Extend(t->esys, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD,
			     ESYS_TR_NONE, ESYS_TR_NONE, &d);
	if (rc != TSS2_RC_SUCCESS) {
		cmk_tpm_err(err, errlen, "TPM2_PCR_Extend", rc);
		return -EIO;
	}
	return 0;
}
