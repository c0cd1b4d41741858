// SPDX-License-Identifier: GPL-2.0-only
/*
 * cryptomark: the verdict cache, one entry per inode in its LSM blob.
 *
 * State: struct cm_inode (cryptomark.h).  A verdict, good or bad, is kept
 * with the generation it was computed at and a stamp of the inode
 * (i_version when the filesystem keeps one, ctime, mtime, size).  It is
 * used only while both still match.  The generation is bumped without
 * any lock by every hook that sees a possible change (write-open,
 * truncate, xattr change), so those hooks never wait behind a hash in
 * progress; a newly revoked digest drops every verdict at once through
 * its own, global generation (revoke.c), and a change of the digest table
 * (digests.c) drops the negative verdicts and those the table gave.  The per-inode mutex only
 * serialises verifications, which makes concurrent first execs of a file
 * hash it once: the first computes, the others find its verdict; the wait
 * is killable.  While the file is open for writing (or mapped
 * shared-writable) nothing is cached: its bytes may change at any moment.
 */
#include <linux/fs.h>
#include <linux/iversion.h>

#include "cryptomark.h"
#include "measure.h"

/**
 * cm_pseudo_file - is @inode on one of the kernel's internal mounts?
 * @inode: the inode
 *
 * memfd_create(), SysV shm and other in-kernel files live there; they are
 * created open without counting a writer (alloc_file_pseudo()).
 */
bool cm_pseudo_file(const struct inode *inode)
{
	return inode->i_sb->s_flags & SB_KERNMOUNT;
}

void cm_cache_init(struct inode *inode)
{
	struct cm_inode *ci = cm_inode(inode);

	mutex_init(&ci->lock);
	atomic64_set(&ci->gen, 0);
	ci->valid = false;
}

void cm_cache_invalidate(struct inode *inode)
{
	if (inode && inode->i_security)
		atomic64_inc(&cm_inode(inode)->gen);
}

static void cm_stamp_take(struct inode *inode, struct cm_stamp *st)
{
	st->iversion = IS_I_VERSION(inode) ? inode_query_iversion(inode) : 0;
	st->ctime = inode->i_ctime;
	st->mtime = inode->i_mtime;
	st->size = i_size_read(inode);
}

static bool cm_stamp_eq(const struct cm_stamp *a, const struct cm_stamp *b)
{
	return a->iversion == b->iversion &&
	       timespec64_equal(&a->ctime, &b->ctime) &&
	       timespec64_equal(&a->mtime, &b->mtime) && a->size == b->size;
}

/*
 * Only verdicts determined by the file's bytes and signature are cached:
 * an allowlist, so that a new transient error (a network filesystem's
 * ESTALE or ETIMEDOUT, a signal, an allocation failure, a caller's file
 * the kernel could not read) is never kept as the file's verdict.  An
 * unknown key is not cached either: the key may be added later (before
 * the keyring is locked).  A revoked verdict is cached: revocations only
 * grow, and each one drops every cached verdict (cm_revoke_generation()).
 */
static bool cm_cacheable(int verdict)
{
	switch (verdict) {
	case 0:
	case -ENODATA:		/* unsigned */
	case -EPROTO:
	case -EKEYREJECTED:	/* bad signature */
	case -EKEYREVOKED:
	case -ENOPKG:		/* algorithm not accepted */
	case -EBADMSG:		/* malformed: cm_sig_parse(), the note parser */
	case -EMSGSIZE:
	case -E2BIG:
	case -EPROTONOSUPPORT:
	case -ERANGE:
	case -EOVERFLOW:
	case -ENOEXEC:		/* not an ELF file where one was claimed */
		return true;
	default:
		return false;
	}
}

/**
 * cm_cache_verdict - the verdict for @file, verified at most once
 * @file: the file
 * @keyid: when the file verifies, the key id of its signature
 *
 * Files of the kernel's internal mounts (memfd, SysV shm) are verified
 * every time: their writers are not counted (eval.c).
 *
 * Return: 0 when the file verifies, else the negative error of
 * cm_verify_file(); -EINTR when a fatal signal came while waiting for
 * another task's verification of the same file.
 */
int cm_cache_verdict(struct file *file, u32 *keyid)
{
	struct inode *inode = file_inode(file);
	struct cm_inode *ci = cm_inode(inode);
	struct cm_stamp now;
	u64 gen, rgen, dgen;
	bool by_table;
	int ret;

	if (cm_pseudo_file(inode)) {
		cm_stat_inc(CM_STAT_HASHED);
		ret = cm_measure_verify(file, keyid, &by_table);
		if (!ret)
			cm_stat_inc(CM_STAT_VERIFIED);
		return ret;
	}
	if (mutex_lock_killable(&ci->lock))
		return -EINTR;
	gen = atomic64_read(&ci->gen);
	rgen = cm_revoke_generation();
	dgen = cm_digests_generation();
	cm_stamp_take(inode, &now);
	if (ci->valid && ci->verdict_gen == gen && ci->revoke_gen == rgen &&
	    (ci->digests_gen == dgen || (!ci->verdict && !ci->by_table)) &&
	    cm_stamp_eq(&ci->stamp, &now) && !inode_is_open_for_write(inode)) {
		ret = ci->verdict;
		*keyid = ci->keyid;
		cm_stat_inc(CM_STAT_CACHE_HITS);
		goto out_unlock;
	}
	ci->valid = false;
	cm_stat_inc(CM_STAT_HASHED);
	ret = cm_measure_verify(file, keyid, &by_table);
	if (!ret)
		cm_stat_inc(CM_STAT_VERIFIED);
	/* Read the generation after the stamp, check it after hashing. */
	if (cm_cacheable(ret) && !inode_is_open_for_write(inode) &&
	    atomic64_read(&ci->gen) == gen) {
		ci->stamp = now;
		ci->verdict_gen = gen;
		ci->revoke_gen = rgen;
		ci->digests_gen = dgen;
		ci->by_table = by_table;
		ci->verdict = ret;
		ci->keyid = ret ? 0 : *keyid;
		ci->valid = true;
	}
out_unlock:
	mutex_unlock(&ci->lock);
	return ret;
}
