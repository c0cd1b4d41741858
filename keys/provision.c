// SPDX-License-Identifier: MIT
/*
 * Boot-time provisioning: open the sealed bundle, cap the PCR, load the
 * signer certificates into a kernel keyring and lock it.
 *
 * Fail closed: a failure at any step leaves no key of this run in the
 * keyring (except in .cryptomark, whose keys cannot be removed: see
 * unload()) and returns non-zero for the boot script to act on.  The cap PCR
 * is extended as soon as the seal has been presented to the TPM, whether or
 * not the rest succeeds: once this boot has had its chance, nobody later in
 * the boot (or a root shell) can unseal the secret again and forge a tag.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <keyutils.h>

#include "cmkeys.h"

#define CRYPTOMARK_KEYRING	".cryptomark"
#define CRYPTOMARK_LOCK		"/sys/kernel/security/cryptomark/lock"
#define CRYPTOMARK_SERIAL	"/sys/kernel/security/cryptomark/keyring"
#define CRYPTOMARK_REVOKE	"/sys/kernel/security/cryptomark/revoke"

/*
 * A kernel-owned keyring is not in any process keyring.  The cryptomark LSM
 * publishes the serial of its own in securityfs (kernel/README.md); any
 * other is looked up by name in /proc/keys, which lists what the caller may
 * view.
 */
static key_serial_t find_kernel_keyring(const char *name)
{
	char line[512];
	key_serial_t found = -ENOKEY;
	FILE *f;

	if (!strcmp(name, CRYPTOMARK_KEYRING)) {
		f = fopen(CRYPTOMARK_SERIAL, "r");
		if (f) {
			long serial = 0;

			if (fscanf(f, "%ld", &serial) == 1 && serial > 0)
				found = (key_serial_t)serial;
			fclose(f);
			if (found > 0)
				return found;
		}
	}
	f = fopen("/proc/keys", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char type[32], desc[256];
		unsigned int id;

		/* id flags usage timeout perm uid gid type description: ... */
		if (sscanf(line, "%x %*s %*s %*s %*s %*s %*s %31s %255[^:\n]",
			   &id, type, desc) != 3)
			continue;
		if (!strcmp(type, "keyring") && !strcmp(desc, name)) {
			found = (key_serial_t)id;
			break;
		}
	}
	fclose(f);
	return found;
}

/*
 * A named keyring for a stock kernel's IMA ("_ima"): IMA looks it up with
 * request_key() from the first process it appraises and caches it, so it
 * lives in root's user keyring.  One that already holds keys was not made by
 * this boot's provisioning: refuse rather than trust its contents.
 */
static key_serial_t get_named_keyring(const char *name, char *err,
				      size_t errlen)
{
	key_serial_t ring;
	long n;

	ring = keyctl_search(KEY_SPEC_USER_KEYRING, "keyring", name, 0);
	if (ring < 0) {
		ring = add_key("keyring", name, NULL, 0, KEY_SPEC_USER_KEYRING);
		if (ring < 0) {
			int e = errno;

			snprintf(err, errlen, "add_key(keyring %s): %s", name,
				 strerror(e));
			return -e;
		}
		return ring;
	}
	n = keyctl_read(ring, NULL, 0);
	if (n != 0) {
		snprintf(err, errlen,
			 "keyring %s already exists and holds keys: not provisioning into it",
			 name);
		return -EEXIST;
	}
	return ring;
}

static int lock_keyring(key_serial_t ring, const char *name, char *err,
			size_t errlen)
{
	FILE *f;

	if (!strcmp(name, CRYPTOMARK_KEYRING)) {
		/* The LSM's own lock: refuses any later link into the keyring. */
		f = fopen(CRYPTOMARK_LOCK, "w");
		if (!f || fputs("1\n", f) < 0 || fclose(f)) {
			int e = errno;

			snprintf(err, errlen, "%s: %s", CRYPTOMARK_LOCK,
				 strerror(e));
			return -e;
		}
		return 0;
	}
	/*
	 * No restriction type: every later link is refused, for root too.
	 * Then drop write and setattr so the permissions cannot be relaxed.
	 */
	if (keyctl_restrict_keyring(ring, NULL, NULL)) {
		int e = errno;

		snprintf(err, errlen, "keyctl_restrict_keyring(%s): %s", name,
			 strerror(e));
		return -e;
	}
	if (keyctl_setperm(ring, KEY_POS_VIEW | KEY_POS_READ | KEY_POS_SEARCH |
				 KEY_POS_LINK | KEY_USR_VIEW | KEY_USR_READ |
				 KEY_USR_SEARCH)) {
		int e = errno;

		snprintf(err, errlen, "keyctl_setperm(%s): %s", name,
			 strerror(e));
		return -e;
	}
	return 0;
}

/*
 * Undo a partial load.  The .cryptomark keyring keeps its keys for good
 * (KEY_FLAG_KEEP: unlink and invalidate are EPERM), so there a failed add
 * cannot be undone: the keyring is locked as it stands and the non-zero exit
 * makes the boot script stop the boot, which is what fails closed.
 */
