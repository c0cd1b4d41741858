// SPDX-License-Identifier: MIT
/*
 * Manifests: a signed round trip, the serializer's refusals, and a table of
 * malformed manifests made by mutating one valid manifest, each asserting
 * the exact errno and the check (*why) that caught it.  Keys are real,
 * made by the openssl command in a scratch directory.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "unit.h"

#include <cryptomark/cryptomark.h>
#include <cryptomark/manifest.h>

static struct cm_signer *signer;
static struct cm_trust *trust, *other_trust;

/* The valid manifest the malformed table mutates, and where things are. */
static uint8_t *good;
static size_t good_len;
static size_t ent_off[2];	/* entry headers */
static size_t trailer_off;

static uint8_t dig_x[32], dig_y[32];
static uint8_t xat_x[CM_XATTR_MAX_SIZE], xat_y[CM_XATTR_MAX_SIZE];
static int xat_x_len, xat_y_len;

static int setup(void **state)
{
	struct cm_signer_opts o = { 0 };
	char key[600], cert[600], other[600], err[256];
	struct cm_manifest_item items[2];
	struct cm_manifest m;
	const char *why;

	if (u_scratch("cmunit-mf"))
		return -1;
	u_mkcert("p256", "-newkey ec -pkeyopt ec_paramgen_curve:P-256", "");
	u_mkcert("other", "-newkey rsa:2048", "");
	snprintf(key, sizeof(key), "%s/p256.key", u_dir);
	snprintf(cert, sizeof(cert), "%s/p256.pem", u_dir);
	snprintf(other, sizeof(other), "%s/other.pem", u_dir);
	o.key = key;
	o.cert = cert;
	if (cm_signer_load(&o, &signer, err, sizeof(err))) {
		fprintf(stderr, "signer: %s\n", err);
		return -1;
	}
	trust = cm_trust_new();
	other_trust = cm_trust_new();
	if (!trust || !other_trust || cm_trust_add_cert_file(trust, cert) ||
	    cm_trust_add_cert_file(other_trust, other))
		return -1;

	cm_digest_buf("x", 1, CM_HASH_SHA256, dig_x);
	cm_digest_buf("y", 1, CM_HASH_SHA256, dig_y);
	xat_x_len = cm_signer_sign(signer, CM_HASH_SHA256, dig_x, xat_x,
				   sizeof(xat_x), err, sizeof(err));
	xat_y_len = cm_signer_sign(signer, CM_HASH_SHA256, dig_y, xat_y,
				   sizeof(xat_y), err, sizeof(err));
	if (xat_x_len < 0 || xat_y_len < 0)
		return -1;
	/* Given out of order: the serializer sorts. */
	items[0] = (struct cm_manifest_item){ "a/y", CM_HASH_SHA256, dig_y, 32,
					      xat_y, (size_t)xat_y_len };
	items[1] = (struct cm_manifest_item){ "a/x", CM_HASH_SHA256, dig_x, 32,
					      xat_x, (size_t)xat_x_len };
	if (cm_manifest_build(items, 2, CM_HASH_SHA256, signer, &good,
			      &good_len, err, sizeof(err)))
		return -1;
	if (cm_manifest_parse(good, good_len, &m, &why))
		return -1;
	ent_off[0] = (size_t)(m.items[0].digest - good) - 3 - 8;
	ent_off[1] = (size_t)(m.items[1].digest - good) - 3 - 8;
	trailer_off = m.signed_len;
	cm_manifest_release(&m);
	return 0;
}

static int teardown(void **state)
{
	free(good);
	cm_signer_free(signer);
	cm_trust_free(trust);
	cm_trust_free(other_trust);
	u_cleanup();
	return 0;
}

