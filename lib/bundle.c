// SPDX-License-Identifier: MIT
/*
 * The keyring bundle and its sealed-key file: strict parsers for untrusted
 * bytes (both files live on disk where an attacker may rewrite them; what
 * authenticates the bundle is the HMAC keyed by the TPM-sealed secret, and
 * that is checked only after these parsers have accepted the layout) and
 * the serializers cmkeys writes them with.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/x509.h>

#include <cryptomark/bundle.h>

#include "internal.h"

static uint16_t get_be16(const void *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return be16toh(v);
}

static uint32_t get_be32(const void *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return be32toh(v);
}

static uint64_t get_be64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return be64toh(v);
}

static void put_be16(void *p, uint16_t v)
{
	v = htobe16(v);
	memcpy(p, &v, sizeof(v));
}

static void put_be32(void *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, sizeof(v));
}

static void put_be64(void *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, sizeof(v));
}

static int fail(const char **why, const char *msg, int err)
{
	if (why)
		*why = msg;
	return err;
}

/*
 * Room for one more element.  Records are capped at CM_BUNDLE_MAX_RECORDS,
 * so growing one at a time costs little and keeps the arithmetic obvious.
 */
static void *grow(void *v, size_t n, size_t size)
{
	return realloc(v, (n + 1) * size);
}

static size_t n_records(const struct cm_bundle *b)
{
	return b->n_certs + b->n_keyids + b->n_digests;
}

int cm_bundle_add_cert(struct cm_bundle *b, const uint8_t *der, size_t len)
{
	struct cm_bundle_cert *v;

	if (n_records(b) >= CM_BUNDLE_MAX_RECORDS || len > CM_BUNDLE_MAX_SIZE)
		return -E2BIG;
	v = grow(b->certs, b->n_certs, sizeof(*v));
	if (!v)
		return -ENOMEM;
	b->certs = v;
	v[b->n_certs++] = (struct cm_bundle_cert){ der, (uint32_t)len, 0 };
	return 0;
}

int cm_bundle_add_keyid(struct cm_bundle *b, uint32_t keyid)
{
	uint32_t *v;

	if (n_records(b) >= CM_BUNDLE_MAX_RECORDS)
		return -E2BIG;
	v = grow(b->keyids, b->n_keyids, sizeof(*v));
	if (!v)
		return -ENOMEM;
	b->keyids = v;
	v[b->n_keyids++] = keyid;
	return 0;
}

int cm_bundle_add_digest(struct cm_bundle *b, int algo, const uint8_t *d,
			 size_t len)
{
	struct cm_bundle_digest *v;
	int size = cm_hash_size(algo);

	if (size < 0)
		return size;
	if (len != (size_t)size)
		return -EBADMSG;
	if (n_records(b) >= CM_BUNDLE_MAX_RECORDS)
		return -E2BIG;
	v = grow(b->digests, b->n_digests, sizeof(*v));
	if (!v)
		return -ENOMEM;
	b->digests = v;
	v[b->n_digests++] = (struct cm_bundle_digest){ (uint8_t)algo,
						       (uint8_t)len, d };
	return 0;
}

void cm_bundle_release(struct cm_bundle *b)
{
	if (!b)
		return;
	free(b->certs);
	free(b->keyids);
	free(b->digests);
	memset(b, 0, sizeof(*b));
}

static size_t pad4(size_t n)
{
	return (4 - (n & 3)) & 3;
}

/* Appends one record; @out has room (sized by the caller). */
static size_t put_rec(uint8_t *out, uint16_t type, const void *a, size_t alen,
		      const void *b, size_t blen)
{
	size_t n = alen + blen;

	put_be16(out, type);
	put_be16(out + 2, 0);
	put_be32(out + 4, (uint32_t)n);
	memcpy(out + CM_SIZEOF_BUNDLE_REC, a, alen);
	if (blen)
		memcpy(out + CM_SIZEOF_BUNDLE_REC + alen, b, blen);
	memset(out + CM_SIZEOF_BUNDLE_REC + n, 0, pad4(n));
	return CM_SIZEOF_BUNDLE_REC + n + pad4(n);
}

