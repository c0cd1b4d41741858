// SPDX-License-Identifier: GPL-2.0-only
/*
 * cryptomark: the digest table, securityfs "digests".
 *
 * Root loads (hash algorithm, file digest, IMA signature) entries before
 * dpkg unpacks files that have no security.ima yet.  A file with no
 * signature carrier at all (verify.c) is hashed with each algorithm the
 * table holds and allowed when an entry with its digest carries a
 * signature that verifies exactly as an xattr signature would
 * (cm_verify_digest(): revoked digests, then the .cryptomark key; the rule
 * set's key list is applied by eval.c to the key id returned).  An entry
 * is only a claim, verified at use, so it gives root nothing that writing
 * security.ima would not.
 *
 * State: a hash table keyed by (algorithm, digest), read under RCU and
 * written under @cm_digests_mutex; a lookup copies one entry's signature
 * out under RCU and verifies it after rcu_read_unlock(), so no lock is
 * held across a signature check.  @cm_digests_gen grows with every
 * addition and every clear: the verdict cache (cache.c) drops negative
 * verdicts computed before an addition, and positive verdicts the table
 * gave before a clear.  The number of entries is bounded by
 * cryptomark.digests_max=, their memory charged to the writer's cgroup.
 */
#define pr_fmt(fmt) "cryptomark: " fmt

#include <crypto/hash_info.h>
#include <linux/hashtable.h>
#include <linux/init.h>
#include <linux/jhash.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "cryptomark.h"
#include "cm_parse.h"

#define CM_DIGESTS_BITS		14	/* 16384 chains, 8 entries each at 131072 */
#define CM_DIGESTS_MAX_DEFAULT	131072
#define CM_DIGESTS_MAX_LIMIT	(1UL << 24)

static DEFINE_HASHTABLE(cm_digests_ht, CM_DIGESTS_BITS);
static DEFINE_MUTEX(cm_digests_mutex);
static unsigned long cm_digests_n;		/* under the mutex, read racily */
static unsigned long cm_digests_max __ro_after_init = CM_DIGESTS_MAX_DEFAULT;
static atomic_t cm_digests_algo_n[HASH_ALGO__LAST];
static atomic64_t cm_digests_gen = ATOMIC64_INIT(0);

/*
 * cryptomark.digests_max=N: the table's bound, in entries.  A bad value
 * keeps the default (the bound is a resource limit, not a protection).
 */
static int __init cm_digests_max_setup(char *str)
{
	unsigned long max;

	if (kstrtoul(str, 0, &max) || max > CM_DIGESTS_MAX_LIMIT) {
		pr_err("bad cryptomark.digests_max=%s, using %lu\n", str,
		       cm_digests_max);
		return 1;
	}
	cm_digests_max = max;
	return 1;
}
__setup("cryptomark.digests_max=", cm_digests_max_setup);

static u32 cm_digests_key(u8 algo, const u8 *digest)
{
	return jhash(digest, hash_digest_size[algo], algo);
}

/* Only what a signature may use: cm_hash_accepted_size() (sigparse.c). */
static int cm_digests_algo(const char *name, size_t len)
{
	unsigned int algo;

	for (algo = 0; algo < __CM_HASH_MAX && algo < HASH_ALGO__LAST; algo++) {
		const char *n = hash_algo_name[algo];

		if (cm_hash_accepted_size(algo) > 0 && strlen(n) == len &&
		    !memcmp(n, name, len))
			return algo;
	}
	return -EINVAL;
}

/**
 * cm_digests_parse_line - "ALG:HEXDIGEST HEXSIG" to a new entry
 * @s: the line, without its newline (not NUL-terminated)
 * @len: its length
 * @out: on success, the entry (kfree() it)
 *
 * Return: 0; -EINVAL bad syntax (no colon, unknown algorithm, digest not
 * exactly the algorithm's size in hex, no single space, odd, empty or
 * non-hex signature, a signature longer than any security.ima value, a
 * signature of another hash algorithm than the line's); the errors of
 * cm_sig_parse() for a malformed signature value; -ENOMEM.
 */
int cm_digests_parse_line(const char *s, size_t len, struct cm_digest **out)
{
	const char *colon = memchr(s, ':', len), *hex, *sighex;
	const struct cm_sig_hdr *hdr;
	size_t dlen, hexlen, siglen;
	struct cm_digest *e;
	int algo, ret;

	if (!colon)
		return -EINVAL;
	algo = cm_digests_algo(s, colon - s);
	if (algo < 0)
		return algo;
	dlen = hash_digest_size[algo];
	hex = colon + 1;
	hexlen = s + len - hex;
	if (hexlen < 2 * dlen + 2 || hex[2 * dlen] != ' ')
		return -EINVAL;
	sighex = hex + 2 * dlen + 1;
	siglen = hexlen - 2 * dlen - 1;
	if (siglen % 2 || siglen / 2 > CM_XATTR_MAX_SIZE)
		return -EINVAL;
	siglen /= 2;
	e = kzalloc(struct_size(e, sig, siglen), GFP_KERNEL_ACCOUNT);
	if (!e)
		return -ENOMEM;
	e->algo = algo;
	e->sig_len = siglen;
	if (hex2bin(e->digest, hex, dlen) || hex2bin(e->sig, sighex, siglen)) {
		ret = -EINVAL;
		goto out_free;
	}
	ret = cm_sig_parse(e->sig, siglen, &hdr);
	if (!ret && hdr->hash_algo != algo)
		ret = -EINVAL;
	if (ret)
		goto out_free;
	*out = e;
	return 0;

out_free:
	kfree(e);
	return ret;
}