static void test_round_trip(void **state)
{
	struct cm_manifest m;
	const char *why = NULL;
	uint8_t *copy;

	assert_int_equal(ent_off[0], CM_SIZEOF_MANIFEST_HDR);
	assert_int_equal(cm_manifest_parse(good, good_len, &m, &why), 0);
	assert_int_equal(m.n, 2);
	assert_int_equal(m.hash_algo, CM_HASH_SHA256);
	assert_string_equal(m.items[0].path, "a/x");
	assert_string_equal(m.items[1].path, "a/y");
	assert_int_equal(m.items[0].digest_len, 32);
	assert_memory_equal(m.items[0].digest, dig_x, 32);
	assert_memory_equal(m.items[1].digest, dig_y, 32);
	assert_int_equal(m.items[0].xattr_len, xat_x_len);
	assert_memory_equal(m.items[0].xattr, xat_x, (size_t)xat_x_len);
	assert_memory_equal(m.items[1].xattr, xat_y, (size_t)xat_y_len);
	assert_int_equal(m.trailer.keyid, cm_signer_keyid(signer));
	assert_int_equal(good_len, m.signed_len + CM_SIG_HDR_SIZE +
				   m.trailer.sig_len);

	assert_int_equal(cm_manifest_verify(trust, good, &m), 0);
	assert_int_equal(cm_manifest_verify(other_trust, good, &m), -ENOKEY);
	cm_manifest_release(&m);

	/* A changed digest still parses but no longer verifies. */
	copy = malloc(good_len);
	assert_non_null(copy);
	memcpy(copy, good, good_len);
	copy[ent_off[1] + 8 + 3 + 5] ^= 0x01;
	assert_int_equal(cm_manifest_parse(copy, good_len, &m, &why), 0);
	assert_int_equal(cm_manifest_verify(trust, copy, &m), -EKEYREJECTED);
	cm_manifest_release(&m);
	free(copy);
}

static void test_empty_manifest(void **state)
{
	struct cm_manifest m;
	char err[256];
	uint8_t *buf;
	size_t len;

	assert_int_equal(cm_manifest_build(NULL, 0, CM_HASH_SHA384, signer,
					   &buf, &len, err, sizeof(err)), 0);
	assert_int_equal(cm_manifest_parse(buf, len, &m, NULL), 0);
	assert_int_equal(m.n, 0);
	assert_int_equal(m.hash_algo, CM_HASH_SHA384);
	assert_int_equal(cm_manifest_verify(trust, buf, &m), 0);
	cm_manifest_release(&m);
	free(buf);
}

static const struct {
	const char *path;
	int err;
	const char *why;
} path_cases[] = {
	{ "a", 0, NULL },
	{ "usr/bin/ls", 0, NULL },
	{ ".hidden/..x/x..", 0, NULL },
	{ "", -EINVAL, "empty path" },
	{ "/usr/bin/ls", -EINVAL, "absolute path" },
	{ "usr//bin", -EINVAL, "empty path component" },
	{ "usr/bin/", -EINVAL, "empty path component" },
	{ ".", -EINVAL, "\".\" or \"..\" path component" },
	{ "usr/./bin", -EINVAL, "\".\" or \"..\" path component" },
	{ "..", -EINVAL, "\".\" or \"..\" path component" },
	{ "usr/../../etc/shadow", -EINVAL, "\".\" or \"..\" path component" },
	{ "usr/..", -EINVAL, "\".\" or \"..\" path component" },
};

static void test_paths(void **state)
{
	char longp[CM_MANIFEST_MAX_PATH + 2];
	const char *why;

	for (size_t i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
		why = NULL;
		assert_int_equal(cm_manifest_check_path(path_cases[i].path,
				 strlen(path_cases[i].path), &why),
				 path_cases[i].err);
		if (path_cases[i].why)
			assert_string_equal(why, path_cases[i].why);
	}
	assert_int_equal(cm_manifest_check_path("a\0b", 3, &why), -EINVAL);
	assert_string_equal(why, "NUL byte in path");
	memset(longp, 'a', sizeof(longp));
	assert_int_equal(cm_manifest_check_path(longp, CM_MANIFEST_MAX_PATH, &why), 0);
	assert_int_equal(cm_manifest_check_path(longp, CM_MANIFEST_MAX_PATH + 1, &why),
			 -ENAMETOOLONG);
}

