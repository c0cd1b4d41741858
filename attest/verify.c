// SPDX-License-Identifier: MIT
/*
 * The verdict of cmattest verify (attest/verify.h).  Per entry, in
 * parallel: the SHA-1 template digest, the SHA-256 of the template data
 * (what the sha256 bank was extended with) and the signature over d-ng.
 * Then the replay, sequential, to the shortest prefix whose PCR value
 * hashes to the quote's pcrDigest.  When none does, the diagnosis names
 * the most specific cause it can prove.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include <cryptomark/cryptomark.h>

#include "cmtool.h"
#include "verify.h"

static const char *const status_names[__CMA_STATUS_MAX] = {
	[CMA_OK] = "ok",
	[CMA_BOOT_AGGREGATE] = "ok",
	[CMA_UNSIGNED] = "unsigned",
	[CMA_UNKNOWN_KEY] = "unknown-key",
	[CMA_BAD_SIGNATURE] = "bad-signature",
	[CMA_REVOKED] = "revoked",
	[CMA_MALFORMED] = "malformed",
	[CMA_LOG_FULL] = "log-full",
};

const char *cma_status_name(enum cma_status s)
{
	return s < __CMA_STATUS_MAX ? status_names[s] : "?";
}

struct job {
	const struct cma_log *l;
	const struct cma_verify_opts *o;
	struct cma_result *res;
};

static void check_sig(const struct cm_trust *t, const struct cma_entry *e,
		      struct cma_result *r)
{
	struct cm_sig sig;
	int err;

	err = cm_sig_parse(e->sig, e->sig_len, &sig, &r->why);
	if (err) {
		r->status = CMA_MALFORMED;
		return;
	}
	r->keyid = sig.keyid;
	r->hash_algo = sig.hash_algo;
	if (sig.hash_algo != e->hash_algo) {
		r->status = CMA_BAD_SIGNATURE;
		r->why = "signature hash algorithm is not the measured digest's";
		return;
	}
	err = cm_trust_verify(t, &sig, e->digest, e->digest_len);
	switch (err) {
	case 0:
		r->status = CMA_OK;
		break;
	case -ENOKEY:
		r->status = CMA_UNKNOWN_KEY;
		break;
	case -EKEYREVOKED:
		r->status = CMA_REVOKED;
		break;
	case -EKEYREJECTED:
		r->status = CMA_BAD_SIGNATURE;
		break;
	default:
		r->status = CMA_MALFORMED;
		r->why = "unsupported signature hash algorithm";
	}
}

static void check_entry(void *ctx, size_t i)
{
	struct job *j = ctx;
	const struct cma_entry *e = &j->l->e[i];
	struct cma_result *r = &j->res[i];

	r->tdigest_ok = cma_entry_check_tdigest(e) == 0;
	SHA256(e->tdata, e->tdata_len, r->th);
	if (i == 0 && !e->sig_len && !strcmp(e->path, CMA_BOOT_NAME))
		r->status = CMA_BOOT_AGGREGATE;
	else if (!e->sig_len && i + 1 == j->l->n && !strcmp(e->path, CMA_FULL_NAME))
		r->status = CMA_LOG_FULL;
	else if (!e->sig_len)
		r->status = CMA_UNSIGNED;
	else
		check_sig(j->o->trust, e, r);
}

static void extend(uint8_t s[32], const uint8_t th[32])
{
	uint8_t b[64];

	memcpy(b, s, 32);
	memcpy(b + 32, th, 32);
	SHA256(b, 64, s);
}

static int quoted(const uint8_t s[32], const uint8_t *want)
{
	uint8_t h[32];

	SHA256(s, 32, h);
	return !memcmp(h, want, 32);
}

/* The shortest matching prefix, or -1; @st[i] = the PCR before entry i. */
static long replay(const struct cma_log *l, const struct cma_result *res,
		   uint32_t pcr, const uint8_t *want, uint8_t (*st)[32],
		   uint8_t value[32])
{
	memset(st[0], 0, 32);
	if (quoted(st[0], want)) {
		memcpy(value, st[0], 32);
		return 0;
	}
	for (size_t i = 0; i < l->n; i++) {
		memcpy(st[i + 1], st[i], 32);
		if (l->e[i].pcr != pcr)
			continue;
		extend(st[i + 1], res[i].th);
		if (quoted(st[i + 1], want)) {
			memcpy(value, st[i + 1], 32);
			return (long)i + 1;
		}
	}
	return -1;
}

/* Entries @i and @i+1 swapped back: does a prefix then replay?  -1 if no
 * pair does within the budget; -2 if the budget ran out first. */
static long swap_search(const struct cma_log *l, const struct cma_result *res,
			uint32_t pcr, const uint8_t *want, uint8_t (*st)[32])
{
	size_t budget = CMA_SWAP_SEARCH_MAX;

	for (size_t i = 0; i + 1 < l->n; i++) {
		uint8_t s[32];

		if (l->e[i].pcr != pcr || l->e[i + 1].pcr != pcr)
			continue;
		memcpy(s, st[i], 32);
		extend(s, res[i + 1].th);
		extend(s, res[i].th);
		if (quoted(s, want))
			return (long)i;
		for (size_t j = i + 2; j < l->n; j++) {
			if (!budget--)
				return -2;
			if (l->e[j].pcr != pcr)
				continue;
			extend(s, res[j].th);
			if (quoted(s, want))
				return (long)i;
		}
	}
	return -1;
}

