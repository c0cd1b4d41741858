/* SPDX-License-Identifier: MIT */
/*
 * libcryptomark: the userspace library shared by cmsign, cmverify and
 * cmkeys.  Every function returns 0 (or a non-negative count) on success and
 * a negative errno on failure; none calls exit().  Error meanings:
 *
 *   -ENODATA       no signature present (unsigned)
 *   -EBADMSG       malformed: truncated or inconsistent header
 *   -EMSGSIZE      malformed: sig_size does not match the remaining length
 *   -EPROTO        malformed: unknown type byte
 *   -EPROTONOSUPPORT malformed: unknown version
 *   -ENOPKG        unsupported or refused hash algorithm
 *   -ENOKEY        keyid matches no trusted certificate
 *   -EKEYREVOKED   keyid or file digest revoked by the bundle
 *   -EKEYREJECTED  signature does not verify (bad signature)
 *   -EIO/-E...     I/O, with the errno of the failing call
 *
 * cm_strerror() names them the way cmverify prints them.
 */
#ifndef CRYPTOMARK_H
#define CRYPTOMARK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cryptomark/format.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Everything declared here is the exported API (lib/build.mk). */
#pragma GCC visibility push(default)

typedef struct evp_pkey_st EVP_PKEY;
typedef struct x509_st X509;
typedef struct evp_md_st EVP_MD;

/* ---- hash algorithms (lib/hash.c) -------------------------------------- */

/* Returns the digest size, or -ENOPKG for an algorithm we do not sign with. */
int cm_hash_size(int algo);
/* "sha256" etc., or NULL. */
const char *cm_hash_name(int algo);
/* Inverse of cm_hash_name(); -ENOPKG if unknown. */
int cm_hash_from_name(const char *name);
/* Fetched once and cached; NULL for unsupported algorithms. */
const EVP_MD *cm_hash_md(int algo);

/* ---- digests (lib/digest.c) -------------------------------------------- */

/*
 * Digest of everything readable from @fd (from offset 0, using pread, so the
 * file offset is not moved).  If @zero_len is non-zero, the bytes
 * [@zero_off, @zero_off + @zero_len) are hashed as zeros (ELF note carrier).
 * @out must hold CM_MAX_DIGEST_SIZE bytes; returns the digest length.
 */
int cm_digest_fd(int fd, int algo, uint64_t zero_off, uint64_t zero_len,
		 uint8_t *out);
int cm_digest_buf(const void *buf, size_t len, int algo, uint8_t *out);

/* ---- the signature header, both carriers (lib/sig.c) ------------------- */

struct cm_sig {
	uint8_t hash_algo;
	uint32_t keyid;		/* host order */
	const uint8_t *sig;	/* points into the parsed buffer */
	size_t sig_len;
};

/*
 * Strict parse of a security.ima v2 signature: the header must be complete,
 * sig_size must equal the remaining length exactly, type/version/algorithm
 * known.  On error *why (if non-NULL) names the check that failed.
 */
int cm_sig_parse(const void *buf, size_t len, struct cm_sig *out,
		 const char **why);
/* Writes header + signature into @buf; returns the length or -ENOSPC. */
int cm_sig_serialize(const struct cm_sig *sig, uint8_t *buf, size_t buflen);

/* ---- files (lib/io.c) -------------------------------------------------- */

/*
 * Reads a whole regular file of at most @max bytes (malloc'd, caller frees):
 * -EINVAL not a regular file, -E2BIG larger than @max, -EIO it shrank while
 * read, or open()'s errno.
 */
int cm_read_file(const char *path, size_t max, uint8_t **out, size_t *len);

/* ---- certificates and key ids (lib/cert.c) ----------------------------- */

/*
 * A certificate from memory: DER (exactly one, nothing after it) or the
 * first PEM CERTIFICATE block.  -ENODATA empty, -E2BIG over 256 KiB,
 * -EMSGSIZE bytes after the DER certificate, -EBADMSG unparsable.
 */
