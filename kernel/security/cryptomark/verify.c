// SPDX-License-Identifier: GPL-2.0-only
/*
 * cryptomark: is this file signed by a trusted key?  The security.ima
 * signature v2 first, then the ELF note (elfnote.c finds it).  The
 * signature header parser is sigparse.c, libcryptomark's own source
 * (tests/vectors/sig/index.txt).
 */
#include <crypto/hash.h>
#include <crypto/hash_info.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/xattr.h>

#include "cryptomark.h"
#include "cm_parse.h"
#include "measure.h"

/* Large enough to keep the per-call overhead of kernel_read() small. */
#define CM_READ_CHUNK	(128 * 1024)

/**
 * cm_sig_parse - check a signature v2 value (header + signature)
 * @buf: the bytes
 * @len: their number
 * @hdr: on success, points into @buf
 *
 * The checks are sigparse.c's cm_sig_check(), libcryptomark's own.
 *
 * Return: 0 or the errors of cm_sig_check().
 */
int cm_sig_parse(const u8 *buf, size_t len, const struct cm_sig_hdr **hdr)
{
	const char *why;
	int ret;

	ret = cm_sig_check(buf, len, &why);
	if (!ret)
		*hdr = (const struct cm_sig_hdr *)buf;
	return ret;
}

/**
 * cm_digest_file - hash the whole file, reading it in chunks
 * @file: the file, open for reading
 * @hash_algo: enum cm_hash_algo, already checked by cm_sig_parse()
 * @hole_off: start of a range hashed as zeros (the ELF note descriptor)
 * @hole_len: its length, 0 for none
 * @digest: CM_MAX_DIGEST_SIZE bytes
 *
 * Return: the digest size, -EBADF file not readable, -EIO file shorter
 * than its size, -EINTR fatal signal, -ENOMEM, or a crypto/read error.
 */
int cm_digest_file(struct file *file, u8 hash_algo, loff_t hole_off,
		   size_t hole_len, u8 *digest)
{
	loff_t size = i_size_read(file_inode(file)), pos = 0;
	struct crypto_shash *tfm;
	struct shash_desc *desc;
	u8 *buf;
	int ret;

	if (!(file->f_mode & FMODE_READ))
		return -EBADF;
	tfm = crypto_alloc_shash(hash_algo_name[hash_algo], 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm) == -ENOENT ? -ENOPKG : PTR_ERR(tfm);
	desc = kzalloc(sizeof(*desc) + crypto_shash_descsize(tfm), GFP_KERNEL);
	if (!desc) {
		ret = -ENOMEM;
		goto out_free_tfm;
	}
	desc->tfm = tfm;
	buf = kvmalloc(CM_READ_CHUNK, GFP_KERNEL);
	if (!buf) {
		ret = -ENOMEM;
		goto out_free_desc;
	}
	ret = crypto_shash_init(desc);
	while (!ret && pos < size) {
		loff_t start = pos;
		size_t want = min_t(loff_t, CM_READ_CHUNK, size - pos);
		ssize_t n;

		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		n = kernel_read(file, buf, want, &pos);
		if (n <= 0) {
			ret = n < 0 ? n : -EIO;
			break;
		}
		/* Zero the part of [hole_off, hole_off + hole_len) read now. */
		if (hole_len && hole_off < start + n &&
		    start < hole_off + (loff_t)hole_len) {
			loff_t a = max(hole_off, start);
			loff_t b = min(hole_off + (loff_t)hole_len, start + n);

			memset(buf + (a - start), 0, b - a);
		}
		ret = crypto_shash_update(desc, buf, n);
		cond_resched();
	}
	if (!ret)
		ret = crypto_shash_final(desc, digest);
	if (!ret)
		ret = crypto_shash_digestsize(tfm);
	kvfree(buf);
out_free_desc:
	kfree_sensitive(desc);
out_free_tfm:
	crypto_free_shash(tfm);
	return ret;
}

/**
 * cm_measure_capture - remember what a carrier is about to check
 * @hdr: the parsed signature value (header and signature)
 * @digest: the digest it must sign
 * @digest_len: its length
 *
 * A no-op unless the current task is inside cm_measure_verify().
 */
void cm_measure_capture(const struct cm_sig_hdr *hdr, const u8 *digest,
			u32 digest_len)
{
	struct cm_mcapture *c = current->security ?
				cm_task(current)->capture : NULL;
	u32 len = CM_SIG_HDR_SIZE + be16_to_cpu(hdr->sig_size);

	if (!c || digest_len > sizeof(c->digest) || len > sizeof(c->sig) ||
	    digest_len != hash_digest_size[hdr->hash_algo])
		return;
	c->algo = hdr->hash_algo;
	memcpy(c->digest, digest, digest_len);
	memcpy(c->sig, hdr, len);
	c->sig_len = len;
	c->have = true;
}

