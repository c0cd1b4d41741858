// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the keyring bundle and seal-file parsers.  The first
 * input byte picks the parser (even: bundle, odd: seal); the rest is the
 * file.  Any input must be accepted or refused with a documented error and
 * a reason; what the bundle parser accepts must re-serialize to the same
 * bytes (its records are canonical when in serializer order) and every
 * pointer it returns must lie inside the input.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cryptomark/bundle.h>

static int documented(int r)
{
	switch (r) {
	case -EBADMSG: case -EPROTO: case -EPROTONOSUPPORT: case -EMSGSIZE:
	case -E2BIG: case -ENOPKG: case -ERANGE: case -ENOKEY: case -EEXIST:
		return 1;
	default:
		return 0;
	}
}

static int inside(const uint8_t *p, size_t n, const uint8_t *buf, size_t len)
{
	return p >= buf && n <= len && (size_t)(p - buf) <= len - n;
}

/* Serializer order: certificates, then key ids, then digests. */
static int canonical_order(const uint8_t *buf, size_t len)
{
	size_t off = CM_SIZEOF_BUNDLE_HDR;
	int last = 0;

	while (off < len) {
		int type = buf[off] << 8 | buf[off + 1];
		uint32_t l = (uint32_t)buf[off + 4] << 24 | buf[off + 5] << 16 |
			     buf[off + 6] << 8 | buf[off + 7];

		if (type < last)
			return 0;
		last = type;
		off += CM_SIZEOF_BUNDLE_REC + l + ((4 - (l & 3)) & 3);
	}
	return 1;
}

static void fuzz_bundle(const uint8_t *data, size_t size)
{
	struct cm_bundle b;
	const char *why = NULL;
	uint8_t *out;
	size_t out_len;
	int r = cm_bundle_parse(data, size, &b, &why);

	if (r) {
		if (!documented(r) || !why)
			abort();
		if (b.certs || b.keyids || b.digests)
			abort();
		return;
	}
	if (!b.n_certs)
		abort();
	for (size_t i = 0; i < b.n_certs; i++)
		if (!inside(b.certs[i].der, b.certs[i].len, data, size))
			abort();
	for (size_t i = 0; i < b.n_digests; i++)
		if (!inside(b.digests[i].d, b.digests[i].len, data, size) ||
		    cm_hash_size(b.digests[i].algo) != b.digests[i].len)
			abort();
	if (cm_bundle_serialize(&b, &out, &out_len))
		abort();
	if (canonical_order(data, size) &&
	    (out_len != size || memcmp(out, data, size)))
		abort();
	free(out);
	cm_bundle_release(&b);
}

static void fuzz_seal(const uint8_t *data, size_t size)
{
	struct cm_seal s;
	const char *why = NULL;
	uint8_t *out;
	size_t out_len;
	int r = cm_seal_parse(data, size, &s, &why);

	if (r) {
		if (!documented(r) || !why)
			abort();
		return;
	}
	if (!inside(s.pub, s.pub_len, data, size) ||
	    !inside(s.priv, s.priv_len, data, size) ||
	    CM_SIZEOF_SEAL_HDR + s.pub_len + s.priv_len != size)
		abort();
	if (cm_seal_serialize(&s, &out, &out_len) || out_len != size ||
	    memcmp(out, data, size))
		abort();
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	if (data[0] & 1)
		fuzz_seal(data + 1, size - 1);
	else
		fuzz_bundle(data + 1, size - 1);
	return 0;
}
