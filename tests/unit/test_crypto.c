// SPDX-License-Identifier: MIT
/*
 * Digests, certificates, the signer and the trust store, with real keys
 * made by the openssl command in a scratch directory.  Every refusal is
 * asserted with its exact error.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/xattr.h>
#include <cmocka.h>

#include "unit.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cryptomark/cryptomark.h>


static int setup(void **state)
{
	if (u_scratch("cmunit"))
		return -1;
	u_mkcert("rsa", "-newkey rsa:2048", "");
	u_mkcert("p256", "-newkey ec -pkeyopt ec_paramgen_curve:P-256", "");
	u_mkcert("p384", "-newkey ec -pkeyopt ec_paramgen_curve:P-384", "");
	u_mkcert("rsa1024", "-newkey rsa:1024", "");
	u_mkcert("p521", "-newkey ec -pkeyopt ec_paramgen_curve:P-521", "");
	u_mkcert("ed", "-newkey ed25519", "");
	u_mkcert("noskid", "-newkey ec -pkeyopt ec_paramgen_curve:P-256",
	       "-addext subjectKeyIdentifier=none");
	u_mkcert("skid3", "-newkey ec -pkeyopt ec_paramgen_curve:P-256",
	       "-addext subjectKeyIdentifier=01:02:03");
	u_sh("openssl x509 -in %s/p256.pem -outform DER -out %s/p256.der", u_dir, u_dir);
	u_sh("head -c 3000000 /dev/urandom > %s/data", u_dir);
	u_sh("echo garbage > %s/garbage.pem", u_dir);
	return 0;
}

static int teardown(void **state)
{
	u_cleanup();
	return 0;
}

static void test_digest(void **state)
{
	uint8_t a[64], b[64];
	unsigned char *buf = malloc(3000000);
	int fd = open(u_path("data"), O_RDONLY);
	FILE *f = fopen(u_path("data"), "rb");

	assert_non_null(buf);
	assert_true(fd >= 0);
	assert_int_equal(fread(buf, 1, 3000000, f), 3000000);
	fclose(f);
	assert_int_equal(cm_digest_fd(fd, CM_HASH_SHA256, 0, 0, a), 32);
	assert_int_equal(cm_digest_buf(buf, 3000000, CM_HASH_SHA256, b), 32);
	assert_memory_equal(a, b, 32);
	/* A zero range straddling the 512 KiB chunk boundary. */
	assert_int_equal(cm_digest_fd(fd, CM_HASH_SHA512, 524000, 2000, a), 64);
	memset(buf + 524000, 0, 2000);
	assert_int_equal(cm_digest_buf(buf, 3000000, CM_HASH_SHA512, b), 64);
	assert_memory_equal(a, b, 64);
	/* The range at the very end (the buffer restored first). */
	assert_int_equal(pread(fd, buf, 3000000, 0), 3000000);
	assert_int_equal(cm_digest_fd(fd, CM_HASH_SHA384, 2999000, 1000, a), 48);
	memset(buf + 2999000, 0, 1000);
	assert_int_equal(cm_digest_buf(buf, 3000000, CM_HASH_SHA384, b), 48);
	assert_memory_equal(a, b, 48);
	assert_int_equal(cm_digest_fd(fd, CM_HASH_SHA256, 2999999, 2, a), -ERANGE);
	assert_int_equal(cm_digest_fd(fd, CM_HASH_SHA256, UINT64_MAX, 2, a), -EOVERFLOW);
	assert_int_equal(cm_digest_fd(fd, CM_HASH_SHA1, 0, 0, a), -ENOPKG);
	assert_int_equal(cm_digest_fd(-1, CM_HASH_SHA256, 0, 0, a), -EBADF);
	close(fd);
	free(buf);
}

