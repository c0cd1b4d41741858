// SPDX-License-Identifier: MIT
/*
 * The ima-sig measurement log: strict parser, record writer and the replay
 * of the sha256 bank of one PCR (attest/imalog.h, docs/FORMAT.md
 * "Measurement log").  Byte-exact with the kernel's ima_measurements_show()
 * and ima_template_lib.c on little-endian machines: every length is a
 * little-endian u32, every template field is a u32 length and its bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <cryptomark/cryptomark.h>

#include "imalog.h"

static const struct {
	const char *name;
	int algo;
	int size;
} algos[] = {
	{ "sha1", CM_HASH_SHA1, 20 },
	{ "sha256", CM_HASH_SHA256, 32 },
	{ "sha384", CM_HASH_SHA384, 48 },
	{ "sha512", CM_HASH_SHA512, 64 },
	{ "sha224", CM_HASH_SHA224, 28 },
};

int cma_hash_lookup(const char *name, size_t len, int *algo, int *size)
{
	for (size_t i = 0; i < sizeof(algos) / sizeof(algos[0]); i++)
		if (strlen(algos[i].name) == len &&
		    !memcmp(algos[i].name, name, len)) {
			*algo = algos[i].algo;
			*size = algos[i].size;
			return 0;
		}
	return -ENOPKG;
}

const char *cma_hash_name(int algo)
{
	for (size_t i = 0; i < sizeof(algos) / sizeof(algos[0]); i++)
		if (algos[i].algo == algo)
			return algos[i].name;
	return NULL;
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

/* One template field at @*off inside @d[0..len): its bytes and length. */
static int take_field(const uint8_t *d, uint32_t len, uint32_t *off,
		      const uint8_t **f, uint32_t *flen, const char **why,
		      const char *name)
{
	if (len - *off < 4) {
		*why = name;
		return -EMSGSIZE;
	}
	*flen = get_le32(d + *off);
	*off += 4;
	if (*flen > len - *off) {
		*why = name;
		return -EMSGSIZE;
	}
	*f = d + *off;
	*off += *flen;
	return 0;
}

/* d-ng: "<algo>:\0" + digest. */
static int parse_dng(struct cma_entry *e, const uint8_t *f, uint32_t flen,
		     const char **why)
{
	const uint8_t *colon = memchr(f, ':', flen);
	int size;

	if (!colon || (uint32_t)(colon - f) + 2 > flen || colon[1] != '\0') {
		*why = "d-ng: no \"<algo>:\\0\" prefix";
		return -EBADMSG;
	}
	if (cma_hash_lookup((const char *)f, (size_t)(colon - f), &e->hash_algo,
			    &size)) {
		*why = "d-ng: unknown hash algorithm";
		return -ENOPKG;
	}
	e->digest = colon + 2;
	e->digest_len = flen - (uint32_t)(colon + 2 - f);
	if (e->digest_len != (uint32_t)size) {
		*why = "d-ng: digest size does not match its algorithm";
		return -ENOPKG;
	}
	return 0;
}

/* The ima-sig template data: d-ng | n-ng | sig, filling it exactly. */
static int parse_tdata(struct cma_entry *e, const char **why)
{
	const uint8_t *f;
	uint32_t off = 0, flen;
	int ret;

	ret = take_field(e->tdata, e->tdata_len, &off, &f, &flen, why,
			 "d-ng field overruns the template data");
	if (ret)
		return ret;
	ret = parse_dng(e, f, flen, why);
	if (ret)
		return ret;
	ret = take_field(e->tdata, e->tdata_len, &off, &f, &flen, why,
			 "n-ng field overruns the template data");
	if (ret)
		return ret;
	if (flen == 0 || flen > CMA_PATH_MAX || f[flen - 1] != '\0' ||
	    memchr(f, '\0', flen - 1)) {
		*why = flen > CMA_PATH_MAX ? "n-ng: name longer than 4096 bytes" :
		       "n-ng: name not NUL-terminated or holding a NUL";
		return flen > CMA_PATH_MAX ? -E2BIG : -EBADMSG;
	}
	e->path = (const char *)f;
	ret = take_field(e->tdata, e->tdata_len, &off, &e->sig, &e->sig_len,
			 why, "sig field overruns the template data");
	if (ret)
		return ret;
	if (off != e->tdata_len) {
		*why = "bytes after the sig field in the template data";
		return -EMSGSIZE;
	}
	return 0;
}

