// SPDX-License-Identifier: MIT
/* ELF note carrier: placeholder so the tools link; the real parser follows. */
#include <errno.h>

#include "internal.h"

int cm_note_locate(int fd, uint64_t size, uint64_t *desc_off,
		   const char **why)
{
	if (why)
		*why = "ELF note carrier not built yet";
	return -ENOSYS;
}

int cm_note_verify_fd(const struct cm_trust *t, int fd,
		      struct cm_verify_result *res)
{
	res->err = -ENOSYS;
	res->why = "ELF note carrier not built yet";
	res->carrier = CM_CARRIER_NOTE;
	return res->err;
}

int cm_note_sign_path(struct cm_signer *s, int algo, const char *path,
		      char *err, size_t errlen)
{
	cm_seterr(err, errlen, "ELF note carrier not built yet");
	return -ENOSYS;
}