int cm_cert_parse(const uint8_t *buf, size_t len, X509 **out);
/* A PEM or DER certificate file: cm_read_file()'s errors (-ENOENT,
 * -EINVAL not a regular file, ...) or cm_cert_parse()'s. */
int cm_cert_load(const char *path, X509 **out);
/* What a cm_cert_load(), cm_cert_parse() or cm_cert_keyid() error means. */
const char *cm_cert_strerror(int err);
/* Last 4 bytes of subjectKeyIdentifier; -ENOKEY if the cert has none. */
int cm_cert_keyid(X509 *cert, uint32_t *keyid);

/* ---- signing (lib/signer.c) -------------------------------------------- */

struct cm_signer;

struct cm_signer_opts {
	const char *key;	/* PEM path or pkcs11: URI */
	const char *cert;	/* PEM or DER certificate */
	const char *pass_env;	/* name of an env var holding the passphrase */
	const char *pass_file;	/* file whose first line is the passphrase */
};

/*
 * Loads key and certificate once.  Refuses a key that does not match the
 * certificate (-EKEYREJECTED) and a certificate without SKID (-ENOKEY).
 * On failure, @err receives a one-line explanation.
 */
int cm_signer_load(const struct cm_signer_opts *opts, struct cm_signer **out,
		   char *err, size_t errlen);
void cm_signer_free(struct cm_signer *s);
uint32_t cm_signer_keyid(const struct cm_signer *s);
EVP_PKEY *cm_signer_pkey(const struct cm_signer *s);
X509 *cm_signer_cert(const struct cm_signer *s);	/* borrowed */
/*
 * Signs @digest (of algorithm @algo) and writes the complete security.ima
 * value into @out (CM_XATTR_MAX_SIZE bytes).  Thread-safe for one signer
 * used from many threads.  Returns the value length.
 */
int cm_signer_sign(struct cm_signer *s, int algo, const uint8_t *digest,
		   uint8_t *out, size_t outlen, char *err, size_t errlen);

/* ---- trust store and verification (lib/trust.c) ------------------------ */

struct cm_trust;

struct cm_trust *cm_trust_new(void);
void cm_trust_free(struct cm_trust *t);
/* Adds one certificate file; -ENOKEY if it has no SKID. */
int cm_trust_add_cert_file(struct cm_trust *t, const char *path);
int cm_trust_add_cert(struct cm_trust *t, X509 *cert);	/* takes a ref */
/* Adds every *.pem / *.der / *.crt in @dir. Returns the count added. */
int cm_trust_add_dir(struct cm_trust *t, const char *dir);
int cm_trust_revoke_keyid(struct cm_trust *t, uint32_t keyid);
int cm_trust_revoke_digest(struct cm_trust *t, int algo, const uint8_t *d,
			   size_t len);
size_t cm_trust_count(const struct cm_trust *t);
/*
 * Trusts the DER certificate @der (a signer certificate a manifest carries,
 * say) if it chains to a CA certificate already in @t: the CA has
 * basicConstraints CA:TRUE, every certificate of the chain is valid now,
 * the leaf has extendedKeyUsage codeSigning and, if it has keyUsage,
 * digitalSignature, and neither the leaf's nor a CA's key id is revoked.
 * 0 if added (or its key id already trusted), -EBADMSG (not a
 * certificate), -ENOKEY (no subjectKeyIdentifier), -EBADE (does not chain
 * or lacks the usage: "untrusted-chain"), -EKEYEXPIRED (outside its or its
 * CA's validity), -EKEYREVOKED, -ENOMEM; *why names the check.
 */
int cm_trust_add_chained(struct cm_trust *t, const uint8_t *der, size_t len,
			 const char **why);
/* Is @keyid (a signer's key id) trusted directly? */
int cm_trust_has_keyid(const struct cm_trust *t, uint32_t keyid);
/*
 * Does @t revoke @sig's key id or @digest?  1 or 0; no cryptography
 * (cm_trust_verify() makes the same check first).
 */
int cm_trust_revoked(const struct cm_trust *t, const struct cm_sig *sig,
		     const uint8_t *digest, size_t dlen);

