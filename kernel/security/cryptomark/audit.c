// SPDX-License-Identifier: GPL-2.0-only
/*
 * cryptomark: one line per negative verdict, rate-limited, naming who
 * (pid, comm), what (path, operation) and why (reason), and what was done
 * (mode, verdict).  The path is the file's, the dentry's when there is no
 * open file (truncate), "-" when the operation has no file (ptrace): those
 * checks run under the ptrace locks, so nothing here may sleep for them.  printk always, so the line reaches the console and
 * dmesg without an audit daemon; an audit record as well when auditing is
 * enabled.
 */
#define pr_fmt(fmt) "cryptomark: " fmt

#include <linux/audit.h>
#include <linux/fs.h>
#include <linux/limits.h>
#include <linux/ratelimit.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "cryptomark.h"

static DEFINE_RATELIMIT_STATE(cm_audit_rs, 5 * HZ, 100);

/* The name to log: @buf is PATH_MAX bytes (or NULL). */
static const char *cm_audit_path(struct file *file, struct dentry *dentry,
				 char *buf)
{
	char *path = ERR_PTR(-ENOMEM);

	if (!file && !dentry)
		return "-";
	if (buf && file)
		path = d_path(&file->f_path, buf, PATH_MAX);
	else if (buf)
		path = dentry_path_raw(dentry, buf, PATH_MAX);
	return IS_ERR(path) ? "?" : path;
}

/**
 * cm_audit_denial - log one negative verdict
 * @file: the file, or NULL
 * @dentry: used when @file is NULL; may be NULL too
 * @op: what was asked
 * @reason: why it was (or, in audit mode, would have been) refused
 * @mode: the mode that decided
 */
void cm_audit_denial(struct file *file, struct dentry *dentry, enum cm_op op,
		     enum cm_reason reason, enum cm_mode mode)
{
	const char *verdict = mode == CM_MODE_ENFORCE ? "deny" : "allow";
	char comm[TASK_COMM_LEN];
	struct audit_buffer *ab;
	const char *path;
	char *buf;

	if (!__ratelimit(&cm_audit_rs)) {
		/* Counted, so a reader of the log can tell it is incomplete. */
		cm_stat_inc(CM_STAT_AUDIT_SUPPRESSED);
		return;
	}
	get_task_comm(comm, current);
	buf = file || dentry ? kmalloc(PATH_MAX, GFP_KERNEL) : NULL;
	path = cm_audit_path(file, dentry, buf);
	pr_notice("op=%s reason=%s mode=%s verdict=%s pid=%d comm=\"%*pE\" path=\"%*pE\"\n",
		  cm_op_name(op), cm_reason_name(reason), cm_mode_name(mode),
		  verdict, task_pid_nr(current), (int)strlen(comm), comm,
		  (int)strlen(path), path);
	if (audit_enabled) {
		ab = audit_log_start(audit_context(),
				     file || dentry ? GFP_KERNEL : GFP_ATOMIC,
				     AUDIT_INTEGRITY_DATA);
		if (ab) {
			audit_log_format(ab,
					 "op=%s reason=%s mode=%s verdict=%s pid=%d comm=",
					 cm_op_name(op), cm_reason_name(reason),
					 cm_mode_name(mode), verdict,
					 task_pid_nr(current));
			audit_log_untrustedstring(ab, comm);
			audit_log_format(ab, " path=");
			audit_log_untrustedstring(ab, path);
			audit_log_end(ab);
		}
	}
	kfree(buf);
}
