// SPDX-License-Identifier: MIT
/*
 * The IMA signature v2 header, shared by both carriers: libcryptomark's
 * view (struct cm_sig) of the value lib/shared/sigparse.c checks, the
 * parser the kernel LSM builds too, so a file cmverify accepts is a file
 * the kernel accepts.  evmctl 1.4 is laxer (it tolerates trailing bytes);
 * we are not.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "internal.h"
#include "shared/cm_parse.h"

int cm_sig_parse(const void *buf, size_t len, struct cm_sig *out,
		 const char **why)
{
	const struct cm_sig_hdr *hdr = buf;
	const char *dummy;
	int ret;

	if (!why)
		why = &dummy;
	*why = NULL;
	ret = cm_sig_check(buf, len, why);
	if (ret || !out)
		return ret;
	out->hash_algo = hdr->hash_algo;
	out->keyid = ntohl(hdr->keyid);
	out->sig = hdr->sig;
	out->sig_len = len - CM_SIG_HDR_SIZE;
	return 0;
}

int cm_sig_serialize(const struct cm_sig *sig, uint8_t *buf, size_t buflen)
{
	struct cm_sig_hdr hdr;

	if (sig->sig_len < CM_SIG_MIN_SIZE || sig->sig_len > CM_SIG_MAX_SIZE)
		return -EINVAL;
	if (cm_hash_accepted_size(sig->hash_algo) < 0)
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