/* One record at @p, @left bytes available; *used gets its size. */
static int parse_record(const uint8_t *p, size_t left, struct cma_entry *e,
			size_t *used, const char **why)
{
	uint32_t name_len;
	size_t off;

	if (left < 4 + CMA_TDIGEST_SIZE + 4) {
		*why = "truncated record header";
		return -EBADMSG;
	}
	e->pcr = get_le32(p);
	if (e->pcr > 23) {
		*why = "PCR index above 23";
		return -ERANGE;
	}
	e->tdigest = p + 4;
	name_len = get_le32(p + 4 + CMA_TDIGEST_SIZE);
	off = 4 + CMA_TDIGEST_SIZE + 4;
	if (name_len > CMA_NAME_MAX) {
		*why = "template name longer than 255 bytes";
		return -E2BIG;
	}
	if (left - off < (size_t)name_len + 4) {
		*why = "truncated template name";
		return -EBADMSG;
	}
	if (name_len != strlen(CMA_TEMPLATE_NAME) ||
	    memcmp(p + off, CMA_TEMPLATE_NAME, name_len)) {
		*why = "template is not ima-sig";
		return -EPROTO;
	}
	off += name_len;
	e->tdata_len = get_le32(p + off);
	off += 4;
	if (e->tdata_len > CMA_TDATA_MAX) {
		*why = "template data over 8192 bytes";
		return -E2BIG;
	}
	if (left - off < e->tdata_len) {
		*why = "truncated template data";
		return -EBADMSG;
	}
	e->tdata = p + off;
	*used = off + e->tdata_len;
	return parse_tdata(e, why);
}

int cma_log_parse(const uint8_t *buf, size_t len, struct cma_log *out,
		  size_t *at, const char **why)
{
	size_t off = 0, cap = 0;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	*at = 0;
	*why = NULL;
	while (off < len) {
		size_t used = 0;

		if (out->n == CMA_LOG_MAX_ENTRIES) {
			*why = "more than 16777216 entries";
			ret = -E2BIG;
			break;
		}
		if (out->n == cap) {
			size_t ncap = cap ? cap * 2 : 1024;
			struct cma_entry *ne = realloc(out->e, ncap * sizeof(*ne));

			if (!ne) {
				*why = "out of memory";
				ret = -ENOMEM;
				break;
			}
			out->e = ne;
			cap = ncap;
		}
		memset(&out->e[out->n], 0, sizeof(out->e[0]));
		ret = parse_record(buf + off, len - off, &out->e[out->n], &used,
				   why);
		if (ret)
			break;
		out->e[out->n++].offset = off;
		off += used;
	}
	if (ret) {
		*at = off;
		cma_log_free(out);
	}
	return ret;
}

void cma_log_free(struct cma_log *l)
{
	free(l->e);
	l->e = NULL;
	l->n = 0;
}

static int algo_size(int algo)
{
	for (size_t i = 0; i < sizeof(algos) / sizeof(algos[0]); i++)
		if (algos[i].algo == algo)
			return algos[i].size;
	return -ENOPKG;
}

/* The template data's size: the three fields with their lengths. */
static size_t tdata_size(int hash_algo, const char *path, size_t sig_len)
{
	return 4 + strlen(cma_hash_name(hash_algo)) + 2 +
	       (size_t)algo_size(hash_algo) + 4 + strlen(path) + 1 + 4 + sig_len;
}

