/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef _SECURITY_CRYPTOMARK_HOOKS_H
#define _SECURITY_CRYPTOMARK_HOOKS_H

#include <linux/binfmts.h>
#include <linux/fs.h>
#include <linux/kernel_read_file.h>
#include <linux/key.h>
#include <linux/security.h>
#include <linux/mm_types.h>
#include <linux/sched.h>

int cryptomark_bprm_check_security(struct linux_binprm *bprm);
int cryptomark_mmap_file(struct file *file, unsigned long reqprot,
			 unsigned long prot, unsigned long flags);
int cryptomark_file_mprotect(struct vm_area_struct *vma,
			     unsigned long reqprot, unsigned long prot);
int cryptomark_file_open(struct file *file);
int cryptomark_kernel_read_file(struct file *file, enum kernel_read_file_id id,
				bool contents);
int cryptomark_kernel_load_data(enum kernel_load_data_id id, bool contents);
int cryptomark_inode_setattr(struct dentry *dentry, struct iattr *attr);
int cryptomark_inode_alloc_security(struct inode *inode);
void cryptomark_inode_post_setxattr(struct dentry *dentry, const char *name,
				    const void *value, size_t size, int flags);
int cryptomark_inode_removexattr(struct user_namespace *mnt_userns,
				 struct dentry *dentry, const char *name);
int cryptomark_ptrace_access_check(struct task_struct *child,
				   unsigned int mode);
int cryptomark_ptrace_traceme(struct task_struct *parent);
int cryptomark_inode_init_security_anon(struct inode *inode,
					const struct qstr *name,
					const struct inode *context_inode);
int cryptomark_key_permission(key_ref_t key_ref, const struct cred *cred,
			      enum key_need_perm need_perm);

#endif /* _SECURITY_CRYPTOMARK_HOOKS_H */
