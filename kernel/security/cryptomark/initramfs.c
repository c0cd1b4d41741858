// SPDX-License-Identifier: GPL-2.0-only
/*
 * cryptomark: the initial rootfs is trusted until the first exec from
 * anywhere else.
 *
 * The initramfs the kernel unpacked itself into its initial rootfs came
 * with the kernel through the measured boot chain; its files carry no
 * signatures (cpio has no xattrs) and it is what provisions the keys.
 * Until the first execve() of a file from any other superblock (normally
 * /sbin/init on the real root, or anything from a tmpfs, a memfd...),
 * code from that superblock is allowed in every mode, and counted in
 * stats "initramfs_allowed"; from then on its files are checked like any
 * other (a one-way flag).  cryptomark.initramfs=check turns this off.
 *
 * The superblock is the one init_task's root is on at core_initcall
 * time: init_mount_tree() made it (type "rootfs") before any initcall
 * runs, populate_rootfs() unpacks into it later, and nothing else can be
 * that superblock (a later "mount -t rootfs" gets a new one).
 */
#define pr_fmt(fmt) "cryptomark: " fmt

#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/init.h>
#include <linux/path.h>
#include <linux/sched/task.h>
#include <linux/string.h>

#include "cryptomark.h"

static bool cm_initramfs_trust __ro_after_init = true;
static struct super_block *cm_initramfs_sb __ro_after_init;
static bool cm_initramfs_ended;	/* one way: false, then true for good */

/* cryptomark.initramfs=trust|check; anything else fails closed (check). */
static int __init cm_initramfs_setup(char *str)
{
	if (!strcmp(str, "trust")) {
		cm_initramfs_trust = true;
	} else {
		if (strcmp(str, "check"))
			pr_err("unknown cryptomark.initramfs=%s, using check\n",
			       str);
		cm_initramfs_trust = false;
	}
	return 1;
}
__setup("cryptomark.initramfs=", cm_initramfs_setup);

static int __init cm_initramfs_init(void)
{
	struct path root;

	if (!cm_initramfs_trust)
		return 0;
	get_fs_root(init_task.fs, &root);
	if (root.mnt->mnt_sb->s_type == &rootfs_fs_type)
		cm_initramfs_sb = root.mnt->mnt_sb;
	else
		pr_warn("initial root is not rootfs: no initramfs trust\n");
	path_put(&root);
	return 0;
}
core_initcall(cm_initramfs_init);

/**
 * cm_initramfs_exec - an execve() of @file is being checked
 * @file: the file about to run (bprm_check_security)
 *
 * The first one from another superblock than the initial rootfs ends its
 * trust, whatever the mode, before the file itself is evaluated.
 */
void cm_initramfs_exec(struct file *file)
{
	if (!cm_initramfs_sb || READ_ONCE(cm_initramfs_ended) ||
	    file_inode(file)->i_sb == cm_initramfs_sb)
		return;
	WRITE_ONCE(cm_initramfs_ended, true);
	pr_info("initial rootfs trust ended: exec from %s\n",
		file_inode(file)->i_sb->s_id);
}

/**
 * cm_initramfs_trusted - is @file on the initial rootfs, still trusted?
 * @file: the file being evaluated
 *
 * Return: true until cm_initramfs_exec() saw an exec from elsewhere.
 */
bool cm_initramfs_trusted(struct file *file)
{
	return cm_initramfs_sb && !READ_ONCE(cm_initramfs_ended) &&
	       file_inode(file)->i_sb == cm_initramfs_sb;
}
