// SPDX-License-Identifier: MIT
/*
 * The trust store: signer certificates indexed by IMA key id, plus the
 * revocations a keyring bundle carries.  Read-only once built, so worker
 * threads share it without locks.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "internal.h"

struct trusted {
	uint32_t keyid;
	X509 *cert;
	EVP_PKEY *pkey;		/* borrowed from cert */
};

struct revoked_digest {
	int algo;
	size_t len;
	uint8_t d[CM_MAX_DIGEST_SIZE];
};

struct cm_trust {
	struct trusted *certs;
	size_t n_certs, cap_certs;
	uint32_t *rev_keyids;
	size_t n_rev_keyids;
	struct revoked_digest *rev_digests;
	size_t n_rev_digests;
};

struct cm_trust *cm_trust_new(void)
{
	return calloc(1, sizeof(struct cm_trust));
}

void cm_trust_free(struct cm_trust *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_certs; i++)
		X509_free(t->certs[i].cert);
	free(t->certs);
	free(t->rev_keyids);
	free(t->rev_digests);
	free(t);
}

size_t cm_trust_count(const struct cm_trust *t)
{
	return t->n_certs;
}

int cm_trust_add_cert(struct cm_trust *t, X509 *cert)
{
	uint32_t keyid;
	EVP_PKEY *pkey;
	int ret;

	ret = cm_cert_keyid(cert, &keyid);
	if (ret)
		return ret;
	pkey = X509_get0_pubkey(cert);
	if (!pkey)
		return -EBADMSG;
	if (t->n_certs == t->cap_certs) {
		size_t cap = t->cap_certs ? t->cap_certs * 2 : 8;
		struct trusted *n = realloc(t->certs, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		t->certs = n;
		t->cap_certs = cap;
	}
	if (!X509_up_ref(cert))
		return -ENOMEM;
	t->certs[t->n_certs++] = (struct trusted){ keyid, cert, pkey };
	return 0;
}

int cm_trust_add_cert_file(struct cm_trust *t, const char *path)
{
	X509 *cert;
	int ret;

	ret = cm_cert_load(path, &cert);
	if (ret)
		return ret;
	ret = cm_trust_add_cert(t, cert);
	X509_free(cert);
	return ret;
}

static int is_cert_name(const char *n)
{
	const char *dot = strrchr(n, '.');

	return dot && (!strcmp(dot, ".pem") || !strcmp(dot, ".der") ||
		       !strcmp(dot, ".crt") || !strcmp(dot, ".cer"));
}

int cm_trust_add_dir(struct cm_trust *t, const char *dir)
{
	struct dirent **names;
	int n, added = 0, ret = 0;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return -errno;
	for (int i = 0; i < n; i++) {
		char path[4096];

		if (!ret && names[i]->d_name[0] != '.' &&
		    is_cert_name(names[i]->d_name)) {
			snprintf(path, sizeof(path), "%s/%s", dir,
				 names[i]->d_name);
			ret = cm_trust_add_cert_file(t, path);
			if (!ret)
				added++;
		}
		free(names[i]);
	}
	free(names);
	return ret ? ret : added;
}

int cm_trust_revoke_keyid(struct cm_trust *t, uint32_t keyid)
{
	uint32_t *n = realloc(t->rev_keyids,
			      (t->n_rev_keyids + 1) * sizeof(*n));

	if (!n)
		return -ENOMEM;
	t->rev_keyids = n;
	t->rev_keyids[t->n_rev_keyids++] = keyid;
	return 0;
}

int cm_trust_revoke_digest(struct cm_trust *t, int algo, const uint8_t *d,
			   size_t len)
{
	struct revoked_digest *n;

	if (cm_hash_size(algo) != (int)len)
		return -EINVAL;
	n = realloc(t->rev_digests, (t->n_rev_digests + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	t->rev_digests = n;
	n = &t->rev_digests[t->n_rev_digests++];
	n->algo = algo;
	n->len = len;
	memcpy(n->d, d, len);
	return 0;
}

static int is_revoked(const struct cm_trust *t, const struct cm_sig *sig,
		      const uint8_t *digest, size_t dlen)
{
	for (size_t i = 0; i < t->n_rev_keyids; i++)
		if (t->rev_keyids[i] == sig->keyid)
			return 1;
	for (size_t i = 0; i < t->n_rev_digests; i++)
		if (t->rev_digests[i].algo == sig->hash_algo &&
		    t->rev_digests[i].len == dlen &&
		    !memcmp(t->rev_digests[i].d, digest, dlen))
			return 1;
	return 0;
}

int cm_trust_verify(const struct cm_trust *t, const struct cm_sig *sig,
		    const uint8_t *digest, size_t dlen)
{
	int found = 0;

	if (cm_hash_size(sig->hash_algo) != (int)dlen)
		return -EINVAL;
	if (is_revoked(t, sig, digest, dlen))
		return -EKEYREVOKED;
	for (size_t i = 0; i < t->n_certs; i++) {
		if (t->certs[i].keyid != sig->keyid)
			continue;
		found = 1;
		if (!cm_pkey_verify(t->certs[i].pkey, sig->hash_algo, sig->sig,
				    sig->sig_len, digest, dlen))
			return 0;
	}
	return found ? -EKEYREJECTED : -ENOKEY;
}

int cm_trust_revoked(const struct cm_trust *t, const struct cm_sig *sig,
		     const uint8_t *digest, size_t dlen)
{
	return is_revoked(t, sig, digest, dlen);
}

int cm_trust_has_keyid(const struct cm_trust *t, uint32_t keyid)
{
	for (size_t i = 0; i < t->n_certs; i++)
		if (t->certs[i].keyid == keyid)
			return 1;
	return 0;
}

static int keyid_revoked(const struct cm_trust *t, X509 *cert)
{
	uint32_t keyid;

	if (cm_cert_keyid(cert, &keyid))
		return 0;
	for (size_t i = 0; i < t->n_rev_keyids; i++)
		if (t->rev_keyids[i] == keyid)
			return 1;
	return 0;
}

/* What OpenSSL's chain verdict means in our terms. */
static int chain_error(int v, const char **why)
{
	*why = X509_verify_cert_error_string(v);
	switch (v) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return -EKEYEXPIRED;
	default:
		return -EBADE;
	}
}

/* Code signing: the EKU is required, keyUsage (if any) must allow it. */
static int check_code_signing(X509 *cert, const char **why)
{
	if (!(X509_get_extension_flags(cert) & EXFLAG_XKUSAGE) ||
	    !(X509_get_extended_key_usage(cert) & XKU_CODE_SIGN)) {
		*why = "the signer certificate has no codeSigning extended key usage";
		return -EBADE;
	}
	if (!(X509_get_key_usage(cert) & KU_DIGITAL_SIGNATURE)) {
		*why = "the signer certificate's keyUsage excludes digitalSignature";
		return -EBADE;
	}
	return 0;
}

int cm_trust_add_chained(struct cm_trust *t, const uint8_t *der, size_t len,
			 const char **why)
{
	const unsigned char *p = der;
	X509_STORE_CTX *ctx = NULL;
	X509_STORE *store = NULL;
	STACK_OF(X509) *chain;
	uint32_t keyid;
	X509 *cert;
	int ret, n_ca = 0;

	*why = NULL;
	cert = d2i_X509(NULL, &p, (long)len);
	if (!cert || p != der + len) {
		*why = "not a DER certificate";
		ret = -EBADMSG;
		goto out_free_cert;
	}
	ret = cm_cert_keyid(cert, &keyid);
	if (ret) {
		*why = "no subjectKeyIdentifier";
		goto out_free_cert;
	}
	if (cm_trust_has_keyid(t, keyid)) {
		ret = 0;	/* trusted as it is */
		goto out_free_cert;
	}
	store = X509_STORE_new();
	ctx = X509_STORE_CTX_new();
	if (!store || !ctx) {
		ret = -ENOMEM;
		goto out_free_ctx;
	}
	for (size_t i = 0; i < t->n_certs; i++) {
		if (X509_check_ca(t->certs[i].cert) <= 0)
			continue;
		if (!X509_STORE_add_cert(store, t->certs[i].cert)) {
			ret = -ENOMEM;
			goto out_free_ctx;
		}
		n_ca++;
	}
	if (!n_ca) {
		*why = "no CA certificate is trusted";
		ret = -ENOKEY;
		goto out_free_ctx;
	}
	if (!X509_STORE_CTX_init(ctx, store, cert, NULL)) {
		ret = -ENOMEM;
		goto out_free_ctx;
	}
	if (X509_verify_cert(ctx) != 1) {
		ret = chain_error(X509_STORE_CTX_get_error(ctx), why);
		goto out_free_ctx;
	}
	ret = check_code_signing(cert, why);
	if (ret)
		goto out_free_ctx;
	chain = X509_STORE_CTX_get0_chain(ctx);
	for (int i = 0; i < sk_X509_num(chain); i++) {
		if (keyid_revoked(t, sk_X509_value(chain, i))) {
			*why = i ? "its CA's key id is revoked" : "its key id is revoked";
			ret = -EKEYREVOKED;
			goto out_free_ctx;
		}
	}
	ret = cm_trust_add_cert(t, cert);
out_free_ctx:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
out_free_cert:
	X509_free(cert);
	return ret;
}
