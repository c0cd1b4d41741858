// SPDX-License-Identifier: GPL-2.0-only
/*
 * cryptomark: securityfs, /sys/kernel/security/cryptomark/
 *   mode     read the mode; write a higher (or the same) mode
 *   lock     read 0/1; write 1 to lock the .cryptomark keyring until reboot
 *   keyring  the serial of .cryptomark, for add_key(2)
 *   revoke   write "ALG:HEX" to refuse files with that digest (until lock)
 *   ptrace   who may write into others' code (ptrace.c); write to raise
 *   stats    counters, "name value" per line
 *   rules    read the active rule set's version, digest and signer; write
 *            a signed policy (rules.c)
 *   digests  read the number of entries and the bound; write
 *            "ALG:HEXDIGEST HEXSIG" lines, or "clear" (digests.c)
 * The contract (errors, formats) is in kernel/README.md.
 */
#define pr_fmt(fmt) "cryptomark: " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/security.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "cryptomark.h"
#include "rules_parse.h"
#include "measure.h"

/* Short writes only: a mode name or a digit, and a newline. */
#define CM_WRITE_MAX	16
/* "sha512:" and 128 hex digits, a newline, the NUL. */
#define CM_REVOKE_WRITE_MAX	(sizeof("sha512:") + 2 * CM_MAX_DIGEST_SIZE + 1)

/* @buf has room for @size bytes: at most @size - 1 and the NUL. */
static int cm_read_user_string(const char __user *ubuf, size_t count,
			       char *buf, size_t size)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (count == 0 || count >= size)
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	return 0;
}

static ssize_t cm_mode_read(struct file *file, char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	char buf[CM_WRITE_MAX];
	int len;

	len = scnprintf(buf, sizeof(buf), "%s\n", cm_mode_name(cm_mode_get()));
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static ssize_t cm_mode_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	char buf[CM_WRITE_MAX];
	enum cm_mode mode;
	int ret;

	ret = cm_read_user_string(ubuf, count, buf, sizeof(buf));
	if (!ret)
		ret = cm_mode_parse(buf, &mode);
	if (!ret)
		ret = cm_mode_raise(mode);
	return ret ? ret : count;
}

static ssize_t cm_ptrace_read(struct file *file, char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	char buf[CM_WRITE_MAX];
	int len;

	len = scnprintf(buf, sizeof(buf), "%s\n",
			cm_ptrace_name(cm_ptrace_get()));
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static ssize_t cm_ptrace_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	char buf[CM_WRITE_MAX];
	enum cm_ptrace policy;
	int ret;

	ret = cm_read_user_string(ubuf, count, buf, sizeof(buf));
	if (!ret)
		ret = cm_ptrace_parse(buf, &policy);
	if (!ret)
		ret = cm_ptrace_raise(policy);
	return ret ? ret : count;
}

static ssize_t cm_lock_read(struct file *file, char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	const char *s = cm_keyring_locked() ? "1\n" : "0\n";

	return simple_read_from_buffer(ubuf, count, ppos, s, 2);
}

static ssize_t cm_lock_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	char buf[CM_WRITE_MAX];
	int ret;

	ret = cm_read_user_string(ubuf, count, buf, sizeof(buf));
	if (ret)
		return ret;
	if (sysfs_streq(buf, "1"))
		ret = cm_keyring_lock();
	else if (sysfs_streq(buf, "0"))
		ret = cm_keyring_locked() ? -EPERM : 0;
	else
		ret = -EINVAL;
	return ret ? ret : count;
}

