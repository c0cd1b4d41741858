// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the security.ima signature parser.  Any input must be
 * parsed or refused with one of the documented errors, and an accepted
 * header must describe exactly the bytes given.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include <cryptomark/cryptomark.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[CM_XATTR_MAX_SIZE];
	const char *why = NULL;
	struct cm_sig sig;
	int r = cm_sig_parse(data, size, &sig, &why);

	switch (r) {
	case 0:
		if (sig.sig_len + CM_SIG_HDR_SIZE != size ||
		    sig.sig != data + CM_SIG_HDR_SIZE)
			abort();
		/* What parses must re-serialize to the same bytes. */
		if (cm_sig_serialize(&sig, out, sizeof(out)) != (int)size)
			abort();
		for (size_t i = 0; i < size; i++)
			if (out[i] != data[i])
				abort();
		break;
	case -ENODATA: case -EBADMSG: case -EMSGSIZE: case -EPROTO:
	case -EPROTONOSUPPORT: case -ENOPKG: case -E2BIG:
		if (!why)
			abort();
		break;
	default:
		abort();
	}
	return 0;
}
