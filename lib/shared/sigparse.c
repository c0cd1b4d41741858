// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * The security.ima signature v2 header (struct cm_sig_hdr), the value of
 * carrier 1 and the descriptor of carrier 2.  As strict as the kernel's
 * asymmetric_verify(): the header complete, sig_size exactly the rest, a
 * SHA-2 hash.  One source for libcryptomark and the kernel LSM
 * (cm_parse.h); tests/vectors/sig/ pins every error.
 */
#include "cm_parse.h"
#include "cm_private.h"

int cm_hash_accepted_size(unsigned int hash_algo)
{
	switch (hash_algo) {
	case CM_HASH_SHA224:
		return 28;
	case CM_HASH_SHA256:
		return 32;
	case CM_HASH_SHA384:
		return 48;
	case CM_HASH_SHA512:
		return 64;
	default:
		return -ENOPKG;
	}
}

static const char *cm_sig_type_why(uint8_t type)
{
	switch (type) {
	case 0x01:
	case 0x04:
		return "IMA digest, not a signature";
	case 0x05:
		return "EVM portable signature, not an IMA signature";
	case 0x06:
		return "fs-verity signature (unsupported)";
	default:
		return "unknown type byte";
	}
}

int cm_sig_check(const uint8_t *buf, size_t len, const char **why)
{
	size_t sig_size;

	if (len == 0) {
		*why = "empty value";
		return -ENODATA;
	}
	if (buf[0] != CM_IMA_XATTR_DIGSIG) {
		*why = cm_sig_type_why(buf[0]);
		return -EPROTO;
	}
	if (len < CM_SIG_HDR_SIZE) {
		*why = "truncated header";
		return -EBADMSG;
	}
	if (buf[1] != CM_SIG_VERSION) {
		*why = "unsupported signature version";
		return -EPROTONOSUPPORT;
	}
	sig_size = (size_t)buf[7] << 8 | buf[8];	/* sig_size, big-endian */
	if (sig_size != len - CM_SIG_HDR_SIZE) {
		*why = sig_size > len - CM_SIG_HDR_SIZE ?
		       "sig_size exceeds the data" :
		       "trailing bytes after the signature";
		return -EMSGSIZE;
	}
	if (sig_size < CM_SIG_MIN_SIZE) {
		*why = "signature too short";
		return -EBADMSG;
	}
	if (sig_size > CM_SIG_MAX_SIZE) {
		*why = "signature too long";
		return -E2BIG;
	}
	if (cm_hash_accepted_size(buf[2]) < 0) {
		*why = buf[2] < __CM_HASH_MAX ? "hash algorithm not accepted" :
		       "unknown hash algorithm";
		return -ENOPKG;
	}
	return 0;
}

/* Zero padding after the value leaves one byte form per signature. */
int cm_note_desc_check(const uint8_t *desc, size_t *sig_len,
		       const char **why)
{
	size_t len = CM_SIG_HDR_SIZE + ((size_t)desc[7] << 8 | desc[8]);
	size_t i;
	int ret;

	if (len > CM_NOTE_DESC_SIZE)
		len = CM_NOTE_DESC_SIZE;	/* cm_sig_check() reports it */
	ret = cm_sig_check(desc, len, why);
	if (ret)
		return ret;
	for (i = len; i < CM_NOTE_DESC_SIZE; i++) {
		if (desc[i]) {
			*why = "non-zero padding after the signature";
			return -EBADMSG;
		}
	}
	*sig_len = len;
	return 0;
}
