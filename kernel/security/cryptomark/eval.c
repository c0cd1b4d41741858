// SPDX-License-Identifier: GPL-2.0-only
/*
 * cryptomark: the decision for one (file, operation).  The mode (the
 * global one, lowered for the operation by the rule set, rules.c) says
 * whether to look at all and whether a negative verdict is enforced; the
 * verdict itself comes from the cache (cache.c), which verifies on a miss
 * (verify.c).  The counters are stats.c's.
 *
 * Files of the kernel's internal mounts (memfd_create(), SysV shared
 * memory) are special: they are created open, so the kernel's writer
 * count never sees their first writer, and shmem has no page_mkwrite, so
 * stores through a shared mapping change no timestamp.  Their bytes can be
 * trusted only when their seals forbid every future change; their
 * verdicts are never cached.
 */
#include <linux/atomic.h>
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/fs.h>
#include <linux/shmem_fs.h>

#include "cryptomark.h"

/* The internal error of a verification, as the reason users see. */
static enum cm_reason cm_reason_of(int err)
{
	switch (err) {
	case -ENODATA:
	case -EPROTO:		/* security.ima holds no signature */
		return CM_REASON_UNSIGNED;
	case -ENOPKG:
		return CM_REASON_UNSUPPORTED;
	case -ENOKEY:
		return CM_REASON_UNKNOWN_KEY;
	case -EKEYREJECTED:
		return CM_REASON_BAD_SIGNATURE;
	case -EKEYREVOKED:
		return CM_REASON_REVOKED;
	case -EBADMSG:
	case -EMSGSIZE:
	case -E2BIG:
	case -EPROTONOSUPPORT:
	case -ERANGE:
	case -EOVERFLOW:
		return CM_REASON_MALFORMED;
	default:
		return CM_REASON_IO;
	}
}

/* Counts, logs, and in enforce mode refuses with @err. */
static int cm_deny_err(struct file *file, struct dentry *dentry,
		       enum cm_op op, enum cm_reason reason, enum cm_mode mode,
		       int err)
{
	cm_stat_inc(CM_STAT_DENIED);
	cm_stat_deny(reason);
	cm_audit_denial(file, dentry, op, reason, mode);
	if (mode != CM_MODE_ENFORCE)
		return 0;
	cm_stat_inc(CM_STAT_ENFORCED);
	return err;
}

static int cm_deny(struct file *file, enum cm_op op, enum cm_reason reason,
		   enum cm_mode mode)
{
	return cm_deny_err(file, NULL, op, reason, mode, -EACCES);
}

/**
 * cm_refuse - a negative verdict decided outside this file (ptrace.c)
 * @file: the file concerned, or NULL
 * @dentry: when there is no file, its dentry, or NULL
 * @op: the operation
 * @reason: why
 * @err: the error enforce mode returns
 *
 * Return: 0 in off and audit mode (audit logs), @err in enforce mode.
 */
int cm_refuse(struct file *file, struct dentry *dentry, enum cm_op op,
	      enum cm_reason reason, int err)
{
	enum cm_mode mode = cm_rules_mode(op);

	if (mode == CM_MODE_OFF)
		return 0;
	cm_stat_inc(CM_STAT_CHECKS);
	return cm_deny_err(file, dentry, op, reason, mode, err);
}

/*
 * A pseudo file's bytes are final only when sealed against writing,
 * shrinking and growing.  F_SEAL_FUTURE_WRITE leaves writable shared
 * mappings made before it in place, so it counts only while there are
 * none (and none can be made after it).  Files that cannot be sealed
 * (SysV shm) never are.
 */
static bool cm_sealed(struct inode *inode)
{
	const unsigned int need = F_SEAL_SHRINK | F_SEAL_GROW;
	unsigned int seals;

	if (!shmem_mapping(inode->i_mapping))
		return false;
	seals = READ_ONCE(SHMEM_I(inode)->seals);
	if ((seals & need) != need)
		return false;
	if (seals & F_SEAL_WRITE)
		return true;
	return (seals & F_SEAL_FUTURE_WRITE) &&
	       !mapping_writably_mapped(inode->i_mapping);
}

/*
 * execve() (and its AT_EXECVE_CHECK) and kernel_read_file() (modules,
 * firmware, kexec images) deny writers themselves for as long as they
 * read the file; a mapping needs writers.c to hold them off.
 */
static bool cm_op_maps(enum cm_op op)
{
	return op == CM_OP_MMAP || op == CM_OP_MPROTECT;
}

/**
 * cm_evaluate - may code from @file run?
 * @file: the file about to be executed, mapped executable, or read by the
 *	kernel as a module, firmware or kexec image
 * @op: the operation, for the audit line
 *
 * A mapping (not execve or a kernel read, which deny writers themselves)
 * is refused while the file has writers, and in enforce mode writers are
 * held off from before the hash until the mapping exists (writers.c).
 *
 * Return: 0 to allow; -EACCES when enforce mode refuses; -ENOMEM.
 */
