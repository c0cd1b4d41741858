/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * cryptomark on-disk formats.
 *
 * The single definition of every byte layout cryptomark reads or writes,
 * shared by the kernel LSM (security/cryptomark/) and by userspace
 * (libcryptomark, cmsign, cmverify, cmkeys).  uapi style: fixed-width
 * big-endian fields, explicit padding, no libc.  The human-readable spec
 * with test vectors is docs/FORMAT.md.
 *
 * Sizes are pinned with _Static_assert (userspace) and BUILD_BUG_ON (kernel,
 * see cm_format_build_check() users).
 */
#ifndef _UAPI_CRYPTOMARK_FORMAT_H
#define _UAPI_CRYPTOMARK_FORMAT_H

#include <linux/types.h>

#ifndef __cm_packed
#define __cm_packed __attribute__((packed))
#endif

/*
 * Hash algorithm numbers: the kernel's include/uapi/linux/hash_info.h
 * (enum hash_algo).  Only the SHA-2 family is accepted for signatures.
 */
enum cm_hash_algo {
	CM_HASH_SHA1 = 2,	/* parsed so it can be refused by name */
	CM_HASH_SHA256 = 4,
	CM_HASH_SHA384 = 5,
	CM_HASH_SHA512 = 6,
	CM_HASH_SHA224 = 7,
	__CM_HASH_MAX = 20	/* HASH_ALGO__LAST in Linux 6.1 */
};

#define CM_MAX_DIGEST_SIZE	64

/* ---------------------------------------------------------------------
 * Carrier 1: the security.ima extended attribute, IMA signature v2.
 *
 * Byte-identical to Linux IMA's struct signature_v2_hdr preceded by the
 * evm_ima_xattr_type byte (EVM_IMA_XATTR_DIGSIG) as written by
 * `evmctl ima_sign`:
 *
 *   off size field
 *     0    1 type       0x03 (EVM_IMA_XATTR_DIGSIG)
 *     1    1 version    2
 *     2    1 hash_algo  enum cm_hash_algo
 *     3    4 keyid      big-endian, last 4 bytes of the signer
 *                       certificate's subjectKeyIdentifier
 *     7    2 sig_size   big-endian, number of bytes that follow, exactly
 *     9    n sig        RSA: PKCS#1 v1.5 over DigestInfo(digest)
 *                       ECDSA: DER Ecdsa-Sig-Value over the raw digest
 * ------------------------------------------------------------------- */
#define CM_XATTR_IMA		"security.ima"
#define CM_IMA_XATTR_DIGSIG	0x03
#define CM_SIG_VERSION		2

struct cm_sig_hdr {
	__u8	type;
	__u8	version;
	__u8	hash_algo;
	__be32	keyid;
	__be16	sig_size;
	__u8	sig[];
} __cm_packed;

#define CM_SIG_HDR_SIZE		9
/* Largest signature accepted: RSA-4096 (512 bytes); P-384 DER is <= 104. */
#define CM_SIG_MAX_SIZE		512
#define CM_SIG_MIN_SIZE		8
#define CM_XATTR_MAX_SIZE	(CM_SIG_HDR_SIZE + CM_SIG_MAX_SIZE)

/* ---------------------------------------------------------------------
 * Carrier 2: the ELF note.
 *
 * A non-allocated SHT_NOTE section named ".note.cryptomark" holding exactly
 * one note: namesz = 11 ("CryptoMark\0"), type CM_NOTE_TYPE_SIG, descsz =
 * CM_NOTE_DESC_SIZE.  The descriptor is a struct cm_sig_hdr plus signature,
 * then zero padding up to CM_NOTE_DESC_SIZE bytes.  Padding must be all
 * zero.  The signed digest is that of the whole file with the
 * CM_NOTE_DESC_SIZE descriptor bytes counted as zeros.
 * ------------------------------------------------------------------- */
#define CM_NOTE_SECTION		".note.cryptomark"
#define CM_NOTE_NAME		"CryptoMark"
#define CM_NOTE_NAMESZ		11	/* including the NUL */
#define CM_NOTE_TYPE_SIG	0x434d0001u	/* "CM" 1 */
#define CM_NOTE_DESC_SIZE	1024

/* The note's bytes: header (namesz, descsz, type), name padded to 4, desc. */
#define CM_NOTE_HDR_SIZE	12
#define CM_NOTE_NAME_PADDED	12	/* CM_NOTE_NAMESZ rounded up to 4 */
#define CM_NOTE_DESC_OFF	(CM_NOTE_HDR_SIZE + CM_NOTE_NAME_PADDED)
#define CM_NOTE_SECTION_SIZE	(CM_NOTE_DESC_OFF + CM_NOTE_DESC_SIZE)
#define CM_NOTE_ALIGN		4

