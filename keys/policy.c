// SPDX-License-Identifier: MIT
/*
 * Signed PCR policies, the offline half (no TPM): the policy-signing key as
 * the TPM sees it (TPMT_PUBLIC and its name), the policy digests
 * (PolicyAuthorize, PolicyNV on a counter), and the policy files
 * `cmkeys policy sign` writes and `unseal|provision --policies DIR` picks
 * from.
 *
 * The bundle's secret is sealed under PolicyAuthorize(key name): the TPM
 * releases it to a session whose PCR policy was signed by that key.  Each
 * boot chain gets its own signed policy (PolicyPCR of its values, and,
 * bound to the policy counter, PolicyNV "counter <= version"), so a kernel
 * update ships a new policy file instead of a reseal, and bumping the
 * counter past a policy's version revokes it in the TPM itself.
 * docs/FORMAT-keys.md, "Signed PCR policies".
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <tss2/tss2_mu.h>
#include <tss2/tss2_tpm2_types.h>

#include "cmkeys.h"
#include "cmtool.h"
#include "internal.h"

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, v >> 16);
	put_be16(p + 2, (uint16_t)v);
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | p[2] << 8 | p[3];
}

static int sha256(const void *a, size_t alen, const void *b, size_t blen,
		  const void *c, size_t clen, const void *d, size_t dlen,
		  uint8_t out[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok;

	if (!md)
		return -ENOMEM;
	ok = EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(md, a, alen) && EVP_DigestUpdate(md, b, blen) &&
	     EVP_DigestUpdate(md, c, clen) && EVP_DigestUpdate(md, d, dlen) &&
	     EVP_DigestFinal_ex(md, out, NULL);
	EVP_MD_CTX_free(md);
	return ok ? 0 : -EIO;
}

/* ---- the policy-signing key ------------------------------------------ */

int cmk_policy_key_load(const char *path, int want_private, EVP_PKEY **out,
			char *err, size_t errlen)
{
	EVP_PKEY *pk = NULL;
	X509 *cert = NULL;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	if (!pk && !want_private) {
		rewind(f);
		pk = PEM_read_PUBKEY(f, NULL, NULL, NULL);
	}
	fclose(f);
	if (!pk && !want_private && !cm_cert_load(path, &cert)) {
		pk = X509_get_pubkey(cert);
		X509_free(cert);
	}
	if (!pk) {
		snprintf(err, errlen, want_private ?
			 "%s: not a PEM private key" :
			 "%s: not a PEM public key, private key or certificate",
			 path);
		return -EINVAL;
	}
	*out = pk;
	return 0;
}

static int bn_param(EVP_PKEY *pk, const char *name, uint8_t *buf,
		    size_t len)
{
	BIGNUM *bn = NULL;
	int ok;

	ok = EVP_PKEY_get_bn_param(pk, name, &bn) &&
	     BN_bn2binpad(bn, buf, (int)len) == (int)len;
	BN_free(bn);
	return ok ? 0 : -EINVAL;
}

