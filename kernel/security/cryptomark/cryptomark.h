/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cryptomark: what the LSM's files share.  The on-disk formats are not
 * here: they come from the repository's single definition,
 * <cryptomark/format.h>, installed into the tree by kernel/build-kernel.sh.
 */
#ifndef _SECURITY_CRYPTOMARK_H
#define _SECURITY_CRYPTOMARK_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/key.h>
#include <linux/list.h>
#include <linux/lsm_hooks.h>
#include <linux/mutex.h>
#include <linux/time64.h>
#include <linux/types.h>

#include <cryptomark/format.h>

enum cm_mode {
	CM_MODE_OFF,
	CM_MODE_AUDIT,
	CM_MODE_ENFORCE,
	__CM_MODE_MAX
};

enum cm_op {
	CM_OP_EXEC,
	CM_OP_MMAP,
	CM_OP_MPROTECT,
	CM_OP_WRITE_OPEN,
	CM_OP_TRUNCATE,
	CM_OP_PTRACE,
	CM_OP_PROC_MEM,
	CM_OP_USERFAULTFD,
	CM_OP_MODULE,
	CM_OP_FIRMWARE,
	CM_OP_KEXEC,
	CM_OP_CHECK,		/* execveat(AT_EXECVE_CHECK), checkexec.c */
	__CM_OP_MAX
};

/* Why a file was refused; each has a stats counter and an audit name. */
enum cm_reason {
	CM_REASON_UNSIGNED,
	CM_REASON_MALFORMED,
	CM_REASON_UNSUPPORTED,
	CM_REASON_UNKNOWN_KEY,
	CM_REASON_BAD_SIGNATURE,
	CM_REASON_WRITTEN_MAPPING,
	CM_REASON_REVOKED,
	CM_REASON_WRITABLE,
	CM_REASON_EXEC_MAPPED,
	CM_REASON_IO,
	CM_REASON_UNSEALED,
	CM_REASON_WX_MAPPING,
	CM_REASON_PTRACE,
	CM_REASON_NO_FILE,
	CM_REASON_WRONG_KEY,	/* signed by a key the rules do not name */
	__CM_REASON_MAX
};

enum cm_stat {
	CM_STAT_CHECKS,
	CM_STAT_CACHE_HITS,
	CM_STAT_HASHED,
	CM_STAT_VERIFIED,
	CM_STAT_DENIED,
	CM_STAT_ENFORCED,
	/* shown after revoked_digests, at the end of securityfs "stats" */
	CM_STAT_DIGEST_ALLOWED,		/* allowed by a digest table entry */
	CM_STAT_INITRAMFS_ALLOWED,	/* allowed by the initial-rootfs trust */
	CM_STAT_AUDIT_SUPPRESSED,	/* audit lines the rate limit dropped */
	__CM_STAT_MAX
};

/* What the cached verdict was computed against (cache.c). */
struct cm_stamp {
	u64 iversion;
	struct timespec64 ctime;
	struct timespec64 mtime;
	loff_t size;
};

/*
 * The inode LSM blob.  @lock serialises verification of one inode, so
 * concurrent first execs hash it once.  @gen is bumped, without the lock,
 * by every event that may change what the file holds; a verdict is valid
 * only while @gen still equals @verdict_gen, and while no digest was
 * revoked since (@revoke_gen, revoke.c).  A negative verdict, or one the
 * digest table gave (@by_table), is valid only while the table has not
 * changed since (@digests_gen, digests.c).
 */
struct cm_inode {
	struct mutex lock;
	atomic64_t gen;
	u64 verdict_gen;
	u64 revoke_gen;
	u64 digests_gen;
	struct cm_stamp stamp;
	bool valid;
	bool by_table;
	int verdict;
	u32 keyid;		/* the signer, when @verdict is 0 */
};

extern struct lsm_blob_sizes cm_blob_sizes;

static inline struct cm_inode *cm_inode(const struct inode *inode)
{
	return inode->i_security + cm_blob_sizes.lbs_inode;
}

/* lsm.c */
enum cm_mode cm_mode_get(void);
int cm_mode_raise(enum cm_mode mode);
const char *cm_mode_name(enum cm_mode mode);
int cm_mode_parse(const char *s, enum cm_mode *mode);

/* eval.c */
int cm_evaluate(struct file *file, enum cm_op op);
int cm_evaluate_written_mapping(struct file *file, enum cm_op op);
int cm_evaluate_wx_mapping(struct file *file, enum cm_op op);
int cm_evaluate_write_open(struct file *file);
int cm_evaluate_truncate(struct dentry *dentry);
int cm_refuse(struct file *file, struct dentry *dentry, enum cm_op op,
	      enum cm_reason reason, int err);