int cm_evaluate(struct file *file, enum cm_op op)
{
	enum cm_mode mode = cm_rules_mode(op);
	struct cm_wblock *wb = NULL;
	u32 keyid = 0;
	int ret;

	if (mode == CM_MODE_OFF)
		return 0;
	cm_stat_inc(CM_STAT_CHECKS);
	if (cm_initramfs_trusted(file)) {
		cm_stat_inc(CM_STAT_INITRAMFS_ALLOWED);
		return 0;	/* the kernel's own initramfs, before init */
	}
	if (cm_pseudo_file(file_inode(file)) && !cm_sealed(file_inode(file)))
		return cm_deny(file, op, CM_REASON_UNSEALED, mode);
	if (cm_rules_fs_trusted(file, op))
		return 0;	/* read-only, so no writers to hold off */
	if (cm_op_maps(op) && mode == CM_MODE_ENFORCE) {
		wb = cm_writers_block(file);
		if (IS_ERR(wb))
			return PTR_ERR(wb) == -ETXTBSY ?
			       cm_deny(file, op, CM_REASON_WRITABLE, mode) :
			       PTR_ERR(wb);
	} else if (cm_op_maps(op) &&
		   inode_is_open_for_write(file_inode(file))) {
		cm_deny(file, op, CM_REASON_WRITABLE, mode);	/* audit */
	}
	ret = cm_cache_verdict(file, &keyid);
	if (ret || !cm_rules_key_allowed(op, keyid)) {
		cm_writers_release(wb);
		return cm_deny(file, op, ret ? cm_reason_of(ret) :
				   CM_REASON_WRONG_KEY, mode);
	}
	cm_writers_release_later(wb);
	return 0;
}

/**
 * cm_evaluate_write_open - may @file be opened for writing?
 * @file: the file being opened with FMODE_WRITE
 *
 * Not while any process maps it executable: its bytes are what the
 * mapping runs (writers.c).
 *
 * Return: 0, or -ETXTBSY when enforce mode refuses.
 */
int cm_evaluate_write_open(struct file *file)
{
	enum cm_mode mode = cm_mode_get();

	if (mode == CM_MODE_OFF || !S_ISREG(file_inode(file)->i_mode) ||
	    !cm_writers_exec_mapped(file->f_mapping))
		return 0;
	return cm_deny_err(file, NULL, CM_OP_WRITE_OPEN, CM_REASON_EXEC_MAPPED,
			   mode, -ETXTBSY);
}

/**
 * cm_evaluate_truncate - may the file of @dentry change size?
 * @dentry: the file being truncated (truncate(2) needs no open file)
 *
 * Not while any process maps it executable: the pages behind the mapping
 * would go (SIGBUS in every process running it).
 *
 * Return: 0, or -ETXTBSY when enforce mode refuses.
 */
int cm_evaluate_truncate(struct dentry *dentry)
{
	struct inode *inode = d_backing_inode(dentry);
	enum cm_mode mode = cm_mode_get();

	if (mode == CM_MODE_OFF || !inode || !S_ISREG(inode->i_mode) ||
	    !cm_writers_exec_mapped(inode->i_mapping))
		return 0;
	return cm_deny_err(NULL, dentry, CM_OP_TRUNCATE,
			   CM_REASON_EXEC_MAPPED, mode, -ETXTBSY);
}

/**
 * cm_evaluate_written_mapping - a written private mapping wants PROT_EXEC
 * @file: the mapped file
 * @op: the operation, for the audit line
 *
 * Whatever the file's signature, its copy-on-write pages are not what was
 * signed, so this is always a negative verdict.
 *
 * Return: 0 unless enforce mode refuses (-EACCES).
 */
int cm_evaluate_written_mapping(struct file *file, enum cm_op op)
{
	enum cm_mode mode = cm_rules_mode(op);

	if (mode == CM_MODE_OFF)
		return 0;
	cm_stat_inc(CM_STAT_CHECKS);
	return cm_deny(file, op, CM_REASON_WRITTEN_MAPPING, mode);
}

/**
 * cm_evaluate_wx_mapping - a private file mapping both writable and executable
 * @file: the mapped file
 * @op: the operation, for the audit line
 *
 * Its pages would turn into unsigned copy-on-write bytes the moment they
 * are written, while executable: an executable private file mapping never
 * becomes writable, whatever the file's signature.
 *
 * Return: 0 unless enforce mode refuses (-EACCES).
 */
int cm_evaluate_wx_mapping(struct file *file, enum cm_op op)
{
	enum cm_mode mode = cm_rules_mode(op);

	if (mode == CM_MODE_OFF)
		return 0;
	cm_stat_inc(CM_STAT_CHECKS);
	return cm_deny(file, op, CM_REASON_WX_MAPPING, mode);
}
