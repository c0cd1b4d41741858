/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The cryptomark rule set: its compiled form and the parser of its text
 * (docs/FORMAT-rules.md).  rules_parse.c is libc-free and built twice: into
 * libcryptomark and, copied next to the LSM by kernel/build-kernel.sh, into
 * the kernel.  This header maps the few kernel and libc names it needs.
 */
#ifndef CM_RULES_PARSE_H
#define CM_RULES_PARSE_H

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/types.h>
#else
#include <errno.h>
#include <stddef.h>
#include <linux/types.h>
#endif

/* Limits: anything larger is refused with -E2BIG. */
#define CM_RULES_TEXT_MAX	65536	/* bytes of policy text */
#define CM_RULES_LINE_MAX	256	/* bytes of one line, newline excluded */
#define CM_RULES_MAX_KEYS	16	/* key ids of one op line */
#define CM_RULES_MAX_FS		64	/* fs lines */

/*
 * The signed policy as written to securityfs: a 16-byte header, the text,
 * then the signature (a security.ima signature v2 value over the text;
 * sig_len 0 for an unsigned policy).
 *   magic "CMRULES1" | text_len __be32 | sig_len __be32 | text | sig
 */
#define CM_RULES_MAGIC		"CMRULES1"
#define CM_RULES_HDR_SIZE	16
#define CM_RULES_SIG_MAX	1024	/* more than any signature v2 value */

/* The operations a rule names, in the order of docs/FORMAT-rules.md. */
enum cm_rules_op {
	CM_RULES_OP_EXEC,
	CM_RULES_OP_MMAP,
	CM_RULES_OP_MPROTECT,
	CM_RULES_OP_CHECK,
	CM_RULES_OP_MODULE,
	CM_RULES_OP_FIRMWARE,
	CM_RULES_OP_KEXEC,
	__CM_RULES_OP_MAX
};

/* Same order and values as the LSM's enum cm_mode. */
enum cm_rules_mode {
	CM_RULES_OFF,
	CM_RULES_AUDIT,
	CM_RULES_ENFORCE,
	__CM_RULES_MODE_MAX
};

/* What one operation requires. nkeys 0: a signature by any key. */
struct cm_rules_req {
	__u8 mode;			/* enum cm_rules_mode */
	__u8 nkeys;
	__u8 pad[2];			/* zero */
	__u32 keys[CM_RULES_MAX_KEYS];	/* signer key ids (security.ima keyid) */
};

/* Files on the filesystem with @uuid satisfy @ops (bit per cm_rules_op). */
struct cm_rules_fs {
	__u8 uuid[16];
	__u32 ops;
};

struct cm_rules {
	__u64 version;			/* 0: the compiled-in default */
	struct cm_rules_req op[__CM_RULES_OP_MAX];
	__u32 nfs;
	struct cm_rules_fs fs[CM_RULES_MAX_FS];
};

/* Where and why a parse failed: 1-based line (0: not a line's fault). */
struct cm_rules_err {
	unsigned int line;
	const char *why;
};

/* The compiled-in default: every operation enforced, any key, no fs. */
void cm_rules_default(struct cm_rules *r);

/*
 * Parses policy text into @r.  Return: 0; -ENODATA no version line;
 * -EBADMSG syntax; -EILSEQ a byte that is not printable ASCII, tab or
 * newline; -E2BIG a limit above; -EEXIST a repeated version, op, fs UUID,
 * key id or op in a list; -ERANGE version 0 or over 2^64-1.
 * @e (may be NULL) gets the line and the reason.
 */
int cm_rules_parse(const char *text, size_t len, struct cm_rules *r,
		   struct cm_rules_err *e);

/*
 * Splits a signed policy (CM_RULES_MAGIC ...) into text and signature,
 * pointing into @buf.  Return: 0; -EBADMSG shorter than the header or
 * wrong magic; -EMSGSIZE the lengths do not add up to @len; -E2BIG text
 * over CM_RULES_TEXT_MAX or signature over CM_RULES_SIG_MAX.
 */
int cm_rules_split(const __u8 *buf, size_t len, const char **text,
		   size_t *text_len, const __u8 **sig, size_t *sig_len);

const char *cm_rules_op_name(unsigned int op);
const char *cm_rules_mode_name(unsigned int mode);

#endif /* CM_RULES_PARSE_H */
