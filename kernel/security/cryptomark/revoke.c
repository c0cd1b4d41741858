// SPDX-License-Identifier: GPL-2.0-only
/*
 * cryptomark: revoked file digests.
 *
 * The keyring bundle (keys/) revokes key ids and file digests.  A revoked
 * key id needs nothing here: provisioning does not load that certificate,
 * and only keys in .cryptomark are trusted.  A revoked digest names a file
 * that was signed by a still-trusted key (a binary later found vulnerable),
 * so only the verifier can refuse it: provisioning writes each one to
 * securityfs ("revoke") before it locks the keyring, and from the lock on
 * the set is frozen like the keys.
 *
 * State: a sorted array of (algorithm, digest), searched with bsearch()
 * under cm_revoke_sem; @cm_revoke_gen grows with every addition, so the
 * verdict cache (cache.c) drops every verdict computed before it.
 */
#define pr_fmt(fmt) "cryptomark: " fmt

#include <crypto/hash_info.h>
#include <linux/bsearch.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "cryptomark.h"
#include "cm_parse.h"

struct cm_revoked {
	u8 hash_algo;
	u8 digest[CM_MAX_DIGEST_SIZE];	/* zero past the digest size */
};

static DECLARE_RWSEM(cm_revoke_sem);
static struct cm_revoked *cm_revoked;
static size_t cm_revoked_n, cm_revoked_cap;
static bool cm_revoke_frozen;	/* by the keyring lock, for good */
static atomic64_t cm_revoke_gen = ATOMIC64_INIT(0);

static int cm_revoked_cmp(const void *a, const void *b)
{
	const struct cm_revoked *x = a, *y = b;

	if (x->hash_algo != y->hash_algo)
		return x->hash_algo < y->hash_algo ? -1 : 1;
	return memcmp(x->digest, y->digest, CM_MAX_DIGEST_SIZE);
}

/* Only what a signature may use: cm_hash_accepted_size() (sigparse.c). */
static int cm_revoke_algo(const char *name, size_t len)
{
	unsigned int algo;

	for (algo = 0; algo < __CM_HASH_MAX; algo++) {
		const char *n = hash_algo_name[algo];

		if (cm_hash_accepted_size(algo) > 0 && strlen(n) == len &&
		    !memcmp(n, name, len))
			return algo;
	}
	return -ENOPKG;
}

/**
 * cm_revoke_parse - "ALG:HEX" (a trailing newline allowed) to an entry
 * @s: NUL-terminated text
 * @r: result, zero-filled past the digest
 *
 * Return: 0; -EINVAL no colon, odd or non-hex digits, or a length other
 * than the algorithm's digest size; -ENOPKG algorithm not accepted.
 */
static int cm_revoke_parse(const char *s, struct cm_revoked *r)
{
	const char *colon = strchr(s, ':');
	size_t hexlen;
	int algo;

	if (!colon)
		return -EINVAL;
	algo = cm_revoke_algo(s, colon - s);
	if (algo < 0)
		return algo;
	hexlen = strlen(colon + 1);
	if (hexlen && colon[hexlen] == '\n')
		hexlen--;
	if (hexlen != 2 * (size_t)hash_digest_size[algo])
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->hash_algo = algo;
	return hex2bin(r->digest, colon + 1, hexlen / 2) ? -EINVAL : 0;
}

/**
 * cm_revoke_add - revoke one file digest until reboot
 * @s: "ALG:HEX", ALG one of sha224, sha256, sha384, sha512
 *
 * Return: 0 (also for a digest already revoked); -EPERM once the keyring
 * is locked; -ENOSPC past CM_BUNDLE_MAX_RECORDS entries; -ENOMEM; or a
 * cm_revoke_parse() error.
 */
int cm_revoke_add(const char *s)
{
	struct cm_revoked r, *pos;
	size_t i;
	int ret;

	ret = cm_revoke_parse(s, &r);
	if (ret)
		return ret;
	down_write(&cm_revoke_sem);
	/* Under the semaphore: cm_revoke_freeze() takes it too. */
	if (cm_revoke_frozen) {
		ret = -EPERM;
		goto out_unlock;
	}
	for (i = 0; i < cm_revoked_n; i++) {
		int c = cm_revoked_cmp(&r, &cm_revoked[i]);

		if (!c)
			goto out_unlock;
		if (c < 0)
			break;
	}
	if (cm_revoked_n == CM_BUNDLE_MAX_RECORDS) {
		ret = -ENOSPC;
		goto out_unlock;
	}
	if (cm_revoked_n == cm_revoked_cap) {
		size_t cap = cm_revoked_cap ? 2 * cm_revoked_cap : 16;

		pos = kvrealloc(cm_revoked, cm_revoked_cap * sizeof(r),
				cap * sizeof(r), GFP_KERNEL);
		if (!pos) {
			ret = -ENOMEM;
			goto out_unlock;
		}
		cm_revoked = pos;
		cm_revoked_cap = cap;
	}
	memmove(&cm_revoked[i + 1], &cm_revoked[i],
		(cm_revoked_n - i) * sizeof(r));
	cm_revoked[i] = r;
	cm_revoked_n++;
	atomic64_inc(&cm_revoke_gen);
out_unlock:
	up_write(&cm_revoke_sem);
	return ret;
}

/**
 * cm_revoke_check - is this file digest revoked?
 * @hash_algo: enum cm_hash_algo of @digest
 * @digest: hash_digest_size[@hash_algo] bytes
 *
 * Return: 0, or -EKEYREVOKED.
 */
int cm_revoke_check(u8 hash_algo, const u8 *digest)
{
	struct cm_revoked key = { .hash_algo = hash_algo };
	bool found;

	if (hash_algo >= HASH_ALGO__LAST)
		return 0;	/* cm_sig_parse() let no such digest through */
	memcpy(key.digest, digest, hash_digest_size[hash_algo]);
	down_read(&cm_revoke_sem);
	found = cm_revoked_n &&
		bsearch(&key, cm_revoked, cm_revoked_n, sizeof(key),
			cm_revoked_cmp);
	up_read(&cm_revoke_sem);
	return found ? -EKEYREVOKED : 0;
}

/* Grows with every revocation; a cached verdict is computed against one. */
u64 cm_revoke_generation(void)
{
	return atomic64_read(&cm_revoke_gen);
}

size_t cm_revoke_count(void)
{
	size_t n;

	down_read(&cm_revoke_sem);
	n = cm_revoked_n;
	up_read(&cm_revoke_sem);
	return n;
}

/*
 * The keyring lock (keyring.c, which calls this before it locks the keys)
 * freezes the revocations too: under the semaphore, so an addition either
 * completed before or is refused.  This file asks nothing of keyring.c.
 */
void cm_revoke_freeze(void)
{
	down_write(&cm_revoke_sem);
	cm_revoke_frozen = true;
	up_write(&cm_revoke_sem);
}