static void unload(key_serial_t ring, const char *name,
		   const key_serial_t *keys, size_t n)
{
	if (!strcmp(name, CRYPTOMARK_KEYRING)) {
		char ignored[64];

		lock_keyring(ring, name, ignored, sizeof(ignored));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		keyctl_unlink(keys[i], ring);
		keyctl_invalidate(keys[i]);
	}
}

/* A certificate whose key id the same bundle revokes is never loaded. */
static bool keyid_revoked(const struct cm_bundle *b, uint32_t keyid)
{
	for (size_t i = 0; i < b->n_keyids; i++)
		if (b->keyids[i] == keyid)
			return true;
	return false;
}

/*
 * The revoked file digests, one write each ("ALG:HEX"), into the LSM before
 * the lock freezes them (kernel/README.md).  Only the cryptomark LSM reads
 * them: a stock kernel's IMA has no such list.
 */
static int load_revoked_digests(const struct cm_bundle *b, char *err,
				size_t errlen)
{
	char line[16 + 2 * CM_MAX_DIGEST_SIZE];
	int fd, ret = 0;

	if (!b->n_digests)
		return 0;
	fd = open(CRYPTOMARK_REVOKE, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", CRYPTOMARK_REVOKE,
			 strerror(-ret));
		return ret;
	}
	for (size_t i = 0; i < b->n_digests; i++) {
		const struct cm_bundle_digest *d = &b->digests[i];
		int n = snprintf(line, sizeof(line), "%s:",
				 cm_hash_name(d->algo));
		ssize_t w;

		for (size_t j = 0; j < d->len; j++)
			n += snprintf(line + n, sizeof(line) - n, "%02x",
				      d->d[j]);
		w = write(fd, line, (size_t)n);
		if (w != n) {
			ret = w < 0 ? -errno : -EIO;	/* one entry per write */
			snprintf(err, errlen, "%s: %s: %s", CRYPTOMARK_REVOKE,
				 line, strerror(-ret));
			break;
		}
	}
	close(fd);
	return ret;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int highest_pcr(uint32_t mask)
{
	for (int i = CM_PCR_MAX - 1; i >= 0; i--)
		if (mask & (1u << i))
			return i;
	return -1;
}

/*
 * Everything that can be known before the TPM is asked: once the seal has
 * been presented, the cap PCR is extended and this boot's one chance is
 * gone, so a refusal that does not depend on the TPM must come first.
 * @ring is the keyring to use, or 0 for a named keyring still to create.
 */
static int preflight(const struct cmk_provision_opts *o, const char *name,
		     key_serial_t *ring, int *cap, char *err, size_t errlen)
{
	uint32_t mask;
	int ret, authorized = 0;

	*ring = 0;
	if (name[0] == '.') {
		*ring = find_kernel_keyring(name);
		if (*ring < 0) {
			snprintf(err, errlen,
				 "keyring %s not found in /proc/keys (kernel without the cryptomark LSM? use --keyring _ima); the TPM was not touched",
				 name);
			return *ring;
		}
		if (!strcmp(name, CRYPTOMARK_KEYRING) &&
		    (access(CRYPTOMARK_LOCK, W_OK) ||
		     access(CRYPTOMARK_REVOKE, W_OK))) {
			ret = -errno;
			snprintf(err, errlen,
				 "%s or %s: %s (securityfs not mounted?); the TPM was not touched",
				 CRYPTOMARK_LOCK, CRYPTOMARK_REVOKE,
				 strerror(-ret));
			return ret;
		}
	} else {
		key_serial_t old = keyctl_search(KEY_SPEC_USER_KEYRING,
						 "keyring", name, 0);

		if (old >= 0 && keyctl_read(old, NULL, 0) != 0) {
			snprintf(err, errlen,
				 "keyring %s already exists and holds keys: not provisioning into it",
				 name);
			return -EEXIST;
		}
	}
	if (o->recovery)
		ret = cmk_recovery_mask(o->recovery, &mask, err, errlen);
	else
		ret = cmk_seal_peek(o->bundle, &mask, &authorized, err, errlen);
	if (ret)
		return ret;
	if (authorized && !o->policies) {
		snprintf(err, errlen,
			 "%s.seal is sealed under signed policies: give --policies DIR; the TPM was not touched",
			 o->bundle);
		return -EINVAL;
	}
	*cap = o->cap_pcr >= 0 ? o->cap_pcr : highest_pcr(mask);
	if (!(mask & (1u << *cap))) {
		/* Capping a PCR outside the policy would leave the secret
		 * unsealable for the rest of the boot. */
		snprintf(err, errlen,
			 "--cap-pcr %d is not one of the sealed PCRs; the TPM was not touched",
			 o->cap_pcr);
		return -EINVAL;
	}
	if (!o->signers && (!o->allow_unsigned || o->recovery)) {
		snprintf(err, errlen,
			 "%s: refusing an unsigned bundle: give --signed-by CERT (or --allow-unsigned-bundle)",
			 o->bundle);
		return -ENOKEY;
	}
	return 0;
}