/*
 * Verifies a parsed signature over @digest: -ENOKEY (no cert with that
 * keyid), -EKEYREVOKED, -EKEYREJECTED.
 */
int cm_trust_verify(const struct cm_trust *t, const struct cm_sig *sig,
		    const uint8_t *digest, size_t dlen);

/* ---- carriers (lib/xattr.c: security.ima; lib/file.c: paths) ----------- */

enum cm_carrier {
	CM_CARRIER_XATTR = 1 << 0,
	CM_CARRIER_NOTE = 1 << 1,
	CM_CARRIER_BOTH = CM_CARRIER_XATTR | CM_CARRIER_NOTE,
	CM_CARRIER_ANY = 1 << 2,	/* verify only */
	__CM_CARRIER_MAX
};

/* Result of verifying one file with one carrier. */
struct cm_verify_result {
	int err;		/* 0 or negative errno as above */
	const char *why;	/* detail for malformed, static string */
	uint32_t keyid;
	int hash_algo;
	int carrier;		/* CM_CARRIER_* the verdict is about */
	int verified;		/* CM_CARRIER_* bits that verified */
};

/*
 * Verify the security.ima carrier of an open file.  @fd must be open for
 * reading.
 */
int cm_verify_xattr_fd(const struct cm_trust *t, int fd,
		       struct cm_verify_result *res);
/* Sign @fd's content and write security.ima. */
int cm_sign_xattr_fd(struct cm_signer *s, int algo, int fd, char *err,
		     size_t errlen);

/*
 * Path level, both carriers.  Verify: XATTR, NOTE or BOTH require those
 * carriers; ANY passes if a present carrier verifies and none present is
 * invalid (-ENODATA if none is present).  Sign: NOTE embeds first, then
 * XATTR signs the final bytes, so each verifies on its own.
 */
int cm_verify_path(const struct cm_trust *t, const char *path, int carrier,
		   struct cm_verify_result *res);
int cm_sign_path(struct cm_signer *s, int algo, const char *path,
		 int carrier, char *err, size_t errlen);

/* ---- ELF note carrier (lib/elfnote.c) ---------------------------------- */

/*
 * Locates the one .note.cryptomark descriptor in the ELF image @fd of @size
 * bytes.  -ENOEXEC: not an ELF file; -ENODATA: ELF without the note;
 * -EBADMSG/-EOVERFLOW/-ERANGE/...: hostile or inconsistent ELF, with *why.
 * On success *desc_off is the file offset of the CM_NOTE_DESC_SIZE
 * descriptor bytes.
 */
int cm_note_locate(int fd, uint64_t size, uint64_t *desc_off,
		   const char **why);
/*
 * Verifies the note carrier of @fd: locate, parse the descriptor strictly
 * (padding all zero), digest with the descriptor as zeros, check against @t.
 */
int cm_note_verify_fd(const struct cm_trust *t, int fd,
		      struct cm_verify_result *res);
/*
 * Embeds (or replaces) the note in @path and signs it, atomically (temp file
 * in the same directory, fsync, rename), preserving owner, mode, times and
 * every xattr.  -ENOEXEC for non-ELF files (the file is untouched).
 */
int cm_note_sign_path(struct cm_signer *s, int algo, const char *path,
		      char *err, size_t errlen);

/* ---- PKCS#11 keys (lib/pkcs11.c, the one file using the ENGINE API) ---- */

/*
 * Loads the private key named by an RFC 7512 pkcs11: URI through the libp11
 * engine.  module-path= in the URI (or PKCS11_MODULE_PATH) selects the
 * module.  Returns 0 and a key usable with EVP_PKEY_sign.
 */
int cm_pkcs11_load_key(const char *uri, EVP_PKEY **out, char *err,
		       size_t errlen);

/* ---- messages (lib/errors.c) ------------------------------------------- */

/* "unsigned", "bad-signature", "unknown-key", "malformed", ... */
const char *cm_strerror(int err);
/* Short verdict word for cmverify: as cm_strerror but "io" for I/O errnos. */
int cm_err_is_malformed(int err);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* CRYPTOMARK_H */