/* Frees the entries of a write's list (never inserted). */
void cm_digests_free_list(struct list_head *list)
{
	struct cm_digest *e, *tmp;

	list_for_each_entry_safe(e, tmp, list, lnode) {
		list_del(&e->lnode);
		kfree(e);
	}
}

/**
 * cm_digests_parse - the lines of one write
 * @buf: the bytes written (not NUL-terminated)
 * @len: their number, 1..CM_DIGESTS_WRITE_MAX
 * @list: gets the entries, in order (cm_digests_free_list())
 * @clear: set when the write is "clear" (alone; @list stays empty)
 *
 * Lines end with '\n', the last one may not.  Nothing is kept on error.
 *
 * Return: 0; -EINVAL empty or oversized write, empty line, "clear" with
 * anything else; the errors of cm_digests_parse_line().
 */
int cm_digests_parse(const char *buf, size_t len, struct list_head *list,
		     bool *clear)
{
	size_t pos = 0, lines = 0;
	struct cm_digest *e;
	int ret = 0;

	*clear = false;
	if (len == 0 || len > CM_DIGESTS_WRITE_MAX)
		return -EINVAL;
	while (pos < len) {
		const char *line = buf + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t l = nl ? nl - line : len - pos;

		pos += l + (nl ? 1 : 0);
		lines++;
		if (l == 5 && !memcmp(line, "clear", 5)) {
			*clear = true;
			continue;
		}
		ret = l ? cm_digests_parse_line(line, l, &e) : -EINVAL;
		if (ret)
			break;
		list_add_tail(&e->lnode, list);
		cond_resched();
	}
	if (!ret && *clear && lines != 1)
		ret = -EINVAL;
	if (ret) {
		cm_digests_free_list(list);
		*clear = false;
	}
	return ret;
}

static bool cm_digests_equal(const struct cm_digest *a,
			     const struct cm_digest *b)
{
	return a->algo == b->algo && a->sig_len == b->sig_len &&
	       !memcmp(a->digest, b->digest, CM_MAX_DIGEST_SIZE) &&
	       !memcmp(a->sig, b->sig, a->sig_len);
}

/* Under the mutex: is an equal entry in the table already? */
static bool cm_digests_present(const struct cm_digest *e)
{
	struct cm_digest *t;

	hash_for_each_possible(cm_digests_ht, t, hnode,
			       cm_digests_key(e->algo, e->digest))
		if (cm_digests_equal(t, e))
			return true;
	return false;
}

/*
 * Under the mutex: drop from @list what the table or an earlier line of
 * the same write already holds.  Return: the entries left.
 */
static unsigned long cm_digests_dedup(struct list_head *list)
{
	struct cm_digest *e, *tmp, *p;
	unsigned long n = 0;

	list_for_each_entry_safe(e, tmp, list, lnode) {
		bool dup = cm_digests_present(e);

		list_for_each_entry(p, list, lnode) {
			if (dup || p == e)
				break;
			dup = cm_digests_equal(p, e);
		}
		if (dup) {
			list_del(&e->lnode);
			kfree(e);
		} else {
			n++;
		}
		cond_resched();
	}
	return n;
}

static int cm_digests_add(struct list_head *list)
{
	struct cm_digest *e, *tmp;
	unsigned long n;
	int ret = 0;

	if (mutex_lock_killable(&cm_digests_mutex)) {
		cm_digests_free_list(list);
		return -EINTR;
	}
	n = cm_digests_dedup(list);
	if (n > cm_digests_max - cm_digests_n) {
		cm_digests_free_list(list);
		ret = -ENOSPC;
		goto out_unlock;
	}
	list_for_each_entry_safe(e, tmp, list, lnode) {
		list_del(&e->lnode);
		hash_add_rcu(cm_digests_ht, &e->hnode,
			     cm_digests_key(e->algo, e->digest));
		atomic_inc(&cm_digests_algo_n[e->algo]);
	}
	WRITE_ONCE(cm_digests_n, cm_digests_n + n);
	if (n)
		atomic64_inc(&cm_digests_gen);
out_unlock:
	mutex_unlock(&cm_digests_mutex);
	return ret;
}

/* Drops every entry; readers still inside RCU keep theirs until done. */
static int cm_digests_clear(void)
{
	struct hlist_node *tmp;
	struct cm_digest *e;
	unsigned int bkt, i = 0;

	if (mutex_lock_killable(&cm_digests_mutex))
		return -EINTR;
	hash_for_each_safe(cm_digests_ht, bkt, tmp, e, hnode) {
		hash_del_rcu(&e->hnode);
		atomic_dec(&cm_digests_algo_n[e->algo]);
		kfree_rcu(e, rcu);
		if (!(++i % 256))
			cond_resched();
	}
	WRITE_ONCE(cm_digests_n, 0);
	atomic64_inc(&cm_digests_gen);
	mutex_unlock(&cm_digests_mutex);
	return 0;
}

