// SPDX-License-Identifier: MIT
/*
 * The quote file and its checks (attest/quote.h): strict parse through the
 * tpm2-tss marshalling functions, the AK's signature over the TPMS_ATTEST
 * bytes checked with OpenSSL (ECDSA, RSASSA or RSAPSS, SHA-256), then the
 * nonce and the PCR selection.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <tss2/tss2_mu.h>

#include "quote.h"

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

int cma_quote_parse(const uint8_t *buf, size_t len, struct cma_quote *q,
		    const char **why)
{
	size_t off = CMA_QUOTE_MAGIC_LEN, aoff = 0;

	memset(q, 0, sizeof(*q));
	if (len < CMA_QUOTE_MAGIC_LEN || memcmp(buf, CMA_QUOTE_MAGIC, CMA_QUOTE_MAGIC_LEN)) {
		*why = "not a cmattest quote (no CMQUOTE1 magic)";
		return -EPROTO;
	}
	if (Tss2_MU_TPM2B_ATTEST_Unmarshal(buf, len, &off, &q->attest)) {
		*why = "TPM2B_ATTEST does not unmarshal";
		return -EBADMSG;
	}
	if (Tss2_MU_TPMT_SIGNATURE_Unmarshal(buf, len, &off, &q->sig)) {
		*why = "TPMT_SIGNATURE does not unmarshal";
		return -EBADMSG;
	}
	if (off != len) {
		*why = "bytes after the signature";
		return -EBADMSG;
	}
	/* Magic and type first, from the raw bytes: a certify or a
	 * non-TPM structure is named as such, not as a layout error. */
	if (q->attest.size < 6 ||
	    get_be32(q->attest.attestationData) != TPM2_GENERATED_VALUE) {
		*why = "TPMS_ATTEST magic is not TPM_GENERATED_VALUE";
		return -EPROTO;
	}
	if (get_be16(q->attest.attestationData + 4) != TPM2_ST_ATTEST_QUOTE) {
		*why = "attestation is not a quote";
		return -EPROTO;
	}
	if (Tss2_MU_TPMS_ATTEST_Unmarshal(q->attest.attestationData,
					  q->attest.size, &aoff, &q->info)) {
		*why = "TPMS_ATTEST does not unmarshal";
		return -EBADMSG;
	}
	if (aoff != q->attest.size) {
		*why = "bytes after the TPMS_ATTEST body";
		return -EBADMSG;
	}
	switch (q->sig.sigAlg) {
	case TPM2_ALG_ECDSA:
	case TPM2_ALG_RSASSA:
	case TPM2_ALG_RSAPSS:
		/* The hash is the first member of each of the three. */
		if (q->sig.signature.any.hashAlg == TPM2_ALG_SHA256)
			return 0;
		*why = "signature hash is not SHA-256";
		return -ENOPKG;
	default:
		*why = "signature scheme is not ECDSA, RSASSA or RSAPSS";
		return -ENOPKG;
	}
}

int cma_quote_serialize(const TPM2B_ATTEST *attest, const TPMT_SIGNATURE *sig,
			uint8_t **out, size_t *outlen)
{
	size_t cap = CMA_QUOTE_MAGIC_LEN + sizeof(*attest) + sizeof(*sig);
	size_t off = CMA_QUOTE_MAGIC_LEN;
	uint8_t *b = malloc(cap);

	if (!b)
		return -ENOMEM;
	memcpy(b, CMA_QUOTE_MAGIC, CMA_QUOTE_MAGIC_LEN);
	if (Tss2_MU_TPM2B_ATTEST_Marshal(attest, b, cap, &off) ||
	    Tss2_MU_TPMT_SIGNATURE_Marshal(sig, b, cap, &off)) {
		free(b);
		return -EINVAL;
	}
	*out = b;
	*outlen = off;
	return 0;
}

const char *cma_quote_reason(enum cma_quote_verdict v)
{
	switch (v) {
	case CMA_QUOTE_GENUINE:
		return "genuine";
	case CMA_QUOTE_BAD_SIGNATURE:
		return "quote-signature";
	case CMA_QUOTE_NONCE:
		return "nonce-mismatch";
	case CMA_QUOTE_PCR_SELECTION:
		return "pcr-selection";
	}
	return "?";
}

/* The TPM's (r, s) as the DER Ecdsa-Sig-Value OpenSSL verifies. */
static int ecdsa_der(const TPMS_SIGNATURE_ECDSA *e, uint8_t **der, int *len)
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(e->signatureR.buffer, e->signatureR.size, NULL);
	BIGNUM *ss = BN_bin2bn(e->signatureS.buffer, e->signatureS.size, NULL);

	*der = NULL;
	if (!s || !r || !ss || !ECDSA_SIG_set0(s, r, ss)) {
		BN_free(r);
		BN_free(ss);
		ECDSA_SIG_free(s);
		return -ENOMEM;
	}
	*len = i2d_ECDSA_SIG(s, der);
	ECDSA_SIG_free(s);
	return *len > 0 ? 0 : -ENOMEM;
}