static void test_build_refusals(void **state)
{
	struct cm_manifest_item it[2];
	char err[256];
	uint8_t *buf = NULL, xat_384[CM_XATTR_MAX_SIZE];
	size_t len;
	int n;

	it[0] = (struct cm_manifest_item){ "a/x", CM_HASH_SHA256, dig_x, 32,
					   xat_x, (size_t)xat_x_len };
	it[1] = it[0];
	/* duplicate path */
	assert_int_equal(cm_manifest_build(it, 2, CM_HASH_SHA256, signer, &buf,
					   &len, err, sizeof(err)), -EEXIST);
	/* bad path */
	it[1].path = "../x";
	assert_int_equal(cm_manifest_build(it, 2, CM_HASH_SHA256, signer, &buf,
					   &len, err, sizeof(err)), -EINVAL);
	/* digest length does not match its algorithm */
	it[1].path = "a/y";
	it[1].digest_len = 31;
	assert_int_equal(cm_manifest_build(it, 2, CM_HASH_SHA256, signer, &buf,
					   &len, err, sizeof(err)), -EBADMSG);
	/* refused algorithm for the entry and for the manifest */
	it[1].digest_len = 32;
	it[1].hash_algo = CM_HASH_SHA1;
	assert_int_equal(cm_manifest_build(it, 2, CM_HASH_SHA256, signer, &buf,
					   &len, err, sizeof(err)), -ENOPKG);
	assert_int_equal(cm_manifest_build(it, 1, CM_HASH_SHA1, signer, &buf,
					   &len, err, sizeof(err)), -ENOPKG);
	/* xattr signed with another algorithm than the entry's digest */
	it[1].hash_algo = CM_HASH_SHA256;
	n = cm_signer_sign(signer, CM_HASH_SHA384, (const uint8_t *)
			   "0123456789012345678901234567890123456789012345678",
			   xat_384, sizeof(xat_384), err, sizeof(err));
	assert_true(n > 0);
	it[1].xattr = xat_384;
	it[1].xattr_len = (size_t)n;
	assert_int_equal(cm_manifest_build(it, 2, CM_HASH_SHA256, signer, &buf,
					   &len, err, sizeof(err)), -EBADMSG);
	/* xattr that is no signature at all */
	it[1].xattr = (const uint8_t *)"\x04\x01";
	it[1].xattr_len = 2;
	assert_int_equal(cm_manifest_build(it, 2, CM_HASH_SHA256, signer, &buf,
					   &len, err, sizeof(err)), -EPROTO);
	assert_null(buf);
}

/* ---- the malformed table ------------------------------------------- */

static void put16(uint8_t *b, size_t off, uint16_t v)
{
	v = htons(v);
	memcpy(b + off, &v, 2);
}

static void put32(uint8_t *b, size_t off, uint32_t v)
{
	v = htonl(v);
	memcpy(b + off, &v, 4);
}

static uint32_t get32(const uint8_t *b, size_t off)
{
	uint32_t v;

	memcpy(&v, b + off, 4);
	return ntohl(v);
}

