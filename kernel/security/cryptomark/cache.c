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
 * its own, global generation (revoke.c).  The per-inode mutex only
 * serialises verifications, which makes concurrent first execs of a file
 * hash it once: the first computes, the others find its verdict.  While the file is open for writing (or mapped
 * shared-writable) nothing is cached: its bytes may change at any moment.
 */
#include <linux/fs.h>
#include <linux/iversion.h>

#include "cryptomark.h"

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
 * Only verdicts that depend on the file alone are cached: an unknown key
 * may be added later (before the keyring is locked), and I/O errors,
 * signals and allocation failures say nothing about the file.  A revoked
 * verdict is cached: revocations only grow, and each one drops every
 * cached verdict (cm_revoke_generation()).
 */
static bool cm_cacheable(int verdict)
{
	return verdict != -ENOKEY && verdict != -EIO && verdict != -ENOMEM &&
	       verdict != -EINTR && verdict != -EAGAIN;
}

/**
 * cm_cache_verdict - the verdict for @file, verified at most once
 * @file: the file
 *
 * Return: 0 when the file verifies, else the negative error of
 * cm_verify_file().
 */
int cm_cache_verdict(struct file *file)
{
	struct inode *inode = file_inode(file);
	struct cm_inode *ci = cm_inode(inode);
	struct cm_stamp now;
	u64 gen, rgen;
	int ret;

	mutex_lock(&ci->lock);
	gen = atomic64_read(&ci->gen);
	rgen = cm_revoke_generation();
	cm_stamp_take(inode, &now);
	if (ci->valid && ci->verdict_gen == gen && ci->revoke_gen == rgen &&
	    cm_stamp_eq(&ci->stamp, &now) && !inode_is_open_for_write(inode)) {
		ret = ci->verdict;
		cm_stat_inc(CM_STAT_CACHE_HITS);
		goto out_unlock;
	}
	ci->valid = false;
	cm_stat_inc(CM_STAT_HASHED);
	ret = cm_verify_file(file);
	if (!ret)
		cm_stat_inc(CM_STAT_VERIFIED);
	/* Read the generation after the stamp, check it after hashing. */
	if (cm_cacheable(ret) && !inode_is_open_for_write(inode) &&
	    atomic64_read(&ci->gen) == gen) {
		ci->stamp = now;
		ci->verdict_gen = gen;
		ci->revoke_gen = rgen;
		ci->verdict = ret;
		ci->valid = true;
	}
out_unlock:
	mutex_unlock(&ci->lock);
	return ret;
}