size_t cma_record_size(int hash_algo, const char *path, size_t sig_len)
{
	if (algo_size(hash_algo) < 0)
		return 0;
	return 4 + CMA_TDIGEST_SIZE + 4 + strlen(CMA_TEMPLATE_NAME) + 4 +
	       tdata_size(hash_algo, path, sig_len);
}

int cma_record_write(uint8_t *out, size_t outlen, uint32_t pcr, int hash_algo,
		     const uint8_t *digest, const char *path,
		     const uint8_t *sig, size_t sig_len)
{
	size_t need = cma_record_size(hash_algo, path, sig_len);
	size_t plen = strlen(path), nlen = strlen(CMA_TEMPLATE_NAME);
	size_t tlen, an_len, dlen, o;
	uint8_t *t;

	if (!need)
		return -ENOPKG;
	an_len = strlen(cma_hash_name(hash_algo));
	dlen = an_len + 2 + (size_t)algo_size(hash_algo);
	tlen = tdata_size(hash_algo, path, sig_len);
	if (need > outlen || tlen > CMA_TDATA_MAX || plen + 1 > CMA_PATH_MAX)
		return -E2BIG;
	put_le32(out, pcr);
	o = 4 + CMA_TDIGEST_SIZE;
	put_le32(out + o, (uint32_t)nlen);
	memcpy(out + o + 4, CMA_TEMPLATE_NAME, nlen);
	o += 4 + nlen;
	put_le32(out + o, (uint32_t)tlen);
	t = out + o + 4;
	put_le32(t, (uint32_t)dlen);
	memcpy(t + 4, cma_hash_name(hash_algo), an_len);
	t[4 + an_len] = ':';
	t[4 + an_len + 1] = '\0';
	memcpy(t + 4 + an_len + 2, digest, dlen - an_len - 2);
	o = 4 + dlen;
	put_le32(t + o, (uint32_t)(plen + 1));
	for (size_t i = 0; i < plen; i++)
		t[o + 4 + i] = path[i] == ' ' ? '_' : (uint8_t)path[i];
	t[o + 4 + plen] = '\0';
	o += 4 + plen + 1;
	put_le32(t + o, (uint32_t)sig_len);
	if (sig_len)
		memcpy(t + o + 4, sig, sig_len);
	if (!EVP_Digest(t, tlen, out + 4, NULL, EVP_sha1(), NULL))
		return -EIO;
	return (int)need;
}

int cma_entry_check_tdigest(const struct cma_entry *e)
{
	uint8_t d[CMA_TDIGEST_SIZE];

	if (!EVP_Digest(e->tdata, e->tdata_len, d, NULL, EVP_sha1(), NULL))
		return -EIO;
	return memcmp(d, e->tdigest, CMA_TDIGEST_SIZE) ? -EBADMSG : 0;
}

long cma_replay(const struct cma_log *l, uint32_t pcr, const uint8_t *want,
		uint8_t value[32])
{
	const EVP_MD *md = cm_hash_md(CM_HASH_SHA256);
	uint8_t buf[64], h[32];

	memset(buf, 0, sizeof(buf));
	if (!md)
		return -ENOPKG;
	if (want && EVP_Digest(buf, 32, h, NULL, md, NULL) && !memcmp(h, want, 32)) {
		memcpy(value, buf, 32);
		return 0;
	}
	for (size_t i = 0; i < l->n; i++) {
		const struct cma_entry *e = &l->e[i];

		if (e->pcr != pcr)
			continue;
		if (!EVP_Digest(e->tdata, e->tdata_len, buf + 32, NULL, md, NULL) ||
		    !EVP_Digest(buf, 64, buf, NULL, md, NULL))
			return -EIO;
		if (want && EVP_Digest(buf, 32, h, NULL, md, NULL) &&
		    !memcmp(h, want, 32)) {
			memcpy(value, buf, 32);
			return (long)i + 1;
		}
	}
	memcpy(value, buf, 32);
	return want ? -ESRCH : (long)l->n;
}
