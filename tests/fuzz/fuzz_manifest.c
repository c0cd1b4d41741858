// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the manifest parser, which reads package-supplied bytes
 * before their signature is checked.  Any input must be parsed or refused
 * with one of the documented errors (and a *why); an accepted manifest must
 * describe exactly the bytes given: items inside the buffer, valid sorted
 * unique paths, the trailer ending the input.  Verification against an
 * empty trust store must then say -ENOKEY, never crash.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cryptomark/manifest.h>

static int inside(const uint8_t *data, size_t size, const uint8_t *p,
		  size_t len)
{
	return p >= data && (size_t)(p - data) <= size &&
	       len <= size - (size_t)(p - data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cm_trust *empty;
	struct cm_manifest m;
	const char *why = NULL;
	int r;

	if (!empty)
		empty = cm_trust_new();
	r = cm_manifest_parse(data, size, &m, &why);
	switch (r) {
	case 0:
		if (m.signed_len + CM_SIG_HDR_SIZE + m.trailer.sig_len != size)
			abort();
		if (m.trailer.sig != data + m.signed_len + CM_SIG_HDR_SIZE)
			abort();
		for (size_t i = 0; i < m.n; i++) {
			const struct cm_manifest_item *it = &m.items[i];
			const char *w;

			if (!inside(data, m.signed_len, it->digest, it->digest_len) ||
			    !inside(data, m.signed_len, it->xattr, it->xattr_len))
				abort();
			if (cm_manifest_check_path(it->path, strlen(it->path), &w))
				abort();
			if (cm_hash_size(it->hash_algo) != (int)it->digest_len)
				abort();
			if (i && strcmp(m.items[i - 1].path, it->path) >= 0)
				abort();
		}
		if (m.cert_len) {
			/* Format 2: the certificate is signed, and confers nothing alone. */
			struct cm_trust *t = cm_trust_new();
			const char *w = NULL;

			if (!inside(data, m.signed_len, m.cert, m.cert_len))
				abort();
			if (t && !cm_trust_add_chained(t, m.cert, m.cert_len, &w))
				abort();
			cm_trust_free(t);
		}
		if (cm_manifest_verify(empty, data, &m) != -ENOKEY)
			abort();
		cm_manifest_release(&m);
		break;
	case -ENODATA: case -EBADMSG: case -EMSGSIZE: case -EPROTO:
	case -EPROTONOSUPPORT: case -ENOPKG: case -E2BIG: case -EINVAL:
	case -ENAMETOOLONG: case -EEXIST:
		if (!why || m.items || m.paths)
			abort();
		break;
	default:
		abort();
	}
	return 0;
}
