// SPDX-License-Identifier: MIT
/*
 * The code-signing PKI: a CA fit to anchor a kernel keyring and signer
 * certificates it issues.  The extensions are what the kernel's X.509 parser,
 * evmctl and cmsign look at: SKID on every certificate (its last 4 bytes are
 * the IMA key id), basicConstraints and keyCertSign on the CA, CA:FALSE,
 * digitalSignature and codeSigning on signers.  OpenSSL 3 EVP only.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cmkeys.h"
#include "cmtool.h"
#include "internal.h"

static const struct {
	const char *name;
	const char *alg;
	const char *curve;
	size_t bits;
} key_types[__CMK_KEY_MAX] = {
	[CMK_RSA3072] = { "rsa3072", "RSA", NULL, 3072 },
	[CMK_RSA4096] = { "rsa4096", "RSA", NULL, 4096 },
	[CMK_ECDSA_P256] = { "ecdsa-p256", "EC", "P-256", 0 },
	[CMK_ECDSA_P384] = { "ecdsa-p384", "EC", "P-384", 0 },
};

int cmk_key_type_from_name(const char *name)
{
	for (int i = 0; i < __CMK_KEY_MAX; i++)
		if (!strcmp(key_types[i].name, name))
			return i;
	return -EINVAL;
}

static void ssl_err(char *err, size_t errlen, const char *stage)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "unknown OpenSSL error";

	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(err, errlen, "%s: %s", stage, buf);
	ERR_clear_error();
}

static EVP_PKEY *keygen(enum cmk_key_type type)
{
	if (key_types[type].curve)
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", key_types[type].curve);
	return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", key_types[type].bits);
}

/* "/CN=x/O=y" -> X509_NAME.  A '/' inside a value is written "\/". */
static X509_NAME *parse_dn(const char *dn)
{
	X509_NAME *name;
	char *copy, *p, *field;

	if (!dn || dn[0] != '/')
		return NULL;
	name = X509_NAME_new();
	copy = strdup(dn + 1);
	if (!name || !copy)
		goto out_free;
	p = copy;
	while (*p) {
		char *eq, *w, *r;

		field = p;
		for (w = r = p; *r && *r != '/'; r++) {
			if (r[0] == '\\' && r[1] == '/')
				r++;
			*w++ = *r;
		}
		p = *r ? r + 1 : r;
		*w = '\0';
		eq = strchr(field, '=');
		if (!eq || eq == field || !eq[1])
			goto out_free;
		*eq = '\0';
		if (!X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
						(unsigned char *)eq + 1, -1, -1, 0))
			goto out_free;
	}
	free(copy);
	if (X509_NAME_entry_count(name) == 0) {
		X509_NAME_free(name);
		return NULL;
	}
	return name;

out_free:
	free(copy);
	X509_NAME_free(name);
	return NULL;
}

static int add_ext(X509 *cert, X509V3_CTX *ctx, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
	int ok;

	if (!ext)
		return 0;
	ok = X509_add_ext(cert, ext, -1);
	X509_EXTENSION_free(ext);
	return ok;
}

static int random_serial(X509 *cert)
{
	unsigned char buf[16];
	ASN1_INTEGER *serial;
	BIGNUM *bn;
	int ok = 0;

	if (RAND_bytes(buf, sizeof(buf)) != 1)
		return 0;
	buf[0] &= 0x7f;		/* positive, as RFC 5280 requires */
	buf[0] |= 0x40;		/* and 16 bytes long */
	bn = BN_bin2bn(buf, sizeof(buf), NULL);
	if (!bn)
		return 0;
	serial = BN_to_ASN1_INTEGER(bn, NULL);
	if (serial) {
		ok = X509_set_serialNumber(cert, serial);
		ASN1_INTEGER_free(serial);
	}
	BN_free(bn);
	return ok;
}

/*
 * Builds and signs a certificate for @key.  @issuer/@issuer_key NULL means
 * self-signed.  @exts: { nid, value } pairs, SKID first so that AKID can
 * refer to it on a self-signed certificate.
 */
struct ext { int nid; const char *value; };

static X509 *make_cert(EVP_PKEY *key, X509_NAME *subject, int days,
		       X509 *issuer, EVP_PKEY *issuer_key,
		       const struct ext *exts, size_t n_exts, char *err,
		       size_t errlen)
{
	X509V3_CTX ctx;
	X509 *cert = X509_new();

	if (!cert) {
		ssl_err(err, errlen, "X509_new");
		return NULL;
	}
	if (!X509_set_version(cert, X509_VERSION_3) || !random_serial(cert) ||
	    !X509_set_subject_name(cert, subject) ||
	    !X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer)
					       : subject) ||
	    !X509_gmtime_adj(X509_getm_notBefore(cert), -60) ||
	    !X509_time_adj_ex(X509_getm_notAfter(cert), days, 0, NULL) ||
	    !X509_set_pubkey(cert, key)) {
		ssl_err(err, errlen, "X509 fields");
		goto out_free_cert;
	}
	X509V3_set_ctx(&ctx, issuer ? issuer : cert, cert, NULL, NULL, 0);
	for (size_t i = 0; i < n_exts; i++) {
		if (!add_ext(cert, &ctx, exts[i].nid, exts[i].value)) {
			char stage[96];

			snprintf(stage, sizeof(stage), "X509V3_EXT_conf_nid(%s=%s)",
				 OBJ_nid2sn(exts[i].nid), exts[i].value);
			ssl_err(err, errlen, stage);
			goto out_free_cert;
		}
	}
	/* EVP_sha256 for RSA (PKCS#1 v1.5) and ECDSA alike: the kernel's
	 * X.509 parser handles both. */
	if (!X509_sign(cert, issuer_key ? issuer_key : key, EVP_sha256())) {
		ssl_err(err, errlen, "X509_sign");
		goto out_free_cert;
	}
	return cert;

