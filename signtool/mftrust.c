// SPDX-License-Identifier: MIT
/*
 * Whether a manifest is trusted: the check cmsign apply (before writing
 * xattrs) and cmsign preload (before loading the LSM's digest table) both
 * make, so the two cannot disagree.  The manifest is parsed strictly, a
 * format 2 manifest's certificate is chained to a trusted CA when its key
 * id is not trusted directly, the trailer is verified, and then each
 * entry's signature over its own digest.
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

int st_entry_verify(const struct cm_trust *trust,
		    const struct cm_manifest_item *it)
{
	struct cm_sig sig;
	int ret;

	ret = cm_sig_parse(it->xattr, it->xattr_len, &sig, NULL);
	if (!ret)
		ret = cm_trust_verify(trust, &sig, it->digest, it->digest_len);
	return ret;
}
