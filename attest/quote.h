/* SPDX-License-Identifier: MIT */
/*
 * The quote file (docs/FORMAT.md, "Quote file"): "CMQUOTE1", a marshalled
 * TPM2B_ATTEST, a marshalled TPMT_SIGNATURE, nothing after.  Parsing and
 * checking it against the attestation key, the nonce and the PCR; the AK's
 * public part as a PEM public key.  No TPM here.
 *
 * cma_quote_parse() takes hostile bytes and returns 0 or one of:
 *
 *   -EPROTO    not "CMQUOTE1", TPMS_ATTEST magic not TPM_GENERATED_VALUE,
 *              or not a quote (type not TPM_ST_ATTEST_QUOTE)
 *   -EBADMSG   TPM2B_ATTEST, TPMS_ATTEST or TPMT_SIGNATURE does not
 *              unmarshal, or bytes after the signature / the attest body
 *   -ENOPKG    signature scheme other than ECDSA, RSASSA or RSAPSS with
 *              SHA-256
 *
 * with *why naming the check.
 */
#ifndef CMATTEST_QUOTE_H
#define CMATTEST_QUOTE_H

#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_tpm2_types.h>

typedef struct evp_pkey_st EVP_PKEY;

#define CMA_QUOTE_MAGIC		"CMQUOTE1"
#define CMA_QUOTE_MAGIC_LEN	8
#define CMA_NONCE_MAX		64	/* TPM2B_DATA of qualifyingData */

struct cma_quote {
	TPM2B_ATTEST attest;		/* the signed bytes */
	TPMS_ATTEST info;		/* attest, unmarshalled */
	TPMT_SIGNATURE sig;
};

int cma_quote_parse(const uint8_t *buf, size_t len, struct cma_quote *q,
		    const char **why);
/* Writes the file's bytes into a malloc'd buffer. */
int cma_quote_serialize(const TPM2B_ATTEST *attest, const TPMT_SIGNATURE *sig,
			uint8_t **out, size_t *outlen);

/* Why a parsed quote is refused, each with its own word (cma_quote_reason). */
enum cma_quote_verdict {
	CMA_QUOTE_GENUINE = 0,
	CMA_QUOTE_BAD_SIGNATURE,	/* not signed by this AK */
	CMA_QUOTE_NONCE,		/* extraData is not our nonce */
	CMA_QUOTE_PCR_SELECTION,	/* not exactly sha256 PCR @pcr */
};
const char *cma_quote_reason(enum cma_quote_verdict v);

/*
 * Checks in this order: signature by @ak over the TPMS_ATTEST bytes, the
 * nonce, the PCR selection.  The quoted pcrDigest is q->info.attested.
 * quote.pcrDigest, for the replay to match.
 */
enum cma_quote_verdict cma_quote_check(const struct cma_quote *q,
				       EVP_PKEY *ak, const uint8_t *nonce,
				       size_t nonce_len, uint32_t pcr);

/* A TPM2B_PUBLIC (ECC P-256/P-384 or RSA) as an OpenSSL key; NULL if not. */
EVP_PKEY *cma_tpm_pub_to_pkey(const TPM2B_PUBLIC *pub);
/* A PEM public key (SubjectPublicKeyInfo) file; *why on failure. */
EVP_PKEY *cma_ak_load(const char *path, const char **why);

/* "0a1b..." (even length, at most CMA_NONCE_MAX bytes) -> bytes. */
int cma_hex_decode(const char *hex, uint8_t *out, size_t max, size_t *len);

#endif