/**
 * cm_open_readable - @file, or a read-only open of the same path
 * @file: the file as the caller opened it
 *
 * A file opened without read access (open(path, 3)) or with O_DIRECT is
 * hashed through a read-only open of its own, as IMA does, so no verdict
 * or measurement depends on how the caller opened it.
 *
 * Return: @file itself, a new reference the caller fput()s when it is not
 * @file, or an ERR_PTR() from the open.
 */
struct file *cm_open_readable(struct file *file)
{
	if ((file->f_mode & FMODE_READ) && !(file->f_flags & O_DIRECT))
		return file;
	return dentry_open(&file->f_path, O_RDONLY | O_LARGEFILE, file->f_cred);
}

/**
 * cm_verify_digest - the checks every carrier makes once it has the digest
 * @hdr: the parsed signature header (cm_sig_parse())
 * @digest: the file's digest as the carrier signs it
 * @digest_len: its length
 *
 * A revoked digest is refused before any key is looked at, as
 * libcryptomark's cm_trust_verify() does.
 *
 * Return: 0, -EKEYREVOKED, or the errors of cm_keyring_verify().
 */
int cm_verify_digest(const struct cm_sig_hdr *hdr, const u8 *digest,
		     u32 digest_len)
{
	int ret;

	cm_measure_capture(hdr, digest, digest_len);
	ret = cm_revoke_check(hdr->hash_algo, digest);
	if (ret)
		return ret;
	return cm_keyring_verify(be32_to_cpu(hdr->keyid), hdr->hash_algo,
				 hdr->sig, be16_to_cpu(hdr->sig_size), digest,
				 digest_len);
}

/**
 * cm_note_verify - verify the .note.cryptomark signature of @file
 * @file: the file, open for reading
 * @keyid: on success, the key id of the note's signature
 *
 * elfnote.c finds the note; the signed digest is the whole file's with
 * the descriptor counted as zeros.
 *
 * Return: 0 valid; the errors of cm_note_read() (-ENODATA: no note),
 * cm_digest_file() and cm_verify_digest().
 */
int cm_note_verify(struct file *file, u32 *keyid)
{
	u8 digest[CM_MAX_DIGEST_SIZE];
	const struct cm_sig_hdr *hdr;
	loff_t desc_off;
	u8 *desc;
	int ret;

	desc = kmalloc(CM_NOTE_DESC_SIZE, GFP_KERNEL);
	if (!desc)
		return -ENOMEM;
	ret = cm_note_read(file, desc, &desc_off);
	if (ret)
		goto out_free_desc;
	hdr = (const struct cm_sig_hdr *)desc;
	ret = cm_digest_file(file, hdr->hash_algo, desc_off, CM_NOTE_DESC_SIZE,
			     digest);
	if (ret < 0)
		goto out_free_desc;
	ret = cm_verify_digest(hdr, digest, ret);
	if (!ret)
		*keyid = be32_to_cpu(hdr->keyid);
out_free_desc:
	kfree(desc);
	return ret;
}

/* Carrier 1: security.ima.  -ENODATA/-EPROTO mean "no signature here". */
int cm_verify_xattr(struct file *file, u32 *keyid)
{
	const struct cm_sig_hdr *hdr;
	u8 digest[CM_MAX_DIGEST_SIZE];
	ssize_t len;
	u8 *buf;
	int ret;

	buf = kmalloc(CM_XATTR_MAX_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	len = __vfs_getxattr(file_dentry(file), file_inode(file),
			     CM_XATTR_IMA, buf, CM_XATTR_MAX_SIZE);
	if (len == -ERANGE) {
		ret = -E2BIG;		/* longer than any valid value */
		goto out_free_buf;
	}
	if (len == -ENODATA || len == -EOPNOTSUPP) {
		ret = -ENODATA;
		goto out_free_buf;
	}
	if (len < 0) {
		ret = len;
		goto out_free_buf;
	}
	ret = cm_sig_parse(buf, len, &hdr);
	if (ret)
		goto out_free_buf;
	ret = cm_digest_file(file, hdr->hash_algo, 0, 0, digest);
	if (ret < 0)
		goto out_free_buf;
	ret = cm_verify_digest(hdr, digest, ret);
	if (!ret)
		*keyid = be32_to_cpu(hdr->keyid);
out_free_buf:
	kfree(buf);
	return ret;
}
