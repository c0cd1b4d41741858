// SPDX-License-Identifier: MIT
/*
 * A signer: private key + certificate, loaded and cross-checked once, then
 * shared by every worker thread.  Keys come from PEM files through
 * OSSL_STORE (encrypted ones with a passphrase from an environment variable
 * or a file, never from the command line) or from a PKCS#11 token.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/store.h>
#include <openssl/ui.h>
#include <openssl/x509.h>

#include "internal.h"

struct cm_signer {
	EVP_PKEY *pkey;
	X509 *cert;
	uint32_t keyid;
	/* Token keys go through one PKCS#11 session: serialise their use. */
	int serialize;
	pthread_mutex_t lock;
};

struct pass_src {
	const struct cm_signer_opts *opts;
	int asked;
	char err[128];
};

int cm_pass_get(const char *pass_env, const char *pass_file, char *buf,
		size_t size, char *err, size_t errlen)
{
	const char *v;
	FILE *f;
	size_t n;

	if (pass_file) {
		f = fopen(pass_file, "re");
		if (!f || !fgets(buf, size > INT_MAX ? INT_MAX : (int)size, f)) {
			if (f)
				fclose(f);
			cm_seterr(err, errlen, "cannot read passphrase file %s",
				  pass_file);
			return -EINVAL;
		}
		fclose(f);
		n = strcspn(buf, "\r\n");
		buf[n] = '\0';
		return (int)n;
	}
	if (!pass_env) {
		cm_seterr(err, errlen, "the key is encrypted: give its passphrase with --pass-env VAR or --pass-file FILE");
		return -ENOENT;
	}
	v = getenv(pass_env);
	if (!v) {
		cm_seterr(err, errlen, "passphrase variable %s is not set",
			  pass_env);
		return -EINVAL;
	}
	n = strlen(v);
	if (n >= size || n > INT_MAX) {
		cm_seterr(err, errlen, "passphrase variable %s: longer than %zu bytes",
			  pass_env, size - 1);
		return -EINVAL;
	}
	memcpy(buf, v, n + 1);
	return (int)n;
}

static int pass_cb(char *buf, int size, int rwflag, void *u)
{
	struct pass_src *src = u;

	src->asked = 1;
	if (size <= 0)
		return -1;
	return cm_pass_get(src->opts->pass_env, src->opts->pass_file, buf,
			   (size_t)size, src->err, sizeof(src->err)) < 0 ? -1 :
	       (int)strlen(buf);
}

static int load_pem_key(const struct cm_signer_opts *opts, EVP_PKEY **out,
			char *err, size_t errlen)
{
	struct pass_src src = { .opts = opts };
	OSSL_STORE_CTX *store;
	UI_METHOD *ui;
	EVP_PKEY *pkey = NULL;

	ui = UI_UTIL_wrap_read_pem_callback(pass_cb, 0);
	if (!ui) {
		cm_seterr_ssl(err, errlen, "UI_UTIL_wrap_read_pem_callback");
		return -ENOMEM;
	}
	store = OSSL_STORE_open(opts->key, ui, &src, NULL, NULL);
	if (!store) {
		cm_seterr_ssl(err, errlen, "%s: cannot open key", opts->key);
		UI_destroy_method(ui);
		return -ENOENT;
	}
	OSSL_STORE_expect(store, OSSL_STORE_INFO_PKEY);
	while (!pkey && !OSSL_STORE_eof(store)) {
		OSSL_STORE_INFO *info = OSSL_STORE_load(store);

		if (!info) {
			if (OSSL_STORE_error(store))
				break;
			continue;
		}
		if (OSSL_STORE_INFO_get_type(info) == OSSL_STORE_INFO_PKEY)
			pkey = OSSL_STORE_INFO_get1_PKEY(info);
		OSSL_STORE_INFO_free(info);
	}
	OSSL_STORE_close(store);
	UI_destroy_method(ui);
	if (!pkey) {
		if (src.err[0])
			cm_seterr(err, errlen, "%s: %s", opts->key, src.err);
		else if (src.asked)	/* OpenSSL's reason here is "unsupported" */
			cm_seterr(err, errlen,
				  "%s: cannot decrypt the key: wrong passphrase",
				  opts->key);
		else
			cm_seterr_ssl(err, errlen, "%s: no private key found",
				      opts->key);
		ERR_clear_error();
		return -EKEYREJECTED;
	}
	ERR_clear_error();
	*out = pkey;
	return 0;
}

