/* SPDX-License-Identifier: MIT */
/*
 * cmattest's TPM side, over cmkeys' TPM session (keys/tpm.c: TCTI open with
 * its watchdog, error text, flushing): the attestation key, the quote and
 * the extend of a log into a PCR (for host tests: a TPM without the LSM).
 *
 * The AK: by default a primary key in the endorsement hierarchy, ECC P-256,
 * restricted signing, fixedTPM, ECDSA-SHA256, recreated from the same
 * template on each use, so it needs no NV slot and survives TPM2_Clear
 * (the endorsement seed does).  Or a persistent handle (0x81xxxxxx) holding
 * a restricted signing key made elsewhere (tpm2_createak + evictcontrol).
 */
#ifndef CMATTEST_TPM_H
#define CMATTEST_TPM_H

#include <stddef.h>
#include <stdint.h>

#include <tss2/tss2_esys.h>

struct cmk_tpm;

/* The AK: @handle 0 for the endorsement primary.  *ak is flushed by
 * cma_ak_close(); *pub (Esys_Free) is its public area. */
int cma_ak_open(struct cmk_tpm *t, uint32_t handle, ESYS_TR *ak,
		TPM2B_PUBLIC **pub, char *err, size_t errlen);
void cma_ak_close(struct cmk_tpm *t, uint32_t handle, ESYS_TR ak);

/* TPM2_Quote of sha256 PCR @pcr with @nonce as qualifyingData. */
int cma_tpm_quote(struct cmk_tpm *t, ESYS_TR ak, const TPM2B_PUBLIC *pub,
		  const uint8_t *nonce, size_t nonce_len, uint32_t pcr,
		  TPM2B_ATTEST **attest, TPMT_SIGNATURE **sig, char *err,
		  size_t errlen);

/* Extends PCR @pcr in every active bank with H_bank(@data). */
int cma_tpm_extend_data(struct cmk_tpm *t, uint32_t pcr, const uint8_t *data,
			size_t len, char *err, size_t errlen);

#endif