static void test_cert_load(void **state)
{
	X509 *c;
	uint32_t id1, id2;

	assert_int_equal(cm_cert_load(u_path("p256.pem"), &c), 0);
	assert_int_equal(cm_cert_keyid(c, &id1), 0);
	X509_free(c);
	assert_int_equal(cm_cert_load(u_path("p256.der"), &c), 0);
	assert_int_equal(cm_cert_keyid(c, &id2), 0);
	X509_free(c);
	assert_int_equal(id1, id2);
	assert_int_equal(cm_cert_load(u_path("garbage.pem"), &c), -EBADMSG);
	assert_int_equal(cm_cert_load(u_path("data"), &c), -E2BIG);
	assert_int_equal(cm_cert_load(u_path("missing.pem"), &c), -ENOENT);
	assert_int_equal(cm_cert_load(u_dir, &c), -EINVAL);	/* a directory */
	assert_int_equal(cm_cert_load(u_path("noskid.pem"), &c), 0);
	assert_int_equal(cm_cert_keyid(c, &id1), -ENOKEY);
	X509_free(c);
}

static uint8_t *slurp(const char *name, size_t *len)
{
	uint8_t *b = NULL;

	assert_int_equal(cm_read_file(u_path(name), 1 << 20, &b, len), 0);
	return b;
}

/*
 * cm_cert_parse() on malformed input, each with its exact error, then the
 * key id of certificates that parse.  Vectors are cut from real
 * certificates made in setup().
 */
static void test_cert_parse_vectors(void **state)
{
	size_t der_len, pem_len, n3, nn;
	uint8_t *der = slurp("p256.der", &der_len);
	uint8_t *pem = slurp("p256.pem", &pem_len);
	uint8_t *skid3 = slurp("skid3.pem", &n3);
	uint8_t *noskid = slurp("noskid.pem", &nn);
	uint8_t *big = calloc(1, (256 << 10) + 1);
	uint8_t *der1 = malloc(der_len + 1);
	uint8_t *text = malloc(pem_len + 64);
	uint8_t *badpem = malloc(pem_len);
	static const uint8_t indef[] = { 0x30, 0x80, 0x00, 0x00 };
	static const uint8_t hugelen[] = { 0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x30 };
	static const uint8_t pem_hdr[] = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
	static const uint8_t garbage[] = "garbage\n";
	size_t tl;
	struct {
		const uint8_t *buf;
		size_t len;
		int want;
		const char *why;
	} v[] = {
		{ der, 0, -ENODATA, "empty" },
		{ der, 1, -EBADMSG, "one byte of DER" },
		{ der, 10, -EBADMSG, "DER header and a few bytes" },
		{ der, der_len - 1, -EBADMSG, "DER one byte short" },
		{ der1, der_len + 1, -EMSGSIZE, "DER with a trailing byte" },
		{ indef, sizeof(indef), -EBADMSG, "indefinite-length SEQUENCE" },
		{ hugelen, sizeof(hugelen), -EBADMSG, "SEQUENCE claiming 2 GiB" },
		{ pem_hdr, sizeof(pem_hdr) - 1, -EBADMSG, "PEM block without a body" },
		{ badpem, pem_len, -EBADMSG, "PEM with a corrupted base64 body" },
		{ pem, pem_len / 2, -EBADMSG, "PEM cut in half" },
		{ garbage, sizeof(garbage) - 1, -EBADMSG, "text, no PEM block" },
		{ big, (256 << 10) + 1, -E2BIG, "over 256 KiB" },
		{ der, der_len, 0, "DER" },
		{ pem, pem_len, 0, "PEM" },
		{ text, 0, 0, "PEM after a line of text" },
	};
	uint32_t id;
	X509 *c;

	assert_non_null(big);
	assert_non_null(der1);
	assert_non_null(text);
	assert_non_null(badpem);
	memcpy(der1, der, der_len);
	der1[der_len] = 0;
	tl = (size_t)snprintf((char *)text, 64, "subject=CN = p256\n");
	memcpy(text + tl, pem, pem_len);
	v[14].len = tl + pem_len;
	memcpy(badpem, pem, pem_len);
	badpem[40] = '!';	/* inside the first base64 line */
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		c = NULL;
		int r = cm_cert_parse(v[i].buf, v[i].len, &c);

		if (r != v[i].want)
			fail_msg("vector %zu (%s): got %d, want %d", i, v[i].why, r, v[i].want);
		if (!r) {
			assert_int_equal(cm_cert_keyid(c, &id), 0);
			X509_free(c);
		}
	}
	/* Key ids: the last 4 bytes of the SKID, or -ENOKEY. */
	assert_int_equal(cm_cert_parse(noskid, nn, &c), 0);
	assert_int_equal(cm_cert_keyid(c, &id), -ENOKEY);
	X509_free(c);
	assert_int_equal(cm_cert_parse(skid3, n3, &c), 0);
	assert_int_equal(cm_cert_keyid(c, &id), -ENOKEY);	/* 3-byte SKID */
	X509_free(c);
	free(der); free(pem); free(skid3); free(noskid);
	free(big); free(der1); free(text); free(badpem);
}