/*
 * What the ELF note parser (lib/shared/elfparse.c, the one source the
 * kernel LSM and libcryptomark both build) scans; they bound the memory
 * one verification takes (~8 MiB at most) in a parser the kernel runs on
 * files any user can create.  A file beyond a limit is not invalid: it
 * has no note the parser will find (-ENODATA, so the security.ima carrier
 * decides), unless it claims one (a SHT_NOTE section named
 * .note.cryptomark), then it is refused with -E2BIG.  More sections than
 * CM_ELF_MAX_SECTIONS is always "no note": the note cannot be looked for.
 * The section name table has no limit: only the names of SHT_NOTE
 * sections are read, sizeof(CM_NOTE_SECTION) bytes each
 * (docs/FORMAT-note.md, "Parsing limits").
 */
#define CM_ELF_MAX_SECTIONS	(1u << 16)
#define CM_ELF_MAX_SEGMENTS	(1u << 12)
#define CM_ELF_MAX_NOTE_SCAN	(1u << 20)	/* bytes of another note section */

/* ---------------------------------------------------------------------
 * Keyring bundle: the trusted signer certificates plus revocations.
 *
 *   struct cm_bundle_hdr
 *   n_records x { struct cm_bundle_rec, data[len], zero pad to 4 }
 *
 * body_len counts every byte after the header.  version only grows
 * (anti-rollback).  Authentication is external: an HMAC-SHA256 keyed with a
 * TPM-sealed secret (struct cm_seal_hdr).
 * ------------------------------------------------------------------- */
#define CM_BUNDLE_MAGIC		"CMBUNDL1"	/* 8 bytes, no NUL */
#define CM_BUNDLE_FORMAT	1

struct cm_bundle_hdr {
	__u8	magic[8];
	__be16	format;
	__be16	reserved;	/* must be zero */
	__be32	n_records;
	__be64	version;	/* monotonic bundle serial */
	__be32	body_len;
	__be32	reserved2;	/* must be zero */
} __cm_packed;

enum cm_bundle_rec_type {
	CM_BREC_CERT = 1,		/* DER X.509 signer certificate */
	CM_BREC_REVOKED_KEYID = 2,	/* __be32 keyid */
	CM_BREC_REVOKED_DIGEST = 3,	/* __u8 hash_algo, digest bytes */
	__CM_BREC_MAX
};

struct cm_bundle_rec {
	__be16	type;
	__be16	reserved;	/* must be zero */
	__be32	len;		/* bytes of data, excluding padding */
	__u8	data[];
} __cm_packed;

#define CM_BUNDLE_MAX_SIZE	(1u << 20)
#define CM_BUNDLE_MAX_RECORDS	4096

/* ---------------------------------------------------------------------
 * Sealed bundle key: stored beside the bundle (BUNDLE.seal).
 *
 *   struct cm_seal_hdr
 *   pub_len bytes:  marshalled TPM2B_PUBLIC of the sealed object
 *   priv_len bytes: marshalled TPM2B_PRIVATE of the sealed object
 *
 * tag = HMAC-SHA256(secret, bundle file bytes), secret = the 32 bytes the
 * TPM releases only under the PolicyPCR policy (policy_digest).
 * ------------------------------------------------------------------- */
#define CM_SEAL_MAGIC		"CMSEAL01"
#define CM_SEAL_SECRET_SIZE	32

struct cm_seal_hdr {
	__u8	magic[8];
	__be16	pcr_bank;	/* TPM2_ALG_ID, e.g. 0x000b sha256 */
	__be16	reserved;	/* must be zero */
	__be32	pcr_mask;	/* bit n = PCR n */
	__be16	pub_len;
	__be16	priv_len;
	__u8	policy_digest[32];
	__u8	tag[32];
} __cm_packed;

/*
 * "CMSEAL02": the secret is sealed under a signed PCR policy
 * (TPM2_PolicyAuthorize) instead of raw PCR values.  The same header
 * (policy_digest = the object's authPolicy; pcr_mask = the PCRs every
 * signed policy must select, the highest of them capped), then this
 * extension, then the blobs.  docs/FORMAT-keys.md, "Signed PCR policies".
 */
#define CM_SEAL_MAGIC_AUTH	"CMSEAL02"
#define CM_TPM_NAME_SIZE	34	/* nameAlg (sha256) + digest */

struct cm_seal_auth {
	__u8	key_name[CM_TPM_NAME_SIZE];	/* the policy-signing key */
	__be16	reserved;	/* must be zero */
	__be32	nv_index;	/* bundle counter, 0 = not bound */
	__be64	nv_max;		/* released while counter <= nv_max */
} __cm_packed;

