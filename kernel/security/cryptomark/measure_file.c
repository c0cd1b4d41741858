// SPDX-License-Identifier: GPL-2.0-only
/*
 * cryptomark: measuring one file while it is verified.  The cache calls
 * cm_measure_verify() instead of cm_verify_file() on a miss; while the
 * verification runs, verify.c records every (digest, signature) a carrier
 * checks (cm_measure_capture()) in the capture hung on the task's LSM
 * blob.  When the file verified, the last capture is the signature that
 * verified and the digest it covers; otherwise the entry gets the file's
 * whole SHA-256 (all zeros when the file cannot be read) and no signature.
 */
#include <crypto/hash_info.h>
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "cryptomark.h"
#include "measure.h"

/* The whole file's SHA-256, through a read-only open when needed. */
static void cm_whole_digest(struct file *file, u8 *digest)
{
	struct file *rfile = cm_open_readable(file);
	int ret;

	ret = IS_ERR(rfile) ? PTR_ERR(rfile) :
	      cm_digest_file(rfile, HASH_ALGO_SHA256, 0, 0, digest);
	if (ret < 0)
		memset(digest, 0, SHA256_DIGEST_SIZE);
	if (!IS_ERR(rfile) && rfile != file)
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
 * @by_table: as for cm_verify_file(): the digest table allowed it
 *
 * Return: the verdict of cm_verify_file(); -ENOMEM when the entry could
 * not be made (never cached, so the next evaluation measures again).
 */
int cm_measure_verify(struct file *file, u32 *keyid, bool *by_table)
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
	ret = cm_verify_file(file, keyid, by_table);
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