int cm_pkey_check_type(EVP_PKEY *pkey, char *err, size_t errlen)
{
	char group[64];
	int bits = EVP_PKEY_get_bits(pkey);

	if (EVP_PKEY_is_a(pkey, "RSA")) {
		if (bits < 2048 || bits > 4096) {
			cm_seterr(err, errlen,
				  "RSA-%d key: only 2048 to 4096 bits are supported",
				  bits);
			return -ENOPKG;
		}
		return 0;
	}
	if (EVP_PKEY_is_a(pkey, "EC")) {
		if (!EVP_PKEY_get_utf8_string_param(pkey,
				OSSL_PKEY_PARAM_GROUP_NAME, group,
				sizeof(group), NULL)) {
			cm_seterr_ssl(err, errlen, "EC key without a named curve");
			return -ENOPKG;
		}
		if (strcmp(group, "prime256v1") && strcmp(group, "P-256") &&
		    strcmp(group, "secp384r1") && strcmp(group, "P-384")) {
			cm_seterr(err, errlen,
				  "EC curve %s: only P-256 and P-384 are supported",
				  group);
			return -ENOPKG;
		}
		return 0;
	}
	cm_seterr(err, errlen, "key type %s: only RSA and ECDSA are supported",
		  EVP_PKEY_get0_type_name(pkey));
	return -ENOPKG;
}

int cm_signer_load(const struct cm_signer_opts *opts, struct cm_signer **out,
		   char *err, size_t errlen)
{
	const OSSL_PROVIDER *prov;
	struct cm_signer *s;
	int ret;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	ret = cm_cert_load(opts->cert, &s->cert);
	if (ret) {
		cm_seterr(err, errlen, "%s: %s", opts->cert,
			  cm_cert_strerror(ret));
		goto out_free;
	}
	ret = cm_cert_keyid(s->cert, &s->keyid);
	if (ret) {
		cm_seterr(err, errlen,
			  "%s: certificate has no subjectKeyIdentifier, which IMA key ids are taken from; reissue it with -addext subjectKeyIdentifier=hash (openssl) or use cmkeys signer",
			  opts->cert);
		goto out_free;
	}
	if (!strncmp(opts->key, "pkcs11:", 7)) {
		ret = cm_pkcs11_load_key(opts->key, &s->pkey, err, errlen);
		s->serialize = 1;
	} else {
		ret = load_pem_key(opts, &s->pkey, err, errlen);
	}
	if (ret)
		goto out_free;
	/* A key held by another provider (tpm2: one TPM session) is used serially too. */
	prov = EVP_PKEY_get0_provider(s->pkey);
	if (prov && strcmp(OSSL_PROVIDER_get0_name(prov), "default") &&
	    strcmp(OSSL_PROVIDER_get0_name(prov), "fips"))
		s->serialize = 1;
	ret = cm_pkey_check_type(s->pkey, err, errlen);
	if (ret)
		goto out_free;
	if (EVP_PKEY_eq(s->pkey, X509_get0_pubkey(s->cert)) != 1) {
		ERR_clear_error();
		/* A pkcs11: URI's query may hold pin-value: never print it. */
		cm_seterr(err, errlen,
			  "%.*s does not match the public key of %s: its signatures could never verify",
			  strncmp(opts->key, "pkcs11:", 7) ? (int)strlen(opts->key) :
			  (int)strcspn(opts->key, "?"), opts->key, opts->cert);
		ret = -EKEYREJECTED;
		goto out_free;
	}
	*out = s;
	return 0;
out_free:
	cm_signer_free(s);
	return ret;
}

void cm_signer_free(struct cm_signer *s)
{
	if (!s)
		return;
	EVP_PKEY_free(s->pkey);
	X509_free(s->cert);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

uint32_t cm_signer_keyid(const struct cm_signer *s)
{
	return s->keyid;
}

X509 *cm_signer_cert(const struct cm_signer *s)
{
	return s->cert;
}

EVP_PKEY *cm_signer_pkey(const struct cm_signer *s)
{
	return s->pkey;
}

int cm_signer_sign(struct cm_signer *s, int algo, const uint8_t *digest,
		   uint8_t *out, size_t outlen, char *err, size_t errlen)
{
	uint8_t sig[CM_SIG_MAX_SIZE + 64];
	size_t sig_len = sizeof(sig);
	struct cm_sig cs;
	int dlen = cm_hash_size(algo);
	int ret;

	if (dlen < 0)
		return dlen;
	if (s->serialize)
		pthread_mutex_lock(&s->lock);
	ret = cm_pkey_sign(s->pkey, algo, digest, (size_t)dlen, sig, &sig_len,
			   err, errlen);
	if (s->serialize)
		pthread_mutex_unlock(&s->lock);
	if (ret)
		return ret;
	cs.hash_algo = (uint8_t)algo;
	cs.keyid = s->keyid;
	cs.sig = sig;
	cs.sig_len = sig_len;
	ret = cm_sig_serialize(&cs, out, outlen);
	if (ret < 0)
		cm_seterr(err, errlen, "signature of %zu bytes does not fit",
			  sig_len);
	return ret;
}