/* Each mutator edits a copy of the good manifest (room for 16 more bytes). */
static void m_trunc_hdr(uint8_t *b, size_t *len) { *len = 23; }
static void m_magic(uint8_t *b, size_t *len) { b[7] = '2'; }
static void m_format(uint8_t *b, size_t *len) { put16(b, 8, 3); }
/* Format 2 carries a certificate of reserved2 bytes after the body. */
static void m_fmt2_nocert(uint8_t *b, size_t *len) { put16(b, 8, 2); }
static void m_fmt2_cert_huge(uint8_t *b, size_t *len) { put16(b, 8, 2); put32(b, 20, CM_MANIFEST_MAX_CERT + 1); }
static void m_fmt2_cert_beyond(uint8_t *b, size_t *len) { put16(b, 8, 2); put32(b, 20, (uint32_t)(*len - 24 - get32(b, 16) + 1)); }
static void m_reserved(uint8_t *b, size_t *len) { b[11] = 1; }
static void m_reserved2(uint8_t *b, size_t *len) { put32(b, 20, 1); }
static void m_hdr_sha1(uint8_t *b, size_t *len) { b[10] = CM_HASH_SHA1; }
static void m_hdr_algo_unknown(uint8_t *b, size_t *len) { b[10] = 0xff; }
static void m_too_many(uint8_t *b, size_t *len) { put32(b, 12, CM_MANIFEST_MAX_ENTRIES + 1); }
static void m_body_beyond(uint8_t *b, size_t *len) { put32(b, 16, (uint32_t)*len); }
static void m_body_huge(uint8_t *b, size_t *len) { put32(b, 16, 0xffffffffu); }
static void m_count_high(uint8_t *b, size_t *len) { put32(b, 12, 1000); }
static void m_count_three(uint8_t *b, size_t *len) { put32(b, 12, 3); }
static void m_count_low(uint8_t *b, size_t *len) { put32(b, 12, 1); }
static void m_body_short(uint8_t *b, size_t *len) { put32(b, 16, get32(b, 16) - 1); }
static void m_ent_reserved(uint8_t *b, size_t *len) { b[ent_off[0] + 7] = 1; }
static void m_path_len_huge(uint8_t *b, size_t *len) { put16(b, ent_off[0], 0xffff); }
static void m_path_abs(uint8_t *b, size_t *len) { b[ent_off[0] + 8] = '/'; }
static void m_path_nul(uint8_t *b, size_t *len) { b[ent_off[0] + 9] = '\0'; }
static void m_path_dotdot(uint8_t *b, size_t *len) { memcpy(b + ent_off[1] + 8, "../", 3); }
static void m_path_dup(uint8_t *b, size_t *len) { b[ent_off[1] + 10] = 'x'; }
static void m_path_order(uint8_t *b, size_t *len) { b[ent_off[1] + 10] = 'a'; }
static void m_ent_sha1(uint8_t *b, size_t *len) { b[ent_off[0] + 2] = CM_HASH_SHA1; }
static void m_digest_len(uint8_t *b, size_t *len)
{
	/* Shorter digest, longer xattr: the entry still spans the same bytes. */
	b[ent_off[0] + 3] = 31;
	put16(b, ent_off[0] + 4, (uint16_t)(xat_x_len + 1));
}
static void m_xattr_type(uint8_t *b, size_t *len) { b[ent_off[0] + 8 + 3 + 32] = 0x04; }
static void m_xattr_algo(uint8_t *b, size_t *len) { b[ent_off[0] + 8 + 3 + 32 + 2] = CM_HASH_SHA384; }
static void m_xattr_size(uint8_t *b, size_t *len) { b[ent_off[0] + 8 + 3 + 32 + 8] ^= 0x01; }
static void m_xattr_empty(uint8_t *b, size_t *len)
{
	/* Digest swallows the xattr bytes: xattr_len 0, digest_len wrong. */
	put16(b, ent_off[0] + 4, 0);
	b[ent_off[0] + 3] = (uint8_t)(32 + xat_x_len);
}
static void m_xattr_len0(uint8_t *b, size_t *len) { put16(b, ent_off[0] + 4, 0); }
static void m_no_trailer(uint8_t *b, size_t *len) { *len = trailer_off; }
static void m_trailer_algo(uint8_t *b, size_t *len) { b[trailer_off + 2] = CM_HASH_SHA512; }
static void m_trailer_trunc(uint8_t *b, size_t *len) { (*len)--; }
static void m_trailer_extra(uint8_t *b, size_t *len) { b[(*len)++] = 0; }
static void m_trailer_type(uint8_t *b, size_t *len) { b[trailer_off] = 0x05; }
static void m_trailer_version(uint8_t *b, size_t *len) { b[trailer_off + 1] = 1; }

