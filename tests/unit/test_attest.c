// SPDX-License-Identifier: MIT
/*
 * cmattest's parsers and verdict (attest/imalog.c, quote.c, verify.c):
 * the record writer against a byte layout spelled out here, a table of
 * malformed logs and quotes with their exact errors, the replay against an
 * independent computation, and quotes signed here (ECDSA and RSASSA) checked
 * for signature, nonce and PCR selection.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>

#include <tss2/tss2_mu.h>

#include <cryptomark/cryptomark.h>

#include "imalog.h"
#include "quote.h"
#include "verify.h"

static const uint8_t digest32[32] = { 0xaa, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
static const uint8_t sig5[5] = { 3, 2, 4, 0xde, 0xad };

static size_t rec(uint8_t *out, const char *path, const uint8_t *sig,
		  size_t sig_len)
{
	int n = cma_record_write(out, 4096, 11, CM_HASH_SHA256, digest32, path,
				 sig, sig_len);

	assert_true(n > 0);
	return (size_t)n;
}

static void le32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

/* The layout, byte by byte, as ima_measurements_show() writes it. */
static void test_record_layout(void **state)
{
	uint8_t b[4096], t[256], sha1[20];
	size_t n = rec(b, "/bin/a b", sig5, sizeof(sig5)), tl = 0;

	le32(t, 6 + 2 + 32);
	memcpy(t + 4, "sha256:\0", 8);
	memcpy(t + 12, digest32, 32);
	tl = 44;
	le32(t + tl, 9);
	memcpy(t + tl + 4, "/bin/a_b", 9);	/* space -> '_', NUL kept */
	tl += 13;
	le32(t + tl, 5);
	memcpy(t + tl + 4, sig5, 5);
	tl += 9;
	assert_int_equal(n, 4 + 20 + 4 + 7 + 4 + tl);
	assert_memory_equal(b, "\x0b\0\0\0", 4);
	SHA1(t, tl, sha1);
	assert_memory_equal(b + 4, sha1, 20);
	assert_memory_equal(b + 24, "\x07\0\0\0ima-sig", 11);
	assert_int_equal(b[35], tl);
	assert_memory_equal(b + 39, t, tl);
}

static void test_parse_roundtrip(void **state)
{
	uint8_t b[8192];
	size_t n = rec(b, "boot_aggregate", NULL, 0), at;
	struct cma_log l;
	const char *why;

	n += rec(b + n, "/usr/bin/x", sig5, sizeof(sig5));
	assert_int_equal(cma_log_parse(b, n, &l, &at, &why), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.e[0].path, "boot_aggregate");
	assert_int_equal(l.e[0].sig_len, 0);
	assert_string_equal(l.e[1].path, "/usr/bin/x");
	assert_int_equal(l.e[1].pcr, 11);
	assert_int_equal(l.e[1].hash_algo, CM_HASH_SHA256);
	assert_memory_equal(l.e[1].digest, digest32, 32);
	assert_int_equal(l.e[1].sig_len, 5);
	assert_memory_equal(l.e[1].sig, sig5, 5);
	assert_int_equal(cma_entry_check_tdigest(&l.e[1]), 0);
	cma_log_free(&l);
	assert_int_equal(cma_log_parse(b, 0, &l, &at, &why), 0);
	assert_int_equal(l.n, 0);
}

/* A malformed log: one record, changed at @off (or cut to @len). */
struct logvec {
	const char *name;
	int off;		/* -1: no byte change */
	uint8_t val;
	long len;		/* -1: whole record; else cut, or grown by 0s */
	int err;
	const char *why;
};

/* Offsets in rec("/p", sig5): 0 pcr, 24 name len, 28 name, 35 tdata len,
 * 39 d-ng len, 43 "sha256:", 49 ':', 50 NUL, 51 digest, 83 n-ng len,
 * 87 "/p\0", 90 sig len, 94 sig (5), 99 end. */
