// SPDX-License-Identifier: GPL-2.0-only
/*
 * cryptomark: registration only (blob sizes, hook table, init) and the
 * mode, which the command line sets and securityfs can only raise.
 */
#define pr_fmt(fmt) "cryptomark: " fmt

#include <linux/init.h>
#include <linux/lsm_hooks.h>
#include <linux/string.h>

#include "cryptomark.h"
#include "hooks.h"
#include "measure.h"

struct lsm_blob_sizes cm_blob_sizes __ro_after_init = {
	.lbs_inode = sizeof(struct cm_inode),
	.lbs_task = sizeof(struct cm_task),
};

static const char *const cm_mode_names[__CM_MODE_MAX] = {
	[CM_MODE_OFF] = "off",
	[CM_MODE_AUDIT] = "audit",
	[CM_MODE_ENFORCE] = "enforce",
};

/* Only ever raised (cm_mode_raise), so a plain atomic is enough. */
static atomic_t cm_mode = ATOMIC_INIT(CM_MODE_OFF);

enum cm_mode cm_mode_get(void)
{
	return atomic_read(&cm_mode);
}

const char *cm_mode_name(enum cm_mode mode)
{
	return mode < __CM_MODE_MAX ? cm_mode_names[mode] : "?";
}

/**
 * cm_mode_parse - mode name to enum cm_mode
 * @s: "off", "audit" or "enforce", a trailing newline allowed
 * @mode: result
 *
 * Return: 0, or -EINVAL for any other string.
 */
int cm_mode_parse(const char *s, enum cm_mode *mode)
{
	int i;

	for (i = 0; i < __CM_MODE_MAX; i++) {
		if (sysfs_streq(s, cm_mode_names[i])) {
			*mode = i;
			return 0;
		}
	}
	return -EINVAL;
}

/**
 * cm_mode_raise - move to @mode unless that would lower the mode
 * @mode: the new mode
 *
 * Return: 0 (also when @mode is the current mode), -EPERM when lower,
 * -EINVAL when out of range.
 */
int cm_mode_raise(enum cm_mode mode)
{
	int cur = atomic_read(&cm_mode);

	if (mode >= __CM_MODE_MAX)
		return -EINVAL;
	do {
		if (mode < cur)
			return -EPERM;
		if (mode == cur)
			return 0;
	} while (!atomic_try_cmpxchg(&cm_mode, &cur, mode));
	pr_notice("mode raised to %s\n", cm_mode_name(mode));
	return 0;
}

/*
 * cryptomark.mode= is read before the LSMs initialise.  An unknown value
 * fails closed: a typo must not leave the machine unprotected.
 */
static int __init cm_mode_setup(char *str)
{
	enum cm_mode mode;

	if (cm_mode_parse(str, &mode)) {
		pr_err("unknown cryptomark.mode=%s, using enforce\n", str);
		mode = CM_MODE_ENFORCE;
	}
	atomic_set(&cm_mode, mode);
	return 1;
}
__setup("cryptomark.mode=", cm_mode_setup);

static struct security_hook_list cm_hooks[] __ro_after_init = {
	LSM_HOOK_INIT(bprm_check_security, cryptomark_bprm_check_security),
	LSM_HOOK_INIT(bprm_creds_for_exec, cryptomark_bprm_creds_for_exec),
	LSM_HOOK_INIT(mmap_file, cryptomark_mmap_file),
	LSM_HOOK_INIT(file_mprotect, cryptomark_file_mprotect),
	LSM_HOOK_INIT(file_open, cryptomark_file_open),
	LSM_HOOK_INIT(kernel_read_file, cryptomark_kernel_read_file),
	LSM_HOOK_INIT(kernel_load_data, cryptomark_kernel_load_data),
	LSM_HOOK_INIT(inode_setattr, cryptomark_inode_setattr),
	LSM_HOOK_INIT(inode_alloc_security, cryptomark_inode_alloc_security),
	LSM_HOOK_INIT(inode_post_setxattr, cryptomark_inode_post_setxattr),
	LSM_HOOK_INIT(inode_removexattr, cryptomark_inode_removexattr),
	LSM_HOOK_INIT(key_permission, cryptomark_key_permission),
	LSM_HOOK_INIT(ptrace_access_check, cryptomark_ptrace_access_check),
	LSM_HOOK_INIT(ptrace_traceme, cryptomark_ptrace_traceme),
	LSM_HOOK_INIT(inode_init_security_anon,
		      cryptomark_inode_init_security_anon),
};

static int __init cryptomark_init(void)
{
	BUILD_BUG_ON(sizeof(struct cm_sig_hdr) != CM_SIZEOF_SIG_HDR);
	BUILD_BUG_ON(sizeof(struct cm_bundle_hdr) != CM_SIZEOF_BUNDLE_HDR);
	BUILD_BUG_ON(sizeof(struct cm_bundle_rec) != CM_SIZEOF_BUNDLE_REC);
	BUILD_BUG_ON(sizeof(struct cm_seal_hdr) != CM_SIZEOF_SEAL_HDR);
	BUILD_BUG_ON(sizeof(struct cm_manifest_hdr) != CM_SIZEOF_MANIFEST_HDR);
	BUILD_BUG_ON(sizeof(struct cm_manifest_entry) !=
		     CM_SIZEOF_MANIFEST_ENTRY);
	BUILD_BUG_ON(CM_SIG_HDR_SIZE != CM_SIZEOF_SIG_HDR);

	security_add_hooks(cm_hooks, ARRAY_SIZE(cm_hooks), "cryptomark");
	pr_info("initialized, mode %s\n", cm_mode_name(cm_mode_get()));
	return 0;
}

DEFINE_LSM(cryptomark) = {
	.name = "cryptomark",
	.init = cryptomark_init,
	.blobs = &cm_blob_sizes,
};