int cm_bundle_serialize(const struct cm_bundle *b, uint8_t **out,
			size_t *outlen)
{
	size_t total = CM_SIZEOF_BUNDLE_HDR, off;
	uint8_t *buf;

	if (n_records(b) > CM_BUNDLE_MAX_RECORDS)
		return -E2BIG;
	/* Each term is bounded by CM_BUNDLE_MAX_SIZE, so the sum cannot wrap. */
	for (size_t i = 0; i < b->n_certs; i++) {
		if (b->certs[i].len > CM_BUNDLE_MAX_SIZE)
			return -E2BIG;
		total += CM_SIZEOF_BUNDLE_REC + b->certs[i].len +
			 pad4(b->certs[i].len);
		if (total > CM_BUNDLE_MAX_SIZE)
			return -E2BIG;
	}
	total += b->n_keyids * (CM_SIZEOF_BUNDLE_REC + 4);
	for (size_t i = 0; i < b->n_digests; i++)
		total += CM_SIZEOF_BUNDLE_REC + 1 + b->digests[i].len +
			 pad4(1 + b->digests[i].len);
	if (total > CM_BUNDLE_MAX_SIZE)
		return -E2BIG;

	buf = malloc(total);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, CM_BUNDLE_MAGIC, 8);
	put_be16(buf + 8, CM_BUNDLE_FORMAT);
	put_be16(buf + 10, 0);
	put_be32(buf + 12, (uint32_t)n_records(b));
	put_be64(buf + 16, b->version);
	put_be32(buf + 24, (uint32_t)(total - CM_SIZEOF_BUNDLE_HDR));
	put_be32(buf + 28, 0);
	off = CM_SIZEOF_BUNDLE_HDR;
	for (size_t i = 0; i < b->n_certs; i++)
		off += put_rec(buf + off, CM_BREC_CERT, b->certs[i].der,
			       b->certs[i].len, NULL, 0);
	for (size_t i = 0; i < b->n_keyids; i++) {
		uint8_t k[4];

		put_be32(k, b->keyids[i]);
		off += put_rec(buf + off, CM_BREC_REVOKED_KEYID, k, 4, NULL, 0);
	}
	for (size_t i = 0; i < b->n_digests; i++) {
		uint8_t a = b->digests[i].algo;

		off += put_rec(buf + off, CM_BREC_REVOKED_DIGEST, &a, 1,
			       b->digests[i].d, b->digests[i].len);
	}
	*out = buf;
	*outlen = off;
	return 0;
}

/* A DER certificate that parses completely and carries a SKID. */
static int check_cert(const uint8_t *der, uint32_t len, uint32_t *keyid,
		      const char **why)
{
	const unsigned char *p = der;
	X509 *cert;
	int ret;

	cert = d2i_X509(NULL, &p, len);
	if (!cert)
		return fail(why, "certificate record: not a DER X.509 certificate",
			    -EBADMSG);
	if (p != der + len) {
		X509_free(cert);
		return fail(why, "certificate record: bytes after the certificate",
			    -EBADMSG);
	}
	ret = cm_cert_keyid(cert, keyid);
	X509_free(cert);
	if (ret)
		return fail(why, "certificate record: no subjectKeyIdentifier",
			    ret);
	return 0;
}