static const struct logvec logvecs[] = {
	{ "ok", -1, 0, -1, 0, NULL },
	{ "pcr 24", 0, 24, -1, -ERANGE, "PCR index above 23" },
	{ "short header", -1, 0, 20, -EBADMSG, "truncated record header" },
	{ "name len 256", 25, 1, -1, -E2BIG, "template name longer than 255 bytes" },
	{ "name len cut", 24, 200, -1, -EBADMSG, "truncated template name" },
	{ "name ima-ng", 32, '-', -1, -EPROTO, "template is not ima-sig" },
	{ "name len 6", 24, 6, -1, -EPROTO, "template is not ima-sig" },
	{ "tdata over 8192", 37, 1, -1, -E2BIG, "template data over 8192 bytes" },
	{ "tdata cut", -1, 0, 98, -EBADMSG, "truncated template data" },
	{ "d-ng len over", 39, 200, -1, -EMSGSIZE, "d-ng field overruns the template data" },
	{ "d-ng no colon", 49, 'x', -1, -EBADMSG, "d-ng: no \"<algo>:\\0\" prefix" },
	{ "d-ng no NUL", 50, 'x', -1, -EBADMSG, "d-ng: no \"<algo>:\\0\" prefix" },
	{ "d-ng algo", 43, 'm', -1, -ENOPKG, "d-ng: unknown hash algorithm" },
	{ "d-ng size", 39, 39, -1, -ENOPKG, "d-ng: digest size does not match its algorithm" },
	{ "n-ng over", 83, 100, -1, -EMSGSIZE, "n-ng field overruns the template data" },
	{ "n-ng no NUL", 89, 'x', -1, -EBADMSG, "n-ng: name not NUL-terminated or holding a NUL" },
	{ "n-ng inner NUL", 88, 0, -1, -EBADMSG, "n-ng: name not NUL-terminated or holding a NUL" },
	{ "n-ng empty", 83, 0, -1, -EBADMSG, "n-ng: name not NUL-terminated or holding a NUL" },
	{ "sig over", 90, 6, -1, -EMSGSIZE, "sig field overruns the template data" },
	{ "sig short", 90, 4, -1, -EMSGSIZE, "bytes after the sig field in the template data" },
	{ "second record cut", -1, 0, 99 + 3, -EBADMSG, "truncated record header" },
};

static void test_log_vectors(void **state)
{
	for (size_t i = 0; i < sizeof(logvecs) / sizeof(logvecs[0]); i++) {
		const struct logvec *v = &logvecs[i];
		uint8_t b[4096] = { 0 };
		size_t n = rec(b, "/p", sig5, sizeof(sig5)), at = 99;
		const char *why = NULL;
		struct cma_log l;
		int got;

		assert_int_equal(n, 99);
		if (v->off >= 0)
			b[v->off] = v->val;
		if (v->len >= 0)
			n = (size_t)v->len;
		got = cma_log_parse(b, n, &l, &at, &why);
		if (got != v->err || (v->why && (!why || strcmp(why, v->why))))
			fail_msg("%s: got %d (%s), want %d (%s)", v->name, got,
				 why ? why : "-", v->err, v->why ? v->why : "-");
		if (got)
			assert_int_equal(at, v->len == 102 ? 99 : 0);
		else
			cma_log_free(&l);
	}
}

/* The replay, against SHA-256 computed step by step here. */
static void test_replay(void **state)
{
	uint8_t b[8192], pcr[64] = { 0 }, th[32], want[32], got[32];
	size_t n = 0, at;
	struct cma_log l;
	const char *why;

	n += rec(b + n, "boot_aggregate", NULL, 0);
	n += rec(b + n, "/a", sig5, sizeof(sig5));
	n += rec(b + n, "/b", NULL, 0);
	assert_int_equal(cma_log_parse(b, n, &l, &at, &why), 0);
	l.e[2].pcr = 10;	/* another PCR: not in the replay */
	for (int i = 0; i < 2; i++) {
		SHA256(l.e[i].tdata, l.e[i].tdata_len, th);
		memcpy(pcr + 32, th, 32);
		SHA256(pcr, 64, pcr);
	}
	assert_int_equal(cma_replay(&l, 11, NULL, got), 3);
	assert_memory_equal(got, pcr, 32);
	SHA256(pcr, 32, want);
	assert_int_equal(cma_replay(&l, 11, want, got), 2);
	want[0] ^= 1;
	assert_int_equal(cma_replay(&l, 11, want, got), -ESRCH);
	cma_log_free(&l);
}