/* The key as TPM2_LoadExternal takes it: unrestricted signing, NULL scheme. */
static int key_public(EVP_PKEY *pk, TPM2B_PUBLIC *pub, char *err,
		      size_t errlen)
{
	TPMT_PUBLIC *a = &pub->publicArea;
	char group[32] = "";

	memset(pub, 0, sizeof(*pub));
	a->nameAlg = TPM2_ALG_SHA256;
	a->objectAttributes = TPMA_OBJECT_SIGN_ENCRYPT | TPMA_OBJECT_USERWITHAUTH;
	if (EVP_PKEY_is_a(pk, "EC")) {
		if (!EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME,
						    group, sizeof(group), NULL) ||
		    strcmp(group, "prime256v1")) {
			snprintf(err, errlen, "policy key: ECDSA keys must be P-256 (is %s)",
				 group[0] ? group : "?");
			return -ENOPKG;
		}
		a->type = TPM2_ALG_ECC;
		a->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
		a->parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
		a->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
		a->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
		a->unique.ecc.x.size = 32;
		a->unique.ecc.y.size = 32;
		if (bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_X, a->unique.ecc.x.buffer, 32) ||
		    bn_param(pk, OSSL_PKEY_PARAM_EC_PUB_Y, a->unique.ecc.y.buffer, 32))
			goto bad;
		return 0;
	}
	if (EVP_PKEY_is_a(pk, "RSA")) {
		int bits = EVP_PKEY_get_bits(pk);
		BIGNUM *e = NULL;
		int ok;

		if (bits != 2048 && bits != 3072) {
			snprintf(err, errlen, "policy key: RSA keys must be 2048 or 3072 bits (is %d)",
				 bits);
			return -ENOPKG;
		}
		a->type = TPM2_ALG_RSA;
		a->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
		a->parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
		a->parameters.rsaDetail.keyBits = (uint16_t)bits;
		/* Explicit, never 0 ("default"): a TPM may store the default
		 * as 65537, and the name must be the one it computes. */
		ok = EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) &&
		     BN_num_bytes(e) <= 4;
		if (ok)
			a->parameters.rsaDetail.exponent = (uint32_t)BN_get_word(e);
		BN_free(e);
		a->unique.rsa.size = (uint16_t)(bits / 8);
		if (!ok || bn_param(pk, OSSL_PKEY_PARAM_RSA_N, a->unique.rsa.buffer,
				    (size_t)bits / 8))
			goto bad;
		return 0;
	}
	snprintf(err, errlen, "policy key: not an RSA or ECDSA P-256 key");
	return -ENOPKG;
bad:
	snprintf(err, errlen, "policy key: cannot read its public numbers");
	return -EINVAL;
}

int cmk_policy_key_public(EVP_PKEY *pk, uint8_t *pub, size_t *pub_len,
			  uint8_t name[CM_TPM_NAME_SIZE], char *err,
			  size_t errlen)
{
	uint8_t area[sizeof(TPMT_PUBLIC)];
	TPM2B_PUBLIC p;
	size_t alen = 0;
	int ret;

	ret = key_public(pk, &p, err, errlen);
	if (ret)
		return ret;
	*pub_len = 0;
	if (Tss2_MU_TPMT_PUBLIC_Marshal(&p.publicArea, area, sizeof(area),
					&alen) ||
	    Tss2_MU_TPM2B_PUBLIC_Marshal(&p, pub, CMK_TPM_BLOB_MAX, pub_len)) {
		snprintf(err, errlen, "policy key: marshalling its TPMT_PUBLIC failed");
		return -EIO;
	}
	/* name = nameAlg || H(TPMT_PUBLIC) */
	put_be16(name, TPM2_ALG_SHA256);
	return sha256(area, alen, "", 0, "", 0, "", 0, name + 2);
}

/* ---- the NV counters --------------------------------------------------- */

/* The counters' public area (docs/FORMAT-keys.md), once written. */
void cmk_nv_template(uint32_t index, TPM2B_NV_PUBLIC *pub, int written)
{
	memset(pub, 0, sizeof(*pub));
	pub->nvPublic.nvIndex = index;
	pub->nvPublic.nameAlg = TPM2_ALG_SHA256;
	pub->nvPublic.attributes = (TPM2_NT_COUNTER << TPMA_NV_TPM2_NT_SHIFT) |
				   TPMA_NV_OWNERWRITE | TPMA_NV_OWNERREAD |
				   TPMA_NV_AUTHREAD | TPMA_NV_NO_DA |
				   (written ? TPMA_NV_WRITTEN : 0);
	pub->nvPublic.dataSize = 8;
}

int cmk_nv_name(uint32_t index, uint8_t name[CM_TPM_NAME_SIZE])
{
	uint8_t buf[sizeof(TPMS_NV_PUBLIC)];
	TPM2B_NV_PUBLIC pub;
	size_t len = 0;

	cmk_nv_template(index, &pub, 1);
	if (Tss2_MU_TPMS_NV_PUBLIC_Marshal(&pub.nvPublic, buf, sizeof(buf), &len))
		return -EIO;
	put_be16(name, TPM2_ALG_SHA256);
	return sha256(buf, len, "", 0, "", 0, "", 0, name + 2);
}

