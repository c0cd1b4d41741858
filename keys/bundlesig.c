// SPDX-License-Identifier: MIT
/*
 * BUNDLE.sig: the keyring bundle signed by an offline key (normally the
 * code-signing CA's), checked against a certificate pinned in the measured
 * boot image (`cmkeys provision --signed-by`).
 *
 * The TPM seal alone proves only that whoever made it could talk to the TPM:
 * root after boot can seal a bundle of their own to the expected PCR values
 * (docs/FORMAT-keys.md, "Forged seals").  A signature by a key that never
 * sits on the machine closes that: a forged bundle has no valid signature,
 * and replacing the pinned certificate changes the measured initramfs and
 * with it the PCRs the seal needs.
 *
 * The value is the IMA signature v2 of the bundle file's digest, the same
 * bytes cmsign writes to security.ima (docs/FORMAT.md), so it is parsed and
 * checked by libcryptomark's strict parser and trust store.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cryptomark/cryptomark.h>

#include "cmkeys.h"
#include "cmtool.h"

static int sig_path(const char *bundle, char *buf, size_t len)
{
	if ((size_t)snprintf(buf, len, "%s.sig", bundle) >= len)
		return -ENAMETOOLONG;
	return 0;
}

int cmk_bundle_sign(const char *bundle, const uint8_t *bytes, size_t len,
		    const struct cm_signer_opts *so, char *err, size_t errlen)
{
	uint8_t digest[CM_MAX_DIGEST_SIZE], value[CM_XATTR_MAX_SIZE];
	char path[PATH_MAX], why[256] = "";
	struct cm_signer *s;
	int ret, n;

	ret = sig_path(bundle, path, sizeof(path));
	if (ret) {
		snprintf(err, errlen, "%s.sig: %s", bundle, strerror(-ret));
		return ret;
	}
	ret = cm_signer_load(so, &s, why, sizeof(why));
	if (ret) {
		snprintf(err, errlen, "--sign-key: %s", why);
		return ret;
	}
	n = cm_digest_buf(bytes, len, CM_HASH_SHA256, digest);
	n = n < 0 ? n : cm_signer_sign(s, CM_HASH_SHA256, digest, value,
				       sizeof(value), why, sizeof(why));
	cm_signer_free(s);
	if (n < 0) {
		snprintf(err, errlen, "signing the bundle: %s", why);
		return n;
	}
	ret = cmt_write_atomic(path, value, (size_t)n, 0644);
	if (ret)
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
	return ret;
}

int cmk_bundle_check_sig(const char *bundle, const uint8_t *bytes,
			 size_t len, const struct cm_trust *signers, char *err,
			 size_t errlen)
{
	uint8_t digest[CM_MAX_DIGEST_SIZE], *value = NULL;
	char path[PATH_MAX];
	const char *why = "";
	struct cm_sig sig;
	size_t vlen;
	int ret, n;

	ret = sig_path(bundle, path, sizeof(path));
	if (!ret)
		ret = cm_read_file(path, CM_XATTR_MAX_SIZE, &value, &vlen);
	if (ret) {
		snprintf(err, errlen,
			 "%s.sig: %s: the bundle must be signed (cmkeys bundle --sign-key)",
			 bundle, ret == -E2BIG ? "too large for a signature" :
			 strerror(-ret));
		return ret;
	}
	ret = cm_sig_parse(value, vlen, &sig, &why);
	if (ret) {
		snprintf(err, errlen, "%s: malformed bundle signature: %s", path,
			 why);
		goto out_free;
	}
	n = cm_digest_buf(bytes, len, sig.hash_algo, digest);
	ret = n < 0 ? n : cm_trust_verify(signers, &sig, digest, (size_t)n);
	if (ret)
		snprintf(err, errlen,
			 "%s: bundle signature refused: %s (keyid %08x)", path,
			 ret == -ENOKEY ? "not made by the --signed-by key" :
			 ret == -EKEYREJECTED ? "does not match the bundle" :
			 strerror(-ret), sig.keyid);
out_free:
	free(value);
	return ret;
}
