// SPDX-License-Identifier: GPL-2.0-only
/*
 * cryptomark: the LSM hooks.  Each one only builds the question (which
 * file, which operation) and hands it to eval.c, or tells cache.c that a
 * file may have changed.
 */
#include <linux/binfmts.h>
#include <linux/fs.h>
#include <linux/kernel_read_file.h>
#include <linux/mman.h>
#include <linux/ptrace.h>
#include <linux/security.h>

#include "cryptomark.h"
#include "hooks.h"

/*
 * Every execve, once per binary handler: a #! script, then its
 * interpreter.  The first from outside the initial rootfs ends its trust.
 */
int cryptomark_bprm_check_security(struct linux_binprm *bprm)
{
	cm_initramfs_exec(bprm->file);
	return cm_evaluate(bprm->file, CM_OP_EXEC);
}

/*
 * Shared libraries, ld.so ./prog, the ELF loader's own mappings, and
 * shmat(SHM_EXEC).  A private file mapping both writable and executable
 * would run whatever is written into it.
 */
int cryptomark_mmap_file(struct file *file, unsigned long reqprot,
			 unsigned long prot, unsigned long flags)
{
	if (!file || !(prot & PROT_EXEC))
		return 0;	/* anonymous memory is out of scope: THREATS.md */
	if ((prot & PROT_WRITE) && (flags & MAP_TYPE) == MAP_PRIVATE)
		return cm_evaluate_wx_mapping(file, CM_OP_MMAP);
	return cm_evaluate(file, CM_OP_MMAP);
}

/*
 * Adding PROT_EXEC (or PROT_WRITE) to a file mapping.  A private mapping
 * is executable or writable, never both (its written pages are bytes
 * nobody signed); one with an anon_vma has (or may have) such pages
 * already, so it never becomes executable (SELinux's execmod reasoning).
 */
int cryptomark_file_mprotect(struct vm_area_struct *vma,
			     unsigned long reqprot, unsigned long prot)
{
	bool private = !(vma->vm_flags & VM_SHARED);

	if (!vma->vm_file || !(prot & PROT_EXEC))
		return 0;
	if (private && (prot & PROT_WRITE))
		return cm_evaluate_wx_mapping(vma->vm_file, CM_OP_MPROTECT);
	if (vma->vm_flags & VM_EXEC)
		return 0;
	if (private && vma->anon_vma)
		return cm_evaluate_written_mapping(vma->vm_file,
						   CM_OP_MPROTECT);
	return cm_evaluate(vma->vm_file, CM_OP_MPROTECT);
}

/*
 * The kernel reading a file to run it: a module (finit_module), firmware,
 * a kexec kernel or initramfs (kexec_file_load).  kernel_read_file() has
 * denied writers before asking, so the bytes verified are the bytes read.
 * Policies and certificates are data another mechanism authenticates.
 */
static int cm_kernel_read_op(enum kernel_read_file_id id, enum cm_op *op)
{
	switch (id) {
	case READING_MODULE:
		*op = CM_OP_MODULE;
		return 0;
	case READING_FIRMWARE:
		*op = CM_OP_FIRMWARE;
		return 0;
	case READING_KEXEC_IMAGE:
	case READING_KEXEC_INITRAMFS:
		*op = CM_OP_KEXEC;
		return 0;
	default:
		return -ENOENT;
	}
}

int cryptomark_kernel_read_file(struct file *file, enum kernel_read_file_id id,
				bool contents)
{
	enum cm_op op;

	if (cm_kernel_read_op(id, &op))
		return 0;
	return cm_evaluate(file, op);
}

/*
 * The same, handed over as a buffer with no file behind it (init_module,
 * kexec_load, firmware through the sysfs fallback): nothing carries a
 * signature, so enforce mode refuses them (reason no_file).
 */
int cryptomark_kernel_load_data(enum kernel_load_data_id id, bool contents)
{
	enum cm_op op;

	switch (id) {
	case LOADING_MODULE:
		op = CM_OP_MODULE;
		break;
	case LOADING_FIRMWARE:
		op = CM_OP_FIRMWARE;
		break;
	case LOADING_KEXEC_IMAGE:
		op = CM_OP_KEXEC;
		break;
	default:
		return 0;
	}
	return cm_refuse(NULL, NULL, op, CM_REASON_NO_FILE, -EACCES);
}

/*
 * A writer may change the content: no verdict survives a write-open, and
 * none is allowed while the file is mapped executable (writers.c).
 * Writing to /proc/PID/mem can change any mapping, executable ones too.
 */
int cryptomark_file_open(struct file *file)
{
	int ret;

	if (!(file->f_mode & FMODE_WRITE))
		return 0;
	if (cm_is_proc_mem(file)) {
		ret = cm_ptrace_check(file, CM_OP_PROC_MEM);
		if (ret)
			return ret;
	}
	cm_cache_invalidate(file_inode(file));
	return cm_evaluate_write_open(file);
}

/*
 * truncate(2) needs no open file; ftruncate(2) and O_TRUNC come here as
 * well.  Truncating a file some process maps executable takes its pages
 * away from under the mapping.
 */
int cryptomark_inode_setattr(struct dentry *dentry, struct iattr *attr)
{
	if (!(attr->ia_valid & ATTR_SIZE))
		return 0;
	cm_cache_invalidate(d_backing_inode(dentry));
	return cm_evaluate_truncate(dentry);
}

int cryptomark_inode_alloc_security(struct inode *inode)
{
	cm_cache_init(inode);
	return 0;
}

void cryptomark_inode_post_setxattr(struct dentry *dentry, const char *name,
				    const void *value, size_t size, int flags)
{
	cm_cache_invalidate(d_backing_inode(dentry));
}

/*
 * There is no post-removexattr hook in 6.1; the cache stamp (ctime)
 * catches a verification racing with the removal.  Registering this hook
 * replaces the capability check, so it is done here (as SELinux does).
 */
int cryptomark_inode_removexattr(struct user_namespace *mnt_userns,
				 struct dentry *dentry, const char *name)
{
	cm_cache_invalidate(d_backing_inode(dentry));
	return cap_inode_removexattr(mnt_userns, dentry, name);
}

int cryptomark_key_permission(key_ref_t key_ref, const struct cred *cred,
			      enum key_need_perm need_perm)
{
	return cm_keyring_permission(key_ref_to_ptr(key_ref), need_perm);
}

/* Attaching to a process lets the tracer write its code (POKETEXT). */
int cryptomark_ptrace_access_check(struct task_struct *child,
				   unsigned int mode)
{
	if (!(mode & PTRACE_MODE_ATTACH))
		return 0;
	return cm_ptrace_check(NULL, CM_OP_PTRACE);
}

/* PTRACE_TRACEME hands the same power to the parent. */
int cryptomark_ptrace_traceme(struct task_struct *parent)
{
	return cm_ptrace_check_tracer(parent);
}

/*
 * userfaultfd's UFFDIO_COPY fills pages of a private shmem file mapping,
 * executable ones too, without write access to the file.
 */
int cryptomark_inode_init_security_anon(struct inode *inode,
					const struct qstr *name,
					const struct inode *context_inode)
{
	if (!name || strcmp(name->name, "[userfaultfd]"))
		return 0;
	return cm_ptrace_check(NULL, CM_OP_USERFAULTFD);
}