/* A TPMS_ATTEST quote of sha256 PCR @pcr, signed here with @key. */
static size_t make_quote(uint8_t *out, EVP_PKEY *key, const char *nonce,
			 uint32_t pcr, const uint8_t pcr_digest[32],
			 TPMI_ALG_SIG_SCHEME scheme)
{
	TPMS_ATTEST a = { .magic = TPM2_GENERATED_VALUE,
			  .type = TPM2_ST_ATTEST_QUOTE };
	TPM2B_ATTEST ab = { 0 };
	TPMT_SIGNATURE s = { .sigAlg = scheme };
	uint8_t d[32], sig[512], *file;
	size_t off = 0, sl = sizeof(sig), fl;
	EVP_PKEY_CTX *c;

	a.extraData.size = (UINT16)strlen(nonce);
	memcpy(a.extraData.buffer, nonce, a.extraData.size);
	a.attested.quote.pcrSelect.count = 1;
	a.attested.quote.pcrSelect.pcrSelections[0].hash = TPM2_ALG_SHA256;
	a.attested.quote.pcrSelect.pcrSelections[0].sizeofSelect = 3;
	a.attested.quote.pcrSelect.pcrSelections[0].pcrSelect[pcr / 8] = 1u << (pcr % 8);
	a.attested.quote.pcrDigest.size = 32;
	memcpy(a.attested.quote.pcrDigest.buffer, pcr_digest, 32);
	assert_int_equal(Tss2_MU_TPMS_ATTEST_Marshal(&a, ab.attestationData,
						     sizeof(ab.attestationData), &off), 0);
	ab.size = (UINT16)off;
	SHA256(ab.attestationData, ab.size, d);
	c = EVP_PKEY_CTX_new(key, NULL);
	assert_true(EVP_PKEY_sign_init(c) > 0);
	assert_true(EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) > 0);
	if (scheme == TPM2_ALG_RSASSA)
		assert_true(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) > 0);
	assert_true(EVP_PKEY_sign(c, sig, &sl, d, 32) > 0);
	EVP_PKEY_CTX_free(c);
	if (scheme == TPM2_ALG_ECDSA) {
		const unsigned char *p = sig;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)sl);

		s.signature.ecdsa.hash = TPM2_ALG_SHA256;
		s.signature.ecdsa.signatureR.size = (UINT16)BN_bn2binpad(ECDSA_SIG_get0_r(es), s.signature.ecdsa.signatureR.buffer, 32);
		s.signature.ecdsa.signatureS.size = (UINT16)BN_bn2binpad(ECDSA_SIG_get0_s(es), s.signature.ecdsa.signatureS.buffer, 32);
		ECDSA_SIG_free(es);
	} else {
		s.signature.rsassa.hash = TPM2_ALG_SHA256;
		s.signature.rsassa.sig.size = (UINT16)sl;
		memcpy(s.signature.rsassa.sig.buffer, sig, sl);
	}
	assert_int_equal(cma_quote_serialize(&ab, &s, &file, &fl), 0);
	memcpy(out, file, fl);
	free(file);
	return fl;
}

static EVP_PKEY *keygen(int rsa)
{
	return rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
}

static void test_quote_check(void **state)
{
	static const uint8_t pd[32] = { 7 };
	for (int rsa = 0; rsa < 2; rsa++) {
		EVP_PKEY *k = keygen(rsa), *other = keygen(!rsa), *other2 = keygen(rsa);
		TPMI_ALG_SIG_SCHEME sc = rsa ? TPM2_ALG_RSASSA : TPM2_ALG_ECDSA;
		uint8_t b[2048];
		size_t n = make_quote(b, k, "nonce", 11, pd, sc);
		struct cma_quote q;
		const char *why;

		assert_int_equal(cma_quote_parse(b, n, &q, &why), 0);
		assert_memory_equal(q.info.attested.quote.pcrDigest.buffer, pd, 32);
		assert_int_equal(cma_quote_check(&q, k, (const uint8_t *)"nonce", 5, 11),
				 CMA_QUOTE_GENUINE);
		assert_int_equal(cma_quote_check(&q, k, (const uint8_t *)"nonc3", 5, 11),
				 CMA_QUOTE_NONCE);
		assert_int_equal(cma_quote_check(&q, k, (const uint8_t *)"nonce", 4, 11),
				 CMA_QUOTE_NONCE);
		assert_int_equal(cma_quote_check(&q, k, (const uint8_t *)"nonce", 5, 10),
				 CMA_QUOTE_PCR_SELECTION);
		assert_int_equal(cma_quote_check(&q, other, (const uint8_t *)"nonce", 5, 11),
				 CMA_QUOTE_BAD_SIGNATURE);
		assert_int_equal(cma_quote_check(&q, other2, (const uint8_t *)"nonce", 5, 11),
				 CMA_QUOTE_BAD_SIGNATURE);
		/* One flipped bit of the signed bytes (the PCR digest). */
		b[n - (rsa ? 256 + 8 : 68 + 6) - 1] ^= 1;
		assert_int_equal(cma_quote_parse(b, n, &q, &why), 0);
		assert_int_equal(cma_quote_check(&q, k, (const uint8_t *)"nonce", 5, 11),
				 CMA_QUOTE_BAD_SIGNATURE);
		EVP_PKEY_free(k);
		EVP_PKEY_free(other);
		EVP_PKEY_free(other2);
	}
}

