// SPDX-License-Identifier: GPL-2.0-only
/*
 * cryptomark: one line per negative verdict, rate-limited, naming who
 * (pid, comm), what (path, operation) and why (reason), and what was done
 * (mode, verdict).  printk always, so the line reaches the console and
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

void cm_audit_denial(struct file *file, enum cm_op op, enum cm_reason reason,
		     enum cm_mode mode)
{
	const char *verdict = mode == CM_MODE_ENFORCE ? "deny" : "allow";
	char comm[TASK_COMM_LEN];
	struct audit_buffer *ab;
	char *buf, *path;

	if (!__ratelimit(&cm_audit_rs))
		return;
	get_task_comm(comm, current);
	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	path = buf ? d_path(&file->f_path, buf, PATH_MAX) : ERR_PTR(-ENOMEM);
	if (IS_ERR(path))
		path = "?";
	pr_notice("op=%s reason=%s mode=%s verdict=%s pid=%d comm=\"%*pE\" path=\"%*pE\"\n",
		  cm_op_name(op), cm_reason_name(reason), cm_mode_name(mode),
		  verdict, task_pid_nr(current), (int)strlen(comm), comm,
		  (int)strlen(path), path);
	if (audit_enabled) {
		ab = audit_log_start(audit_context(), GFP_KERNEL,
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
