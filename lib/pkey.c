// SPDX-License-Identifier: MIT
/*
 * Raw signature operations, shaped exactly as the kernel checks them: RSA
 * PKCS#1 v1.5 over DigestInfo(digest) (the kernel's "pkcs1" encoding), ECDSA
 * DER over the bare digest ("x962").  One EVP_PKEY_CTX per call, so one key
 * can be shared by many threads.
 */
#include <errno.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rsa.h>

#include "internal.h"

static EVP_PKEY_CTX *op_ctx(EVP_PKEY *pkey, int algo, int sign)
{
	const EVP_MD *md = cm_hash_md(algo);
	const OSSL_PROVIDER *prov = EVP_PKEY_get0_provider(pkey);
	char propq[80] = "";
	EVP_PKEY_CTX *ctx;

	if (!md)
		return NULL;
	/*
	 * Run the operation in the provider holding the key: OpenSSL 3.0
	 * fetches the first implementation loaded and would try to export a
	 * TPM (tpm2 provider) key to the default provider, which cannot carry
	 * its private part ("missing private key").
	 */
	if (prov)
		snprintf(propq, sizeof(propq), "?provider=%s",
			 OSSL_PROVIDER_get0_name(prov));
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, propq[0] ? propq : NULL);
	if (!ctx)
		return NULL;
	if ((sign ? EVP_PKEY_sign_init(ctx) : EVP_PKEY_verify_init(ctx)) <= 0)
		goto out_free_ctx;
	if (EVP_PKEY_is_a(pkey, "RSA") &&
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0)
		goto out_free_ctx;
	/* For RSA this makes OpenSSL wrap the digest in a DigestInfo. */
	if (EVP_PKEY_CTX_set_signature_md(ctx, md) <= 0)
		goto out_free_ctx;
	return ctx;
out_free_ctx:
	EVP_PKEY_CTX_free(ctx);
	return NULL;
}

int cm_pkey_verify(EVP_PKEY *pkey, int algo, const uint8_t *sig,
		   size_t sig_len, const uint8_t *digest, size_t dlen)
{
	EVP_PKEY_CTX *ctx = op_ctx(pkey, algo, 0);
	int r;

	if (!ctx) {
		ERR_clear_error();
		return -ENOPKG;
	}
	r = EVP_PKEY_verify(ctx, sig, sig_len, digest, dlen);
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return r == 1 ? 0 : -EKEYREJECTED;
}

int cm_pkey_sign(EVP_PKEY *pkey, int algo, const uint8_t *digest, size_t dlen,
		 uint8_t *sig, size_t *sig_len, char *err, size_t errlen)
{
	EVP_PKEY_CTX *ctx = op_ctx(pkey, algo, 1);
	int r;

	if (!ctx) {
		cm_seterr_ssl(err, errlen, "EVP_PKEY_sign_init");
		return -EINVAL;
	}
	r = EVP_PKEY_sign(ctx, sig, sig_len, digest, dlen);
	EVP_PKEY_CTX_free(ctx);
	if (r <= 0) {
		cm_seterr_ssl(err, errlen, "EVP_PKEY_sign");
		return -EIO;
	}
	return 0;
}
