// SPDX-License-Identifier: GPL-2.0-only
/*
 * cryptomark: measuring one file while it is verified.  The cache calls
 * cm_measure_verify() instead of cm_verify_file() on a miss; while the
 * verification runs, verify.c hands every (digest, signature) a carrier
 * checks to cm_measure_capture(), through the task's LSM blob.  When the
 * file verified, the last capture is the signature that verified and the
 * digest it covers; otherwise the entry gets the file's whole SHA-256
 * (all zeros when the file cannot be read) and no signature.
 */
#include <crypto/hash_info.h>
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "cryptomark.h"
#include "measure.h"

static struct cm_task *cm_task(const struct task_struct *t)
{
	return t->security + cm_blob_sizes.lbs_task;
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

/* The whole file's SHA-256, through a read-only open when needed. */
static void cm_whole_digest(struct file *file, u8 *digest)
{
	struct file *rfile = file;
	int ret;

	if (!(file->f_mode & FMODE_READ) || (file->f_flags & O_DIRECT)) {
		rfile = dentry_open(&file->f_path, O_RDONLY | O_LARGEFILE,
				    file->f_cred);
		if (IS_ERR(rfile))
			rfile = NULL;
	}
	ret = rfile ? cm_digest_file(rfile, HASH_ALGO_SHA256, 0, 0, digest) :
		      -EBADF;
	if (ret < 0)
		memset(digest, 0, SHA256_DIGEST_SIZE);
	if (rfile && rfile != file)
		fput(rfile);
}

/* The name logged: the absolute path, else the one from the root. */
static const char *cm_measure_path(struct file *file, char *buf)
{
	char *p = d_absolute_path(&file->f_path, buf, PATH_MAX);

	if (IS_ERR(p))
		p = d_path(&file->f_path, buf, PATH_MAX);
	return IS_ERR(p) ? (const char *)file->f_path.dentry->d_name.name : p;
}

static int cm_measure_record(struct file *file, int verdict,
			     struct cm_mcapture *c)
{
	struct cm_mentry *e;
	char *buf;

	buf = __getname();
	if (!buf)
		return -ENOMEM;
	if (verdict || !c->have) {
		cm_whole_digest(file, c->digest);
		c->algo = HASH_ALGO_SHA256;
		c->sig_len = 0;
	}
	e = cm_mentry_new(c->algo, c->digest, cm_measure_path(file, buf),
			  c->sig, c->sig_len);
	__putname(buf);
	return e ? cm_measure_add(e) : -ENOMEM;
}

/**
 * cm_measure_verify - cm_verify_file(), and the file measured
 * @file: the file as the caller opened it
 * @keyid: as for cm_verify_file(): the key id when the file verifies
 *
 * Return: the verdict of cm_verify_file(); -ENOMEM when the entry could
 * not be made (never cached, so the next evaluation measures again).
 */
int cm_measure_verify(struct file *file, u32 *keyid)
{
	struct cm_task *t = current->security ? cm_task(current) : NULL;
	struct cm_mcapture *c, *saved = NULL;
	int ret, m;

	c = kmalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	c->have = false;
	if (t) {	/* without a blob: measured with no signature */
		saved = t->capture;
		t->capture = c;
	}
	ret = cm_verify_file(file, keyid);
	if (t)
		t->capture = saved;
	if (ret == -EINTR) {
		kfree(c);
		return ret;
	}
	m = cm_measure_record(file, ret, c);
	kfree(c);
	return m ? m : ret;
}
