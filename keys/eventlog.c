// SPDX-License-Identifier: MIT
/*
 * PCR prediction from a TCG binary event log (the crypto-agile format of
 * the TCG PC Client Platform Firmware Profile, what the kernel exposes as
 * /sys/kernel/security/tpm0/binary_bios_measurements and tpm2_eventlog
 * reads): replays every sha256 digest into its PCR, so a policy for a boot
 * chain can be computed from a reference machine's log.
 *
 * The log is untrusted input: every size is checked against what is left
 * before it is used.  Layout:
 *   TCG_PCR_EVENT (SHA-1 format): pcr u32, type u32, digest[20], size u32,
 *     event = TCG_EfiSpecIDEvent ("Spec ID Event03", algorithm sizes)
 *   TCG_PCR_EVENT2...: pcr u32, type u32, count u32,
 *     count x { alg u16, digest[size of alg] }, size u32, event[size]
 * All little-endian.  EV_NO_ACTION events are not extended; a
 * "StartupLocality" one sets PCR 0's initial value to the locality.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cmkeys.h"

#define EV_NO_ACTION		0x00000003
#define TPM_ALG_SHA256		0x000b
#define MAX_ALGS		16
#define LOG_MAX_SIZE		(16u << 20)

struct reader {
	const uint8_t *p;
	size_t left;
};

static int take(struct reader *r, void *out, size_t n)
{
	if (n > r->left)
		return -EBADMSG;
	if (out)
		memcpy(out, r->p, n);
	r->p += n;
	r->left -= n;
	return 0;
}

static int u32(struct reader *r, uint32_t *v)
{
	uint8_t b[4];

	if (take(r, b, 4))
		return -EBADMSG;
	*v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	     (uint32_t)b[3] << 24;
	return 0;
}

static int u16(struct reader *r, uint16_t *v)
{
	uint8_t b[2];

	if (take(r, b, 2))
		return -EBADMSG;
	*v = (uint16_t)(b[0] | b[1] << 8);
	return 0;
}

static int fail(char *err, size_t errlen, const char *path, size_t off,
		const char *what)
{
	snprintf(err, errlen, "%s: event log at byte %zu: %s", path, off, what);
	return -EBADMSG;
}

int cmk_eventlog_replay(const char *path, cmk_pcr_values v, uint32_t *seen,
			char *err, size_t errlen)
{
	uint8_t *buf;
	size_t len;
	int ret;

	ret = cm_read_file(path, LOG_MAX_SIZE, &buf, &len);
	if (ret) {
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	ret = cmk_eventlog_replay_buf(path, buf, len, v, seen, err, errlen);
	free(buf);
	return ret;
}

struct alg_table {
	struct { uint16_t alg, size; } v[MAX_ALGS];
	uint32_t n;
};

/* The header event, SHA-1 format, carrying the Spec ID event's algorithms. */
static int spec_header(struct reader *r, struct alg_table *algs,
		       const char **what)
{
	uint32_t pcr, type, size;
	struct reader h;

	if (u32(r, &pcr) || u32(r, &type) || take(r, NULL, 20) ||
	    u32(r, &size) || size > r->left || size < 24 + 4 ||
	    type != EV_NO_ACTION || memcmp(r->p, "Spec ID Event03", 16)) {
		*what = "no 'Spec ID Event03' header (not a crypto-agile TCG log)";
		return -EBADMSG;
	}
	h = (struct reader){ r->p + 24, size - 24 };
	if (u32(&h, &algs->n) || algs->n == 0 || algs->n > MAX_ALGS) {
		*what = "bad algorithm count";
		return -EBADMSG;
	}
	for (uint32_t i = 0; i < algs->n; i++)
		if (u16(&h, &algs->v[i].alg) || u16(&h, &algs->v[i].size) ||
		    algs->v[i].size > 64) {
			*what = "bad algorithm table";
			return -EBADMSG;
		}
	take(r, NULL, size);
	return 0;
}

/* An event's @count digests; the sha256 one into @d (*have set). */
static int event_digests(struct reader *r, const struct alg_table *algs,
			 uint32_t count, uint8_t d[32], int *have,
			 const char **what)
{
	*have = 0;
	for (uint32_t i = 0; i < count; i++) {
		uint16_t alg, dsize = 0;

		if (u16(r, &alg)) {
			*what = "truncated digest";
			return -EBADMSG;
		}
		for (uint32_t j = 0; j < algs->n; j++)
			if (algs->v[j].alg == alg)
				dsize = algs->v[j].size;
		if (!dsize) {
			*what = "digest of an algorithm the header does not list";
			return -EBADMSG;
		}
		if (alg == TPM_ALG_SHA256 && dsize == 32) {
			take(r, d, 32);
			*have = 1;
		} else if (take(r, NULL, dsize)) {
			*what = "truncated digest";
			return -EBADMSG;
		}
	}
	return 0;
}

/* PCR extend in software: v = sha256(v || d). */
static int extend(uint8_t v[32], const uint8_t d[32])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) &&
		 EVP_DigestUpdate(md, v, 32) && EVP_DigestUpdate(md, d, 32) &&
		 EVP_DigestFinal_ex(md, v, NULL);

	EVP_MD_CTX_free(md);
	return ok ? 0 : -EIO;
}

/* One event at the reader: its digest replayed into @v. */
static int replay_event(struct reader *r, const struct alg_table *algs,
			cmk_pcr_values v, uint32_t *seen, const char **what)
{
	uint32_t pcr, type, count, size;
	uint8_t d[32];
	int have, ret;

	if (u32(r, &pcr) || u32(r, &type) || u32(r, &count) || count > algs->n) {
		*what = "truncated event header";
		return -EBADMSG;
	}
	if (pcr >= CM_PCR_MAX) {
		*what = "PCR index above 23";
		return -EBADMSG;
	}
	ret = event_digests(r, algs, count, d, &have, what);
	if (ret)
		return ret;
	if (u32(r, &size) || size > r->left) {
		*what = "event data runs past the end";
		return -EBADMSG;
	}
	if (type == EV_NO_ACTION) {
		/* "StartupLocality\0" + locality: PCR 0 starts there. */
		if (pcr == 0 && size == 17 && !memcmp(r->p, "StartupLocality", 16))
			v[0][31] = r->p[16];
	} else if (!have) {
		*what = "event without a sha256 digest";
		return -EBADMSG;
	} else {
		ret = extend(v[pcr], d);
		if (ret)
			return ret;
		*seen |= 1u << pcr;
	}
	take(r, NULL, size);
	return 0;
}

int cmk_eventlog_replay_buf(const char *path, const uint8_t *buf, size_t len,
			    cmk_pcr_values v, uint32_t *seen, char *err,
			    size_t errlen)
{
	struct reader r = { buf, len };
	struct alg_table algs;
	const char *what = NULL;
	size_t at = 0;
	int ret;

	memset(v, 0, sizeof(cmk_pcr_values));
	*seen = 0;
	ret = spec_header(&r, &algs, &what);
	while (!ret && r.left) {
		at = len - r.left;
		ret = replay_event(&r, &algs, v, seen, &what);
	}
	if (ret == -EBADMSG)
		return fail(err, errlen, path, at, what);
	return ret;
}
