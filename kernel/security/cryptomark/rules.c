// SPDX-License-Identifier: GPL-2.0-only
/*
 * cryptomark: the rule set (docs/FORMAT-rules.md).  Per operation it says
 * whether the check is enforced, audited or off (never above the global
 * mode) and which signers count; a filesystem named by UUID can vouch for
 * its files.  With no policy loaded the compiled-in default applies: every
 * operation follows the global mode, any key in .cryptomark.
 *
 * A policy is written to securityfs `rules` as one container (header, text,
 * signature v2 over the text by a key in .cryptomark); its version must be
 * above the active one (-ESTALE), an unsigned one is refused once the
 * keyring is locked.  The text is parsed by rules_parse.c, the same source
 * libcryptomark builds.  Readers see the active policy under RCU.
 */
#define pr_fmt(fmt) "cryptomark: " fmt

#include <crypto/hash.h>
#include <crypto/hash_info.h>
#include <crypto/sha2.h>
#include <linux/audit.h>
#include <linux/blkdev.h>
#include <linux/cred.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/user_namespace.h>

#include "cryptomark.h"
#include "rules_parse.h"

struct cm_policy {
	struct rcu_head rcu;
	struct cm_rules rules;
	u8 digest[SHA256_DIGEST_SIZE];	/* of the text */
	u32 signer;			/* key id, when @is_signed */
	bool is_signed;
};

static struct cm_policy __rcu *cm_policy;	/* NULL: compiled-in default */
static DEFINE_MUTEX(cm_policy_mutex);		/* serialises loads */

/* The rule-set operation of @op, or -1 for the ones rules do not name. */
static int cm_rules_op(enum cm_op op)
{
	switch (op) {
	case CM_OP_EXEC:
		return CM_RULES_OP_EXEC;
	case CM_OP_MMAP:
		return CM_RULES_OP_MMAP;
	case CM_OP_MPROTECT:
		return CM_RULES_OP_MPROTECT;
	case CM_OP_CHECK:
		return CM_RULES_OP_CHECK;
	case CM_OP_MODULE:
		return CM_RULES_OP_MODULE;
	case CM_OP_FIRMWARE:
		return CM_RULES_OP_FIRMWARE;
	case CM_OP_KEXEC:
		return CM_RULES_OP_KEXEC;
	default:
		return -1;
	}
}

/**
 * cm_rules_mode - the mode that decides @op
 * @op: the operation
 *
 * Return: the global mode, lowered to the active policy's mode for @op.
 */
enum cm_mode cm_rules_mode(enum cm_op op)
{
	enum cm_mode mode = cm_mode_get();
	const struct cm_policy *p;
	int rop = cm_rules_op(op);

	if (mode == CM_MODE_OFF || rop < 0)
		return mode;
	rcu_read_lock();
	p = rcu_dereference(cm_policy);
	if (p && p->rules.op[rop].mode < mode)
		mode = p->rules.op[rop].mode;
	rcu_read_unlock();
	return mode;
}

/**
 * cm_rules_key_allowed - may a signature by @keyid vouch for @op?
 * @op: the operation
 * @keyid: the key id of the signature that verified
 *
 * Return: true when the policy names no keys for @op, or names @keyid.
 */
bool cm_rules_key_allowed(enum cm_op op, u32 keyid)
{
	const struct cm_rules_req *req;
	const struct cm_policy *p;
	int rop = cm_rules_op(op);
	bool ok = true;
	unsigned int i;

	if (rop < 0)
		return true;
	rcu_read_lock();
	p = rcu_dereference(cm_policy);
	if (p && p->rules.op[rop].nkeys) {
		req = &p->rules.op[rop];
		for (ok = false, i = 0; i < req->nkeys && !ok; i++)
			ok = req->keys[i] == keyid;
	}
	rcu_read_unlock();
	return ok;
}

/*
 * A filesystem can vouch for its files only if nobody can change them or
 * pick its UUID from an unprivileged context: read-only superblock on a
 * read-only block device, mounted from the initial user namespace (an
 * unprivileged user's mount is in their own user namespace).
 */
static bool cm_sb_trustworthy(const struct super_block *sb)
{
	return sb_rdonly(sb) && sb->s_bdev && bdev_read_only(sb->s_bdev) &&
	       sb->s_user_ns == &init_user_ns;
}

/**
 * cm_rules_fs_trusted - does an fs rule vouch for @file's @op?
 * @file: the file
 * @op: the operation
 *
 * Return: true when the file's filesystem has the UUID of an fs rule
 * naming @op and passes cm_sb_trustworthy().
 */
bool cm_rules_fs_trusted(struct file *file, enum cm_op op)
{
	const struct super_block *sb = file_inode(file)->i_sb;
	const struct cm_policy *p;
	int rop = cm_rules_op(op);
	bool ok = false;
	u32 i;

	if (rop < 0)
		return false;
	rcu_read_lock();
	p = rcu_dereference(cm_policy);
	if (p && p->rules.nfs && cm_sb_trustworthy(sb)) {
		for (i = 0; i < p->rules.nfs && !ok; i++)
			ok = (p->rules.fs[i].ops & BIT(rop)) &&
			     !memcmp(p->rules.fs[i].uuid, sb->s_uuid.b, 16);
	}
	rcu_read_unlock();
	return ok;
}