struct qvec {
	const char *name;
	int off;	/* byte to change, from the start (or from the end if < 0) */
	uint8_t val;
	int cut;	/* bytes removed from the end (< 0: added) */
	int err;
	const char *why;
};

/* ECDSA quote: 8 magic, 2 size, TPMS_ATTEST (magic at 10, type at 14),
 * then TPMT_SIGNATURE: sigAlg, hash, R, S (2 + 2 + 34 + 34 = 72). */
static const struct qvec qvecs[] = {
	{ "ok", 0, 'C', 0, 0, NULL },
	{ "magic", 7, '2', 0, -EPROTO, "not a cmattest quote (no CMQUOTE1 magic)" },
	{ "empty", 0, 'C', 10000, -EPROTO, "not a cmattest quote (no CMQUOTE1 magic)" },
	{ "attest size over", 8, 0xff, 0, -EBADMSG, "TPM2B_ATTEST does not unmarshal" },
	{ "signature cut", 0, 'C', 1, -EBADMSG, "TPMT_SIGNATURE does not unmarshal" },
	{ "trailing byte", 0, 'C', -1, -EBADMSG, "bytes after the signature" },
	{ "attest magic", 10, 0, 0, -EPROTO, "TPMS_ATTEST magic is not TPM_GENERATED_VALUE" },
	{ "attest type", 15, 0x17, 0, -EPROTO, "attestation is not a quote" },
	{ "sig alg ecdaa", -71, 0x1a, 0, -ENOPKG, "signature scheme is not ECDSA, RSASSA or RSAPSS" },
	{ "sig hash sha1", -69, 0x04, 0, -ENOPKG, "signature hash is not SHA-256" },
};

static void test_quote_vectors(void **state)
{
	static const uint8_t pd[32] = { 7 };
	EVP_PKEY *k = keygen(0);
	uint8_t orig[2048];
	size_t n0 = make_quote(orig, k, "n", 11, pd, TPM2_ALG_ECDSA);

	assert_int_equal(orig[n0 - 72 + 1], 0x18);	/* TPM_ALG_ECDSA */
	for (size_t i = 0; i < sizeof(qvecs) / sizeof(qvecs[0]); i++) {
		const struct qvec *v = &qvecs[i];
		uint8_t b[2048] = { 0 };
		size_t n = n0;
		struct cma_quote q;
		const char *why = NULL;
		int got;

		memcpy(b, orig, n0);
		b[v->off >= 0 ? (size_t)v->off : n0 - (size_t)-v->off] = v->val;
		n = v->cut >= (int)n0 ? 0 : n0 - (size_t)v->cut;
		got = cma_quote_parse(b, n, &q, &why);
		if (got != v->err || (v->why && (!why || strcmp(why, v->why))))
			fail_msg("%s: got %d (%s), want %d (%s)", v->name, got,
				 why ? why : "-", v->err, v->why ? v->why : "-");
	}
	EVP_PKEY_free(k);
}

/* A log of @n unsigned records (paths "/f<i>", 14 characters as
 * "boot_aggregate", so records 0..n-1 have one size), the last "log_full"
 * if @full; returns its size. */
