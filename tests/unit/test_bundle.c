// SPDX-License-Identifier: MIT
/*
 * Keyring bundle and seal file: round trips, the HMAC tag, and tables of
 * malformed inputs, each refused with its exact error.  Certificates are
 * made here with OpenSSL (EC P-256, self-signed, with or without SKID).
 */
#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cryptomark/bundle.h>

/* ---- fixtures: certificates ------------------------------------------- */

struct der { uint8_t *p; int len; };

static struct der make_cert(const char *cn, int with_skid)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *c = X509_new();
	X509V3_CTX ctx;
	struct der d = { NULL, 0 };

	assert_non_null(key);
	assert_non_null(c);
	X509_set_version(c, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(c), 1);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(c), "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(c, X509_get_subject_name(c));
	X509_gmtime_adj(X509_getm_notBefore(c), 0);
	X509_gmtime_adj(X509_getm_notAfter(c), 3600);
	X509_set_pubkey(c, key);
	if (with_skid) {
		X509_EXTENSION *e;

		X509V3_set_ctx(&ctx, c, c, NULL, NULL, 0);
		e = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_key_identifier,
					"hash");
		assert_non_null(e);
		X509_add_ext(c, e, -1);
		X509_EXTENSION_free(e);
	}
	assert_true(X509_sign(c, key, EVP_sha256()) > 0);
	d.len = i2d_X509(c, &d.p);
	assert_true(d.len > 0);
	X509_free(c);
	EVP_PKEY_free(key);
	return d;
}

static struct der cert_a, cert_b, cert_noskid;

static int setup(void **state)
{
	cert_a = make_cert("signer a", 1);
	cert_b = make_cert("signer b", 1);
	cert_noskid = make_cert("no skid", 0);
	return 0;
}

static int teardown(void **state)
{
	OPENSSL_free(cert_a.p);
	OPENSSL_free(cert_b.p);
	OPENSSL_free(cert_noskid.p);
	return 0;
}

/* ---- a raw builder, to write what cm_bundle_serialize() never would ---- */

struct raw {
	uint8_t buf[8192];
	size_t len;
	uint32_t nrec;
};

static void raw_hdr(struct raw *r)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->buf, CM_BUNDLE_MAGIC, 8);
	r->buf[9] = CM_BUNDLE_FORMAT;
	r->buf[23] = 3;		/* version 3 */
	r->len = CM_SIZEOF_BUNDLE_HDR;
}

/* One record: type, declared length, data (dlen bytes), pad bytes. */
static void raw_rec(struct raw *r, uint16_t type, uint32_t declared,
		    const void *data, size_t dlen, size_t pad, uint8_t padval)
{
	uint16_t t = htobe16(type);
	uint32_t l = htobe32(declared);

	memcpy(r->buf + r->len, &t, 2);
	memcpy(r->buf + r->len + 4, &l, 4);
	r->len += 8;
	memcpy(r->buf + r->len, data, dlen);
	r->len += dlen;
	memset(r->buf + r->len, padval, pad);
	r->len += pad;
	r->nrec++;
}

static void raw_cert(struct raw *r, struct der d)
{
	raw_rec(r, CM_BREC_CERT, d.len, d.p, d.len, (4 - d.len % 4) % 4, 0);
}

/* Fills n_records and body_len from what was written. */
static void raw_fix(struct raw *r)
{
	uint32_t n = htobe32(r->nrec), b = htobe32(r->len - CM_SIZEOF_BUNDLE_HDR);

	memcpy(r->buf + 12, &n, 4);
	memcpy(r->buf + 24, &b, 4);
}

static void put32(struct raw *r, size_t off, uint32_t v)
{
	v = htobe32(v);
	memcpy(r->buf + off, &v, 4);
}

/* ---- round trips ------------------------------------------------------- */