out_free_cert:
	X509_free(cert);
	return NULL;
}

static int join(char *buf, size_t len, const char *dir, const char *name)
{
	if ((size_t)snprintf(buf, len, "%s/%s", dir, name) >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* Writes key (0600) and certificate (0644) as PEM, refusing to overwrite. */
/* STEM.key (encrypted when @pass), STEM.pem and STEM.der (for evmctl). */
static int write_pair(const char *dir, const char *stem, EVP_PKEY *key,
		      X509 *cert, const char *pass, char *err, size_t errlen)
{
	char kpath[PATH_MAX], cpath[PATH_MAX], dpath[PATH_MAX], name[64];
	unsigned char *der = NULL;
	BIO *mem = NULL;
	char *data;
	long n;
	int ret, dlen;

	if (mkdir(dir, 0755) && errno != EEXIST) {
		ret = -errno;
		snprintf(err, errlen, "mkdir %s: %s", dir, strerror(-ret));
		return ret;
	}
	snprintf(name, sizeof(name), "%s.key", stem);
	ret = join(kpath, sizeof(kpath), dir, name);
	snprintf(name, sizeof(name), "%s.pem", stem);
	if (!ret)
		ret = join(cpath, sizeof(cpath), dir, name);
	snprintf(name, sizeof(name), "%s.der", stem);
	if (!ret)
		ret = join(dpath, sizeof(dpath), dir, name);
	if (ret) {
		snprintf(err, errlen, "%s: path too long", dir);
		return ret;
	}
	if (!access(kpath, F_OK) || !access(cpath, F_OK)) {
		snprintf(err, errlen, "%s: %s.key or %s.pem exists; not overwriting a key",
			 dir, stem, stem);
		return -EEXIST;
	}

	mem = BIO_new(BIO_s_mem());
	if (!mem || !PEM_write_bio_PrivateKey(mem, key,
					      pass ? EVP_aes_256_cbc() : NULL,
					      (const unsigned char *)pass,
					      pass ? (int)strlen(pass) : 0,
					      NULL, NULL)) {
		ssl_err(err, errlen, "PEM_write_bio_PrivateKey");
		ret = -ENOMEM;
		goto out_free_bio;
	}
	n = BIO_get_mem_data(mem, &data);
	ret = cmt_write_atomic(kpath, data, (size_t)n, 0600);
	/* The BIO held the private key in clear: wipe before freeing. */
	OPENSSL_cleanse(data, (size_t)n);
	if (ret) {
		snprintf(err, errlen, "%s: %s", kpath, strerror(-ret));
		goto out_free_bio;
	}
	BIO_free(mem);

	mem = BIO_new(BIO_s_mem());
	if (!mem || !PEM_write_bio_X509(mem, cert)) {
		ssl_err(err, errlen, "PEM_write_bio_X509");
		ret = -ENOMEM;
		goto out_free_bio;
	}
	n = BIO_get_mem_data(mem, &data);
	ret = cmt_write_atomic(cpath, data, (size_t)n, 0644);
	if (ret) {
		snprintf(err, errlen, "%s: %s", cpath, strerror(-ret));
		goto out_free_bio;
	}
	dlen = i2d_X509(cert, &der);
	ret = dlen > 0 ? cmt_write_atomic(dpath, der, (size_t)dlen, 0644) : -ENOMEM;
	OPENSSL_free(der);
	if (ret)
		snprintf(err, errlen, "%s: %s", dpath, strerror(-ret));

out_free_bio:
	BIO_free(mem);
	return ret;
}

/* The passphrase from --pass-env or --pass-file (first line), never argv. */
static int get_pass(const struct cmk_pki_opts *o, char *buf, size_t size,
		    char *err, size_t errlen)
{
	int n = cm_pass_get(o->pass_env, o->pass_file, buf, size, err, errlen);

	if (n == 0) {
		snprintf(err, errlen, "empty passphrase");
		return -EINVAL;
	}
	return n < 0 ? n : 0;
}

int cmk_make_ca(const struct cmk_pki_opts *o, char *err, size_t errlen)
{
	static const struct ext exts[] = {
		{ NID_subject_key_identifier, "hash" },
		{ NID_authority_key_identifier, "keyid:always" },
		{ NID_basic_constraints, "critical,CA:TRUE" },
		{ NID_key_usage, "critical,keyCertSign,cRLSign,digitalSignature" },
	};
	const char *dn = o->subject ? o->subject : "/CN=cryptomark CA";
	X509_NAME *subject;
	EVP_PKEY *key;
	X509 *cert;
	int ret;

	subject = parse_dn(dn);
	if (!subject) {
		snprintf(err, errlen, "subject '%s': expected /CN=.../O=...", dn);
		return -EINVAL;
	}
	key = keygen(o->type);
	if (!key) {
		ssl_err(err, errlen, "EVP_PKEY_Q_keygen");
		ret = -ENOMEM;
		goto out_free_name;
	}
	cert = make_cert(key, subject, o->days ? o->days : 3650, NULL, NULL,
			 exts, sizeof(exts) / sizeof(exts[0]), err, errlen);
	if (!cert) {
		ret = -EINVAL;
		goto out_free_key;
	}
	if (o->encrypt) {
		char pass[1024];

		ret = get_pass(o, pass, sizeof(pass), err, errlen);
		if (ret == -ENOENT)
			snprintf(err, errlen, "--encrypt needs --pass-env VAR or --pass-file FILE");
		if (!ret)
			ret = write_pair(o->out_dir, "ca", key, cert, pass, err,
					 errlen);
		OPENSSL_cleanse(pass, sizeof(pass));
	} else {
		ret = write_pair(o->out_dir, "ca", key, cert, NULL, err, errlen);
	}
	X509_free(cert);
out_free_key:
	EVP_PKEY_free(key);
out_free_name:
	X509_NAME_free(subject);
	return ret;
}

static int load_ca(const struct cmk_pki_opts *o, X509 **cert, EVP_PKEY **key,
		   char *err, size_t errlen)
{
	char path[PATH_MAX];
	BIO *bio;
	int ret;

	const char *dir = o->ca_dir;
	char pass[1024] = "";

	if (join(path, sizeof(path), dir, "ca.pem"))
		return -ENAMETOOLONG;
	ret = cm_cert_load(path, cert);
	if (ret) {
		snprintf(err, errlen, "%s: %s", path, cm_cert_strerror(ret));
		return ret;
	}
	if (join(path, sizeof(path), dir, "ca.key"))
		return -ENAMETOOLONG;
	ret = get_pass(o, pass, sizeof(pass), err, errlen);
	if (ret && ret != -ENOENT)
		goto out_free_cert;
	bio = BIO_new_file(path, "rb");
	/* Without a passphrase, an encrypted key fails instead of prompting. */
	*key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, pass) : NULL;
	BIO_free(bio);
	OPENSSL_cleanse(pass, sizeof(pass));
	if (!*key) {
		if (ret == -ENOENT)
			snprintf(err, errlen,
				 "%s: cannot load (encrypted? give --pass-env VAR or --pass-file FILE)",
				 path);
		else
			ssl_err(err, errlen, path);
		ret = -EBADMSG;
		goto out_free_cert;
	}
	ret = 0;
	if (X509_check_private_key(*cert, *key) != 1) {
		ERR_clear_error();
		snprintf(err, errlen, "%s: ca.key does not match ca.pem", dir);
		ret = -EKEYREJECTED;
		goto out_free_key;
	}
	return 0;

out_free_key:
	EVP_PKEY_free(*key);
out_free_cert:
	X509_free(*cert);
	return ret;
}

int cmk_make_signer(const struct cmk_pki_opts *o, char *err, size_t errlen)
{
	static const struct ext exts[] = {
		{ NID_subject_key_identifier, "hash" },
		{ NID_authority_key_identifier, "keyid:always" },
		{ NID_basic_constraints, "critical,CA:FALSE" },
		{ NID_key_usage, "critical,digitalSignature" },
		{ NID_ext_key_usage, "codeSigning" },
	};
	const char *dn = o->subject ? o->subject : "/CN=cryptomark signer";
	EVP_PKEY *ca_key, *key;
	X509 *ca, *cert;
	X509_NAME *subject;
	int ret;

	ret = load_ca(o, &ca, &ca_key, err, errlen);
	if (ret)
		return ret;
	subject = parse_dn(dn);
	if (!subject) {
		snprintf(err, errlen, "subject '%s': expected /CN=.../O=...", dn);
		ret = -EINVAL;
		goto out_free_ca;
	}
	key = keygen(o->type);
	if (!key) {
		ssl_err(err, errlen, "EVP_PKEY_Q_keygen");
		ret = -ENOMEM;
		goto out_free_name;
	}
	cert = make_cert(key, subject, o->days ? o->days : 730, ca, ca_key,
			 exts, sizeof(exts) / sizeof(exts[0]), err, errlen);
	if (!cert) {
		ret = -EINVAL;
		goto out_free_key;
	}
	ret = write_pair(o->out_dir, "signer", key, cert, NULL, err, errlen);
	X509_free(cert);
out_free_key:
	EVP_PKEY_free(key);
out_free_name:
	X509_NAME_free(subject);
out_free_ca:
	EVP_PKEY_free(ca_key);
	X509_free(ca);
	return ret;
}
