// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the quote file parser of cmattest (attest/quote.c)
 * and the checks after it.  Any input is parsed or refused with one of
 * the documented errors and a reason; an accepted quote is a quote (magic,
 * type), re-serializes to the same bytes, and is checked against a fixed
 * key without crashing (a signature made without that key never verifies).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/evp.h>

#include "quote.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* tpm2-tss logs every unmarshalling refusal: the reason is ours. */
	setenv("TSS2_LOG", "all+NONE", 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static EVP_PKEY *key;
	struct cma_quote q;
	const char *why = NULL;
	uint8_t *out;
	size_t len;
	int r;

	if (!key)
		key = EVP_EC_gen("P-256");
	r = cma_quote_parse(data, size, &q, &why);
	if (r) {
		if ((r != -EPROTO && r != -EBADMSG && r != -ENOPKG) || !why)
			abort();
		return 0;
	}
	if (q.info.magic != TPM2_GENERATED_VALUE ||
	    q.info.type != TPM2_ST_ATTEST_QUOTE)
		abort();
	if (cma_quote_serialize(&q.attest, &q.sig, &out, &len) ||
	    len != size || memcmp(out, data, size))
		abort();
	free(out);
	if (cma_quote_check(&q, key, q.info.extraData.buffer,
			    q.info.extraData.size, 11) == CMA_QUOTE_GENUINE)
		abort();
	return 0;
}
