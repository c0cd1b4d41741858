// SPDX-License-Identifier: MIT
/*
 * Manifests: serializer and strict parser.  The parser runs on the install
 * side over bytes that arrived inside a package, before their signature is
 * checked, so every count, length and path is checked before use, with
 * overflow-safe arithmetic (pos > len || need > len - pos), and each
 * failure has its own errno and *why.  Layout: include/cryptomark/format.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include <cryptomark/manifest.h>

#include "internal.h"

int cm_manifest_check_path(const char *path, size_t len, const char **why)
{
	size_t i, start = 0;

	if (len == 0) {
		*why = "empty path";
		return -EINVAL;
	}
	if (len > CM_MANIFEST_MAX_PATH) {
		*why = "path too long";
		return -ENAMETOOLONG;
	}
	if (path[0] == '/') {
		*why = "absolute path";
		return -EINVAL;
	}
	/* Walk the components, including the one ending at len. */
	for (i = 0; i <= len; i++) {
		size_t clen;

		if (i < len && path[i] == '\0') {
			*why = "NUL byte in path";
			return -EINVAL;
		}
		if (i < len && path[i] != '/')
			continue;
		clen = i - start;
		if (clen == 0) {
			*why = "empty path component";
			return -EINVAL;
		}
		if ((clen == 1 && path[start] == '.') ||
		    (clen == 2 && path[start] == '.' && path[start + 1] == '.')) {
			*why = "\".\" or \"..\" path component";
			return -EINVAL;
		}
		start = i + 1;
	}
	return 0;
}

/* Byte order, a proper prefix first: what the format calls increasing. */
static int path_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	if (c)
		return c;
	return alen < blen ? -1 : alen > blen;
}

static int item_cmp(const void *pa, const void *pb)
{
	const struct cm_manifest_item *a = *(const struct cm_manifest_item *const *)pa;
	const struct cm_manifest_item *b = *(const struct cm_manifest_item *const *)pb;

	return path_cmp(a->path, strlen(a->path), b->path, strlen(b->path));
}

/* Checks an entry's digest and xattr agree with each other and the format. */
static int check_entry_crypto(int algo, size_t digest_len, const uint8_t *xattr,
			      size_t xattr_len, const char **why)
{
	struct cm_sig sig;
	int dlen = cm_hash_size(algo);
	int ret;

	if (dlen < 0) {
		*why = "entry hash algorithm not accepted";
		return -ENOPKG;
	}
	if (digest_len != (size_t)dlen) {
		*why = "digest length does not match its algorithm";
		return -EBADMSG;
	}
	ret = cm_sig_parse(xattr, xattr_len, &sig, why);
	if (ret) {
		if (ret == -ENODATA)
			*why = "entry without a signature";
		return ret == -ENODATA ? -EBADMSG : ret;
	}
	if (sig.hash_algo != algo) {
		*why = "entry signature uses another hash algorithm";
		return -EBADMSG;
	}
	return 0;
}

/* Every item valid, the body's size: 0 or an error named in @err. */
static int check_items(const struct cm_manifest_item *items, size_t n,
		       uint64_t *body, char *err, size_t errlen)
{
	const char *why = NULL;
	int ret;

	if (n > CM_MANIFEST_MAX_ENTRIES) {
		cm_seterr(err, errlen, "%zu files: a manifest holds at most %u",
			  n, CM_MANIFEST_MAX_ENTRIES);
		return -E2BIG;
	}
	*body = 0;
	for (size_t i = 0; i < n; i++) {
		const struct cm_manifest_item *it = &items[i];
		size_t plen = strlen(it->path);

		ret = cm_manifest_check_path(it->path, plen, &why);
		if (!ret)
			ret = check_entry_crypto(it->hash_algo, it->digest_len,
						 it->xattr, it->xattr_len, &why);
		if (ret) {
			cm_seterr(err, errlen, "%s: %s", it->path, why);
			return ret;
		}
		/* Bounded above, so no overflow in 64 bits. */
		*body += CM_SIZEOF_MANIFEST_ENTRY + plen + it->digest_len +
			 it->xattr_len;
	}
	if (*body > UINT32_MAX) {
		cm_seterr(err, errlen, "manifest body of %llu bytes exceeds 4 GiB",
			  (unsigned long long)*body);
		return -E2BIG;
	}
	return 0;
}