/*
 * A signed PCR policy (cmkeys policy sign), one boot chain:
 *
 *   struct cm_policy_hdr
 *   32 bytes per selected PCR (ascending): the expected sha256 values
 *   key_len bytes: marshalled TPM2B_PUBLIC of the policy-signing key
 *   sig_len bytes: marshalled TPMT_SIGNATURE over
 *                  sha256(approved || policyRef), policyRef empty
 *
 * approved = PolicyPCR(pcr_mask, values) [then PolicyNV(nv_index,
 * counter <= version) when nv_index is not 0].
 */
#define CM_POLICY_MAGIC		"CMPOLCY1"
#define CM_POLICY_FORMAT	1

struct cm_policy_hdr {
	__u8	magic[8];
	__be16	format;
	__be16	reserved;	/* must be zero */
	__be32	pcr_mask;
	__be64	version;	/* valid while the policy counter <= version */
	__be32	nv_index;	/* policy counter, 0 = not bound */
	__be16	key_len;
	__be16	sig_len;
	__u8	approved[32];
} __cm_packed;

/* ---------------------------------------------------------------------
 * Manifest: detached, signed (path, digest, signature) list for a package
 * root.
 *
 *   struct cm_manifest_hdr
 *   n_entries x { struct cm_manifest_entry, path[path_len],
 *                 digest[digest_len], xattr[xattr_len] }
 *   trailer: a complete security.ima-style signature (struct cm_sig_hdr +
 *            sig) over the digest (hdr.hash_algo) of every preceding byte.
 *
 * Format 2 also carries the signer's certificate (DER, cert_len bytes, held
 * in reserved2) between the body and the trailer, covered by the trailer,
 * so an installer trusting only a CA can check the chain.  In format 1
 * reserved2 must be zero.
 *
 * body_len counts the entry bytes only (not header, not trailer).  Paths are
 * relative to the root, '/'-separated, no NUL, no "." or ".." component, no
 * leading '/', strictly increasing in byte order (no duplicates).  xattr is
 * the exact security.ima value to write.
 * ------------------------------------------------------------------- */
#define CM_MANIFEST_MAGIC	"CMMANIF1"
#define CM_MANIFEST_FORMAT	1
#define CM_MANIFEST_FORMAT_CERT	2
#define CM_MANIFEST_MAX_CERT	16384

struct cm_manifest_hdr {
	__u8	magic[8];
	__be16	format;
	__u8	hash_algo;
	__u8	reserved;	/* must be zero */
	__be32	n_entries;
	__be32	body_len;
	__be32	reserved2;	/* format 1: zero; format 2: cert_len */
} __cm_packed;

struct cm_manifest_entry {
	__be16	path_len;
	__u8	hash_algo;
	__u8	digest_len;
	__be16	xattr_len;
	__be16	reserved;	/* must be zero */
} __cm_packed;

#define CM_MANIFEST_MAX_PATH	4096
#define CM_MANIFEST_MAX_ENTRIES	(1u << 22)

/* Pinned sizes (kernel users call BUILD_BUG_ON on the same). */
#define CM_SIZEOF_SIG_HDR		9
#define CM_SIZEOF_BUNDLE_HDR		32
#define CM_SIZEOF_BUNDLE_REC		8
#define CM_SIZEOF_SEAL_HDR		84
#define CM_SIZEOF_SEAL_AUTH		48
#define CM_SIZEOF_POLICY_HDR		64
#define CM_SIZEOF_MANIFEST_HDR		24
#define CM_SIZEOF_MANIFEST_ENTRY	8

#ifndef __KERNEL__
_Static_assert(sizeof(struct cm_sig_hdr) == CM_SIZEOF_SIG_HDR, "sig hdr");
_Static_assert(sizeof(struct cm_bundle_hdr) == CM_SIZEOF_BUNDLE_HDR, "bundle");
_Static_assert(sizeof(struct cm_bundle_rec) == CM_SIZEOF_BUNDLE_REC, "brec");
_Static_assert(sizeof(struct cm_seal_hdr) == CM_SIZEOF_SEAL_HDR, "seal");
_Static_assert(sizeof(struct cm_seal_auth) == CM_SIZEOF_SEAL_AUTH, "seal auth");
_Static_assert(sizeof(struct cm_policy_hdr) == CM_SIZEOF_POLICY_HDR, "policy");
_Static_assert(sizeof(struct cm_manifest_hdr) == CM_SIZEOF_MANIFEST_HDR, "mhdr");
_Static_assert(sizeof(struct cm_manifest_entry) == CM_SIZEOF_MANIFEST_ENTRY,
	       "mentry");
#endif

#endif /* _UAPI_CRYPTOMARK_FORMAT_H */
