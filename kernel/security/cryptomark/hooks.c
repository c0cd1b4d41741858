// SPDX-License-Identifier: GPL-2.0-only
/*
 * cryptomark: the LSM hooks.  Each one only builds the question (which
 * file, which operation) and hands it to eval.c, or tells cache.c that a
 * file may have changed.
 */
#include <linux/binfmts.h>
#include <linux/fs.h>
#include <linux/mman.h>
#include <linux/security.h>

#include "cryptomark.h"
#include "hooks.h"

/* Every execve, once per binary handler: a #! script, then its interpreter. */
int cryptomark_bprm_check_security(struct linux_binprm *bprm)
{
	return cm_evaluate(bprm->file, CM_OP_EXEC);
}

/* Shared libraries, ld.so ./prog, and the ELF loader's own mappings. */
int cryptomark_mmap_file(struct file *file, unsigned long reqprot,
			 unsigned long prot, unsigned long flags)
{
	if (!file || !(prot & PROT_EXEC))
		return 0;	/* anonymous memory is out of scope: THREATS.md */
	return cm_evaluate(file, CM_OP_MMAP);
}

/*
 * Adding PROT_EXEC to a file mapping.  A private mapping with an anon_vma
 * has (or may have) copy-on-write pages: bytes nobody signed, whatever
 * the file says (SELinux's execmod reasoning).
 */
int cryptomark_file_mprotect(struct vm_area_struct *vma,
			     unsigned long reqprot, unsigned long prot)
{
	if (!(prot & PROT_EXEC) || (vma->vm_flags & VM_EXEC) || !vma->vm_file)
		return 0;
	if (!(vma->vm_flags & VM_SHARED) && vma->anon_vma)
		return cm_evaluate_written_mapping(vma->vm_file,
						   CM_OP_MPROTECT);
	return cm_evaluate(vma->vm_file, CM_OP_MPROTECT);
}

/*
 * A writer may change the content: no verdict survives a write-open, and
 * none is allowed while the file is mapped executable (writers.c).
 */
int cryptomark_file_open(struct file *file)
{
	if (!(file->f_mode & FMODE_WRITE))
		return 0;
	cm_cache_invalidate(file_inode(file));
	return cm_evaluate_write_open(file);
}

/* truncate(2) needs no open file; ftruncate(2) comes here as well. */
int cryptomark_inode_setattr(struct dentry *dentry, struct iattr *attr)
{
	if (attr->ia_valid & ATTR_SIZE)
		cm_cache_invalidate(d_backing_inode(dentry));
	return 0;
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