static int parse_record(struct cm_bundle *b, uint16_t type, const uint8_t *d,
			uint32_t len, const char **why)
{
	uint32_t keyid;
	int ret, size;

	switch (type) {
	case CM_BREC_CERT:
		ret = check_cert(d, len, &keyid, why);
		if (ret)
			return ret;
		for (size_t i = 0; i < b->n_certs; i++)
			if (b->certs[i].keyid == keyid)
				return fail(why, "two certificates with the same key id",
					    -EEXIST);
		ret = cm_bundle_add_cert(b, d, len);
		if (!ret)
			b->certs[b->n_certs - 1].keyid = keyid;
		return ret;
	case CM_BREC_REVOKED_KEYID:
		if (len != 4)
			return fail(why, "revoked key id record: length not 4",
				    -EBADMSG);
		return cm_bundle_add_keyid(b, get_be32(d));
	case CM_BREC_REVOKED_DIGEST:
		if (len < 1)
			return fail(why, "revoked digest record: empty", -EBADMSG);
		size = cm_hash_size(d[0]);
		if (size < 0)
			return fail(why, "revoked digest record: unsupported hash algorithm",
				    -ENOPKG);
		if (len - 1 != (uint32_t)size)
			return fail(why, "revoked digest record: length does not match the algorithm",
				    -EBADMSG);
		return cm_bundle_add_digest(b, d[0], d + 1, len - 1);
	default:
		return fail(why, "unknown record type", -EPROTO);
	}
}

/* The record at *off, its framing and padding checked; *off moves past it. */
static int parse_framed_record(struct cm_bundle *b, const uint8_t *p,
			       size_t len, size_t *off, const char **why)
{
	uint32_t rlen;
	uint16_t type;
	size_t padded;
	int ret;

	if (len - *off < CM_SIZEOF_BUNDLE_REC)
		return fail(why, "record header truncated", -EBADMSG);
	type = get_be16(p + *off);
	if (get_be16(p + *off + 2))
		return fail(why, "record reserved field not zero", -EBADMSG);
	rlen = get_be32(p + *off + 4);
	*off += CM_SIZEOF_BUNDLE_REC;
	/* len - off is what remains; compare without adding to off. */
	if (rlen > len - *off)
		return fail(why, "record length runs past the end", -EMSGSIZE);
	padded = rlen + pad4(rlen);
	if (padded > len - *off)
		return fail(why, "record padding runs past the end", -EMSGSIZE);
	for (size_t j = rlen; j < padded; j++)
		if (p[*off + j])
			return fail(why, "record padding not zero", -EBADMSG);
	ret = parse_record(b, type, p + *off, rlen, why);
	if (!ret)
		*off += padded;
	return ret;
}

int cm_bundle_parse(const void *buf, size_t len, struct cm_bundle *out,
		    const char **why)
{
	const uint8_t *p = buf;
	struct cm_bundle b = { 0 };
	uint32_t nrec, body_len;
	size_t off;
	int ret;

	memset(out, 0, sizeof(*out));
	if (len < CM_SIZEOF_BUNDLE_HDR)
		return fail(why, "shorter than the bundle header", -EBADMSG);
	if (memcmp(p, CM_BUNDLE_MAGIC, 8))
		return fail(why, "bad magic (not a cryptomark bundle)", -EPROTO);
	if (get_be16(p + 8) != CM_BUNDLE_FORMAT)
		return fail(why, "unknown bundle format", -EPROTONOSUPPORT);
	if (get_be16(p + 10) || get_be32(p + 28))
		return fail(why, "reserved header field not zero", -EBADMSG);
	if (len > CM_BUNDLE_MAX_SIZE)
		return fail(why, "bundle larger than CM_BUNDLE_MAX_SIZE", -E2BIG);
	nrec = get_be32(p + 12);
	if (nrec > CM_BUNDLE_MAX_RECORDS)
		return fail(why, "more records than CM_BUNDLE_MAX_RECORDS", -E2BIG);
	body_len = get_be32(p + 24);
	if (body_len != len - CM_SIZEOF_BUNDLE_HDR)
		return fail(why, "body_len does not match the bytes present",
			    -EMSGSIZE);
	b.version = get_be64(p + 16);

	off = CM_SIZEOF_BUNDLE_HDR;
	for (uint32_t i = 0; i < nrec; i++) {
		ret = parse_framed_record(&b, p, len, &off, why);
		if (ret)
			goto out_release;
	}
	if (off != len) {
		ret = fail(why, "bytes after the last record", -EMSGSIZE);
		goto out_release;
	}
	if (!b.n_certs) {
		ret = fail(why, "no certificate: the bundle would trust nothing",
			   -ENOKEY);
		goto out_release;
	}
	*out = b;
	return 0;

out_release:
	cm_bundle_release(&b);
	return ret;
}