/* ---- policy digests ------------------------------------------------------ */

int cmk_policy_nv_update(uint8_t digest[32], uint32_t index, uint64_t max)
{
	uint8_t name[CM_TPM_NAME_SIZE], args[12], args_hash[32], cc[4];
	int ret;

	/* PolicyNV: H(old || CC || H(operandB || offset || op) || nvName) */
	put_be64(args, max);
	put_be16(args + 8, 0);
	put_be16(args + 10, TPM2_EO_UNSIGNED_LE);
	put_be32(cc, TPM2_CC_PolicyNV);
	ret = cmk_nv_name(index, name);
	if (!ret)
		ret = sha256(args, sizeof(args), "", 0, "", 0, "", 0, args_hash);
	if (!ret)
		ret = sha256(digest, 32, cc, 4, args_hash, 32, name, sizeof(name),
			     digest);
	return ret;
}

int cmk_policy_authorize_digest(const uint8_t key_name[CM_TPM_NAME_SIZE],
				uint8_t out[32])
{
	uint8_t zero[32] = { 0 }, cc[4], d[32];
	int ret;

	/* PolicyUpdate(CC, keySign, policyRef): H(H(0 || CC || name) || ref) */
	put_be32(cc, TPM2_CC_PolicyAuthorize);
	ret = sha256(zero, 32, cc, 4, key_name, CM_TPM_NAME_SIZE, "", 0, d);
	if (!ret)
		ret = sha256(d, 32, "", 0, "", 0, "", 0, out);
	return ret;
}

/* approved = PolicyPCR(mask, values) [PolicyNV(index, counter <= version)] */
static int approved_digest(const struct cmk_policy *p, uint8_t out[32])
{
	int ret = cmk_policy_pcr_offline(p->pcr_mask, p->pcr, out);

	if (!ret && p->nv_index)
		ret = cmk_policy_nv_update(out, p->nv_index, p->version);
	return ret;
}

/* ---- policy files -------------------------------------------------------- */

static int popcount(uint32_t m)
{
	return __builtin_popcount(m);
}

int cmk_policy_parse(const uint8_t *buf, size_t len, struct cmk_policy *p,
		     const char **why)
{
	size_t need, key_len, sig_len, off;
	uint8_t check[32];
	TPM2B_PUBLIC pub = { 0 };
	size_t moff = 0;

	memset(p, 0, sizeof(*p));
	if (len < CM_SIZEOF_POLICY_HDR) {
		*why = "shorter than the policy header";
		return -EBADMSG;
	}
	if (memcmp(buf, CM_POLICY_MAGIC, 8)) {
		*why = "bad magic (not a cryptomark signed policy)";
		return -EPROTO;
	}
	if ((buf[8] << 8 | buf[9]) != CM_POLICY_FORMAT) {
		*why = "unknown policy format";
		return -EPROTONOSUPPORT;
	}
	if (buf[10] || buf[11]) {
		*why = "reserved field not zero";
		return -EBADMSG;
	}
	p->pcr_mask = get_be32(buf + 12);
	if (!p->pcr_mask || p->pcr_mask >> CM_PCR_MAX) {
		*why = "PCR mask empty or above PCR 23";
		return -ERANGE;
	}
	p->version = (uint64_t)get_be32(buf + 16) << 32 | get_be32(buf + 20);
	p->nv_index = get_be32(buf + 24);
	key_len = (size_t)(buf[28] << 8 | buf[29]);
	sig_len = (size_t)(buf[30] << 8 | buf[31]);
	memcpy(p->approved, buf + 32, 32);
	need = CM_SIZEOF_POLICY_HDR + 32 * (size_t)popcount(p->pcr_mask);
	if (key_len > CMK_TPM_BLOB_MAX || sig_len > CMK_TPM_BLOB_MAX ||
	    len != need + key_len + sig_len) {
		*why = "lengths do not match the bytes present";
		return -EMSGSIZE;
	}
	off = CM_SIZEOF_POLICY_HDR;
	for (int i = 0; i < CM_PCR_MAX; i++) {
		if (!(p->pcr_mask & (1u << i)))
			continue;
		memcpy(p->pcr[i], buf + off, 32);
		off += 32;
	}
	memcpy(p->key_pub, buf + off, key_len);
	p->key_len = key_len;
	memcpy(p->sig, buf + off + key_len, sig_len);
	p->sig_len = sig_len;
	if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(p->key_pub, key_len, &moff, &pub) ||
	    moff != key_len) {
		*why = "policy key is not a marshalled TPM2B_PUBLIC";
		return -EBADMSG;
	}
	/* The name the TPM will compute for the key, to match the seal's. */
	{
		uint8_t area[sizeof(TPMT_PUBLIC)];
		size_t alen = 0;

		if (Tss2_MU_TPMT_PUBLIC_Marshal(&pub.publicArea, area,
						sizeof(area), &alen) ||
		    pub.publicArea.nameAlg != TPM2_ALG_SHA256) {
			*why = "policy key name is not sha256";
			return -ENOPKG;
		}
		put_be16(p->key_name, TPM2_ALG_SHA256);
		if (sha256(area, alen, "", 0, "", 0, "", 0, p->key_name + 2))
			return -EIO;
	}
	if (approved_digest(p, check) || memcmp(check, p->approved, 32)) {
		*why = "approved digest does not match its PCR values and counter";
		return -EBADMSG;
	}
	return 0;
}