/**
 * cm_digests_write - one write(2) to securityfs "digests"
 * @buf: the bytes
 * @len: their number
 *
 * All or nothing: every line parses and every new entry fits, or the
 * table is unchanged.  Entries already present are accepted again and
 * not counted twice.
 *
 * Return: 0; -ENOSPC the table would pass cryptomark.digests_max=;
 * -EINTR fatal signal while waiting; cm_digests_parse() errors.
 */
int cm_digests_write(const char *buf, size_t len)
{
	LIST_HEAD(list);
	bool clear;
	int ret;

	ret = cm_digests_parse(buf, len, &list, &clear);
	if (ret)
		return ret;
	return clear ? cm_digests_clear() : cm_digests_add(&list);
}

/* What securityfs "digests" reads. */
int cm_digests_show(char *buf, size_t size)
{
	return scnprintf(buf, size, "entries %lu\nmax %lu\n",
			 READ_ONCE(cm_digests_n), cm_digests_max);
}

/* Grows with every addition and every clear (cache.c). */
u64 cm_digests_generation(void)
{
	return atomic64_read(&cm_digests_gen);
}

/*
 * The signature of the @k-th entry (from 0) for (@algo, @digest), copied
 * into @sig (CM_XATTR_MAX_SIZE bytes) under RCU.  Return: its length, 0
 * when there is no such entry.
 */
static size_t cm_digests_copy(u8 algo, const u8 *digest, unsigned int k,
			      u8 *sig)
{
	size_t dlen = hash_digest_size[algo], len = 0;
	struct cm_digest *e;

	rcu_read_lock();
	hash_for_each_possible_rcu(cm_digests_ht, e, hnode,
				   cm_digests_key(algo, digest)) {
		if (e->algo != algo || memcmp(e->digest, digest, dlen))
			continue;
		if (k--)
			continue;
		memcpy(sig, e->sig, e->sig_len);
		len = e->sig_len;
		break;
	}
	rcu_read_unlock();
	return len;
}

/*
 * Of several failures, the one that says most, whatever the order of the
 * entries: a revoked digest is final; an unknown key is never cached (it
 * may be added before the lock); a signature that does not match the
 * digest; else the first error (RSA reports a damaged signature as
 * -EINVAL or -EBADMSG, as for security.ima).
 */
static int cm_digests_worse(int a, int b)
{
	static const int order[] = { -EKEYREVOKED, -ENOKEY, -EKEYREJECTED };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(order); i++)
		if (a == order[i] || b == order[i])
			return order[i];
	return a;
}

/**
 * cm_digests_verify - may a file with no signature carrier run by its digest?
 * @file: the file, open for reading
 * @keyid: on success, the key id of the entry's signature
 *
 * The file is hashed once per algorithm the table holds; the entries with
 * its digest are verified one by one, each copied out first, until one
 * verifies.  The measurement capture records each signature checked
 * (cm_verify_digest()), so the one that verified is logged.
 *
 * Return: 0 allowed, counted in stats "digest_allowed"; -ENODATA no entry
 * for the file's digest (or an empty table); the errors of
 * cm_verify_digest() when entries exist but none verifies; the errors of
 * cm_digest_file(); -EINTR, -ENOMEM.
 */
int cm_digests_verify(struct file *file, u32 *keyid)
{
	u8 digest[CM_MAX_DIGEST_SIZE];
	const struct cm_sig_hdr *hdr;
	int ret = -ENODATA, r, dlen;
	unsigned int algo, k;
	size_t len;
	u8 *sig;

	if (!READ_ONCE(cm_digests_n))
		return -ENODATA;
	sig = kmalloc(CM_XATTR_MAX_SIZE, GFP_KERNEL);
	if (!sig)
		return -ENOMEM;
	for (algo = 0; algo < HASH_ALGO__LAST; algo++) {
		if (!atomic_read(&cm_digests_algo_n[algo]))
			continue;
		dlen = cm_digest_file(file, algo, 0, 0, digest);
		if (dlen < 0) {
			ret = dlen;
			goto out_free;
		}
		for (k = 0; ; k++) {
			len = cm_digests_copy(algo, digest, k, sig);
			if (!len)
				break;
			if (fatal_signal_pending(current)) {
				ret = -EINTR;
				goto out_free;
			}
			r = cm_sig_parse(sig, len, &hdr);	/* checked at write */
			if (!r)
				r = cm_verify_digest(hdr, digest, dlen);
			if (!r) {
				*keyid = be32_to_cpu(hdr->keyid);
				cm_stat_inc(CM_STAT_DIGEST_ALLOWED);
				ret = 0;
				goto out_free;
			}
			ret = ret == -ENODATA ? r : cm_digests_worse(ret, r);
			if (r == -ENOMEM || r == -EINTR)
				goto out_free;
			cond_resched();
		}
	}
out_free:
	kfree(sig);
	return ret;
}
