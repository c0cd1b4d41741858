// SPDX-License-Identifier: MIT
/*
 * Raw signature operations, shaped exactly as the kernel checks them: RSA
 * PKCS#1 v1.5 over DigestInfo(digest) (the kernel's "pkcs1" encoding), ECDSA
 * DER over the bare digest ("x962").  Signing makes one EVP_PKEY_CTX per
 * call; verification keeps one per thread for the last (key, hash) it used
 * (see cached_verify_ctx()), so one key can be shared by many threads.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

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

/*
 * A verification context for the last (key, hash) this thread verified with.
 * Making one (provider fetch, init, padding, digest) costs as much as the
 * RSA-2048 verification itself, and checking a tree or a measurement log
 * verifies thousands of signatures with one key.  The context holds a
 * reference on the key, so no other key can take its address while it is
 * cached.  Freed when the thread exits (the key's destructor); the main
 * thread's stays reachable until the process ends.
 */
struct verify_slot {
	EVP_PKEY *pkey;
	int algo;
	EVP_PKEY_CTX *ctx;
};

static pthread_key_t slot_key;
static int slot_key_ok;
static pthread_once_t slot_once = PTHREAD_ONCE_INIT;

static void slot_free(void *p)
{
	struct verify_slot *v = p;

	EVP_PKEY_CTX_free(v->ctx);
	free(v);
}

static void slot_init(void)
{
	slot_key_ok = !pthread_key_create(&slot_key, slot_free);
}

/* This thread's context for @pkey and @algo, or NULL (then make one). */
static EVP_PKEY_CTX *cached_verify_ctx(EVP_PKEY *pkey, int algo)
{
	struct verify_slot *v;
	EVP_PKEY_CTX *ctx;

	pthread_once(&slot_once, slot_init);
	if (!slot_key_ok)
		return NULL;
	v = pthread_getspecific(slot_key);
	if (v && v->pkey == pkey && v->algo == algo)
		return v->ctx;
	ctx = op_ctx(pkey, algo, 0);
	if (!ctx)
		return NULL;
	if (!v) {
		v = calloc(1, sizeof(*v));
		if (!v || pthread_setspecific(slot_key, v)) {
			free(v);
			EVP_PKEY_CTX_free(ctx);
			return NULL;
		}
	}
	EVP_PKEY_CTX_free(v->ctx);
	v->pkey = pkey;
	v->algo = algo;
	v->ctx = ctx;
	return ctx;
}

int cm_pkey_verify(EVP_PKEY *pkey, int algo, const uint8_t *sig,
		   size_t sig_len, const uint8_t *digest, size_t dlen)
{
	EVP_PKEY_CTX *own = NULL, *ctx = cached_verify_ctx(pkey, algo);
	int r;

	if (!ctx)
		ctx = own = op_ctx(pkey, algo, 0);
	if (!ctx) {
		ERR_clear_error();
		return -ENOPKG;
	}
	r = EVP_PKEY_verify(ctx, sig, sig_len, digest, dlen);
	EVP_PKEY_CTX_free(own);
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