static int load(const char *key, const char *cert, struct cm_signer **s)
{
	struct cm_signer_opts o = { .key = u_path(key), .cert = u_path(cert) };
	char err[512];

	return cm_signer_load(&o, s, err, sizeof(err));
}

static void test_signer_refusals(void **state)
{
	static const struct {
		const char *key, *cert;
		int err;
		const char *why;
	} cases[] = {
		{ "p256.key", "rsa.pem", -EKEYREJECTED, "key does not match cert" },
		{ "rsa.key", "p256.pem", -EKEYREJECTED, "RSA key, EC cert" },
		{ "noskid.key", "noskid.pem", -ENOKEY, "cert without SKID" },
		{ "rsa1024.key", "rsa1024.pem", -ENOPKG, "RSA-1024 too small" },
		{ "p521.key", "p521.pem", -ENOPKG, "P-521 not supported" },
		{ "ed.key", "ed.pem", -ENOPKG, "Ed25519 not supported" },
		{ "missing.key", "p256.pem", -ENOENT, "no key file" },
		{ "p256.key", "missing.pem", -ENOENT, "no cert file" },
		{ "p256.key", "garbage.pem", -EBADMSG, "cert not X.509" },
		{ "garbage.pem", "p256.pem", -EKEYREJECTED, "key file without a key" },
	};
	struct cm_signer *s = NULL;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = load(cases[i].key, cases[i].cert, &s);

		if (r != cases[i].err)
			fail_msg("%s: expected %d, got %d", cases[i].why,
				 cases[i].err, r);
	}
}

static void test_sign_verify(void **state)
{
	static const char *const names[] = { "rsa", "p256", "p384" };
	static const int algos[] = { CM_HASH_SHA256, CM_HASH_SHA384,
				     CM_HASH_SHA512 };
	struct cm_trust *t = cm_trust_new(), *other = cm_trust_new();
	uint8_t digest[64], val[CM_XATTR_MAX_SIZE];
	char err[256], key[32], cert[32];

	assert_int_equal(cm_trust_add_cert_file(other, u_path("rsa1024.pem")), 0);
	for (size_t n = 0; n < 3; n++) {
		snprintf(cert, sizeof(cert), "%s.pem", names[n]);
		assert_int_equal(cm_trust_add_cert_file(t, u_path(cert)), 0);
	}
	assert_int_equal(cm_trust_count(t), 3);
	for (size_t n = 0; n < 3; n++) {
		struct cm_signer *s;

		snprintf(key, sizeof(key), "%s.key", names[n]);
		snprintf(cert, sizeof(cert), "%s.pem", names[n]);
		assert_int_equal(load(key, cert, &s), 0);
		for (size_t a = 0; a < 3; a++) {
			int dl = cm_hash_size(algos[a]), len;
			struct cm_sig sig;

			for (int i = 0; i < dl; i++)
				digest[i] = (uint8_t)(i * 3 + n + a);
			len = cm_signer_sign(s, algos[a], digest, val,
					     sizeof(val), err, sizeof(err));
			assert_true(len > CM_SIG_HDR_SIZE);
			assert_int_equal(cm_sig_parse(val, (size_t)len, &sig, NULL), 0);
			assert_int_equal(sig.keyid, cm_signer_keyid(s));
			assert_int_equal(sig.hash_algo, algos[a]);
			assert_int_equal(cm_trust_verify(t, &sig, digest, (size_t)dl), 0);
			assert_int_equal(cm_trust_verify(other, &sig, digest, (size_t)dl), -ENOKEY);
			assert_int_equal(cm_trust_verify(t, &sig, digest, (size_t)dl - 1), -EINVAL);
			digest[0] ^= 1;
			assert_int_equal(cm_trust_verify(t, &sig, digest, (size_t)dl), -EKEYREJECTED);
			digest[0] ^= 1;
			/* Signature with one bit flipped. */
			val[len - 3] ^= 0x10;
			assert_int_equal(cm_trust_verify(t, &sig, digest, (size_t)dl), -EKEYREJECTED);
			val[len - 3] ^= 0x10;
		}
		cm_signer_free(s);
	}
	cm_trust_free(t);
	cm_trust_free(other);
}

