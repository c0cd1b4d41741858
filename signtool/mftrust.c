// SPDX-License-Identifier: MIT
/*
 * Whether a manifest is trusted: the check cmsign apply (before writing
 * xattrs) and cmsign preload (before loading the LSM's digest table) both
 * make, so the two cannot disagree.  The manifest is parsed strictly, a
 * format 2 manifest's certificate is chained to a trusted CA when its key
 * id is not trusted directly, the trailer is verified, and then each
 * entry is checked without its public-key verification (st_entry_check()
 * says why that is redundant).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "signtool.h"

int st_manifest_trust(struct cm_trust *trust, const uint8_t *buf, size_t len,
		      struct cm_manifest *m, char *msg, size_t msglen)
{
	const char *why = NULL;
	int ret;

	ret = cm_manifest_parse(buf, len, m, &why);
	if (ret) {
		snprintf(msg, msglen, "%s manifest: %s",
			 ret == -ENODATA ? "unsigned" : "malformed",
			 why ? why : strerror(-ret));
		return ret;
	}
	if (m->cert_len && !cm_trust_has_keyid(trust, m->trailer.keyid)) {
		ret = cm_trust_add_chained(trust, m->cert, m->cert_len, &why);
		if (ret) {
			snprintf(msg, msglen, "manifest signer certificate: %s (keyid %08x%s%s)",
				 cm_strerror(ret), m->trailer.keyid,
				 why ? ": " : "", why ? why : "");
			return ret;
		}
	}
	ret = cm_manifest_verify(trust, buf, m);
	if (ret)
		snprintf(msg, msglen, "manifest signature: %s (keyid %08x)",
			 cm_strerror(ret), m->trailer.keyid);
	return ret;
}

/*
 * An entry's security.ima value: parsed strictly, its hash algorithm that
 * of the entry's digest, neither its key id nor its digest revoked, its key
 * id trusted (directly, or as the manifest's chained signer).  Its
 * signature is not verified over the digest: that public-key operation was
 * most of cmsign apply's and preload's time (about 50 us an entry natively,
 * 6142 entries for a minimal Debian) and adds nothing, because
 *  - the manifest's own signature, verified first by st_manifest_trust(),
 *    covers every entry's bytes: the digest, the path and this value, so
 *    the value is exactly what a trusted signer put there;
 *  - the value is only ever used by something that verifies it itself:
 *    the kernel at every exec and mmap (and when a preloaded digest-table
 *    entry allows a file), cmverify and cmattest.  A value that did not
 *    verify would get its file refused, never allowed.
 * Returns 0, or the parser's error (malformed), -EINVAL (algorithm not the
 * digest's), -EKEYREVOKED, -ENOKEY.
 */
int st_entry_check(const struct cm_trust *trust,
		   const struct cm_manifest_item *it)
{
	struct cm_sig sig;
	int ret;

	ret = cm_sig_parse(it->xattr, it->xattr_len, &sig, NULL);
	if (ret)
		return ret;
	if (cm_hash_size(sig.hash_algo) != (int)it->digest_len)
		return -EINVAL;
	if (cm_trust_revoked(trust, &sig, it->digest, it->digest_len))
		return -EKEYREVOKED;
	return cm_trust_has_keyid(trust, sig.keyid) ? 0 : -ENOKEY;
}
