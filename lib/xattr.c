// SPDX-License-Identifier: MIT
/* Carrier 1: the security.ima extended attribute (IMA signature v2). */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/xattr.h>

#include <linux/fs.h>

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

/*
 * Why a setxattr failed, where errno alone misleads: EPERM is the immutable
 * or append-only flag when the file has one, otherwise the missing
 * CAP_SYS_ADMIN that security.* needs.
 */
static const char *setxattr_hint(int fd, int e)
{
	int flags = 0;

	if (e == ENOTSUP)
		return " (filesystem without xattrs; try --carrier note)";
	if (e != EPERM)
		return "";
	if (!ioctl(fd, FS_IOC_GETFLAGS, &flags)) {
		if (flags & FS_IMMUTABLE_FL)
			return " (the file is immutable: chattr -i it first)";
		if (flags & FS_APPEND_FL)
			return " (the file is append-only: chattr -a it first)";
	}
	return " (needs CAP_SYS_ADMIN)";
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
			  strerror(-ret), setxattr_hint(fd, -ret));
		return ret;
	}
	return 0;
}
