// SPDX-License-Identifier: MIT
/* PKCS#11 keys: placeholder until the libp11 engine route lands. */
#include <errno.h>
#include "internal.h"

int cm_pkcs11_load_key(const char *uri, EVP_PKEY **out, char *err,
		       size_t errlen)
{
	cm_seterr(err, errlen, "%s: PKCS#11 keys are not supported yet", uri);
	return -ENOSYS;
}
