/* SPDX-License-Identifier: MIT */
/*
 * libcryptomark: the keyring bundle (trusted signer certificates plus
 * revocations) and the sealed-key file stored beside it (BUNDLE.seal).  Byte
 * layouts: struct cm_bundle_hdr / cm_bundle_rec / cm_seal_hdr in
 * <cryptomark/format.h>; human spec: docs/FORMAT-keys.md.
 *
 * Both parsers take untrusted bytes and return 0 or one of:
 *
 *   -EBADMSG          truncated, reserved field not zero, bad padding,
 *                     record of the wrong size, unparsable certificate
 *   -EPROTO           bad magic, unknown record type
 *   -EPROTONOSUPPORT  unknown format number
 *   -EMSGSIZE         a length field disagrees with the bytes present
 *   -E2BIG            over CM_BUNDLE_MAX_SIZE / CM_BUNDLE_MAX_RECORDS
 *   -ENOPKG           unsupported hash algorithm / PCR bank
 *   -ERANGE           PCR index outside 0..23
 *   -ENOKEY           no certificate, or a certificate without SKID
 *   -EEXIST           two certificates with the same key id
 *
 * and, on error, point *why at a static string naming the failed check.
 */
#ifndef CRYPTOMARK_BUNDLE_H
#define CRYPTOMARK_BUNDLE_H

#include <stddef.h>
#include <stdint.h>

#include <cryptomark/cryptomark.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Everything declared here is the exported API (lib/build.mk). */
#pragma GCC visibility push(default)

struct cm_bundle_cert {
	const uint8_t *der;	/* DER X.509, not owned */
	uint32_t len;
	uint32_t keyid;		/* filled by cm_bundle_parse() */
};

struct cm_bundle_digest {
	uint8_t algo;		/* enum cm_hash_algo */
	uint8_t len;		/* cm_hash_size(algo) */
	const uint8_t *d;	/* not owned */
};

/*
 * A bundle, parsed or about to be serialized.  The arrays are owned by the
 * struct (cm_bundle_release() frees them); the bytes they point at are not:
 * after cm_bundle_parse() they point into the caller's buffer, which must
 * outlive the struct.
 */
struct cm_bundle {
	uint64_t version;
	size_t n_certs, n_keyids, n_digests;
	struct cm_bundle_cert *certs;
	uint32_t *keyids;	/* revoked key ids, host order */
	struct cm_bundle_digest *digests;	/* revoked file digests */
};

/* Strict parse; see the error list above. */
int cm_bundle_parse(const void *buf, size_t len, struct cm_bundle *out,
		    const char **why);
/* Frees the arrays (not the bytes they point at) and zeroes @b. */
void cm_bundle_release(struct cm_bundle *b);

/* Builders: copy nothing but the pointer; -ENOMEM, -E2BIG, -ENOPKG. */
int cm_bundle_add_cert(struct cm_bundle *b, const uint8_t *der, size_t len);
int cm_bundle_add_keyid(struct cm_bundle *b, uint32_t keyid);
int cm_bundle_add_digest(struct cm_bundle *b, int algo, const uint8_t *d,
			 size_t len);

/*
 * Writes the canonical bytes of @b (certificates, then revoked key ids, then
 * revoked digests, in the order added) into a malloc'd buffer.  What
 * cm_bundle_parse() accepts re-serializes to the same bytes when its records
 * are in that order.
 */
int cm_bundle_serialize(const struct cm_bundle *b, uint8_t **out,
			size_t *outlen);

/*
 * Trusts the certificates of a keyring bundle (docs/FORMAT-keys.md) and
 * takes its revocations.  Layout only: the TPM seal that authenticates the
 * bundle is cmkeys' business.  *why names the refusal: the
 * cm_bundle_parse() errors, or the cm_read_file() errno.
 */
int cm_trust_add_bundle_file(struct cm_trust *t, const char *path,
			     const char **why);
/* Adds the certificates and revocations of @b to @t. */
int cm_bundle_to_trust(const struct cm_bundle *b, struct cm_trust *t);

/* ---- the sealed key (BUNDLE.seal) -------------------------------------- */

#define CM_TPM2_ALG_SHA256	0x000b
#define CM_PCR_MAX		24	/* PCRs 0..23 */

struct cm_seal {
	uint16_t pcr_bank;	/* TPM2_ALG_ID; only SHA-256 for now */
	uint32_t pcr_mask;	/* bit n = PCR n */
	const uint8_t *pub;	/* marshalled TPM2B_PUBLIC, not owned */
	size_t pub_len;
	const uint8_t *priv;	/* marshalled TPM2B_PRIVATE, not owned */
	size_t priv_len;
	uint8_t policy_digest[32];
	uint8_t tag[32];	/* HMAC-SHA256(secret, bundle bytes) */
	/* CMSEAL02 (signed PCR policies): */
	int authorized;		/* PolicyAuthorize by the key named below */
	uint8_t key_name[CM_TPM_NAME_SIZE];
	uint32_t nv_index;	/* bundle counter, 0 = none */
	uint64_t nv_max;	/* released while counter <= nv_max */
};

int cm_seal_parse(const void *buf, size_t len, struct cm_seal *out,
		  const char **why);
int cm_seal_serialize(const struct cm_seal *s, uint8_t **out, size_t *outlen);

/* tag = HMAC-SHA256(secret, bundle). */
int cm_bundle_tag(const uint8_t secret[CM_SEAL_SECRET_SIZE],
		  const void *bundle, size_t len, uint8_t tag[32]);
/* Constant-time check of @tag: 0 or -EKEYREJECTED (bundle changed). */
int cm_bundle_tag_check(const uint8_t secret[CM_SEAL_SECRET_SIZE],
			const void *bundle, size_t len,
			const uint8_t tag[32]);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* CRYPTOMARK_BUNDLE_H */
