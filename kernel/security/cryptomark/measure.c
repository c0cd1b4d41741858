// SPDX-License-Identifier: GPL-2.0-only
/*
 * cryptomark: the measurement list.  Every file the LSM verifies (a cache
 * miss: once per content version, cache.c) gets one entry in IMA's
 * "ima-sig" layout, d-ng|n-ng|sig: the digest the signature covers (the
 * whole file for security.ima, the note carrier's digest for the ELF
 * note), the path, and the signature that verified; a file that did not
 * verify gets its whole-file SHA-256 and an empty signature.  The first
 * entry is "boot_aggregate", SHA-256 over the SHA-256 bank of PCRs 0-7.
 * Each entry's template data is extended into PCR cryptomark.pcr=
 * (default 11) in every active bank, with that bank's hash.
 *
 * Bounded: entries are deduplicated by template digest, and their memory
 * (entry plus its slot in the index) may not pass cryptomark.log_max=
 * (default 32 MiB).  The entry that would pass it is replaced by one
 * "log_full" marker, logged and extended, after which nothing more is
 * logged or extended (counted as not_logged): a verifier sees that the
 * list stopped being complete.  No TPM is a state, not an error: entries
 * are logged, nothing is extended, boot_aggregate is all zeros.
 *
 * The list only grows.  Readers (measure_fs.c) index it without a lock:
 * the index slot is written before the count is released.
 */
#define pr_fmt(fmt) "cryptomark: " fmt

#include <crypto/hash.h>
#include <crypto/hash_info.h>
#include <crypto/sha1.h>
#include <crypto/sha2.h>
#include <linux/audit.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hashtable.h>
#include <linux/init.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/tpm.h>
#include <asm/unaligned.h>

#include "cryptomark.h"
#include "measure.h"

#define CM_PCR_DEFAULT		11
#define CM_LOG_MAX_DEFAULT	(32UL << 20)
#define CM_LOG_MAX_MIN		(64UL << 10)
#define CM_LOG_MAX_MAX		(4UL << 30)
/* The smallest entry's allocation: a bound on the number of entries. */
#define CM_ENTRY_MIN		96
#define CM_HT_BITS		13
/* Kept free for the log_full entry (its allocation and index slot). */
#define CM_FULL_RESERVE		256

static unsigned int cm_pcr __ro_after_init = CM_PCR_DEFAULT;
static unsigned long cm_log_max __ro_after_init = CM_LOG_MAX_DEFAULT;

struct cm_mlist cm_mlist;

/* Everything below is written under cm_mlock. */
static DEFINE_MUTEX(cm_mlock);
static DEFINE_HASHTABLE(cm_mhash, CM_HT_BITS);
static bool cm_setup_done;
static struct tpm_chip *cm_chip;
static struct crypto_shash *cm_sha1;
static struct crypto_shash *cm_bank_tfm[TPM2_MAX_PCR_BANKS];
static struct tpm_digest cm_bank_digest[TPM2_MAX_PCR_BANKS];
static size_t cm_max_entries;

static int __init cm_pcr_setup(char *str)
{
	unsigned int pcr;

	if (kstrtouint(str, 10, &pcr) || pcr < 8 || pcr > 23 || pcr == 10) {
		pr_err("cryptomark.pcr=%s is not 8..23 (10 is IMA's), using %d\n",
		       str, CM_PCR_DEFAULT);
		return 1;
	}
	cm_pcr = pcr;
	return 1;
}
__setup("cryptomark.pcr=", cm_pcr_setup);

static int __init cm_log_max_setup(char *str)
{
	unsigned long long v = memparse(str, NULL);

	cm_log_max = clamp_t(unsigned long long, v, CM_LOG_MAX_MIN,
			     CM_LOG_MAX_MAX);
	return 1;
}
__setup("cryptomark.log_max=", cm_log_max_setup);

unsigned int cm_measure_pcr(void)
{
	return cm_pcr;
}

unsigned long cm_measure_max(void)
{
	return cm_log_max;
}

/* The number of entries readers may index. */
size_t cm_mlist_count(void)
{
	/* Pairs with cm_append()'s release: slots before the count. */
	return smp_load_acquire(&cm_mlist.count);
}

/**
 * cm_mlist_entry - entry @idx of the list, or NULL past its end
 * @idx: the index, 0 being boot_aggregate
 */
struct cm_mentry *cm_mlist_entry(size_t idx)
{
	size_t n = cm_mlist_count();

	if (idx >= n)
		return NULL;
	return cm_mlist.chunks[idx / CM_CHUNK][idx % CM_CHUNK];
}

/* The bank's template digest; the SHA-1 one padded when it has no hash. */
static int cm_bank_hashes(const u8 *data, u32 len, u8 *sha1)
{
	u32 i, nr = cm_chip ? cm_chip->nr_allocated_banks : 0;
	int ret;

	ret = crypto_shash_tfm_digest(cm_sha1, data, len, sha1);
	for (i = 0; !ret && i < nr; i++) {
		struct tpm_digest *d = &cm_bank_digest[i];

		d->alg_id = cm_chip->allocated_banks[i].alg_id;
		memset(d->digest, 0, sizeof(d->digest));
		if (cm_bank_tfm[i])
			ret = crypto_shash_tfm_digest(cm_bank_tfm[i], data, len,
						      d->digest);
		else
			memcpy(d->digest, sha1, SHA1_DIGEST_SIZE);
	}
	return ret;
}

