// SPDX-License-Identifier: GPL-2.0-only
/*
 * cryptomark: who may write into another program's code.
 *
 * A verdict covers the file a mapping comes from, not what the kernel lets
 * a third party write into that mapping later.  Three interfaces write into
 * executable mappings without write access to the file: ptrace
 * (PTRACE_POKETEXT and friends, after PTRACE_ATTACH, PTRACE_SEIZE or the
 * child's PTRACE_TRACEME), /proc/PID/mem (FOLL_FORCE writes), and
 * userfaultfd (UFFDIO_COPY into a private mapping of a shmem file).  Any
 * signed debugger would let any user run unsigned native code through
 * them.  In enforce mode this file decides who may use them:
 *
 *   cap   (default) tasks with CAP_SYS_PTRACE in the initial user
 *         namespace, as Yama's scope 2 ("admin-only attach") does; a
 *         capability in a user namespace an unprivileged user created does
 *         not count;
 *   deny  nobody, root included (Yama's scope 3).
 *
 * cryptomark.ptrace= sets it at boot, securityfs "ptrace" shows it and,
 * like the mode, can only raise it.  Audit mode logs what enforce would
 * refuse.  Self-writes through /proc/self/mem do not pass the ptrace
 * checks (the kernel lets a process introspect itself), so a write-open of
 * any /proc/PID/mem is checked here as well.
 *
 * State: the policy, an atomic that only goes up.
 */
#define pr_fmt(fmt) "cryptomark: " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/magic.h>
#include <linux/sched.h>
#include <linux/string.h>

#include "cryptomark.h"

static const char *const cm_ptrace_names[__CM_PTRACE_MAX] = {
	[CM_PTRACE_CAP] = "cap",
	[CM_PTRACE_DENY] = "deny",
};

static atomic_t cm_ptrace = ATOMIC_INIT(CM_PTRACE_CAP);

enum cm_ptrace cm_ptrace_get(void)
{
	return atomic_read(&cm_ptrace);
}

const char *cm_ptrace_name(enum cm_ptrace policy)
{
	return policy < __CM_PTRACE_MAX ? cm_ptrace_names[policy] : "?";
}

/**
 * cm_ptrace_parse - policy name to enum cm_ptrace
 * @s: "cap" or "deny", a trailing newline allowed
 * @policy: result
 *
 * Return: 0, or -EINVAL for any other string.
 */
int cm_ptrace_parse(const char *s, enum cm_ptrace *policy)
{
	int i;

	for (i = 0; i < __CM_PTRACE_MAX; i++) {
		if (sysfs_streq(s, cm_ptrace_names[i])) {
			*policy = i;
			return 0;
		}
	}
	return -EINVAL;
}

/**
 * cm_ptrace_raise - move to @policy unless that would loosen it
 * @policy: the new policy
 *
 * Return: 0 (also when unchanged), -EPERM when looser, -EINVAL when out
 * of range.
 */
int cm_ptrace_raise(enum cm_ptrace policy)
{
	int cur = atomic_read(&cm_ptrace);

	if (policy >= __CM_PTRACE_MAX)
		return -EINVAL;
	do {
		if (policy < cur)
			return -EPERM;
		if (policy == cur)
			return 0;
	} while (!atomic_try_cmpxchg(&cm_ptrace, &cur, policy));
	pr_notice("ptrace policy raised to %s\n", cm_ptrace_name(policy));
	return 0;
}

/* An unknown value fails closed, as cryptomark.mode= does. */
static int __init cm_ptrace_setup(char *str)
{
	enum cm_ptrace policy;

	if (cm_ptrace_parse(str, &policy)) {
		pr_err("unknown cryptomark.ptrace=%s, using deny\n", str);
		policy = CM_PTRACE_DENY;
	}
	atomic_set(&cm_ptrace, policy);
	return 1;
}
__setup("cryptomark.ptrace=", cm_ptrace_setup);

/* Does @task's policy standing let it write into others' code? */
static bool cm_ptrace_allowed(struct task_struct *task)
{
	if (cm_ptrace_get() == CM_PTRACE_DENY)
		return false;
	if (task == current)
		return capable(CAP_SYS_PTRACE);
	return has_capability(task, CAP_SYS_PTRACE);
}

/**
 * cm_ptrace_check - may the current task write into code it does not own?
 * @file: the file concerned (/proc/PID/mem), or NULL
 * @op: CM_OP_PTRACE, CM_OP_PROC_MEM or CM_OP_USERFAULTFD
 *
 * Return: 0, or -EPERM when enforce mode refuses (the errno ptrace(2) and
 * Yama use for a refused attach).
 */
int cm_ptrace_check(struct file *file, enum cm_op op)
{
	if (cm_mode_get() == CM_MODE_OFF || cm_ptrace_allowed(current))
		return 0;
	return cm_refuse(file, NULL, op, CM_REASON_PTRACE, -EPERM);
}

/**
 * cm_ptrace_check_tracer - may @tracer become the current task's tracer?
 * @tracer: the parent, for PTRACE_TRACEME
 *
 * Return: 0, or -EPERM when enforce mode refuses.
 */
int cm_ptrace_check_tracer(struct task_struct *tracer)
{
	if (cm_mode_get() == CM_MODE_OFF || cm_ptrace_allowed(tracer))
		return 0;
	return cm_refuse(NULL, NULL, CM_OP_PTRACE, CM_REASON_PTRACE, -EPERM);
}

/**
 * cm_is_proc_mem - is @file a /proc/PID/mem (or /proc/PID/task/TID/mem)?
 * @file: an open file
 */
bool cm_is_proc_mem(const struct file *file)
{
	const struct dentry *d = file->f_path.dentry;

	return d->d_sb->s_magic == PROC_SUPER_MAGIC &&
	       S_ISREG(d_inode(d)->i_mode) && d->d_name.len == 3 &&
	       !memcmp(d->d_name.name, "mem", 3);
}

/*
 * The kernel's own /proc/PID/mem policy: a kernel that always lets those
 * writes override page protections makes this file's checks the only
 * guard; say so at boot (kernel/config.fragment picks FORCE_PTRACE).
 */
static int __init cm_ptrace_init(void)
{
	if (IS_ENABLED(CONFIG_PROC_MEM_ALWAYS_FORCE) ||
	    strstr(saved_command_line, "proc_mem.force_override=always"))
		pr_warn("/proc/PID/mem writes override page protections (CONFIG_PROC_MEM_ALWAYS_FORCE or proc_mem.force_override=always): only the ptrace policy guards executable mappings\n");
	pr_info("ptrace policy %s\n", cm_ptrace_name(cm_ptrace_get()));
	return 0;
}
late_initcall(cm_ptrace_init);