static void set_reason(struct cma_report *r, enum cma_reason why,
		       const char *word)
{
	r->reason = why;
	r->reason_word = word;
}

/* No prefix replays: the most specific cause we can show. */
static void diagnose(const struct cma_log *l, struct cma_report *r,
		     uint32_t pcr, const uint8_t *want, uint8_t (*st)[32])
{
	long sw;

	for (size_t i = 0; i < l->n; i++) {
		if (r->res[i].tdigest_ok)
			continue;
		set_reason(r, CMA_R_TDIGEST, "template-digest-mismatch");
		snprintf(r->detail, sizeof(r->detail),
			 "entry %zu (%s): its template data does not match its SHA-1 template digest: changed after it was measured",
			 i, l->e[i].path);
		return;
	}
	for (size_t i = 0; i < l->n; i++) {
		if (r->res[i].status != CMA_BAD_SIGNATURE &&
		    r->res[i].status != CMA_MALFORMED)
			continue;
		set_reason(r, CMA_R_ENTRY_CHANGED, "entry-changed");
		snprintf(r->detail, sizeof(r->detail),
			 "entry %zu (%s): its signature does not cover its digest and the log does not replay to the quoted PCR %u: the entry was changed",
			 i, l->e[i].path, pcr);
		return;
	}
	sw = swap_search(l, r->res, pcr, want, st);
	if (sw >= 0) {
		set_reason(r, CMA_R_ORDER, "out-of-order");
		snprintf(r->detail, sizeof(r->detail),
			 "entries %ld (%s) and %ld (%s) are swapped: the log replays to the quoted PCR %u only in the other order",
			 sw, l->e[sw].path, sw + 1, l->e[sw + 1].path, pcr);
		return;
	}
	set_reason(r, CMA_R_REPLAY, "replay-mismatch");
	snprintf(r->detail, sizeof(r->detail),
		 "no prefix of the %zu-entry log replays to the quoted PCR %u: entries missing, added or changed%s",
		 l->n, pcr, sw == -2 ? " (the search for swapped entries ran out of budget)" : "");
}

static void summarize(const struct cma_log *l, struct cma_report *r)
{
	size_t bad = 0;

	for (long i = 0; i < r->prefix; i++)
		r->count[r->res[i].status]++;
	bad = (size_t)r->prefix - r->count[CMA_OK] - r->count[CMA_BOOT_AGGREGATE];
	if (!bad) {
		set_reason(r, CMA_R_OK, "ok");
		snprintf(r->detail, sizeof(r->detail),
			 "%ld quoted entries, all ok", r->prefix);
		return;
	}
	if (r->count[CMA_LOG_FULL]) {
		set_reason(r, CMA_R_LOG_FULL, "log-full");
		snprintf(r->detail, sizeof(r->detail),
			 "the measurement list is full (entry %ld is log_full): what ran after it was not measured; %zu other quoted entries not ok",
			 r->prefix - 1, bad - 1);
		return;
	}
	set_reason(r, CMA_R_ENTRIES, "entries-not-ok");
	snprintf(r->detail, sizeof(r->detail),
		 "%zu of %ld quoted entries are not ok: %zu unsigned, %zu unknown-key, %zu bad-signature, %zu revoked, %zu malformed",
		 bad, r->prefix, r->count[CMA_UNSIGNED], r->count[CMA_UNKNOWN_KEY],
		 r->count[CMA_BAD_SIGNATURE], r->count[CMA_REVOKED],
		 r->count[CMA_MALFORMED]);
	(void)l;
}

int cma_verify(const struct cma_log *l, const struct cma_quote *q,
	       const struct cma_verify_opts *o, struct cma_report *r)
{
	const uint8_t *want = q->info.attested.quote.pcrDigest.buffer;
	struct job j = { .l = l, .o = o };
	uint8_t (*st)[32];

	memset(r, 0, sizeof(*r));
	r->prefix = -1;
	r->n = l->n;
	r->res = calloc(l->n ? l->n : 1, sizeof(*r->res));
	st = malloc((l->n + 1) * sizeof(*st));
	if (!r->res || !st) {
		free(st);
		cma_report_free(r);
		return -ENOMEM;
	}
	j.res = r->res;
	cmt_parallel(l->n, o->jobs, check_entry, &j);
	r->quote = cma_quote_check(q, o->ak, o->nonce, o->nonce_len, o->pcr);
	if (r->quote != CMA_QUOTE_GENUINE) {
		set_reason(r, CMA_R_QUOTE, cma_quote_reason(r->quote));
		snprintf(r->detail, sizeof(r->detail), "%s",
			 r->quote == CMA_QUOTE_BAD_SIGNATURE ?
			 "the quote's signature does not verify with the AK: quoted by another key, or changed" :
			 r->quote == CMA_QUOTE_NONCE ?
			 "the quote's nonce is not this one: an old quote replayed" :
			 "the quote does not cover exactly the sha256 bank of the measurement PCR");
	} else {
		r->prefix = replay(l, r->res, o->pcr, want, st, r->pcr_value);
		if (r->prefix < 0)
			diagnose(l, r, o->pcr, want, st);
		else
			summarize(l, r);
	}
	free(st);
	return 0;
}

void cma_report_free(struct cma_report *r)
{
	free(r->res);
	r->res = NULL;
}