static void test_round_trip(void **state)
{
	uint8_t d256[32], d512[64], *out = NULL, *again = NULL;
	struct cm_bundle b = { .version = 0x0102030405060708ull }, p;
	size_t len, len2;
	const char *why = NULL;
	struct cm_trust *t;

	memset(d256, 0xab, sizeof(d256));
	memset(d512, 0xcd, sizeof(d512));
	assert_int_equal(cm_bundle_add_cert(&b, cert_a.p, cert_a.len), 0);
	assert_int_equal(cm_bundle_add_cert(&b, cert_b.p, cert_b.len), 0);
	assert_int_equal(cm_bundle_add_keyid(&b, 0xdeadbeef), 0);
	assert_int_equal(cm_bundle_add_digest(&b, CM_HASH_SHA256, d256, 32), 0);
	assert_int_equal(cm_bundle_add_digest(&b, CM_HASH_SHA512, d512, 64), 0);
	assert_int_equal(cm_bundle_add_digest(&b, CM_HASH_SHA256, d256, 31), -EBADMSG);
	assert_int_equal(cm_bundle_add_digest(&b, CM_HASH_SHA1, d256, 20), -ENOPKG);
	assert_int_equal(cm_bundle_serialize(&b, &out, &len), 0);
	assert_int_equal(len % 4, 0);

	assert_int_equal(cm_bundle_parse(out, len, &p, &why), 0);
	assert_true(p.version == 0x0102030405060708ull);
	assert_int_equal(p.n_certs, 2);
	assert_int_equal(p.n_keyids, 1);
	assert_int_equal(p.n_digests, 2);
	assert_int_equal(p.certs[0].len, cert_a.len);
	assert_memory_equal(p.certs[1].der, cert_b.p, cert_b.len);
	assert_int_not_equal(p.certs[0].keyid, p.certs[1].keyid);
	assert_int_equal(p.keyids[0], 0xdeadbeef);
	assert_int_equal(p.digests[1].algo, CM_HASH_SHA512);
	assert_int_equal(p.digests[1].len, 64);
	assert_memory_equal(p.digests[1].d, d512, 64);
	/* Parsed records point into the input. */
	assert_true(p.certs[0].der > out && p.certs[0].der < out + len);

	/* What parses re-serializes to the same bytes. */
	p.version = b.version;
	assert_int_equal(cm_bundle_serialize(&p, &again, &len2), 0);
	assert_int_equal(len2, len);
	assert_memory_equal(again, out, len);

	/* Trust store: both certificates, the revocations. */
	t = cm_trust_new();
	assert_non_null(t);
	assert_int_equal(cm_bundle_to_trust(&p, t), 0);
	assert_int_equal(cm_trust_count(t), 2);
	cm_trust_free(t);

	cm_bundle_release(&p);
	assert_null(p.certs);
	cm_bundle_release(&b);
	free(out);
	free(again);
}

static void test_tag(void **state)
{
	uint8_t secret[32], tag[32], other[32], msg[100];

	memset(secret, 7, sizeof(secret));
	memset(msg, 1, sizeof(msg));
	assert_int_equal(cm_bundle_tag(secret, msg, sizeof(msg), tag), 0);
	assert_int_equal(cm_bundle_tag_check(secret, msg, sizeof(msg), tag), 0);
	msg[99] ^= 1;
	assert_int_equal(cm_bundle_tag_check(secret, msg, sizeof(msg), tag),
			 -EKEYREJECTED);
	msg[99] ^= 1;
	assert_int_equal(cm_bundle_tag_check(secret, msg, 99, tag), -EKEYREJECTED);
	secret[0] ^= 1;
	assert_int_equal(cm_bundle_tag_check(secret, msg, sizeof(msg), tag),
			 -EKEYREJECTED);
	/* HMAC-SHA256 known answer (RFC 4231 test case 2). */
	assert_int_equal(cm_bundle_tag((const uint8_t *)"Jefe\0\0\0\0\0\0\0\0\0\0\0\0"
				       "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
				       "what do ya want for nothing?", 28, other), 0);
	/* A 32-byte key of "Jefe" + zeros is the same HMAC key as "Jefe". */
	static const uint8_t want[32] = {
		0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24,
		0x26, 0x08, 0x95, 0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27,
		0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43,
	};
	assert_memory_equal(other, want, 32);
}

/* ---- malformed bundles ---------------------------------------------------- */

