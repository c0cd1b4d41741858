// SPDX-License-Identifier: GPL-2.0-only
/*
 * cryptomark: the .cryptomark keyring and its lock.
 *
 * Root may add asymmetric keys (X.509 certificates) until the keyring is
 * locked through securityfs; from then on, until reboot, nothing can be
 * added, updated or removed.  Three kernel mechanisms enforce it, none of
 * which root can undo:
 *  - the keyring's link restriction (cm_restrict_link) is checked by the
 *    keys core on every link into it (add_key, KEYCTL_LINK, KEYCTL_MOVE,
 *    replacement of a key by add_key) and refuses everything once locked;
 *    a restriction can never be replaced (KEYCTL_RESTRICT_KEYRING on a
 *    restricted keyring fails with -EEXIST);
 *  - the keyring is created with KEY_FLAG_KEEP, which every key
 *    instantiated into it inherits: the keys core refuses to revoke,
 *    invalidate, unlink, clear or time out such keys at any time;
 *  - the key_permission hook (cm_keyring_permission) refuses write and
 *    setattr on the keyring, and setattr on the keys it keeps, once
 *    locked, so their permissions cannot hide them from the verifier.
 */
#define pr_fmt(fmt) "cryptomark: " fmt

#include <crypto/hash_info.h>
#include <crypto/public_key.h>
#include <keys/asymmetric-type.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/key.h>
#include <linux/slab.h>

#include "cryptomark.h"

static struct key *cm_keyring;
static bool cm_locked;

static int cm_restrict_link(struct key *keyring, const struct key_type *type,
			    const union key_payload *payload,
			    struct key *restriction_key)
{
	if (READ_ONCE(cm_locked))
		return -EPERM;
	if (type != &key_type_asymmetric)
		return -EOPNOTSUPP;
	return 0;
}

int __init cm_keyring_init(void)
{
	struct key_restriction *restriction;
	struct key *keyring;

	restriction = kzalloc(sizeof(*restriction), GFP_KERNEL);
	if (!restriction)
		return -ENOMEM;
	restriction->check = cm_restrict_link;
	/* Root (uid 0) and the kernel (possessor) only; no setattr for anyone. */
	keyring = keyring_alloc(".cryptomark", GLOBAL_ROOT_UID, GLOBAL_ROOT_GID,
				current_cred(),
				(KEY_POS_ALL & ~KEY_POS_SETATTR) |
				KEY_USR_VIEW | KEY_USR_READ | KEY_USR_WRITE |
				KEY_USR_SEARCH,
				KEY_ALLOC_NOT_IN_QUOTA | KEY_ALLOC_SET_KEEP,
				restriction, NULL);
	if (IS_ERR(keyring)) {
		kfree(restriction);
		pr_err("cannot create the .cryptomark keyring: %ld\n",
		       PTR_ERR(keyring));
		return PTR_ERR(keyring);
	}
	cm_keyring = keyring;
	return 0;
}

/* After the keys subsystem and the asymmetric key type are up. */
static int __init cm_keyring_initcall(void)
{
	return cm_keyring_init();
}
device_initcall(cm_keyring_initcall);

key_serial_t cm_keyring_serial(void)
{
	return cm_keyring ? cm_keyring->serial : 0;
}

bool cm_keyring_locked(void)
{
	return READ_ONCE(cm_locked);
}

/**
 * cm_keyring_lock - refuse any further change to .cryptomark until reboot
 *
 * The revoked digests (revoke.c) are frozen with the keys.
 *
 * Return: 0 (also when already locked), -ENOKEY when there is no keyring.
 */
int cm_keyring_lock(void)
{
	if (!cm_keyring)
		return -ENOKEY;
	cm_revoke_freeze();	/* first: no revocation after the lock */
	if (!xchg(&cm_locked, true)) {
		pr_notice(".cryptomark keyring locked, %zu revoked digests\n",
			  cm_revoke_count());
	}
	return 0;
}

/**
 * cm_keyring_permission - the key_permission hook's decision
 * @key: the key or keyring being accessed
 * @need_perm: what the caller wants
 *
 * Return: 0, or -EPERM for a change to .cryptomark or to one of its keys
 * once the keyring is locked.
 */
int cm_keyring_permission(struct key *key, enum key_need_perm need_perm)
{
	if (!READ_ONCE(cm_locked) || !cm_keyring)
		return 0;
	if (key == cm_keyring)
		return need_perm == KEY_NEED_WRITE ||
		       need_perm == KEY_NEED_SETATTR ? -EPERM : 0;
	/* The keys .cryptomark keeps are asymmetric keys with KEY_FLAG_KEEP. */
	if (need_perm == KEY_NEED_SETATTR && key->type == &key_type_asymmetric &&
	    test_bit(KEY_FLAG_KEEP, &key->flags))
		return -EPERM;
	return 0;
}

/**
 * cm_keyring_verify - check a signature with the key named by @keyid
 * @keyid: last 4 bytes of the signer's subjectKeyIdentifier
 * @hash_algo: enum cm_hash_algo of @digest
 * @sig: the signature (PKCS#1 v1.5 or DER ECDSA)
 * @sig_len: its length
 * @digest: the file digest
 * @digest_len: its length
 *
 * Looked up as IMA's asymmetric_verify() does ("id:%08x").
 *
 * Return: 0 valid; -ENOKEY no such key in .cryptomark; -EKEYREJECTED
 * signature mismatch (also a value the key's algorithm cannot decode);
 * -ENOPKG key algorithm not supported; or another verify_signature()
 * error (-ENOMEM...).
 */
int cm_keyring_verify(u32 keyid, u8 hash_algo, const u8 *sig, u32 sig_len,
		      const u8 *digest, u32 digest_len)
{
	struct public_key_signature pks = {};
	const struct public_key *pk;
	char name[12];
	key_ref_t kref;
	struct key *key;
	int ret;

	if (!cm_keyring)
		return -ENOKEY;
	snprintf(name, sizeof(name), "id:%08x", keyid);
	kref = keyring_search(make_key_ref(cm_keyring, true),
			      &key_type_asymmetric, name, true);
	if (IS_ERR(kref)) {
		ret = PTR_ERR(kref);
		return ret == -ENOMEM ? ret : -ENOKEY;
	}
	key = key_ref_to_ptr(kref);
	pk = asymmetric_key_public_key(key);
	if (!pk) {
		ret = -ENOKEY;
		goto out_put_key;
	}
	pks.pkey_algo = pk->pkey_algo;
	if (!strcmp(pk->pkey_algo, "rsa")) {
		pks.encoding = "pkcs1";
	} else if (!strncmp(pk->pkey_algo, "ecdsa-", 6)) {
		pks.encoding = "x962";
	} else {
		ret = -ENOPKG;
		goto out_put_key;
	}
	pks.hash_algo = hash_algo_name[hash_algo];
	pks.digest = (u8 *)digest;
	pks.digest_size = digest_len;
	pks.s = (u8 *)sig;
	pks.s_size = sig_len;
	ret = verify_signature(key, &pks);
	/*
	 * The header parsed, so an RSA value the key rejects as such (not
	 * its size, no valid padding: -EINVAL, -EBADMSG) or an ECDSA value
	 * that is no DER pair is a signature that does not verify: reported
	 * and cached as bad_signature, not retried as an I/O error.
	 */
	if (ret == -EINVAL || ret == -EBADMSG)
		ret = -EKEYREJECTED;
out_put_key:
	key_put(key);
	return ret;
}
