// SPDX-License-Identifier: MIT
/*
 * The IMA signature v2 header, shared by both carriers.  The parser is as
 * strict as the kernel's asymmetric_verify(): a file cmverify accepts must
 * be a file the kernel accepts.  evmctl 1.4 is laxer (it tolerates trailing
 * bytes); we are not.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "internal.h"

int cm_sig_parse(const void *buf, size_t len, struct cm_sig *out,
		 const char **why)
{
	const struct cm_sig_hdr *hdr = buf;
	const char *dummy;
	size_t sig_size;

	if (!why)
		why = &dummy;
	*why = NULL;
	if (len == 0) {
		*why = "empty value";
		return -ENODATA;
	}
	if (hdr->type != CM_IMA_XATTR_DIGSIG) {
		switch (hdr->type) {
		case 0x01:
		case 0x04:
			*why = "IMA digest, not a signature";
			break;
		case 0x05:
			*why = "EVM portable signature, not an IMA signature";
			break;
		case 0x06:
			*why = "fs-verity signature (unsupported)";
			break;
		default:
			*why = "unknown type byte";
		}
		return -EPROTO;
	}
	if (len < CM_SIG_HDR_SIZE) {
		*why = "truncated header";
		return -EBADMSG;
	}
	if (hdr->version != CM_SIG_VERSION) {
		*why = "unsupported signature version";
		return -EPROTONOSUPPORT;
	}
	sig_size = ntohs(hdr->sig_size);
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
	if (cm_hash_size(hdr->hash_algo) < 0) {
		*why = hdr->hash_algo < __CM_HASH_MAX ?
			"hash algorithm not accepted" : "unknown hash algorithm";
		return -ENOPKG;
	}
	if (out) {
		out->hash_algo = hdr->hash_algo;
		out->keyid = ntohl(hdr->keyid);
		out->sig = hdr->sig;
		out->sig_len = sig_size;
	}
	return 0;
}

int cm_sig_serialize(const struct cm_sig *sig, uint8_t *buf, size_t buflen)
{
	struct cm_sig_hdr hdr;

	if (sig->sig_len < CM_SIG_MIN_SIZE || sig->sig_len > CM_SIG_MAX_SIZE)
		return -EINVAL;
	if (cm_hash_size(sig->hash_algo) < 0)
		return -ENOPKG;
	if (buflen < CM_SIG_HDR_SIZE + sig->sig_len)
		return -ENOSPC;
	hdr.type = CM_IMA_XATTR_DIGSIG;
	hdr.version = CM_SIG_VERSION;
	hdr.hash_algo = sig->hash_algo;
	hdr.keyid = htonl(sig->keyid);
	hdr.sig_size = htons((uint16_t)sig->sig_len);
	memcpy(buf, &hdr, CM_SIG_HDR_SIZE);
	memcpy(buf + CM_SIG_HDR_SIZE, sig->sig, sig->sig_len);
	return (int)(CM_SIG_HDR_SIZE + sig->sig_len);
}