/* A DER signature (ECDSA or RSA PKCS#1) as the TPMT_SIGNATURE a TPM checks. */
static int tpm_signature(EVP_PKEY *pk, const uint8_t *der, size_t der_len,
			 struct cmk_policy *p, char *err, size_t errlen)
{
	TPMT_SIGNATURE sig = { 0 };

	if (EVP_PKEY_is_a(pk, "EC")) {
		const unsigned char *q = der;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &q, (long)der_len);
		const BIGNUM *r, *s;

		if (!es) {
			snprintf(err, errlen, "policy signature: not ECDSA DER");
			return -EIO;
		}
		ECDSA_SIG_get0(es, &r, &s);
		sig.sigAlg = TPM2_ALG_ECDSA;
		sig.signature.ecdsa.hash = TPM2_ALG_SHA256;
		sig.signature.ecdsa.signatureR.size = 32;
		sig.signature.ecdsa.signatureS.size = 32;
		BN_bn2binpad(r, sig.signature.ecdsa.signatureR.buffer, 32);
		BN_bn2binpad(s, sig.signature.ecdsa.signatureS.buffer, 32);
		ECDSA_SIG_free(es);
	} else {
		sig.sigAlg = TPM2_ALG_RSASSA;
		sig.signature.rsassa.hash = TPM2_ALG_SHA256;
		sig.signature.rsassa.sig.size = (uint16_t)der_len;
		memcpy(sig.signature.rsassa.sig.buffer, der, der_len);
	}
	if (Tss2_MU_TPMT_SIGNATURE_Marshal(&sig, p->sig, CMK_TPM_BLOB_MAX,
					   &p->sig_len)) {
		snprintf(err, errlen, "policy signature: marshalling failed");
		return -EIO;
	}
	return 0;
}

/* The policy file: header, the PCR values, the key, the signature. */
static int write_policy(const char *out, const struct cmk_policy *p,
			char *err, size_t errlen)
{
	size_t len, off;
	uint8_t *buf;
	int ret;

	len = CM_SIZEOF_POLICY_HDR + 32 * (size_t)popcount(p->pcr_mask) +
	      p->key_len + p->sig_len;
	buf = calloc(1, len);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, CM_POLICY_MAGIC, 8);
	put_be16(buf + 8, CM_POLICY_FORMAT);
	put_be32(buf + 12, p->pcr_mask);
	put_be64(buf + 16, p->version);
	put_be32(buf + 24, p->nv_index);
	put_be16(buf + 28, (uint16_t)p->key_len);
	put_be16(buf + 30, (uint16_t)p->sig_len);
	memcpy(buf + 32, p->approved, 32);
	off = CM_SIZEOF_POLICY_HDR;
	for (int i = 0; i < CM_PCR_MAX; i++) {
		if (!(p->pcr_mask & (1u << i)))
			continue;
		memcpy(buf + off, p->pcr[i], 32);
		off += 32;
	}
	memcpy(buf + off, p->key_pub, p->key_len);
	memcpy(buf + off + p->key_len, p->sig, p->sig_len);
	ret = cmt_write_atomic(out, buf, len, 0644);
	if (ret)
		snprintf(err, errlen, "%s: %s", out, strerror(-ret));
	free(buf);
	return ret;
}