int cm_bundle_to_trust(const struct cm_bundle *b, struct cm_trust *t)
{
	int ret;

	for (size_t i = 0; i < b->n_certs; i++) {
		const unsigned char *p = b->certs[i].der;
		X509 *cert = d2i_X509(NULL, &p, b->certs[i].len);

		if (!cert)
			return -EBADMSG;
		ret = cm_trust_add_cert(t, cert);
		X509_free(cert);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < b->n_keyids; i++) {
		ret = cm_trust_revoke_keyid(t, b->keyids[i]);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < b->n_digests; i++) {
		ret = cm_trust_revoke_digest(t, b->digests[i].algo,
					     b->digests[i].d,
					     b->digests[i].len);
		if (ret)
			return ret;
	}
	return 0;
}

int cm_trust_add_bundle_file(struct cm_trust *t, const char *path,
			     const char **why)
{
	struct cm_bundle b;
	uint8_t *bytes;
	size_t len;
	int ret;

	ret = cm_read_file(path, CM_BUNDLE_MAX_SIZE, &bytes, &len);
	if (ret) {
		*why = ret == -E2BIG ? "bundle larger than CM_BUNDLE_MAX_SIZE" :
		       strerror(-ret);
		return ret;
	}
	/* The parsed bundle points into @bytes: free them last. */
	ret = cm_bundle_parse(bytes, len, &b, why);
	if (ret)
		goto out_free_bytes;
	ret = cm_bundle_to_trust(&b, t);
	if (ret)
		*why = strerror(-ret);
	cm_bundle_release(&b);
out_free_bytes:
	free(bytes);
	return ret;
}

/* ---- BUNDLE.seal ------------------------------------------------------- */

int cm_seal_parse(const void *buf, size_t len, struct cm_seal *out,
		  const char **why)
{
	const uint8_t *p = buf;
	size_t pub_len, priv_len, hdr = CM_SIZEOF_SEAL_HDR;
	uint32_t mask;

	memset(out, 0, sizeof(*out));
	if (len < CM_SIZEOF_SEAL_HDR)
		return fail(why, "shorter than the seal header", -EBADMSG);
	if (!memcmp(p, CM_SEAL_MAGIC_AUTH, 8))
		out->authorized = 1;
	else if (memcmp(p, CM_SEAL_MAGIC, 8))
		return fail(why, "bad magic (not a cryptomark seal)", -EPROTO);
	if (get_be16(p + 8) != CM_TPM2_ALG_SHA256)
		return fail(why, "PCR bank is not sha256", -ENOPKG);
	if (get_be16(p + 10))
		return fail(why, "reserved header field not zero", -EBADMSG);
	mask = get_be32(p + 12);
	if (!mask)
		return fail(why, "no PCR selected", -EBADMSG);
	if (mask >> CM_PCR_MAX)
		return fail(why, "PCR index above 23", -ERANGE);
	if (out->authorized) {
		const uint8_t *x = p + CM_SIZEOF_SEAL_HDR;

		if (len < CM_SIZEOF_SEAL_HDR + CM_SIZEOF_SEAL_AUTH)
			return fail(why, "shorter than the signed-policy extension",
				    -EBADMSG);
		if (get_be16(x) != CM_TPM2_ALG_SHA256)
			return fail(why, "policy key name is not a sha256 name",
				    -ENOPKG);
		if (get_be16(x + CM_TPM_NAME_SIZE))
			return fail(why, "reserved extension field not zero",
				    -EBADMSG);
		memcpy(out->key_name, x, CM_TPM_NAME_SIZE);
		out->nv_index = get_be32(x + CM_TPM_NAME_SIZE + 2);
		out->nv_max = (uint64_t)get_be32(x + CM_TPM_NAME_SIZE + 6) << 32 |
			      get_be32(x + CM_TPM_NAME_SIZE + 10);
		if (out->nv_index && (out->nv_index >> 24) != 0x01)
			return fail(why, "counter is not an NV index handle",
				    -ERANGE);
		hdr += CM_SIZEOF_SEAL_AUTH;
	}
	pub_len = get_be16(p + 16);
	priv_len = get_be16(p + 18);
	/* Each is < 64 KiB, so the sum cannot wrap. */
	if (pub_len + priv_len != len - hdr)
		return fail(why, "pub_len + priv_len do not match the bytes present",
			    -EMSGSIZE);
	/* Each blob is a TPM2B: a big-endian size, then exactly that much. */
	if (pub_len < 2 || get_be16(p + hdr) != pub_len - 2)
		return fail(why, "TPM2B_PUBLIC size does not match pub_len",
			    -EBADMSG);
	if (priv_len < 2 || get_be16(p + hdr + pub_len) != priv_len - 2)
		return fail(why, "TPM2B_PRIVATE size does not match priv_len",
			    -EBADMSG);
	out->pcr_bank = CM_TPM2_ALG_SHA256;
	out->pcr_mask = mask;
	out->pub = p + hdr;
	out->pub_len = pub_len;
	out->priv = p + hdr + pub_len;
	out->priv_len = priv_len;
	memcpy(out->policy_digest, p + 20, 32);
	memcpy(out->tag, p + 52, 32);
	return 0;
}