static const struct {
	const char *desc;
	void (*mutate)(uint8_t *b, size_t *len);
	int err;
	const char *why;
} bad[] = {
	{ "header cut short", m_trunc_hdr, -EBADMSG, "truncated header" },
	{ "magic", m_magic, -EPROTO, "bad magic" },
	{ "format 3", m_format, -EPROTONOSUPPORT, "unsupported manifest format" },
	{ "format 2, cert_len 0", m_fmt2_nocert, -EBADMSG, "certificate length out of range" },
	{ "format 2, cert_len over the maximum", m_fmt2_cert_huge, -EBADMSG, "certificate length out of range" },
	{ "format 2, certificate beyond the end", m_fmt2_cert_beyond, -EMSGSIZE, "certificate beyond the end of the manifest" },
	{ "reserved", m_reserved, -EBADMSG, "reserved header field not zero" },
	{ "reserved2", m_reserved2, -EBADMSG, "reserved header field not zero" },
	{ "header sha1", m_hdr_sha1, -ENOPKG, "manifest hash algorithm not accepted" },
	{ "header algo 255", m_hdr_algo_unknown, -ENOPKG, "manifest hash algorithm not accepted" },
	{ "n_entries over the maximum", m_too_many, -E2BIG, "too many entries" },
	{ "body_len = file length", m_body_beyond, -EMSGSIZE, "body_len beyond the end of the manifest" },
	{ "body_len 4 GiB", m_body_huge, -EMSGSIZE, "body_len beyond the end of the manifest" },
	{ "n_entries the body cannot hold", m_count_high, -EMSGSIZE, "more entries than the body can hold" },
	{ "n_entries one too many", m_count_three, -EMSGSIZE, "truncated entry header" },
	{ "n_entries one too few", m_count_low, -EMSGSIZE, "bytes after the last entry in the body" },
	{ "body_len one short", m_body_short, -EMSGSIZE, "entry extends beyond the body" },
	{ "entry reserved", m_ent_reserved, -EBADMSG, "reserved entry field not zero" },
	{ "path_len 65535", m_path_len_huge, -EMSGSIZE, "entry extends beyond the body" },
	{ "absolute path", m_path_abs, -EINVAL, "absolute path" },
	{ "NUL in path", m_path_nul, -EINVAL, "NUL byte in path" },
	{ "dot-dot path", m_path_dotdot, -EINVAL, "\".\" or \"..\" path component" },
	{ "duplicate path", m_path_dup, -EEXIST, "duplicate path" },
	{ "paths out of order", m_path_order, -EBADMSG, "paths not in increasing order" },
	{ "entry sha1", m_ent_sha1, -ENOPKG, "entry hash algorithm not accepted" },
	{ "digest length 31", m_digest_len, -EBADMSG, "digest length does not match its algorithm" },
	{ "entry xattr is a digest", m_xattr_type, -EPROTO, "IMA digest, not a signature" },
	{ "entry xattr other algo", m_xattr_algo, -EBADMSG, "entry signature uses another hash algorithm" },
	{ "entry xattr sig_size", m_xattr_size, -EMSGSIZE, NULL },
	{ "entry without xattr", m_xattr_empty, -EBADMSG, "digest length does not match its algorithm" },
	{ "xattr_len 0", m_xattr_len0, -EBADMSG, "entry without a signature" },
	{ "no trailer", m_no_trailer, -ENODATA, "no trailer signature (unsigned manifest)" },
	{ "trailer other algo", m_trailer_algo, -EBADMSG, "trailer hash algorithm differs from the header's" },
	{ "trailer cut short", m_trailer_trunc, -EMSGSIZE, "sig_size exceeds the data" },
	{ "byte after trailer", m_trailer_extra, -EMSGSIZE, "trailing bytes after the signature" },
	{ "trailer EVM type", m_trailer_type, -EPROTO, "EVM portable signature, not an IMA signature" },
	{ "trailer version 1", m_trailer_version, -EPROTONOSUPPORT, "unsupported signature version" },
};

static void test_malformed(void **state)
{
	uint8_t *b = malloc(good_len + 16);

	assert_non_null(b);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cm_manifest m;
		const char *why = NULL;
		size_t len = good_len;
		int ret;

		memcpy(b, good, good_len);
		bad[i].mutate(b, &len);
		ret = cm_manifest_parse(b, len, &m, &why);
		if (ret != bad[i].err)
			fail_msg("%s: got %d (%s), want %d", bad[i].desc, ret,
				 why ? why : "-", bad[i].err);
		if (bad[i].why && (!why || strcmp(why, bad[i].why)))
			fail_msg("%s: why \"%s\", want \"%s\"", bad[i].desc,
				 why ? why : "(null)", bad[i].why);
		assert_null(m.items);
	}
	free(b);
}

/* Every strict prefix of a valid manifest is refused, none crashes. */
static void test_every_prefix(void **state)
{
	for (size_t len = 0; len < good_len; len++) {
		struct cm_manifest m;
		uint8_t *b = malloc(len ? len : 1);

		memcpy(b, good, len);
		assert_int_not_equal(cm_manifest_parse(b, len, &m, NULL), 0);
		free(b);
	}
}

static void test_read(void **state)
{
	char path[600];
	uint8_t *buf;
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "%s/m.cmm", u_dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(good, 1, good_len, f), good_len);
	fclose(f);
	assert_int_equal(cm_manifest_read(path, &buf, &len), 0);
	assert_int_equal(len, good_len);
	assert_memory_equal(buf, good, len);
	free(buf);
	snprintf(path, sizeof(path), "%s/absent", u_dir);
	assert_int_equal(cm_manifest_read(path, &buf, &len), -ENOENT);
	assert_int_equal(cm_manifest_read(u_dir, &buf, &len), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_empty_manifest),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_build_refusals),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_every_prefix),
		cmocka_unit_test(test_read),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
