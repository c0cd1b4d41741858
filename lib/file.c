// SPDX-License-Identifier: MIT
/* Path-level signing and verification across both carriers. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

/* Opens a regular file for reading without blocking on FIFOs. */
static int open_regular(const char *path, const char **why)
{
	struct stat st;
	int fd;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		int e = -errno;

		close(fd);
		return e;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		*why = "not a regular file";
		return -EINVAL;
	}
	return fd;
}

/*
 * ANY: a file passes if a present carrier verifies and none present is
 * invalid.  An absent note (-ENODATA) or a non-ELF file (-ENOEXEC) counts as
 * "not present"; anything else the note parser says is an invalid carrier.
 */
static int note_absent(int err)
{
	return err == -ENODATA || err == -ENOEXEC;
}

int cm_verify_path(const struct cm_trust *t, const char *path, int carrier,
		   struct cm_verify_result *res)
{
	struct cm_verify_result x = { 0 }, n = { 0 };
	const char *why = NULL;
	int fd;

	memset(res, 0, sizeof(*res));
	res->carrier = carrier;
	fd = open_regular(path, &why);
	if (fd < 0) {
		res->why = why;
		return res->err = fd;
	}
	if (carrier != CM_CARRIER_NOTE)
		cm_verify_xattr_fd(t, fd, &x);
	if (carrier != CM_CARRIER_XATTR)
		cm_note_verify_fd(t, fd, &n);
	close(fd);

	switch (carrier) {
	case CM_CARRIER_XATTR:
		*res = x;
		break;
	case CM_CARRIER_NOTE:
		*res = n;
		break;
	case CM_CARRIER_BOTH:
		*res = x.err ? x : n;
		res->verified = x.verified | n.verified;
		break;
	default:
		if (x.err && x.err != -ENODATA)
			*res = x;		/* present and invalid */
		else if (n.err && !note_absent(n.err))
			*res = n;		/* present and invalid */
		else if (!x.err)
			*res = x;
		else if (!n.err)
			*res = n;
		else
			*res = x;		/* neither present: unsigned */
		res->verified = x.verified | n.verified;
		break;
	}
	return res->err;
}

int cm_sign_path(struct cm_signer *s, int algo, const char *path,
		 int carrier, char *err, size_t errlen)
{
	const char *why = NULL;
	int fd, ret;

	if (carrier & CM_CARRIER_NOTE) {
		ret = cm_note_sign_path(s, algo, path, err, errlen);
		if (ret)
			return ret;
	}
	if (!(carrier & CM_CARRIER_XATTR))
		return 0;
	fd = open_regular(path, &why);
	if (fd < 0) {
		cm_seterr(err, errlen, "open: %s", why ? why : strerror(-fd));
		return fd;
	}
	ret = cm_sign_xattr_fd(s, algo, fd, err, errlen);
	close(fd);
	return ret;
}