/* verify.c */
int cm_verify_file(struct file *file, u32 *keyid, bool *by_table);
int cm_note_verify(struct file *file, u32 *keyid);
int cm_verify_xattr(struct file *file, u32 *keyid);
int cm_sig_parse(const u8 *buf, size_t len, const struct cm_sig_hdr **hdr);
struct file *cm_open_readable(struct file *file);
int cm_digest_file(struct file *file, u8 hash_algo, loff_t hole_off,
		   size_t hole_len, u8 *digest);
int cm_verify_digest(const struct cm_sig_hdr *hdr, const u8 *digest,
		     u32 digest_len);

/* digests.c */
/* At most this many bytes per write(2) to securityfs "digests". */
#define CM_DIGESTS_WRITE_MAX	65536

/* One entry of the table; @sig is a complete security.ima value. */
struct cm_digest {
	struct hlist_node hnode;	/* in the table */
	struct list_head lnode;		/* in a write's list, before insertion */
	struct rcu_head rcu;
	u8 algo;
	u8 digest[CM_MAX_DIGEST_SIZE];	/* zero past the digest size */
	u16 sig_len;
	u8 sig[];
};

int cm_digests_parse_line(const char *s, size_t len, struct cm_digest **out);
int cm_digests_parse(const char *buf, size_t len, struct list_head *list,
		     bool *clear);
void cm_digests_free_list(struct list_head *list);
int cm_digests_write(const char *buf, size_t len);
int cm_digests_show(char *buf, size_t size);
u64 cm_digests_generation(void);
int cm_digests_verify(struct file *file, u32 *keyid);

/* initramfs.c */
void cm_initramfs_exec(struct file *file);
bool cm_initramfs_trusted(struct file *file);

/* elfnote.c */
int cm_note_read(struct file *file, u8 *desc, loff_t *desc_off);

/* stats.c */
void cm_stat_inc(enum cm_stat stat);
void cm_stat_deny(enum cm_reason reason);
u64 cm_stat_get(enum cm_stat stat);
u64 cm_stat_denied(enum cm_reason reason);
const char *cm_reason_name(enum cm_reason reason);
const char *cm_op_name(enum cm_op op);

/* cache.c */
bool cm_pseudo_file(const struct inode *inode);
void cm_cache_init(struct inode *inode);
int cm_cache_verdict(struct file *file, u32 *keyid);
void cm_cache_invalidate(struct inode *inode);

/* keyring.c */
int cm_keyring_init(void);
int cm_keyring_verify(u32 keyid, u8 hash_algo, const u8 *sig, u32 sig_len,
		      const u8 *digest, u32 digest_len);
int cm_keyring_lock(void);
bool cm_keyring_locked(void);
key_serial_t cm_keyring_serial(void);
int cm_keyring_permission(struct key *key, enum key_need_perm need_perm);

/* revoke.c */
int cm_revoke_add(const char *s);
int cm_revoke_check(u8 hash_algo, const u8 *digest);
u64 cm_revoke_generation(void);
size_t cm_revoke_count(void);
void cm_revoke_freeze(void);

/* writers.c */
struct cm_wblock;
struct cm_wblock *cm_writers_block(struct file *file);
void cm_writers_release(struct cm_wblock *wb);
void cm_writers_release_later(struct cm_wblock *wb);
bool cm_writers_exec_mapped(struct address_space *mapping);

/* ptrace.c */
enum cm_ptrace {
	CM_PTRACE_CAP,		/* writers of code need CAP_SYS_PTRACE */
	CM_PTRACE_DENY,		/* nobody, root included */
	__CM_PTRACE_MAX
};

enum cm_ptrace cm_ptrace_get(void);
const char *cm_ptrace_name(enum cm_ptrace policy);
int cm_ptrace_parse(const char *s, enum cm_ptrace *policy);
int cm_ptrace_raise(enum cm_ptrace policy);
int cm_ptrace_check(struct file *file, enum cm_op op);
int cm_ptrace_check_tracer(struct task_struct *tracer);
bool cm_is_proc_mem(const struct file *file);

/* rules.c */
enum cm_mode cm_rules_mode(enum cm_op op);
bool cm_rules_key_allowed(enum cm_op op, u32 keyid);
bool cm_rules_fs_trusted(struct file *file, enum cm_op op);
int cm_rules_load(const u8 *buf, size_t len);
int cm_rules_show(char *buf, size_t size);

/* audit.c */
void cm_audit_denial(struct file *file, struct dentry *dentry, enum cm_op op,
		     enum cm_reason reason, enum cm_mode mode);

#endif /* _SECURITY_CRYPTOMARK_H */