/*
 * The TPM part: the bundle opened (unsealed, or through the recovery
 * token), then PCR @cap extended whatever the outcome once the seal reached
 * the TPM.  @ob is set in every case (cmk_opened_free() it).
 */
static int open_and_cap(const struct cmk_provision_opts *o, int cap,
			struct cmk_opened *ob, struct cmk_provision_result *res,
			char *err, size_t errlen)
{
	struct cmk_tpm *t;
	char err2[256];
	int ret;

	ret = cmk_tpm_open(o->tcti, &t, err, errlen);
	if (ret) {
		memset(ob, 0, sizeof(*ob));
		return ret;
	}
	if (o->recovery)
		ret = cmk_recovery_open(t, o->bundle, o->recovery,
					o->min_version, o->signers, ob, err,
					errlen);
	else
		ret = cmk_open_bundle(t, o->bundle, o->min_version, o->signers,
				      o->policies, ob, err, errlen);
	if (ob->pcr_mask) {
		/* The seal reached the TPM: cap now, success or not.  A seal
		 * changed since the preflight caps its own highest PCR. */
		if (!(ob->pcr_mask & (1u << cap))) {
			cap = highest_pcr(ob->pcr_mask);
			if (!ret) {
				snprintf(err, errlen,
					 "%s.seal changed while provisioning", o->bundle);
				ret = -EAGAIN;
			}
		}
		res->cap_pcr = (unsigned int)cap;
		if (cmk_tpm_extend(t, (unsigned int)cap, ob->digest, err2,
				   sizeof(err2)) && !ret) {
			snprintf(err, errlen, "%s", err2);
			ret = -EIO;
		}
	}
	cmk_tpm_close(t);
	return ret;
}

/* Every certificate the bundle does not revoke into @ring; @keys gets them. */
static int add_certs(const struct cm_bundle *b, key_serial_t ring,
		     const char *name, key_serial_t *keys, size_t *n,
		     struct cmk_provision_result *res, char *err,
		     size_t errlen)
{
	for (size_t i = 0; i < b->n_certs; i++) {
		const struct cm_bundle_cert *c = &b->certs[i];
		int ret;

		if (keyid_revoked(b, c->keyid)) {
			res->n_skipped++;
			continue;
		}
		/* NULL description: the kernel names the key from the cert. */
		keys[*n] = add_key("asymmetric", NULL, c->der, c->len, ring);
		if (keys[*n] < 0) {
			ret = -errno;
			snprintf(err, errlen,
				 "add_key(asymmetric, keyid %08x) to %s: %s",
				 c->keyid, name, strerror(-ret));
			return ret;
		}
		(*n)++;
	}
	if (*n)
		return 0;
	snprintf(err, errlen,
		 "every certificate of the bundle is revoked by it: nothing to trust");
	return -ENOKEY;
}

/* The keyring part: keys, revoked digests, then the lock. */
static int load_keyring(const struct cm_bundle *b, key_serial_t ring,
			const char *name, struct cmk_provision_result *res,
			char *err, size_t errlen)
{
	key_serial_t *keys;
	size_t n = 0;
	int ret;

	keys = calloc(b->n_certs, sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	ret = add_certs(b, ring, name, keys, &n, res, err, errlen);
	if (!ret && !strcmp(name, CRYPTOMARK_KEYRING)) {
		ret = load_revoked_digests(b, err, errlen);
		if (!ret)
			res->n_digests = b->n_digests;
	} else if (!ret) {
		res->n_unenforced = b->n_digests;
	}
	if (!ret)
		ret = lock_keyring(ring, name, err, errlen);
	if (ret)
		unload(ring, name, keys, n);
	else
		res->n_keys = n;
	free(keys);
	return ret;
}

int cmk_provision(const struct cmk_provision_opts *o,
		  struct cmk_provision_result *res, char *err, size_t errlen)
{
	const char *name = o->keyring ? o->keyring : CRYPTOMARK_KEYRING;
	double start = now_ms();
	struct cmk_opened ob;
	key_serial_t ring;
	int ret, cap = -1;

	memset(res, 0, sizeof(*res));
	ret = preflight(o, name, &ring, &cap, err, errlen);
	if (ret)
		return ret;
	ret = open_and_cap(o, cap, &ob, res, err, errlen);
	if (!ret && !ring)
		ring = get_named_keyring(name, err, errlen);
	if (!ret && ring < 0)
		ret = ring;
	if (!ret) {
		res->keyring = ring;
		ret = load_keyring(&ob.b, ring, name, res, err, errlen);
	}
	if (!ret)
		res->ms = now_ms() - start;
	cmk_opened_free(&ob);
	return ret;
}
