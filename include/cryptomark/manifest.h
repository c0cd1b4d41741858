/* SPDX-License-Identifier: MIT */
/*
 * Manifests: a detached, signed list of (path, digest, security.ima value)
 * for a package root.  The byte layout is struct cm_manifest_hdr /
 * struct cm_manifest_entry in <cryptomark/format.h>; the spec is
 * docs/FORMAT-manifest.md.
 *
 * Build side (cmsign manifest): cm_manifest_build() sorts and checks the
 * items and signs the result.  Install side (cmsign apply):
 * cm_manifest_parse() checks every byte strictly, cm_manifest_verify()
 * checks the trailer signature; only then are entries trusted.
 */
#ifndef CRYPTOMARK_MANIFEST_H
#define CRYPTOMARK_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include <cryptomark/cryptomark.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Everything declared here is the exported API (lib/build.mk). */
#pragma GCC visibility push(default)

/* One file of the root. */
struct cm_manifest_item {
	const char *path;	/* relative, NUL-terminated */
	int hash_algo;
	const uint8_t *digest;
	size_t digest_len;
	const uint8_t *xattr;	/* the exact security.ima value */
	size_t xattr_len;
};

/* A parsed manifest; item pointers point into the parsed buffer. */
struct cm_manifest {
	int hash_algo;			/* of the trailer signature */
	size_t n;
	struct cm_manifest_item *items;	/* sorted by path, unique */
	size_t signed_len;		/* bytes covered by the trailer */
	const uint8_t *cert;		/* format 2: the signer's DER certificate */
	size_t cert_len;		/* 0 in format 1 */
	struct cm_sig trailer;
	char *paths;			/* NUL-terminated copies (owned) */
};

/*
 * Largest manifest file cm_manifest_read() accepts: the header's 32-bit
 * body_len bounds the entries, plus header and trailer.
 */
#define CM_MANIFEST_MAX_FILE	((size_t)UINT32_MAX + CM_SIZEOF_MANIFEST_HDR + \
				 CM_XATTR_MAX_SIZE)

/*
 * Checks one manifest path: relative, '/'-separated, no empty, "." or ".."
 * component, no NUL, at most CM_MANIFEST_MAX_PATH bytes.  0, -EINVAL
 * (with *why) or -ENAMETOOLONG.
 */
int cm_manifest_check_path(const char *path, size_t len, const char **why);

/*
 * Serializes @n items (any order; they are sorted here) and signs the result
 * with @s using @hash_algo for the trailer.  On success *out is a malloc'd
 * buffer of *outlen bytes.  Errors: -EINVAL/-ENAMETOOLONG (bad path),
 * -EEXIST (duplicate path), -ENOPKG (algorithm), -EBADMSG (digest length
 * does not match its algorithm, or xattr is not a signature of that
 * algorithm), -E2BIG (too many entries or body over 4 GiB), -ENOMEM, or the
 * signer's error; @err explains.
 */
int cm_manifest_build(const struct cm_manifest_item *items, size_t n,
		      int hash_algo, struct cm_signer *s, uint8_t **out,
		      size_t *outlen, char *err, size_t errlen);
/*
 * As cm_manifest_build(); with CM_MANIFEST_EMBED_CERT in @flags it writes
 * format 2, carrying the signer's certificate, so that installers trusting
 * a CA rather than this signer can check the chain (cm_trust_add_chained()).
 */
#define CM_MANIFEST_EMBED_CERT	(1u << 0)
int cm_manifest_build_ex(const struct cm_manifest_item *items, size_t n,
			 int hash_algo, struct cm_signer *s, unsigned int flags,
			 uint8_t **out, size_t *outlen, char *err,
			 size_t errlen);

/*
 * Strict parse of @len bytes at @buf (which must outlive @m).  Errors, each
 * with *why naming the check:
 *   -EBADMSG         truncated header/entry, reserved field not zero,
 *                    digest length wrong for its algorithm, entry signature
 *                    of another algorithm, trailer algorithm differs,
 *                    paths out of order
 *   -EPROTO          bad magic
 *   -EPROTONOSUPPORT unknown format version
 *   -ENOPKG          unsupported hash algorithm (header or entry)
 *   -E2BIG           more than CM_MANIFEST_MAX_ENTRIES entries
 *   -EMSGSIZE        body_len beyond the file, or entries not filling it
 *                    exactly, or (format 2) the certificate beyond the file
 *   -EBADMSG         (format 2) cert_len 0 or over CM_MANIFEST_MAX_CERT
 *   -EINVAL          bad path; -ENAMETOOLONG path too long
 *   -EEXIST          duplicate path
 *   -ENODATA         no trailer signature (unsigned manifest)
 *   other            cm_sig_parse() errors for an entry's xattr or the
 *                    trailer
 *   -ENOMEM
 */
int cm_manifest_parse(const void *buf, size_t len, struct cm_manifest *m,
		      const char **why);
void cm_manifest_release(struct cm_manifest *m);

/*
 * Verifies the trailer of a parsed manifest (@buf is the parsed buffer)
 * against @t: 0, -ENOKEY, -EKEYREVOKED or -EKEYREJECTED.
 */
int cm_manifest_verify(const struct cm_trust *t, const void *buf,
		       const struct cm_manifest *m);

/* Reads a whole manifest file into a malloc'd buffer. */
int cm_manifest_read(const char *path, uint8_t **out, size_t *len);

#pragma GCC visibility pop

#ifdef __cplusplus
}
#endif

#endif /* CRYPTOMARK_MANIFEST_H */