int cm_seal_serialize(const struct cm_seal *s, uint8_t **out, size_t *outlen)
{
	size_t total, hdr = CM_SIZEOF_SEAL_HDR;
	uint8_t *buf;

	if (s->pub_len > UINT16_MAX || s->priv_len > UINT16_MAX)
		return -E2BIG;
	if (!s->pcr_mask || s->pcr_mask >> CM_PCR_MAX)
		return -ERANGE;
	if (s->authorized)
		hdr += CM_SIZEOF_SEAL_AUTH;
	total = hdr + s->pub_len + s->priv_len;
	buf = calloc(1, total);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, s->authorized ? CM_SEAL_MAGIC_AUTH : CM_SEAL_MAGIC, 8);
	put_be16(buf + 8, s->pcr_bank);
	put_be16(buf + 10, 0);
	put_be32(buf + 12, s->pcr_mask);
	put_be16(buf + 16, (uint16_t)s->pub_len);
	put_be16(buf + 18, (uint16_t)s->priv_len);
	memcpy(buf + 20, s->policy_digest, 32);
	memcpy(buf + 52, s->tag, 32);
	if (s->authorized) {
		uint8_t *x = buf + CM_SIZEOF_SEAL_HDR;

		memcpy(x, s->key_name, CM_TPM_NAME_SIZE);
		put_be32(x + CM_TPM_NAME_SIZE + 2, s->nv_index);
		put_be32(x + CM_TPM_NAME_SIZE + 6, (uint32_t)(s->nv_max >> 32));
		put_be32(x + CM_TPM_NAME_SIZE + 10, (uint32_t)s->nv_max);
	}
	memcpy(buf + hdr, s->pub, s->pub_len);
	memcpy(buf + hdr + s->pub_len, s->priv, s->priv_len);
	*out = buf;
	*outlen = total;
	return 0;
}

int cm_bundle_tag(const uint8_t secret[CM_SEAL_SECRET_SIZE],
		  const void *bundle, size_t len, uint8_t tag[32])
{
	unsigned int tlen = 32;

	if (!HMAC(EVP_sha256(), secret, CM_SEAL_SECRET_SIZE, bundle, len, tag,
		  &tlen) || tlen != 32)
		return -EIO;
	return 0;
}

int cm_bundle_tag_check(const uint8_t secret[CM_SEAL_SECRET_SIZE],
			const void *bundle, size_t len, const uint8_t tag[32])
{
	uint8_t mine[32];
	int ret;

	ret = cm_bundle_tag(secret, bundle, len, mine);
	if (ret)
		return ret;
	ret = CRYPTO_memcmp(mine, tag, 32) ? -EKEYREJECTED : 0;
	OPENSSL_cleanse(mine, sizeof(mine));
	return ret;
}
