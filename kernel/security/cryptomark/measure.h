/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cryptomark: the measurement list (measure.c), its securityfs views
 * (measure_fs.c) and the hooks the verification path calls.
 */
#ifndef _SECURITY_CRYPTOMARK_MEASURE_H
#define _SECURITY_CRYPTOMARK_MEASURE_H

#include <crypto/sha1.h>
#include <linux/fs.h>
#include <linux/sched.h>
#include <linux/types.h>

#include <cryptomark/format.h>

/* Index slots per chunk of the list's index. */
#define CM_CHUNK	1024
#define CM_TEMPLATE_NAME	"ima-sig"

/* One entry: the SHA-1 template digest and the ima-sig template data. */
struct cm_mentry {
	struct hlist_node hnode;
	u8 tdigest[SHA1_DIGEST_SIZE];
	u32 len;
	u8 data[];
};

/* Written under measure.c's lock; readers index entries below @count. */
struct cm_mlist {
	struct cm_mentry ***chunks;
	size_t count;
	size_t bytes;
	u64 not_logged;
	u64 tpm_errors;
	bool tpm;
	bool full;
};

extern struct cm_mlist cm_mlist;

/*
 * What verify.c saw last while a measured verification runs: the digest a
 * carrier signs and its signature value.  Hung on the task (LSM blob).
 */
struct cm_mcapture {
	bool have;
	u8 algo;
	u8 digest[CM_MAX_DIGEST_SIZE];
	u32 sig_len;
	u8 sig[CM_XATTR_MAX_SIZE];
};

struct cm_task {
	struct cm_mcapture *capture;
};

static inline struct cm_task *cm_task(const struct task_struct *t)
{
	return t->security + cm_blob_sizes.lbs_task;
}

/* measure.c */
unsigned int cm_measure_pcr(void);
unsigned long cm_measure_max(void);
size_t cm_mlist_count(void);
struct cm_mentry *cm_mlist_entry(size_t idx);
struct cm_mentry *cm_mentry_new(u8 algo, const u8 *digest, const char *name,
				const u8 *sig, u32 sig_len);
int cm_measure_add(struct cm_mentry *e);

/* measure_file.c */
int cm_measure_verify(struct file *file, u32 *keyid, bool *by_table);

/* verify.c: records into the current task's capture */
void cm_measure_capture(const struct cm_sig_hdr *hdr, const u8 *digest,
			u32 digest_len);

/* measure_fs.c */
int cm_measure_fs_init(struct dentry *dir);

#endif /* _SECURITY_CRYPTOMARK_MEASURE_H */