static void cm_extend(const u8 *data, u32 len, u8 *sha1)
{
	int ret = cm_bank_hashes(data, len, sha1);

	if (!ret && cm_chip)
		ret = tpm_pcr_extend(cm_chip, cm_pcr, cm_bank_digest);
	if (ret) {
		cm_mlist.tpm_errors++;
		pr_err_ratelimited("PCR %u extend failed: %d\n", cm_pcr, ret);
	}
}

/* Append @e (template data filled in); the caller holds cm_mlock. */
static void cm_append(struct cm_mentry *e)
{
	size_t n = cm_mlist.count;
	struct cm_mentry **chunk = cm_mlist.chunks[n / CM_CHUNK];

	cm_extend(e->data, e->len, e->tdigest);
	hash_add(cm_mhash, &e->hnode, *(u32 *)e->tdigest);
	chunk[n % CM_CHUNK] = e;
	cm_mlist.bytes += ksize(e) + sizeof(e);
	/* Publish the slot before the count (cm_mlist_entry()'s acquire). */
	smp_store_release(&cm_mlist.count, n + 1);
}

static bool cm_known(const u8 *tdigest)
{
	struct cm_mentry *e;

	hash_for_each_possible(cm_mhash, e, hnode, *(u32 *)tdigest)
		if (!memcmp(e->tdigest, tdigest, SHA1_DIGEST_SIZE))
			return true;
	return false;
}

/**
 * cm_mentry_new - an entry with ima-sig template data
 * @algo: enum hash_algo of @digest
 * @digest: the file digest
 * @name: the path or event name (spaces become '_', as in IMA)
 * @sig: the signature value (struct cm_sig_hdr and signature), or NULL
 * @sig_len: its length
 *
 * Return: the entry, or NULL when out of memory.
 */
struct cm_mentry *cm_mentry_new(u8 algo, const u8 *digest, const char *name,
				const u8 *sig, u32 sig_len)
{
	const char *an = hash_algo_name[algo];
	u32 alen = strlen(an) + 2, dlen = hash_digest_size[algo];
	u32 nlen = strlen(name) + 1, dng = alen + dlen, i;
	struct cm_mentry *e;
	u8 *p;

	e = kmalloc(sizeof(*e) + 12 + dng + nlen + sig_len, GFP_KERNEL);
	if (!e)
		return NULL;
	e->len = 12 + dng + nlen + sig_len;
	p = e->data;
	put_unaligned_le32(dng, p);
	p += 4;
	memcpy(p, an, alen - 2);
	p[alen - 2] = ':';
	p[alen - 1] = '\0';
	memcpy(p + alen, digest, dlen);
	p += dng;
	put_unaligned_le32(nlen, p);
	p += 4;
	for (i = 0; i < nlen; i++)
		p[i] = name[i] == ' ' ? '_' : name[i];
	p += nlen;
	put_unaligned_le32(sig_len, p);
	if (sig_len)
		memcpy(p + 4, sig, sig_len);
	return e;
}

/* The index chunk for entry @n exists (allocated when it starts). */
static int cm_chunk_ready(size_t n)
{
	struct cm_mentry ***slot = &cm_mlist.chunks[n / CM_CHUNK];

	if (*slot)
		return 0;
	*slot = kcalloc(CM_CHUNK, sizeof(**slot), GFP_KERNEL);
	return *slot ? 0 : -ENOMEM;
}

/* SHA-256 over the SHA-256 bank of PCRs 0-7; zeros without that bank. */
static int cm_boot_aggregate(u8 *out)
{
	struct tpm_digest d = { .alg_id = TPM_ALG_SHA256 };
	u32 i, nr = cm_chip ? cm_chip->nr_allocated_banks : 0;
	struct crypto_shash *tfm;
	int ret = 0;

	memset(out, 0, SHA256_DIGEST_SIZE);
	for (i = 0; i < nr; i++)
		if (cm_chip->allocated_banks[i].alg_id == TPM_ALG_SHA256)
			break;
	if (i == nr)
		return 0;
	tfm = crypto_alloc_shash("sha256", 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm);
	{
		SHASH_DESC_ON_STACK(desc, tfm);

		desc->tfm = tfm;
		ret = crypto_shash_init(desc);
		for (i = 0; !ret && i < 8; i++) {
			ret = tpm_pcr_read(cm_chip, i, &d);
			if (!ret)
				ret = crypto_shash_update(desc, d.digest,
							  SHA256_DIGEST_SIZE);
		}
		if (!ret)
			ret = crypto_shash_final(desc, out);
		shash_desc_zero(desc);
	}
	crypto_free_shash(tfm);
	return ret;
}