static ssize_t cm_keyring_read(struct file *file, char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	char buf[16];
	int len;

	len = scnprintf(buf, sizeof(buf), "%d\n", cm_keyring_serial());
	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

/* One digest a write, so a refused entry is named by its own error. */
static ssize_t cm_revoke_write(struct file *file, const char __user *ubuf,
			       size_t count, loff_t *ppos)
{
	char buf[CM_REVOKE_WRITE_MAX];
	int ret;

	ret = cm_read_user_string(ubuf, count, buf, sizeof(buf));
	if (!ret)
		ret = cm_revoke_add(buf);
	return ret ? ret : count;
}

static ssize_t cm_rules_read(struct file *file, char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	char buf[128];
	int len = cm_rules_show(buf, sizeof(buf));

	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

/* The whole signed policy in one write at offset 0. */
static ssize_t cm_rules_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	u8 *buf;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (*ppos != 0)
		return -EINVAL;
	if (count > CM_RULES_HDR_SIZE + CM_RULES_TEXT_MAX + CM_RULES_SIG_MAX)
		return -E2BIG;
	buf = vmemdup_user(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = cm_rules_load(buf, count);
	kvfree(buf);
	return ret ? ret : count;
}

/* Up to CM_DIGESTS_WRITE_MAX bytes of whole lines in one write. */
static ssize_t cm_digests_fs_write(struct file *file, const char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	char *buf;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (count == 0 || count > CM_DIGESTS_WRITE_MAX)
		return -EINVAL;
	buf = vmemdup_user(ubuf, count);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	ret = cm_digests_write(buf, count);
	kvfree(buf);
	return ret ? ret : count;
}

static ssize_t cm_digests_fs_read(struct file *file, char __user *ubuf,
				  size_t count, loff_t *ppos)
{
	char buf[64];
	int len = cm_digests_show(buf, sizeof(buf));

	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

static const char *const cm_stat_names[__CM_STAT_MAX] = {
	[CM_STAT_CHECKS] = "checks",
	[CM_STAT_CACHE_HITS] = "cache_hits",
	[CM_STAT_HASHED] = "hashed",
	[CM_STAT_VERIFIED] = "verified",
	[CM_STAT_DENIED] = "denied",
	[CM_STAT_ENFORCED] = "enforced",
	[CM_STAT_DIGEST_ALLOWED] = "digest_allowed",
	[CM_STAT_INITRAMFS_ALLOWED] = "initramfs_allowed",
};

static ssize_t cm_stats_read(struct file *file, char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	const size_t size = 2048;	/* 24 lines, at most 44 bytes each */
	ssize_t ret;
	int len = 0, i;
	char *buf;

	buf = kmalloc(size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i <= CM_STAT_ENFORCED; i++)
		len += scnprintf(buf + len, size - len, "%s %llu\n",
				 cm_stat_names[i], cm_stat_get(i));
	for (i = 0; i < __CM_REASON_MAX; i++)
		len += scnprintf(buf + len, size - len, "denied_%s %llu\n",
				 cm_reason_name(i), cm_stat_denied(i));
	len += scnprintf(buf + len, size - len, "revoked_digests %zu\n",
			 cm_revoke_count());
	for (i = CM_STAT_ENFORCED + 1; i < __CM_STAT_MAX; i++)	/* appended */
		len += scnprintf(buf + len, size - len, "%s %llu\n",
				 cm_stat_names[i], cm_stat_get(i));
	ret = simple_read_from_buffer(ubuf, count, ppos, buf, len);
	kfree(buf);
	return ret;
}

static const struct file_operations cm_mode_fops = {
	.read = cm_mode_read,
	.write = cm_mode_write,
	.llseek = generic_file_llseek,
};

static const struct file_operations cm_ptrace_fops = {
	.read = cm_ptrace_read,
	.write = cm_ptrace_write,
	.llseek = generic_file_llseek,
};

static const struct file_operations cm_lock_fops = {
	.read = cm_lock_read,
	.write = cm_lock_write,
	.llseek = generic_file_llseek,
};

static const struct file_operations cm_keyring_fops = {
	.read = cm_keyring_read,
	.llseek = generic_file_llseek,
};

static const struct file_operations cm_revoke_fops = {
	.write = cm_revoke_write,
	.llseek = generic_file_llseek,
};

static const struct file_operations cm_rules_fops = {
	.read = cm_rules_read,
	.write = cm_rules_write,
	.llseek = generic_file_llseek,
};

static const struct file_operations cm_digests_fops = {
	.read = cm_digests_fs_read,
	.write = cm_digests_fs_write,
	.llseek = generic_file_llseek,
};

static const struct file_operations cm_stats_fops = {
	.read = cm_stats_read,
	.llseek = generic_file_llseek,
};

static const struct {
	const char *name;
	umode_t mode;
	const struct file_operations *fops;
} cm_files[] = {
	{ "mode", 0644, &cm_mode_fops },
	{ "lock", 0644, &cm_lock_fops },
	{ "keyring", 0444, &cm_keyring_fops },
	{ "revoke", 0200, &cm_revoke_fops },
	{ "ptrace", 0644, &cm_ptrace_fops },
	{ "stats", 0444, &cm_stats_fops },
	{ "rules", 0644, &cm_rules_fops },
	{ "digests", 0600, &cm_digests_fops },
};

static int __init cm_fs_init(void)
{
	struct dentry *dir, *d;
	size_t i;

	dir = securityfs_create_dir("cryptomark", NULL);
	if (IS_ERR(dir))
		return PTR_ERR(dir);
	for (i = 0; i < ARRAY_SIZE(cm_files); i++) {
		d = securityfs_create_file(cm_files[i].name, cm_files[i].mode,
					   dir, NULL, cm_files[i].fops);
		if (IS_ERR(d))
			goto out_remove_dir;
	}
	d = ERR_PTR(cm_measure_fs_init(dir));
	if (IS_ERR(d))
		goto out_remove_dir;
	return 0;

out_remove_dir:
	securityfs_remove(dir);	/* children go with it on failure paths */
	pr_err("securityfs setup failed: %ld\n", PTR_ERR(d));
	return PTR_ERR(d);
}
fs_initcall(cm_fs_init);