enum mut {
	M_NONE, M_LEN0, M_SHORT_HDR, M_MAGIC, M_FORMAT, M_RESERVED, M_RESERVED2,
	M_NREC_HUGE, M_BODY_PLUS, M_BODY_MINUS, M_NREC_PLUS, M_NREC_MINUS,
	M_REC_RESERVED, M_REC_LEN_HUGE, M_REC_LEN_PAST, M_PAD_NONZERO,
	M_PAD_MISSING, M_TYPE_ZERO, M_TYPE_UNKNOWN, M_KEYID_LEN3, M_KEYID_LEN8,
	M_DIGEST_EMPTY, M_DIGEST_ALGO_SHA1, M_DIGEST_ALGO_99, M_DIGEST_SHORT,
	M_CERT_GARBAGE, M_CERT_TRAILING, M_CERT_NOSKID, M_CERT_DUP, M_NO_CERT,
	M_TRAILING, M_TRUNC_REC_HDR,
};

static const struct {
	enum mut m;
	int err;
	const char *desc;
} bundle_cases[] = {
	{ M_NONE, 0, "well-formed: cert, keyid, digest" },
	{ M_LEN0, -EBADMSG, "empty input" },
	{ M_SHORT_HDR, -EBADMSG, "31 bytes: shorter than the header" },
	{ M_MAGIC, -EPROTO, "bad magic" },
	{ M_FORMAT, -EPROTONOSUPPORT, "format 2" },
	{ M_RESERVED, -EBADMSG, "header reserved field set" },
	{ M_RESERVED2, -EBADMSG, "header reserved2 field set" },
	{ M_NREC_HUGE, -E2BIG, "n_records above CM_BUNDLE_MAX_RECORDS" },
	{ M_BODY_PLUS, -EMSGSIZE, "body_len one more than present" },
	{ M_BODY_MINUS, -EMSGSIZE, "body_len one less than present" },
	{ M_NREC_PLUS, -EBADMSG, "n_records one more: record header truncated" },
	{ M_NREC_MINUS, -EMSGSIZE, "n_records one less: bytes after the last record" },
	{ M_REC_RESERVED, -EBADMSG, "record reserved field set" },
	{ M_REC_LEN_HUGE, -EMSGSIZE, "record len 0xffffffff (no wrap)" },
	{ M_REC_LEN_PAST, -EMSGSIZE, "record len one past the end" },
	{ M_PAD_NONZERO, -EBADMSG, "record padding not zero" },
	{ M_PAD_MISSING, -EMSGSIZE, "last record's padding missing" },
	{ M_TYPE_ZERO, -EPROTO, "record type 0" },
	{ M_TYPE_UNKNOWN, -EPROTO, "record type 4" },
	{ M_KEYID_LEN3, -EBADMSG, "revoked keyid of 3 bytes" },
	{ M_KEYID_LEN8, -EBADMSG, "revoked keyid of 8 bytes" },
	{ M_DIGEST_EMPTY, -EBADMSG, "revoked digest record empty" },
	{ M_DIGEST_ALGO_SHA1, -ENOPKG, "revoked digest sha1" },
	{ M_DIGEST_ALGO_99, -ENOPKG, "revoked digest algo 99" },
	{ M_DIGEST_SHORT, -EBADMSG, "revoked sha256 digest of 31 bytes" },
	{ M_CERT_GARBAGE, -EBADMSG, "certificate record not DER" },
	{ M_CERT_TRAILING, -EBADMSG, "certificate followed by extra bytes" },
	{ M_CERT_NOSKID, -ENOKEY, "certificate without SKID" },
	{ M_CERT_DUP, -EEXIST, "same certificate twice" },
	{ M_NO_CERT, -ENOKEY, "no certificate: trusts nothing" },
	{ M_TRAILING, -EMSGSIZE, "4 bytes after the last record (body_len agrees)" },
	{ M_TRUNC_REC_HDR, -EBADMSG, "4 bytes of a record header at the end" },
};

