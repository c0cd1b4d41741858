/* SPDX-License-Identifier: MIT */
/*
 * cmattest verify's decision (attest/verify.c): the quote against the AK and
 * nonce, the log replayed to the quoted PCR digest, every entry's signature
 * against the trusted keys and the bundle's revocations, and one overall
 * reason when it fails.  No output here: cmattest.c prints the report.
 */
#ifndef CMATTEST_VERIFY_H
#define CMATTEST_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "imalog.h"
#include "quote.h"

struct cm_trust;

enum cma_status {
	CMA_OK,
	CMA_BOOT_AGGREGATE,	/* entry 0, the boot state: ok */
	CMA_UNSIGNED,
	CMA_UNKNOWN_KEY,
	CMA_BAD_SIGNATURE,
	CMA_REVOKED,
	CMA_MALFORMED,		/* the sig field does not parse */
	CMA_LOG_FULL,		/* last entry "log_full": the list is full */
	__CMA_STATUS_MAX
};
const char *cma_status_name(enum cma_status s);

struct cma_result {
	enum cma_status status;
	uint32_t keyid;		/* when the signature parsed */
	int hash_algo;
	const char *why;	/* CMA_MALFORMED / CMA_BAD_SIGNATURE detail */
	int tdigest_ok;		/* the SHA-1 template digest matches */
	uint8_t th[32];		/* SHA-256 of the template data */
};

struct cma_verify_opts {
	const struct cm_trust *trust;
	EVP_PKEY *ak;
	const uint8_t *nonce;
	size_t nonce_len;
	uint32_t pcr;
	int jobs;
};

/*
 * The overall reasons, one per way an attestation fails, in the order they
 * are decided (docs/FORMAT.md, "cmattest verify"):
 */
enum cma_reason {
	CMA_R_OK,
	CMA_R_QUOTE,		/* cma_quote_reason(): signature, nonce, PCRs */
	CMA_R_TDIGEST,		/* an entry's data does not match its digest */
	CMA_R_ENTRY_CHANGED,	/* no replay, and an entry's signature fails */
	CMA_R_ORDER,		/* replays with two adjacent entries swapped */
	CMA_R_REPLAY,		/* no prefix replays: entries missing/added */
	CMA_R_ENTRIES,		/* replays, but quoted entries are not ok */
	CMA_R_LOG_FULL,		/* replays, but the list is full: unmeasured */
};

struct cma_report {
	enum cma_quote_verdict quote;
	enum cma_reason reason;
	const char *reason_word;
	char detail[512];
	long prefix;			/* quoted entries, -1 if no replay */
	uint8_t pcr_value[32];		/* the PCR the prefix replays to */
	struct cma_result *res;		/* one per log entry */
	size_t n;
	size_t count[__CMA_STATUS_MAX];	/* over the quoted prefix */
};

int cma_verify(const struct cma_log *l, const struct cma_quote *q,
	       const struct cma_verify_opts *o, struct cma_report *r);
void cma_report_free(struct cma_report *r);

/* Budget of the swapped-entries search (extends), bounding its time. */
#define CMA_SWAP_SEARCH_MAX	(1u << 20)

#endif