/* The digest of @text with @algo (enum cm_hash_algo) into @out. */
static int cm_rules_digest(u8 algo, const char *text, size_t len, u8 *out)
{
	struct crypto_shash *tfm;
	int ret;

	tfm = crypto_alloc_shash(hash_algo_name[algo], 0, 0);
	if (IS_ERR(tfm))
		return PTR_ERR(tfm) == -ENOENT ? -ENOPKG : PTR_ERR(tfm);
	ret = crypto_shash_tfm_digest(tfm, text, len, out);
	if (!ret)
		ret = crypto_shash_digestsize(tfm);
	crypto_free_shash(tfm);
	return ret;
}

/* Checks @sig over @text; fills @p's signer. */
static int cm_rules_check_sig(struct cm_policy *p, const char *text,
			      size_t len, const u8 *sig, size_t sig_len)
{
	const struct cm_sig_hdr *hdr;
	u8 digest[CM_MAX_DIGEST_SIZE];
	int ret;

	if (!sig_len)
		return cm_keyring_locked() ? -EPERM : 0;
	ret = cm_sig_parse(sig, sig_len, &hdr);
	if (ret)
		return ret == -ENODATA || ret == -EPROTO ? -EBADMSG : ret;
	ret = cm_rules_digest(hdr->hash_algo, text, len, digest);
	if (ret < 0)
		return ret;
	ret = cm_keyring_verify(be32_to_cpu(hdr->keyid), hdr->hash_algo,
				hdr->sig, be16_to_cpu(hdr->sig_size), digest,
				ret);
	if (ret)
		return ret;
	p->signer = be32_to_cpu(hdr->keyid);
	p->is_signed = true;
	return 0;
}

static void cm_rules_audit(const struct cm_policy *p, u64 old)
{
	struct audit_buffer *ab;
	char signer[12] = "none";

	if (p->is_signed)
		snprintf(signer, sizeof(signer), "%08x", p->signer);
	pr_notice("rules version %llu (was %llu) loaded: sha256:%*phN signer=%s\n",
		  p->rules.version, old, SHA256_DIGEST_SIZE, p->digest, signer);
	if (!audit_enabled)
		return;
	ab = audit_log_start(audit_context(), GFP_KERNEL, AUDIT_INTEGRITY_RULE);
	if (!ab)
		return;
	audit_log_format(ab, "op=rules version=%llu old_version=%llu digest=sha256:%*phN signer=%s pid=%d",
			 p->rules.version, old, SHA256_DIGEST_SIZE, p->digest,
			 signer, task_pid_nr(current));
	audit_log_end(ab);
}

/* Makes @p the active policy if its version is newer. */
static int cm_rules_activate(struct cm_policy *p)
{
	struct cm_policy *old;
	u64 old_version;

	mutex_lock(&cm_policy_mutex);
	old = rcu_dereference_protected(cm_policy,
					lockdep_is_held(&cm_policy_mutex));
	old_version = old ? old->rules.version : 0;
	if (p->rules.version <= old_version) {
		mutex_unlock(&cm_policy_mutex);
		pr_notice("rules version %llu refused: not above the active %llu\n",
			  p->rules.version, old_version);
		return -ESTALE;
	}
	rcu_assign_pointer(cm_policy, p);
	mutex_unlock(&cm_policy_mutex);
	cm_rules_audit(p, old_version);
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

/**
 * cm_rules_load - check a signed policy and make it the active one
 * @buf: the container (CM_RULES_MAGIC, text, signature)
 * @len: its length
 *
 * Return: 0; -EBADMSG/-EMSGSIZE/-E2BIG malformed container; the errors of
 * cm_rules_parse(); -EPERM unsigned after the keyring lock; the errors of
 * cm_sig_parse() and cm_keyring_verify() (-ENOKEY, -EKEYREJECTED...);
 * -ESTALE version not above the active one; -ENOMEM.
 */
int cm_rules_load(const u8 *buf, size_t len)
{
	struct cm_rules_err e;
	struct cm_policy *p;
	const char *text;
	const u8 *sig;
	size_t tlen, slen;
	int ret;

	ret = cm_rules_split(buf, len, &text, &tlen, &sig, &slen);
	if (ret)
		return ret;
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	ret = cm_rules_parse(text, tlen, &p->rules, &e);
	if (ret) {
		pr_notice("rules refused: line %u: %s\n", e.line, e.why);
		goto out_free;
	}
	ret = cm_rules_check_sig(p, text, tlen, sig, slen);
	if (!ret)
		ret = cm_rules_digest(CM_HASH_SHA256, text, tlen, p->digest);
	if (ret < 0) {
		pr_notice("rules version %llu refused: signature: %d\n",
			  p->rules.version, ret);
		goto out_free;
	}
	ret = cm_rules_activate(p);
	if (!ret)
		return 0;
out_free:
	kfree(p);
	return ret;
}

/**
 * cm_rules_show - the active policy's version, digest and signer
 * @buf: the output
 * @size: its size
 *
 * Return: the length written.
 */
int cm_rules_show(char *buf, size_t size)
{
	const struct cm_policy *p;
	int len;

	rcu_read_lock();
	p = rcu_dereference(cm_policy);
	if (!p)
		len = scnprintf(buf, size, "version 0\ndigest none\nsigner none\n");
	else if (p->is_signed)
		len = scnprintf(buf, size,
				"version %llu\ndigest sha256:%*phN\nsigner %08x\n",
				p->rules.version, SHA256_DIGEST_SIZE, p->digest,
				p->signer);
	else
		len = scnprintf(buf, size,
				"version %llu\ndigest sha256:%*phN\nsigner none\n",
				p->rules.version, SHA256_DIGEST_SIZE, p->digest);
	rcu_read_unlock();
	return len;
}
