/* SPDX-License-Identifier: MIT */
/*
 * What the TPM files of cmkeys (tpm.c, tpmauth.c) share and nothing else
 * needs: the ESYS context and the helpers around it.
 */
#ifndef CMKEYS_TPM_PRIV_H
#define CMKEYS_TPM_PRIV_H

#include <tss2/tss2_esys.h>

#include "cmkeys.h"

struct cmk_tpm {
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys;
};

extern const TPMT_SYM_DEF cmk_session_sym;

void cmk_tpm_err(char *err, size_t errlen, const char *stage, TSS2_RC rc);
void cmk_tpm_flush(struct cmk_tpm *t, ESYS_TR h);
void cmk_pcr_selection(uint32_t mask, TPML_PCR_SELECTION *sel);

/*
 * On the policy session @session: PolicyPCR, PolicyNV on the policy
 * counter (if @p is bound to it), PolicyAuthorize with @p's signature, then
 * PolicyNV on the bundle counter (if @s is bound to it).
 */
int cmk_tpm_policy_authorized(struct cmk_tpm *t, ESYS_TR session,
			      const struct cm_seal *s,
			      const struct cmk_policy *p, char *err,
			      size_t errlen);

/* The counters' public area (policy.c), written or not yet. */
void cmk_nv_template(uint32_t index, TPM2B_NV_PUBLIC *pub, int written);

#endif