static int check_signature(const struct cma_quote *q, EVP_PKEY *ak)
{
	uint8_t digest[32], *der = NULL;
	const uint8_t *sig;
	size_t sig_len;
	EVP_PKEY_CTX *ctx;
	int ok = 0, is_ec = EVP_PKEY_is_a(ak, "EC"), len;

	if (!EVP_Digest(q->attest.attestationData, q->attest.size, digest,
			NULL, EVP_sha256(), NULL))
		return 0;
	if (q->sig.sigAlg == TPM2_ALG_ECDSA) {
		if (!is_ec || ecdsa_der(&q->sig.signature.ecdsa, &der, &len))
			return 0;
		sig = der;
		sig_len = (size_t)len;
	} else if (!is_ec && q->sig.sigAlg == TPM2_ALG_RSASSA) {
		sig = q->sig.signature.rsassa.sig.buffer;
		sig_len = q->sig.signature.rsassa.sig.size;
	} else if (!is_ec && q->sig.sigAlg == TPM2_ALG_RSAPSS) {
		sig = q->sig.signature.rsapss.sig.buffer;
		sig_len = q->sig.signature.rsapss.sig.size;
	} else {
		return 0;
	}
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, ak, NULL);
	if (ctx && EVP_PKEY_verify_init(ctx) > 0 &&
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) > 0) {
		ok = 1;
		if (q->sig.sigAlg == TPM2_ALG_RSASSA)
			ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) > 0;
		else if (q->sig.sigAlg == TPM2_ALG_RSAPSS)
			ok = EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) > 0 &&
			     EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, RSA_PSS_SALTLEN_AUTO) > 0;
		ok = ok && EVP_PKEY_verify(ctx, sig, sig_len, digest, 32) == 1;
	}
	EVP_PKEY_CTX_free(ctx);
	OPENSSL_free(der);
	ERR_clear_error();
	return ok;
}

enum cma_quote_verdict cma_quote_check(const struct cma_quote *q,
				       EVP_PKEY *ak, const uint8_t *nonce,
				       size_t nonce_len, uint32_t pcr)
{
	const TPML_PCR_SELECTION *sel = &q->info.attested.quote.pcrSelect;
	uint8_t want[3] = { 0 };

	if (!check_signature(q, ak))
		return CMA_QUOTE_BAD_SIGNATURE;
	if (q->info.extraData.size != nonce_len ||
	    memcmp(q->info.extraData.buffer, nonce, nonce_len))
		return CMA_QUOTE_NONCE;
	if (pcr > 23)
		return CMA_QUOTE_PCR_SELECTION;
	want[pcr / 8] = (uint8_t)(1u << (pcr % 8));
	if (sel->count != 1 || sel->pcrSelections[0].hash != TPM2_ALG_SHA256 ||
	    sel->pcrSelections[0].sizeofSelect != 3 ||
	    memcmp(sel->pcrSelections[0].pcrSelect, want, 3) ||
	    q->info.attested.quote.pcrDigest.size != 32)
		return CMA_QUOTE_PCR_SELECTION;
	return CMA_QUOTE_GENUINE;
}

static EVP_PKEY *from_params(const char *type, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *pk = NULL;

	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pk, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pk = NULL;
	OSSL_PARAM_free(params);
	EVP_PKEY_CTX_free(ctx);
	return pk;
}

EVP_PKEY *cma_tpm_pub_to_pkey(const TPM2B_PUBLIC *pub)
{
	const TPMT_PUBLIC *p = &pub->publicArea;
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	EVP_PKEY *pk = NULL;
	BIGNUM *n = NULL, *e = NULL;
	uint8_t point[1 + 2 * 66];
	const char *group = NULL;

	if (!bld)
		return NULL;
	if (p->type == TPM2_ALG_ECC) {
		const TPMS_ECC_POINT *u = &p->unique.ecc;

		group = p->parameters.eccDetail.curveID == TPM2_ECC_NIST_P256 ? "P-256" :
			p->parameters.eccDetail.curveID == TPM2_ECC_NIST_P384 ? "P-384" : NULL;
		if (group && u->x.size == u->y.size && u->x.size <= 66) {
			point[0] = 0x04;
			memcpy(point + 1, u->x.buffer, u->x.size);
			memcpy(point + 1 + u->x.size, u->y.buffer, u->y.size);
			if (OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) &&
			    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
							     point, 1 + 2 * (size_t)u->x.size))
				pk = from_params("EC", bld);
		}
	} else if (p->type == TPM2_ALG_RSA) {
		uint32_t exp = p->parameters.rsaDetail.exponent ?
			       p->parameters.rsaDetail.exponent : 65537;

		n = BN_bin2bn(p->unique.rsa.buffer, p->unique.rsa.size, NULL);
		e = BN_new();
		if (n && e && BN_set_word(e, exp) &&
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) &&
		    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
			pk = from_params("RSA", bld);
	}
	BN_free(n);
	BN_free(e);
	OSSL_PARAM_BLD_free(bld);
	return pk;
}

EVP_PKEY *cma_ak_load(const char *path, const char **why)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *pk;

	if (!f) {
		*why = "cannot open it";
		return NULL;
	}
	pk = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	ERR_clear_error();
	if (!pk)
		*why = "not a PEM public key (cmattest ak --out)";
	else if (!EVP_PKEY_is_a(pk, "EC") && !EVP_PKEY_is_a(pk, "RSA")) {
		*why = "neither an EC nor an RSA key";
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	return pk;
}

int cma_hex_decode(const char *hex, uint8_t *out, size_t max, size_t *len)
{
	size_t n = strlen(hex);

	if (n == 0 || n % 2 || n / 2 > max)
		return -EINVAL;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned int v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1 ||
		    !strchr("0123456789abcdefABCDEF", hex[2 * i]) ||
		    !strchr("0123456789abcdefABCDEF", hex[2 * i + 1]))
			return -EINVAL;
		out[i] = (uint8_t)v;
	}
	*len = n / 2;
	return 0;
}
