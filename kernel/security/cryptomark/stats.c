// SPDX-License-Identifier: GPL-2.0-only
/*
 * cryptomark: the counters securityfs "stats" shows (checks, cache hits,
 * files hashed and verified, denials by reason, enforced denials) and the
 * names of the reasons and operations that stats and audit records use.
 * Lock-free atomics, written by eval.c and cache.c, read by fs.c; this
 * file calls nothing, so every user depends on it one way.
 */
#include <linux/atomic.h>

#include "cryptomark.h"

static atomic64_t cm_stats[__CM_STAT_MAX];
static atomic64_t cm_denied[__CM_REASON_MAX];

void cm_stat_inc(enum cm_stat stat)
{
	atomic64_inc(&cm_stats[stat]);
}

void cm_stat_deny(enum cm_reason reason)
{
	atomic64_inc(&cm_denied[reason]);
}

u64 cm_stat_get(enum cm_stat stat)
{
	return atomic64_read(&cm_stats[stat]);
}

u64 cm_stat_denied(enum cm_reason reason)
{
	return atomic64_read(&cm_denied[reason]);
}

static const char *const cm_reason_names[__CM_REASON_MAX] = {
	[CM_REASON_UNSIGNED] = "unsigned",
	[CM_REASON_MALFORMED] = "malformed",
	[CM_REASON_UNSUPPORTED] = "unsupported",
	[CM_REASON_UNKNOWN_KEY] = "unknown_key",
	[CM_REASON_BAD_SIGNATURE] = "bad_signature",
	[CM_REASON_WRITTEN_MAPPING] = "written_mapping",
	[CM_REASON_REVOKED] = "revoked",
	[CM_REASON_WRITABLE] = "writable",
	[CM_REASON_EXEC_MAPPED] = "exec_mapped",
	[CM_REASON_IO] = "io",
	[CM_REASON_UNSEALED] = "unsealed",
	[CM_REASON_WX_MAPPING] = "wx_mapping",
	[CM_REASON_PTRACE] = "ptrace",
	[CM_REASON_NO_FILE] = "no_file",
	[CM_REASON_WRONG_KEY] = "wrong_key",
};

static const char *const cm_op_names[__CM_OP_MAX] = {
	[CM_OP_EXEC] = "exec",
	[CM_OP_MMAP] = "mmap",
	[CM_OP_MPROTECT] = "mprotect",
	[CM_OP_WRITE_OPEN] = "write_open",
	[CM_OP_TRUNCATE] = "truncate",
	[CM_OP_PTRACE] = "ptrace",
	[CM_OP_PROC_MEM] = "proc_mem",
	[CM_OP_USERFAULTFD] = "userfaultfd",
	[CM_OP_MODULE] = "module",
	[CM_OP_FIRMWARE] = "firmware",
	[CM_OP_KEXEC] = "kexec",
	[CM_OP_CHECK] = "check",
};

const char *cm_reason_name(enum cm_reason reason)
{
	return reason < __CM_REASON_MAX ? cm_reason_names[reason] : "?";
}

const char *cm_op_name(enum cm_op op)
{
	return op < __CM_OP_MAX ? cm_op_names[op] : "?";
}