static size_t make_log(uint8_t *b, size_t n, int full)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		char path[32];

		snprintf(path, sizeof(path), i == 0 ? "boot_aggregate" :
			 full && i + 1 == n ? "log_full" : "/f%012zu", i);
		len += rec(b + len, path, NULL, 0);
	}
	return len;
}

/* cma_verify() on @log against a quote of @quoted's full replay. */
static enum cma_reason verdict(const uint8_t *quoted, size_t qlen,
			       uint8_t *log, size_t len, char *detail)
{
	EVP_PKEY *k = keygen(0);
	struct cma_log ql, l;
	struct cma_report r;
	struct cma_quote q;
	struct cma_verify_opts o = { .ak = k, .nonce = (const uint8_t *)"n",
				     .nonce_len = 1, .pcr = 11, .jobs = 2 };
	uint8_t qf[2048], v[32], d[32];
	const char *why;
	size_t at;
	enum cma_reason ret;

	o.trust = cm_trust_new();
	assert_int_equal(cma_log_parse(quoted, qlen, &ql, &at, &why), 0);
	assert_int_equal(cma_replay(&ql, 11, NULL, v), (long)ql.n);
	SHA256(v, 32, d);
	assert_int_equal(cma_quote_parse(qf, make_quote(qf, k, "n", 11, d, TPM2_ALG_ECDSA),
					 &q, &why), 0);
	assert_int_equal(cma_log_parse(log, len, &l, &at, &why), 0);
	assert_int_equal(cma_verify(&l, &q, &o, &r), 0);
	ret = r.reason;
	strcpy(detail, r.detail);
	cma_report_free(&r);
	cma_log_free(&l);
	cma_log_free(&ql);
	cm_trust_free((struct cm_trust *)o.trust);
	EVP_PKEY_free(k);
	return ret;
}

static void test_verdicts(void **state)
{
	enum { BIG = 1600 };
	uint8_t *a = malloc(BIG * 128 + 4096), *b = malloc(BIG * 128 + 4096), tmp[128];
	size_t la = make_log(a, 20, 0), lb, r1;
	char detail[512];

	/* All records replay, all unsigned: entries-not-ok with the count. */
	assert_int_equal(verdict(a, la, a, la, detail), CMA_R_ENTRIES);
	assert_non_null(strstr(detail, "19 of 20 quoted entries are not ok: 19 unsigned"));
	/* Records 5 and 6 swapped (all records have the same size). */
	r1 = la / 20;
	memcpy(b, a, la);
	memcpy(tmp, b + 5 * r1, r1);
	memcpy(b + 5 * r1, b + 6 * r1, r1);
	memcpy(b + 6 * r1, tmp, r1);
	assert_int_equal(verdict(a, la, b, la, detail), CMA_R_ORDER);
	assert_non_null(strstr(detail, "entries 5 (/f000000000006) and 6 (/f000000000005) are swapped"));
	/* Record 3 removed: no prefix, no swap explains it. */
	memcpy(b, a, 3 * r1);
	memcpy(b + 3 * r1, a + 4 * r1, la - 4 * r1);
	assert_int_equal(verdict(a, la, b, la - r1, detail), CMA_R_REPLAY);
	assert_null(strstr(detail, "budget"));
	/* Longer log, quote of a prefix: the quoted part decides. */
	assert_int_equal(verdict(a, 10 * r1, a, la, detail), CMA_R_ENTRIES);
	assert_non_null(strstr(detail, "9 of 10 quoted entries"));
	/* A full list. */
	lb = make_log(b, 20, 1);
	assert_int_equal(verdict(b, lb, b, lb, detail), CMA_R_LOG_FULL);
	assert_non_null(strstr(detail, "entry 19 is log_full"));
	/* 1600 records, one removed early: the swap search (1 Mi extends) gives up. */
	la = make_log(a, BIG, 0);
	r1 = la / BIG;
	memcpy(b, a, r1 * 2);
	memcpy(b + 2 * r1, a + 3 * r1, la - 3 * r1);
	assert_int_equal(verdict(a, la, b, la - r1, detail), CMA_R_REPLAY);
	assert_non_null(strstr(detail, "ran out of budget"));
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_layout),
		cmocka_unit_test(test_parse_roundtrip),
		cmocka_unit_test(test_log_vectors),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_quote_check),
		cmocka_unit_test(test_quote_vectors),
		cmocka_unit_test(test_verdicts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