static void cm_setup_banks(void)
{
	u32 i;

	for (i = 0; i < cm_chip->nr_allocated_banks; i++) {
		u16 id = cm_chip->allocated_banks[i].crypto_id;
		struct crypto_shash *tfm;

		if (id >= HASH_ALGO__LAST)
			continue;
		tfm = crypto_alloc_shash(hash_algo_name[id], 0, 0);
		if (!IS_ERR(tfm))
			cm_bank_tfm[i] = tfm;
		else
			pr_warn("no %s for PCR bank %u: extending SHA-1 padded\n",
				hash_algo_name[id], i);
	}
}

/* The TPM, the index and boot_aggregate; the caller holds cm_mlock. */
static int cm_setup(void)
{
	u8 agg[SHA256_DIGEST_SIZE];
	struct cm_mentry *e;
	int ret;

	if (cm_setup_done)
		return 0;
	cm_max_entries = cm_log_max / CM_ENTRY_MIN + 2;
	cm_mlist.chunks = kvcalloc(DIV_ROUND_UP(cm_max_entries, CM_CHUNK),
				   sizeof(*cm_mlist.chunks), GFP_KERNEL);
	if (!cm_mlist.chunks)
		return -ENOMEM;
	cm_sha1 = crypto_alloc_shash("sha1", 0, 0);
	if (IS_ERR(cm_sha1)) {
		ret = PTR_ERR(cm_sha1);
		goto out_free;
	}
	cm_chip = tpm_default_chip();
	if (cm_chip)
		cm_setup_banks();
	ret = cm_boot_aggregate(agg);
	if (ret) {
		pr_err("boot_aggregate: reading PCRs 0-7 failed: %d\n", ret);
		memset(agg, 0, sizeof(agg));
	}
	e = cm_mentry_new(HASH_ALGO_SHA256, agg, "boot_aggregate", NULL, 0);
	ret = e ? cm_chunk_ready(0) : -ENOMEM;
	if (ret) {
		kfree(e);
		goto out_put;
	}
	cm_mlist.tpm = cm_chip != NULL;
	cm_setup_done = true;
	cm_append(e);
	pr_info("measuring into PCR %u (%s), log limit %lu bytes\n", cm_pcr,
		cm_chip ? "TPM" : "no TPM: nothing extended", cm_log_max);
	return 0;

out_put:
	if (cm_chip)
		put_device(&cm_chip->dev);
	cm_chip = NULL;
	crypto_free_shash(cm_sha1);
out_free:
	kvfree(cm_mlist.chunks);
	cm_mlist.chunks = NULL;
	return ret;
}

/* Past the limit: one log_full marker, then nothing. */
static void cm_log_full(void)
{
	u8 zero[SHA256_DIGEST_SIZE] = {};
	struct cm_mentry *e;

	cm_mlist.full = true;
	e = cm_mentry_new(HASH_ALGO_SHA256, zero, "log_full", NULL, 0);
	if (e && !cm_chunk_ready(cm_mlist.count))
		cm_append(e);
	else
		kfree(e);
	pr_warn("measurement list full (%zu entries, %zu bytes, cryptomark.log_max=%lu): nothing more is measured\n",
		cm_mlist.count, cm_mlist.bytes, cm_log_max);
	audit_log(audit_context(), GFP_KERNEL, AUDIT_INTEGRITY_PCR,
		  "cryptomark: op=measure cause=log_full entries=%zu pcr=%u",
		  cm_mlist.count, cm_pcr);
}

/**
 * cm_measure_add - append @e unless an equal entry is there; consumes @e
 * @e: from cm_mentry_new()
 *
 * Return: 0 (also when deduplicated or the log is full), -ENOMEM,
 * -EINTR (fatal signal while waiting for the list).
 */
int cm_measure_add(struct cm_mentry *e)
{
	int ret;

	/* Killable: a stuck TPM must not leave unkillable waiters behind. */
	if (mutex_lock_killable(&cm_mlock)) {
		kfree(e);
		return -EINTR;
	}
	ret = cm_setup();
	if (ret)
		goto out_free;
	if (cm_mlist.full) {
		cm_mlist.not_logged++;
		goto out_free;
	}
	ret = crypto_shash_tfm_digest(cm_sha1, e->data, e->len, e->tdigest);
	if (ret || cm_known(e->tdigest))
		goto out_free;
	if (cm_mlist.bytes + ksize(e) + sizeof(e) + CM_FULL_RESERVE >
	    cm_log_max ||
	    cm_mlist.count + 2 > cm_max_entries) {
		cm_mlist.not_logged++;
		cm_log_full();
		goto out_free;
	}
	ret = cm_chunk_ready(cm_mlist.count);
	if (ret)
		goto out_free;
	cm_append(e);
	mutex_unlock(&cm_mlock);
	return 0;

out_free:
	mutex_unlock(&cm_mlock);
	kfree(e);
	return ret;
}

/* Once the TPM driver has probed: boot_aggregate is the first entry. */
static int __init cm_measure_init(void)
{
	int ret;

	mutex_lock(&cm_mlock);
	ret = cm_setup();
	mutex_unlock(&cm_mlock);
	if (ret)
		pr_err("measurement list setup failed: %d\n", ret);
	return 0;
}
late_initcall(cm_measure_init);