static void test_revocation(void **state)
{
	struct cm_trust *t = cm_trust_new();
	struct cm_signer *s;
	uint8_t d[32] = { 1, 2, 3 }, val[CM_XATTR_MAX_SIZE];
	struct cm_sig sig;
	char err[256];
	int len;

	assert_int_equal(cm_trust_add_cert_file(t, u_path("p256.pem")), 0);
	assert_int_equal(load("p256.key", "p256.pem", &s), 0);
	len = cm_signer_sign(s, CM_HASH_SHA256, d, val, sizeof(val), err, sizeof(err));
	assert_true(len > 0);
	assert_int_equal(cm_sig_parse(val, (size_t)len, &sig, NULL), 0);
	assert_int_equal(cm_trust_verify(t, &sig, d, 32), 0);
	assert_int_equal(cm_trust_revoke_digest(t, CM_HASH_SHA256, d, 31), -EINVAL);
	assert_int_equal(cm_trust_revoke_digest(t, CM_HASH_SHA256, d, 32), 0);
	assert_int_equal(cm_trust_verify(t, &sig, d, 32), -EKEYREVOKED);
	cm_trust_free(t);
	t = cm_trust_new();
	assert_int_equal(cm_trust_add_cert_file(t, u_path("p256.pem")), 0);
	assert_int_equal(cm_trust_revoke_keyid(t, cm_signer_keyid(s)), 0);
	assert_int_equal(cm_trust_verify(t, &sig, d, 32), -EKEYREVOKED);
	cm_trust_free(t);
	cm_signer_free(s);
}

static void test_xattr_carrier(void **state)
{
	struct cm_trust *t = cm_trust_new();
	struct cm_verify_result r;
	struct cm_signer *s;
	char err[256];
	int fd;

	u_sh("cp /usr/bin/true %s/bin", u_dir);
	fd = open(u_path("bin"), O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(cm_trust_add_cert_file(t, u_path("p384.pem")), 0);
	assert_int_equal(load("p384.key", "p384.pem", &s), 0);
	assert_int_equal(cm_verify_xattr_fd(t, fd, &r), -ENODATA);
	assert_int_equal(cm_sign_xattr_fd(s, CM_HASH_SHA384, fd, err, sizeof(err)), 0);
	assert_int_equal(cm_verify_xattr_fd(t, fd, &r), 0);
	assert_int_equal(r.hash_algo, CM_HASH_SHA384);
	assert_int_equal(r.keyid, cm_signer_keyid(s));
	assert_int_equal(pwrite(fd, "x", 1, 100), 1);
	assert_int_equal(cm_verify_xattr_fd(t, fd, &r), -EKEYREJECTED);
	assert_int_equal(fsetxattr(fd, "security.ima", "\x03\x02\x04", 3, 0), 0);
	assert_int_equal(cm_verify_xattr_fd(t, fd, &r), -EBADMSG);
	assert_string_equal(r.why, "truncated header");
	close(fd);
	cm_signer_free(s);
	cm_trust_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_cert_load),
		cmocka_unit_test(test_cert_parse_vectors),
		cmocka_unit_test(test_signer_refusals),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_revocation),
		cmocka_unit_test(test_xattr_carrier),
	};

	return cmocka_run_group_tests_name("crypto", tests, setup, teardown);
}