int cmk_policy_sign(const struct cmk_policy_sign_opts *o, char *err,
		    size_t errlen)
{
	struct cmk_policy p = { .version = o->version };
	uint8_t ahash[32], der[512];
	size_t der_len = sizeof(der);
	EVP_PKEY *pk = NULL;
	int ret;

	ret = cmk_load_pcr_values(o->pcr_values, &p.pcr_mask, p.pcr, err,
				  errlen);
	if (ret)
		return ret;
	if (o->bind_counter)
		p.nv_index = CMK_NV_POLICY_COUNTER;
	ret = cmk_policy_key_load(o->key, 1, &pk, err, errlen);
	if (ret)
		return ret;
	ret = cmk_policy_key_public(pk, p.key_pub, &p.key_len, p.key_name, err,
				    errlen);
	if (!ret)
		ret = approved_digest(&p, p.approved);
	/* aHash = H(approvedPolicy || policyRef), policyRef empty. */
	if (!ret)
		ret = sha256(p.approved, 32, "", 0, "", 0, "", 0, ahash);
	if (!ret)
		ret = cm_pkey_sign(pk, CM_HASH_SHA256, ahash, 32, der, &der_len,
				   err, errlen);
	if (!ret)
		ret = tpm_signature(pk, der, der_len, &p, err, errlen);
	if (!ret)
		ret = write_policy(o->out, &p, err, errlen);
	EVP_PKEY_free(pk);
	return ret;
}

int cmk_policy_pick(const char *dir, const struct cm_seal *s,
		    const cmk_pcr_values cur, struct cmk_policy *out,
		    char *err, size_t errlen)
{
	size_t n_files = 0, n_key = 0, n_mask = 0;
	struct cmk_policy *p;
	struct dirent *de;
	int found = 0;
	DIR *d;

	d = opendir(dir);
	if (!d) {
		snprintf(err, errlen, "--policies %s: %s", dir, strerror(errno));
		return -errno;
	}
	p = malloc(sizeof(*p));
	if (!p) {
		closedir(d);
		return -ENOMEM;
	}
	while ((de = readdir(d))) {
		char path[PATH_MAX];
		const char *why = "";
		uint8_t *bytes;
		size_t len;
		int match = 1;

		if (de->d_name[0] == '.' ||
		    (size_t)snprintf(path, sizeof(path), "%s/%s", dir,
				     de->d_name) >= sizeof(path))
			continue;
		if (cm_read_file(path, 64 * 1024, &bytes, &len))
			continue;
		if (cmk_policy_parse(bytes, len, p, &why)) {
			fprintf(stderr, "cmkeys: %s: skipped: %s\n", path, why);
			free(bytes);
			continue;
		}
		free(bytes);
		n_files++;
		if (memcmp(p->key_name, s->key_name, CM_TPM_NAME_SIZE))
			continue;
		n_key++;
		if (p->pcr_mask != s->pcr_mask)
			continue;
		n_mask++;
		for (int i = 0; i < CM_PCR_MAX; i++)
			if ((p->pcr_mask & (1u << i)) &&
			    memcmp(p->pcr[i], cur[i], 32))
				match = 0;
		/* Of the policies for this boot chain, the newest. */
		if (match && (!found || p->version > out->version)) {
			*out = *p;
			found = 1;
		}
	}
	closedir(d);
	free(p);
	if (found)
		return 0;
	snprintf(err, errlen,
		 "no signed policy in %s for the current PCRs (%zu policies, %zu by the sealing key, %zu for its PCRs): boot chain not authorized",
		 dir, n_files, n_key, n_mask);
	return -EKEYEXPIRED;
}
