// SPDX-License-Identifier: MIT
/* Carrier 1: the security.ima extended attribute (IMA signature v2). */
#include <errno.h>
#include <string.h>
#include <sys/xattr.h>

#include "internal.h"

int cm_verify_xattr_fd(const struct cm_trust *t, int fd,
		       struct cm_verify_result *res)
{
	uint8_t buf[CM_XATTR_MAX_SIZE + 1];
	uint8_t digest[CM_MAX_DIGEST_SIZE];
	struct cm_sig sig;
	ssize_t len;
	int ret;

	memset(res, 0, sizeof(*res));
	res->carrier = CM_CARRIER_XATTR;
	len = fgetxattr(fd, CM_XATTR_IMA, buf, sizeof(buf));
	if (len < 0) {
		switch (errno) {
		case ENODATA:
			return res->err = -ENODATA;
		case ENOTSUP:
			res->why = "filesystem without xattrs";
			return res->err = -ENODATA;
		case ERANGE:
			res->why = "value longer than any signature";
			return res->err = -E2BIG;
		default:
			return res->err = -errno;
		}
	}
	ret = cm_sig_parse(buf, (size_t)len, &sig, &res->why);
	if (ret)
		return res->err = ret;
	res->keyid = sig.keyid;
	res->hash_algo = sig.hash_algo;
	ret = cm_digest_fd(fd, sig.hash_algo, 0, 0, digest);
	if (ret < 0)
		return res->err = ret;
	res->err = cm_trust_verify(t, &sig, digest, (size_t)ret);
	if (!res->err)
		res->verified = CM_CARRIER_XATTR;
	return res->err;
}

int cm_sign_xattr_fd(struct cm_signer *s, int algo, int fd, char *err,
		     size_t errlen)
{
	uint8_t digest[CM_MAX_DIGEST_SIZE];
	uint8_t val[CM_XATTR_MAX_SIZE];
	int ret, len;

	ret = cm_digest_fd(fd, algo, 0, 0, digest);
	if (ret < 0) {
		cm_seterr(err, errlen, "read: %s", strerror(-ret));
		return ret;
	}
	len = cm_signer_sign(s, algo, digest, val, sizeof(val), err, errlen);
	if (len < 0)
		return len;
	if (fsetxattr(fd, CM_XATTR_IMA, val, (size_t)len, 0)) {
		ret = -errno;
		cm_seterr(err, errlen, "setxattr security.ima: %s%s",
			  strerror(errno),
			  errno == ENOTSUP ? " (filesystem without xattrs; try --carrier note)" :
			  errno == EPERM ? " (needs CAP_SYS_ADMIN)" : "");
		return ret;
	}
	return 0;
}