/* The items by path (the on-disk order); a path listed twice is refused. */
static int sort_items(const struct cm_manifest_item *items, size_t n,
		      const struct cm_manifest_item ***out, char *err,
		      size_t errlen)
{
	const struct cm_manifest_item **sorted;

	sorted = malloc((n ? n : 1) * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		sorted[i] = &items[i];
	qsort(sorted, n, sizeof(*sorted), item_cmp);
	for (size_t i = 1; i < n; i++) {
		if (!strcmp(sorted[i - 1]->path, sorted[i]->path)) {
			cm_seterr(err, errlen, "%s: listed twice",
				  sorted[i]->path);
			free(sorted);
			return -EEXIST;
		}
	}
	*out = sorted;
	return 0;
}

/* Header, entries and certificate into @buf; returns their end. */
static uint8_t *write_unsigned(uint8_t *buf,
			       const struct cm_manifest_item **sorted,
			       size_t n, int hash_algo, uint64_t body,
			       const unsigned char *cert_der, int cert_len)
{
	struct cm_manifest_hdr hdr;
	uint8_t *p;

	memset(&hdr, 0, sizeof(hdr));
	memcpy(hdr.magic, CM_MANIFEST_MAGIC, sizeof(hdr.magic));
	hdr.format = htons(cert_len ? CM_MANIFEST_FORMAT_CERT : CM_MANIFEST_FORMAT);
	hdr.hash_algo = (__u8)hash_algo;
	hdr.n_entries = htonl((uint32_t)n);
	hdr.body_len = htonl((uint32_t)body);
	hdr.reserved2 = htonl((uint32_t)cert_len);
	memcpy(buf, &hdr, sizeof(hdr));
	p = buf + sizeof(hdr);
	for (size_t i = 0; i < n; i++) {
		const struct cm_manifest_item *it = sorted[i];
		struct cm_manifest_entry e = { 0 };
		size_t plen = strlen(it->path);

		e.path_len = htons((uint16_t)plen);
		e.hash_algo = (__u8)it->hash_algo;
		e.digest_len = (__u8)it->digest_len;
		e.xattr_len = htons((uint16_t)it->xattr_len);
		memcpy(p, &e, sizeof(e));
		p += sizeof(e);
		memcpy(p, it->path, plen);
		p += plen;
		memcpy(p, it->digest, it->digest_len);
		p += it->digest_len;
		memcpy(p, it->xattr, it->xattr_len);
		p += it->xattr_len;
	}
	if (cert_len)
		memcpy(p, cert_der, (size_t)cert_len);
	return p + (cert_len > 0 ? cert_len : 0);
}

int cm_manifest_build_ex(const struct cm_manifest_item *items, size_t n,
			 int hash_algo, struct cm_signer *s, unsigned int flags,
			 uint8_t **out, size_t *outlen, char *err,
			 size_t errlen)
{
	const struct cm_manifest_item **sorted;
	unsigned char *cert_der = NULL;
	uint8_t digest[CM_MAX_DIGEST_SIZE];
	uint8_t *buf = NULL, *p;
	uint64_t body;
	int ret, cert_len = 0;

	if (cm_hash_size(hash_algo) < 0) {
		cm_seterr(err, errlen, "hash algorithm %d not accepted",
			  hash_algo);
		return -ENOPKG;
	}
	ret = check_items(items, n, &body, err, errlen);
	if (!ret)
		ret = sort_items(items, n, &sorted, err, errlen);
	if (ret)
		return ret;
	if (flags & CM_MANIFEST_EMBED_CERT) {
		cert_len = i2d_X509(cm_signer_cert(s), &cert_der);
		if (cert_len <= 0 || cert_len > CM_MANIFEST_MAX_CERT) {
			cm_seterr(err, errlen, "signer certificate: cannot embed it (%d bytes)",
				  cert_len);
			ret = cert_len <= 0 ? -ENOMEM : -E2BIG;
			goto out;
		}
	}
	buf = malloc(CM_SIZEOF_MANIFEST_HDR + (size_t)body + (size_t)cert_len +
		     CM_XATTR_MAX_SIZE);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	p = write_unsigned(buf, sorted, n, hash_algo, body, cert_der, cert_len);
	ret = cm_digest_buf(buf, (size_t)(p - buf), hash_algo, digest);
	if (ret < 0) {
		cm_seterr(err, errlen, "manifest digest failed");
		goto out;
	}
	/* The trailer is exactly a security.ima value over that digest. */
	ret = cm_signer_sign(s, hash_algo, digest, p, CM_XATTR_MAX_SIZE, err,
			     errlen);
	if (ret < 0)
		goto out;
	*outlen = (size_t)(p - buf) + (size_t)ret;
	*out = buf;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	free(sorted);
	OPENSSL_free(cert_der);
	return ret;
}

int cm_manifest_build(const struct cm_manifest_item *items, size_t n,
		      int hash_algo, struct cm_signer *s, uint8_t **out,
		      size_t *outlen, char *err, size_t errlen)
{
	return cm_manifest_build_ex(items, n, hash_algo, s, 0, out, outlen,
				    err, errlen);
}

void cm_manifest_release(struct cm_manifest *m)
{
	free(m->items);
	free(m->paths);
	memset(m, 0, sizeof(*m));
}

/* The header's fields, checked; what follows it is not looked at. */
struct mf_hdr {
	unsigned int hash_algo;
	size_t n, body_end, cert_len;
};

static int parse_hdr(const uint8_t *b, size_t len, struct mf_hdr *h,
		     const char **why)
{
	struct cm_manifest_hdr hdr;
	unsigned int fmt;

	if (len < CM_SIZEOF_MANIFEST_HDR) {
		*why = "truncated header";
		return -EBADMSG;
	}
	memcpy(&hdr, b, sizeof(hdr));
	if (memcmp(hdr.magic, CM_MANIFEST_MAGIC, sizeof(hdr.magic))) {
		*why = "bad magic";
		return -EPROTO;
	}
	fmt = ntohs(hdr.format);
	if (fmt != CM_MANIFEST_FORMAT && fmt != CM_MANIFEST_FORMAT_CERT) {
		*why = "unsupported manifest format";
		return -EPROTONOSUPPORT;
	}
	if (hdr.reserved || (fmt == CM_MANIFEST_FORMAT && hdr.reserved2)) {
		*why = "reserved header field not zero";
		return -EBADMSG;
	}
	h->cert_len = fmt == CM_MANIFEST_FORMAT_CERT ? ntohl(hdr.reserved2) : 0;
	if (fmt == CM_MANIFEST_FORMAT_CERT &&
	    (!h->cert_len || h->cert_len > CM_MANIFEST_MAX_CERT)) {
		*why = "certificate length out of range";
		return -EBADMSG;
	}
	if (cm_hash_size(hdr.hash_algo) < 0) {
		*why = "manifest hash algorithm not accepted";
		return -ENOPKG;
	}
	h->hash_algo = hdr.hash_algo;
	h->n = ntohl(hdr.n_entries);
	if (h->n > CM_MANIFEST_MAX_ENTRIES) {
		*why = "too many entries";
		return -E2BIG;
	}
	if (ntohl(hdr.body_len) > len - CM_SIZEOF_MANIFEST_HDR) {
		*why = "body_len beyond the end of the manifest";
		return -EMSGSIZE;
	}
	h->body_end = CM_SIZEOF_MANIFEST_HDR + ntohl(hdr.body_len);
	/*
	 * Each entry takes at least its fixed part, so a count the body cannot
	 * hold is refused before anything is allocated for it.
	 */
	if (h->n > (h->body_end - CM_SIZEOF_MANIFEST_HDR) / CM_SIZEOF_MANIFEST_ENTRY) {
		*why = "more entries than the body can hold";
		return -EMSGSIZE;
	}
	return 0;
}

/* Paths strictly increasing: -EEXIST for a duplicate, -EBADMSG for order. */
static int check_order(const struct cm_manifest_item *prev, const char *path,
		       size_t plen, const char **why)
{
	int c = path_cmp(prev->path, strlen(prev->path), path, plen);

	if (c < 0)
		return 0;
	*why = c ? "paths not in increasing order" : "duplicate path";
	return c ? -EBADMSG : -EEXIST;
}

/*
 * Entry @i at *pos (advanced past it), its path copied to *pp (advanced);
 * the digest and xattr point into @b.
 */
static int parse_entry(const uint8_t *b, size_t *pos, size_t body_end,
		       struct cm_manifest *m, size_t i, char **pp,
		       const char **why)
{
	struct cm_manifest_item *it = &m->items[i];
	struct cm_manifest_entry e;
	size_t plen, dlen, xlen;
	int ret;

	if (CM_SIZEOF_MANIFEST_ENTRY > body_end - *pos) {
		*why = "truncated entry header";
		return -EMSGSIZE;
	}
	memcpy(&e, b + *pos, sizeof(e));
	*pos += CM_SIZEOF_MANIFEST_ENTRY;
	if (e.reserved) {
		*why = "reserved entry field not zero";
		return -EBADMSG;
	}
	plen = ntohs(e.path_len);
	dlen = e.digest_len;
	xlen = ntohs(e.xattr_len);
	/* Each term is at most 65535: the sum cannot overflow. */
	if (plen + dlen + xlen > body_end - *pos) {
		*why = "entry extends beyond the body";
		return -EMSGSIZE;
	}
	ret = cm_manifest_check_path((const char *)b + *pos, plen, why);
	if (!ret && i > 0)
		ret = check_order(&m->items[i - 1], (const char *)b + *pos,
				  plen, why);
	if (ret)
		return ret;
	memcpy(*pp, b + *pos, plen);
	(*pp)[plen] = '\0';
	it->path = *pp;
	*pp += plen + 1;
	*pos += plen;
	it->hash_algo = e.hash_algo;
	it->digest = b + *pos;
	it->digest_len = dlen;
	*pos += dlen;
	it->xattr = b + *pos;
	it->xattr_len = xlen;
	*pos += xlen;
	return check_entry_crypto(it->hash_algo, dlen, it->xattr, xlen, why);
}

/* The certificate (format 2) and the trailer signature after the body. */
static int parse_tail(const uint8_t *b, size_t len, size_t pos,
		      const struct mf_hdr *h, struct cm_manifest *m,
		      const char **why)
{
	int ret;

	if (h->cert_len) {
		if (h->cert_len > len - pos) {
			*why = "certificate beyond the end of the manifest";
			return -EMSGSIZE;
		}
		m->cert = b + pos;
		m->cert_len = h->cert_len;
		pos += h->cert_len;
	}
	if (pos == len) {
		*why = "no trailer signature (unsigned manifest)";
		return -ENODATA;
	}
	ret = cm_sig_parse(b + pos, len - pos, &m->trailer, why);
	if (ret)
		return ret;
	if (m->trailer.hash_algo != h->hash_algo) {
		*why = "trailer hash algorithm differs from the header's";
		return -EBADMSG;
	}
	m->signed_len = pos;
	return 0;
}

int cm_manifest_parse(const void *buf, size_t len, struct cm_manifest *m,
		      const char **why)
{
	const uint8_t *b = buf;
	struct mf_hdr h;
	const char *dummy;
	size_t pos = CM_SIZEOF_MANIFEST_HDR;
	char *pp;
	int ret;

	if (!why)
		why = &dummy;
	*why = NULL;
	memset(m, 0, sizeof(*m));
	ret = parse_hdr(b, len, &h, why);
	if (ret)
		return ret;
	m->items = calloc(h.n ? h.n : 1, sizeof(*m->items));
	/* Every path plus its NUL fits in body bytes + n. */
	m->paths = malloc((h.body_end - pos) + h.n + 1);
	if (!m->items || !m->paths) {
		ret = -ENOMEM;
		goto out_release;
	}
	pp = m->paths;
	for (size_t i = 0; i < h.n; i++) {
		ret = parse_entry(b, &pos, h.body_end, m, i, &pp, why);
		if (ret)
			goto out_release;
	}
	if (pos != h.body_end) {
		*why = "bytes after the last entry in the body";
		ret = -EMSGSIZE;
		goto out_release;
	}
	ret = parse_tail(b, len, pos, &h, m, why);
	if (ret)
		goto out_release;
	m->hash_algo = (int)h.hash_algo;
	m->n = h.n;
	return 0;
out_release:
	cm_manifest_release(m);
	return ret;
}

int cm_manifest_verify(const struct cm_trust *t, const void *buf,
		       const struct cm_manifest *m)
{
	uint8_t digest[CM_MAX_DIGEST_SIZE];
	int ret;

	ret = cm_digest_buf(buf, m->signed_len, m->hash_algo, digest);
	if (ret < 0)
		return ret;
	return cm_trust_verify(t, &m->trailer, digest, (size_t)ret);
}

int cm_manifest_read(const char *path, uint8_t **out, size_t *len)
{
	int ret = cm_read_file(path, CM_MANIFEST_MAX_FILE, out, len);

	return ret == -E2BIG ? -EFBIG : ret;
}