/* The certificate records of case @m. */
static void case_certs(struct raw *r, enum mut m)
{
	static const uint8_t garbage[12] = { 0x30, 0x82, 0xff, 0xff, 1, 2, 3 };

	switch (m) {
	case M_CERT_GARBAGE:
		raw_rec(r, CM_BREC_CERT, sizeof(garbage), garbage, sizeof(garbage), 0, 0);
		break;
	case M_CERT_TRAILING: {
		uint8_t tmp[1024];

		memcpy(tmp, cert_a.p, cert_a.len);
		memset(tmp + cert_a.len, 0, 4);
		raw_rec(r, CM_BREC_CERT, cert_a.len + 4, tmp, cert_a.len + 4,
			(4 - cert_a.len % 4) % 4, 0);
		break;
	}
	case M_CERT_NOSKID:
		raw_cert(r, cert_noskid);
		break;
	case M_NO_CERT:
		break;
	default:
		raw_cert(r, cert_a);
	}
	if (m == M_CERT_DUP)
		raw_cert(r, cert_a);
}

/* The revoked key id record of case @m. */
static void case_keyid(struct raw *r, enum mut m)
{
	uint8_t keyid[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	switch (m) {
	case M_KEYID_LEN3:
		raw_rec(r, CM_BREC_REVOKED_KEYID, 3, keyid, 3, 1, 0);
		break;
	case M_KEYID_LEN8:
		raw_rec(r, CM_BREC_REVOKED_KEYID, 8, keyid, 8, 0, 0);
		break;
	case M_TYPE_ZERO:
		raw_rec(r, 0, 4, keyid, 4, 0, 0);
		break;
	case M_TYPE_UNKNOWN:
		raw_rec(r, __CM_BREC_MAX, 4, keyid, 4, 0, 0);
		break;
	default:
		raw_rec(r, CM_BREC_REVOKED_KEYID, 4, keyid, 4, 0, 0);
	}
}

/* The revoked digest record of case @m. */
static void case_digest(struct raw *r, enum mut m)
{
	uint8_t dig[33];

	memset(dig, 0x5a, sizeof(dig));
	dig[0] = CM_HASH_SHA256;
	switch (m) {
	case M_DIGEST_EMPTY:
		raw_rec(r, CM_BREC_REVOKED_DIGEST, 0, dig, 0, 0, 0);
		break;
	case M_DIGEST_ALGO_SHA1:
		dig[0] = CM_HASH_SHA1;
		raw_rec(r, CM_BREC_REVOKED_DIGEST, 21, dig, 21, 3, 0);
		break;
	case M_DIGEST_ALGO_99:
		dig[0] = 99;
		raw_rec(r, CM_BREC_REVOKED_DIGEST, 33, dig, 33, 3, 0);
		break;
	case M_DIGEST_SHORT:
		raw_rec(r, CM_BREC_REVOKED_DIGEST, 32, dig, 32, 0, 0);
		break;
	case M_PAD_NONZERO:
		raw_rec(r, CM_BREC_REVOKED_DIGEST, 33, dig, 33, 3, 0x01);
		break;
	case M_PAD_MISSING:
		raw_rec(r, CM_BREC_REVOKED_DIGEST, 33, dig, 33, 0, 0);
		break;
	default:
		raw_rec(r, CM_BREC_REVOKED_DIGEST, 33, dig, 33, 3, 0);
	}
}

/* Case @m's changes to the finished, consistent image. */
static void case_mutate(struct raw *r, enum mut m)
{
	switch (m) {
	case M_LEN0: r->len = 0; break;
	case M_SHORT_HDR: r->len = CM_SIZEOF_BUNDLE_HDR - 1; break;
	case M_MAGIC: r->buf[7] = '2'; break;
	case M_FORMAT: r->buf[9] = 2; break;
	case M_RESERVED: r->buf[11] = 1; break;
	case M_RESERVED2: r->buf[31] = 1; break;
	case M_NREC_HUGE: put32(r, 12, CM_BUNDLE_MAX_RECORDS + 1); break;
	case M_BODY_PLUS: put32(r, 24, r->len - CM_SIZEOF_BUNDLE_HDR + 1); break;
	case M_BODY_MINUS: put32(r, 24, r->len - CM_SIZEOF_BUNDLE_HDR - 1); break;
	case M_NREC_PLUS: put32(r, 12, r->nrec + 1); break;
	case M_NREC_MINUS: put32(r, 12, r->nrec - 1); break;
	case M_REC_RESERVED: r->buf[CM_SIZEOF_BUNDLE_HDR + 3] = 1; break;
	case M_REC_LEN_HUGE: put32(r, CM_SIZEOF_BUNDLE_HDR + 4, 0xffffffffu); break;
	case M_REC_LEN_PAST:
		put32(r, CM_SIZEOF_BUNDLE_HDR + 4,
		      r->len - CM_SIZEOF_BUNDLE_HDR - CM_SIZEOF_BUNDLE_REC + 1);
		break;
	default: break;
	}
}

static void build_case(struct raw *r, enum mut m)
{
	raw_hdr(r);
	case_certs(r, m);
	case_keyid(r, m);
	case_digest(r, m);
	if (m == M_TRAILING) {
		memset(r->buf + r->len, 0, 4);
		r->len += 4;
	}
	if (m == M_TRUNC_REC_HDR) {
		memset(r->buf + r->len, 0, 4);
		r->len += 4;
		r->nrec++;
	}
	raw_fix(r);
	case_mutate(r, m);
}

static void test_malformed_bundles(void **state)
{
	for (size_t i = 0; i < sizeof(bundle_cases) / sizeof(bundle_cases[0]); i++) {
		struct raw r;
		struct cm_bundle b;
		const char *why = NULL;
		int got;

		build_case(&r, bundle_cases[i].m);
		got = cm_bundle_parse(r.buf, r.len, &b, &why);
		if (got != bundle_cases[i].err)
			fail_msg("case '%s': got %d (%s), want %d",
				 bundle_cases[i].desc, got, why ? why : "-",
				 bundle_cases[i].err);
		if (got) {
			assert_non_null(why);
			/* A refused parse leaves nothing to free. */
			assert_null(b.certs);
			assert_null(b.keyids);
			assert_null(b.digests);
		} else {
			cm_bundle_release(&b);
		}
	}
}

static void test_too_big(void **state)
{
	size_t len = CM_BUNDLE_MAX_SIZE + 4;
	uint8_t *buf = calloc(1, len);
	struct cm_bundle b;
	const char *why = NULL;
	uint32_t body = htobe32(len - CM_SIZEOF_BUNDLE_HDR);

	assert_non_null(buf);
	memcpy(buf, CM_BUNDLE_MAGIC, 8);
	buf[9] = CM_BUNDLE_FORMAT;
	memcpy(buf + 24, &body, 4);
	assert_int_equal(cm_bundle_parse(buf, len, &b, &why), -E2BIG);
	assert_non_null(why);
	free(buf);
}

static void test_builder_limits(void **state)
{
	struct cm_bundle b = { 0 };
	uint8_t *out = NULL;
	size_t len;

	/* A certificate larger than a whole bundle may be. */
	assert_int_equal(cm_bundle_add_cert(&b, cert_a.p, CM_BUNDLE_MAX_SIZE + 1),
			 -E2BIG);
	/* Records up to the cap, then no more of any kind. */
	for (unsigned int i = 0; i < CM_BUNDLE_MAX_RECORDS - 1; i++)
		assert_int_equal(cm_bundle_add_keyid(&b, i), 0);
	assert_int_equal(cm_bundle_add_cert(&b, cert_a.p, cert_a.len), 0);
	assert_int_equal(cm_bundle_add_keyid(&b, 1), -E2BIG);
	assert_int_equal(cm_bundle_add_cert(&b, cert_b.p, cert_b.len), -E2BIG);
	/* Exactly at the cap it serializes and parses back. */
	assert_int_equal(cm_bundle_serialize(&b, &out, &len), 0);
	{
		struct cm_bundle p;
		const char *why = NULL;

		assert_int_equal(cm_bundle_parse(out, len, &p, &why), 0);
		assert_int_equal(p.n_keyids, CM_BUNDLE_MAX_RECORDS - 1);
		assert_int_equal(p.n_certs, 1);
		cm_bundle_release(&p);
	}
	free(out);
	cm_bundle_release(&b);
}

/* ---- seal files -------------------------------------------------------------- */

enum smut {
	S_NONE, S_SHORT, S_MAGIC, S_BANK, S_RESERVED, S_MASK0, S_MASK24,
	S_PUBLEN_PLUS, S_PRIVLEN_MINUS, S_TRAILING, S_PUB_2B, S_PRIV_2B,
	S_PUB_EMPTY,
};

static const struct {
	enum smut m;
	int err;
	const char *desc;
} seal_cases[] = {
	{ S_NONE, 0, "well-formed" },
	{ S_SHORT, -EBADMSG, "83 bytes: shorter than the header" },
	{ S_MAGIC, -EPROTO, "bad magic" },
	{ S_BANK, -ENOPKG, "PCR bank sha1" },
	{ S_RESERVED, -EBADMSG, "reserved field set" },
	{ S_MASK0, -EBADMSG, "no PCR selected" },
	{ S_MASK24, -ERANGE, "PCR 24 selected" },
	{ S_PUBLEN_PLUS, -EMSGSIZE, "pub_len one more than present" },
	{ S_PRIVLEN_MINUS, -EMSGSIZE, "priv_len one less than present" },
	{ S_TRAILING, -EMSGSIZE, "one byte after the blobs" },
	{ S_PUB_2B, -EBADMSG, "TPM2B_PUBLIC size disagrees with pub_len" },
	{ S_PRIV_2B, -EBADMSG, "TPM2B_PRIVATE size disagrees with priv_len" },
	{ S_PUB_EMPTY, -EBADMSG, "pub_len 0" },
};

static void test_seal(void **state)
{
	uint8_t pub[10] = { 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t priv[6] = { 0, 4, 9, 9, 9, 9 };
	struct cm_seal s = {
		.pcr_bank = CM_TPM2_ALG_SHA256, .pcr_mask = (1 << 7) | (1 << 14),
		.pub = pub, .pub_len = sizeof(pub), .priv = priv,
		.priv_len = sizeof(priv),
	}, p;
	uint8_t *good, buf[256];
	size_t len;

	memset(s.policy_digest, 0x11, 32);
	memset(s.tag, 0x22, 32);
	assert_int_equal(cm_seal_serialize(&s, &good, &len), 0);
	assert_int_equal(len, CM_SIZEOF_SEAL_HDR + sizeof(pub) + sizeof(priv));

	for (size_t i = 0; i < sizeof(seal_cases) / sizeof(seal_cases[0]); i++) {
		const char *why = NULL;
		size_t l = len;
		int got;

		memcpy(buf, good, len);
		switch (seal_cases[i].m) {
		case S_SHORT: l = CM_SIZEOF_SEAL_HDR - 1; break;
		case S_MAGIC: buf[0] = 'X'; break;
		case S_BANK: buf[9] = 0x04; break;
		case S_RESERVED: buf[10] = 1; break;
		case S_MASK0: memset(buf + 12, 0, 4); break;
		case S_MASK24: buf[12] = 1; break;
		case S_PUBLEN_PLUS: buf[17]++; break;
		case S_PRIVLEN_MINUS: buf[19]--; break;
		case S_TRAILING: buf[l++] = 0; break;
		case S_PUB_2B: buf[CM_SIZEOF_SEAL_HDR + 1] = 9; break;
		case S_PRIV_2B: buf[CM_SIZEOF_SEAL_HDR + sizeof(pub) + 1] = 3; break;
		case S_PUB_EMPTY:
			buf[17] = 0;
			buf[19] += sizeof(pub);	/* lengths still add up */
			break;
		default: break;
		}
		got = cm_seal_parse(buf, l, &p, &why);
		if (got != seal_cases[i].err)
			fail_msg("seal case '%s': got %d (%s), want %d",
				 seal_cases[i].desc, got, why ? why : "-",
				 seal_cases[i].err);
		if (!got) {
			assert_int_equal(p.pcr_mask, s.pcr_mask);
			assert_int_equal(p.pub_len, sizeof(pub));
			assert_memory_equal(p.priv, priv, sizeof(priv));
			assert_memory_equal(p.tag, s.tag, 32);
			assert_memory_equal(p.policy_digest, s.policy_digest, 32);
		} else {
			assert_non_null(why);
		}
	}
	free(good);

	s.pcr_mask = 1u << 24;
	assert_int_equal(cm_seal_serialize(&s, &good, &len), -ERANGE);
	s.pcr_mask = 0;
	assert_int_equal(cm_seal_serialize(&s, &good, &len), -ERANGE);
}

/* CMSEAL02: the signed-policy extension between the header and the blobs. */
enum amut { A_NONE, A_SHORT, A_NAMEALG, A_RESERVED, A_INDEX, A_LEN };

static const struct {
	enum amut m;
	int err;
	const char *desc;
} auth_cases[] = {
	{ A_NONE, 0, "well-formed CMSEAL02" },
	{ A_SHORT, -EBADMSG, "header only: no room for the extension" },
	{ A_NAMEALG, -ENOPKG, "key name is not a sha256 name" },
	{ A_RESERVED, -EBADMSG, "extension reserved field set" },
	{ A_INDEX, -ERANGE, "counter is not an NV index handle" },
	{ A_LEN, -EMSGSIZE, "blobs counted without the extension" },
};

static void test_seal_authorized(void **state)
{
	uint8_t pub[10] = { 0, 8, 1, 2, 3, 4, 5, 6, 7, 8 };
	uint8_t priv[6] = { 0, 4, 9, 9, 9, 9 };
	struct cm_seal s = {
		.pcr_bank = CM_TPM2_ALG_SHA256, .pcr_mask = (1 << 7) | (1 << 14),
		.pub = pub, .pub_len = sizeof(pub), .priv = priv,
		.priv_len = sizeof(priv), .authorized = 1,
		.nv_index = 0x013c4d02, .nv_max = 0x0102030405060708ull,
	}, p;
	const size_t x = CM_SIZEOF_SEAL_HDR;
	uint8_t *good, buf[256];
	size_t len;

	memset(s.key_name, 0x33, sizeof(s.key_name));
	s.key_name[0] = 0x00;
	s.key_name[1] = 0x0b;
	assert_int_equal(cm_seal_serialize(&s, &good, &len), 0);
	assert_int_equal(len, x + CM_SIZEOF_SEAL_AUTH + sizeof(pub) + sizeof(priv));
	assert_memory_equal(good, "CMSEAL02", 8);
	for (size_t i = 0; i < sizeof(auth_cases) / sizeof(auth_cases[0]); i++) {
		const char *why = NULL;
		size_t l = len;
		int got;

		memcpy(buf, good, len);
		switch (auth_cases[i].m) {
		case A_SHORT: l = x + CM_SIZEOF_SEAL_AUTH - 1; break;
		case A_NAMEALG: buf[x + 1] = 0x04; break;
		case A_RESERVED: buf[x + CM_TPM_NAME_SIZE + 1] = 1; break;
		case A_INDEX: buf[x + CM_TPM_NAME_SIZE + 2] = 0x81; break;
		case A_LEN: memcpy(buf, "CMSEAL01", 8); break;
		default: break;
		}
		got = cm_seal_parse(buf, l, &p, &why);
		if (got != auth_cases[i].err)
			fail_msg("CMSEAL02 case '%s': got %d (%s), want %d",
				 auth_cases[i].desc, got, why ? why : "-",
				 auth_cases[i].err);
		if (!got) {
			assert_true(p.authorized);
			assert_memory_equal(p.key_name, s.key_name, CM_TPM_NAME_SIZE);
			assert_int_equal(p.nv_index, s.nv_index);
			assert_true(p.nv_max == s.nv_max);
			assert_memory_equal(p.pub, pub, sizeof(pub));
			assert_memory_equal(p.priv, priv, sizeof(priv));
		}
	}
	free(good);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_tag),
		cmocka_unit_test(test_malformed_bundles),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_builder_limits),
		cmocka_unit_test(test_seal),
		cmocka_unit_test(test_seal_authorized),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
