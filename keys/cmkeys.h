/* SPDX-License-Identifier: MIT */
/*
 * cmkeys internals: what the subcommands share.  pki.c makes keys and
 * certificates, tpm.c talks to the TPM (tpm2-tss ESAPI), sealed.c binds a
 * bundle to the TPM (seal, open), provision.c loads an opened bundle into a
 * kernel keyring, cmkeys.c is the command line.
 *
 * Every function returns 0 or a negative errno and, on failure, writes a
 * one-line reason into @err.  Errors with a meaning of their own here:
 *
 *   -ENODEV       no TPM answered at the TCTI (or it could not be loaded)
 *   -EKEYEXPIRED  the TPM refused to unseal: PCR policy mismatch
 *   -EKEYREJECTED the bundle does not match its sealed tag (changed)
 *   -ESTALE       bundle version below the required minimum (rollback)
 */
#ifndef CMKEYS_H
#define CMKEYS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cryptomark/bundle.h>

/* ---- pki.c ------------------------------------------------------------ */

enum cmk_key_type {
	CMK_RSA3072,
	CMK_RSA4096,
	CMK_ECDSA_P256,
	CMK_ECDSA_P384,
	__CMK_KEY_MAX
};

struct cmk_pki_opts {
	const char *out_dir;
	const char *ca_dir;	/* signer only: DIR holding ca.key, ca.pem */
	const char *subject;	/* "/CN=.../O=..." */
	enum cmk_key_type type;
	int days;
	int encrypt;		/* ca: write ca.key encrypted (AES-256-CBC) */
	const char *pass_env;	/* the CA key's passphrase: env variable */
	const char *pass_file;	/* or the first line of this file */
};

int cmk_key_type_from_name(const char *name);
int cmk_make_ca(const struct cmk_pki_opts *o, char *err, size_t errlen);
int cmk_make_signer(const struct cmk_pki_opts *o, char *err, size_t errlen);

/* ---- files (sealed.c) ---------------------------------------------------- */

/* Writes @buf to @path atomically (temp file, fsync, rename), mode @mode. */

/* ---- tpm.c ------------------------------------------------------------ */

struct cmk_tpm;

/*
 * Opens the TPM at @tcti (tpm2-tss TCTI string; NULL: $TPM2TOOLS_TCTI, then
 * $TCTI, then the tpm2-tss default search).  -ENODEV if nothing answers.
 */
int cmk_tpm_open(const char *tcti, struct cmk_tpm **out, char *err,
		 size_t errlen);
void cmk_tpm_close(struct cmk_tpm *t);

typedef uint8_t cmk_pcr_values[CM_PCR_MAX][32];

int cmk_tpm_pcr_read(struct cmk_tpm *t, uint32_t mask, cmk_pcr_values v,
		     char *err, size_t errlen);
/* The PolicyPCR digest the TPM computes, asked of the TPM (trial session). */
int cmk_tpm_policy_pcr(struct cmk_tpm *t, uint32_t mask, uint8_t out[32],
		       char *err, size_t errlen);
/* The same digest computed here from expected PCR values (no TPM). */
int cmk_policy_pcr_offline(uint32_t mask, const cmk_pcr_values v,
			   uint8_t out[32]);
/*
 * Seals @secret under @policy in a new object below the owner-hierarchy
 * primary.  @pub/@priv receive the marshalled TPM2B_PUBLIC / TPM2B_PRIVATE
 * (buffers of CMK_TPM_BLOB_MAX bytes).
 */
#define CMK_TPM_BLOB_MAX	1024
int cmk_tpm_seal(struct cmk_tpm *t, const uint8_t policy[32],
		 const uint8_t secret[CM_SEAL_SECRET_SIZE], uint8_t *pub,
		 size_t *pub_len, uint8_t *priv, size_t *priv_len, char *err,
		 size_t errlen);
/*
 * Loads the sealed object of @s and unseals it through PolicyPCR, or, for
 * a seal under signed policies, through @p (cmk_policy_pick()).
 */
struct cmk_policy;
int cmk_tpm_unseal(struct cmk_tpm *t, const struct cm_seal *s,
		   const struct cmk_policy *p,
		   uint8_t secret[CM_SEAL_SECRET_SIZE], char *err,
		   size_t errlen);
/*
 * This TPM's identity (the name of a primary in the endorsement hierarchy:
 * stable across TPM2_Clear) and its reset count (one more each boot).
 */
int cmk_tpm_identity(struct cmk_tpm *t, uint8_t id[CM_TPM_NAME_SIZE],
		     uint32_t *reset_count, char *err, size_t errlen);
/* Extends sha256 PCR @pcr with @digest. */
int cmk_tpm_extend(struct cmk_tpm *t, unsigned int pcr,
		   const uint8_t digest[32], char *err, size_t errlen);

/* ---- policy.c, tpmauth.c: signed PCR policies and NV counters ---------- */

/*
 * The two NV counters (owner range): policies bound to the first are valid
 * while it is <= their version; seals bound to the second, while it is <=
 * their --counter.  Both only grow (TPM2_NV_Increment).
 */
#define CMK_NV_POLICY_COUNTER	0x013c4d01
#define CMK_NV_BUNDLE_COUNTER	0x013c4d02

/* A parsed signed policy (docs/FORMAT-keys.md). */
struct cmk_policy {
	uint32_t pcr_mask;
	cmk_pcr_values pcr;
	uint64_t version;
	uint32_t nv_index;	/* CMK_NV_POLICY_COUNTER or 0 */
	uint8_t approved[32];
	uint8_t key_name[CM_TPM_NAME_SIZE];
	uint8_t key_pub[CMK_TPM_BLOB_MAX];	/* marshalled TPM2B_PUBLIC */
	size_t key_len;
	uint8_t sig[CMK_TPM_BLOB_MAX];	/* marshalled TPMT_SIGNATURE */
	size_t sig_len;
};

struct cmk_policy_sign_opts {
	const char *pcr_values;	/* expected PCR values of the boot chain */
	const char *key;	/* policy-signing private key (PEM) */
	const char *out;
	uint64_t version;
	int bind_counter;	/* PolicyNV: policy counter <= version */
};

/* PEM private key, or (@want_private 0) public key or certificate. */
int cmk_policy_key_load(const char *path, int want_private, EVP_PKEY **out,
			char *err, size_t errlen);
/* The key's marshalled TPM2B_PUBLIC (LoadExternal) and its TPM name. */
int cmk_policy_key_public(EVP_PKEY *pk, uint8_t *pub, size_t *pub_len,
			  uint8_t name[CM_TPM_NAME_SIZE], char *err,
			  size_t errlen);
int cmk_nv_name(uint32_t index, uint8_t name[CM_TPM_NAME_SIZE]);
/* digest = PolicyNV update (counter at @index <= @max). */
int cmk_policy_nv_update(uint8_t digest[32], uint32_t index, uint64_t max);
/* PolicyAuthorize(key name, empty policyRef) from a fresh session. */
int cmk_policy_authorize_digest(const uint8_t key_name[CM_TPM_NAME_SIZE],
				uint8_t out[32]);
int cmk_policy_sign(const struct cmk_policy_sign_opts *o, char *err,
		    size_t errlen);
/* Strict parse; the approved digest is recomputed and must match. */
int cmk_policy_parse(const uint8_t *buf, size_t len, struct cmk_policy *p,
		     const char **why);
/*
 * The newest policy in @dir signed by @s's key for @s's PCR selection whose
 * PCR values are @cur.  -EKEYEXPIRED (with counts in @err) if none.
 */
int cmk_policy_pick(const char *dir, const struct cm_seal *s,
		    const cmk_pcr_values cur, struct cmk_policy *out,
		    char *err, size_t errlen);

/* Counters: define and write once (idempotent); read; bump to @target. */
int cmk_nv_counter_init(struct cmk_tpm *t, uint32_t index, uint64_t *value,
			int *created, char *err, size_t errlen);
int cmk_nv_counter_read(struct cmk_tpm *t, uint32_t index, uint64_t *value,
			char *err, size_t errlen);
int cmk_nv_counter_bump(struct cmk_tpm *t, uint32_t index, uint64_t target,
			uint64_t *value, char *err, size_t errlen);

/* ---- eventlog.c -------------------------------------------------------- */

/*
 * Replays the sha256 digests of a TCG crypto-agile binary event log into
 * @v (PCRs start at zero, PCR 0 at the StartupLocality); @seen gets the
 * PCRs the log extends.  -EBADMSG (named in @err) for a malformed log.
 */
int cmk_eventlog_replay(const char *path, cmk_pcr_values v, uint32_t *seen,
			char *err, size_t errlen);
/* The same over bytes in memory (@path names them in messages). */
int cmk_eventlog_replay_buf(const char *path, const uint8_t *buf, size_t len,
			    cmk_pcr_values v, uint32_t *seen, char *err,
			    size_t errlen);

/* ---- sealed.c: the bundle bound to the TPM ------------------------------- */

/* "sha256:7,14" -> mask; -EINVAL / -ENOPKG / -ERANGE. */
int cmk_parse_pcrs(const char *spec, uint32_t *mask);
/*
 * Expected PCR values file: lines "N=HEX" or "sha256:N=HEX" (also the
 * "  N : 0xHEX" lines tpm2_pcrread prints); '#' comments.
 */
int cmk_load_pcr_values(const char *path, uint32_t *mask, cmk_pcr_values v,
			char *err, size_t errlen);

struct cmk_seal_opts {
	const char *tcti;
	const char *bundle;	/* the seal goes to BUNDLE.seal */
	uint32_t pcr_mask;	/* from --pcrs (TPM's current values) */
	const char *pcr_values;	/* or: expected values from this file */
	int force;		/* replace an existing BUNDLE.seal */
	const char *authorize;	/* policy-signing key: signed PCR policies */
	int bind_counter;	/* with authorize: bundle counter <= counter */
	uint64_t counter;
};

int cmk_seal_bundle(const struct cmk_seal_opts *o, char *err, size_t errlen);

/* An opened (unsealed and checked) bundle. */
struct cmk_opened {
	uint8_t *bytes;		/* the bundle file */
	size_t len;
	struct cm_bundle b;	/* points into bytes */
	uint32_t pcr_mask;	/* set once the seal parsed, even on failure */
	uint8_t digest[32];	/* sha256 of the bundle file, likewise */
};

/*
 * Reads BUNDLE and BUNDLE.seal; with @signers, checks BUNDLE.sig against
 * them (bundlesig.c) before the TPM is asked; unseals the secret on @t,
 * checks the tag, parses the bundle and checks its version >= @min_version.
 */
int cmk_open_bundle(struct cmk_tpm *t, const char *bundle,
		    uint64_t min_version, const struct cm_trust *signers,
		    const char *policies, struct cmk_opened *out, char *err,
		    size_t errlen);
void cmk_opened_free(struct cmk_opened *o);
/* The PCR mask of BUNDLE.seal (and whether it needs signed policies). */
int cmk_seal_peek(const char *bundle, uint32_t *mask, int *authorized,
		  char *err, size_t errlen);

/* ---- bundlesig.c: BUNDLE.sig, the bundle signed by an offline key ------ */

/* Signs @bytes (the bundle written to @bundle) into BUNDLE.sig. */
int cmk_bundle_sign(const char *bundle, const uint8_t *bytes, size_t len,
		    const struct cm_signer_opts *so, char *err, size_t errlen);
/*
 * Checks BUNDLE.sig over @bytes against @signers: 0, or an error named in
 * @err (missing, malformed, unknown key -ENOKEY, mismatch -EKEYREJECTED).
 */
int cmk_bundle_check_sig(const char *bundle, const uint8_t *bytes,
			 size_t len, const struct cm_trust *signers, char *err,
			 size_t errlen);

/* ---- revoke.c: what --revoke / --unrevoke name ------------------------- */

/* Owns the digest bytes the bundle records point at. */
struct cmk_dstore {
	uint8_t **bufs;
	size_t n;
};
void cmk_dstore_free(struct cmk_dstore *s);

/*
 * Adds to @b what @arg names: KEYID (8 hex digits), ALG:HEX, a certificate
 * (its key id) or any other file (every carrier's digest of it, in every
 * signature hash algorithm).  Entries already in @b are not added twice.
 * Returns the number added (0: all present) or a negative errno.
 */
int cmk_revoke_arg(struct cm_bundle *b, const char *arg,
		   struct cmk_dstore *ds, char *err, size_t errlen);
/*
 * Adds every revocation of @prev to @b except those in @lift, each of which
 * is printed to @out ("lifted: ...").  -EINVAL if @b already revokes
 * something @lift lifts.
 */
int cmk_revoke_carry(struct cm_bundle *b, const struct cm_bundle *prev,
		     const struct cm_bundle *lift, FILE *out, size_t *carried,
		     char *err, size_t errlen);
/* 0 if @one lifts at least one revocation of @prev, else -ENOENT. */
int cmk_revoke_lift_check(const struct cm_bundle *prev,
			  const struct cm_bundle *one);

/* ---- recovery.c: provisioning once with the offline key's consent ------- */

/* Records this TPM, this boot, the PCRs of @mask and @bundle into @out. */
int cmk_recovery_request(const char *tcti, const char *bundle, uint32_t mask,
			 const char *out, char *err, size_t errlen);
/* Shows @request on stdout and signs it (offline) into the token @out. */
int cmk_recovery_sign(const char *request, const struct cm_signer_opts *so,
		      const char *out, char *err, size_t errlen);
/* The PCR mask a token approves (read before the TPM is asked). */
int cmk_recovery_mask(const char *token, uint32_t *mask, char *err,
		      size_t errlen);
/*
 * Instead of cmk_open_bundle(): the bundle, signed by @signers, with a
 * token signed by @signers for this TPM, this boot, these PCRs and this
 * bundle.  -EKEYEXPIRED (reason in @err) when any of them differs.
 */
int cmk_recovery_open(struct cmk_tpm *t, const char *bundle,
		      const char *token, uint64_t min_version,
		      const struct cm_trust *signers, struct cmk_opened *out,
		      char *err, size_t errlen);

/* ---- provision.c ------------------------------------------------------- */

struct cmk_provision_opts {
	const char *tcti;
	const char *bundle;
	const char *keyring;	/* ".cryptomark" (default) or e.g. "_ima" */
	int cap_pcr;		/* -1: highest PCR of the seal's mask */
	uint64_t min_version;
	const struct cm_trust *signers;	/* --signed-by, or NULL */
	int allow_unsigned;	/* --allow-unsigned-bundle: no signers needed */
	const char *policies;	/* --policies DIR: signed PCR policies */
	const char *recovery;	/* --recovery TOKEN: no seal, the token */
};

struct cmk_provision_result {
	int32_t keyring;	/* serial */
	size_t n_keys;
	size_t n_skipped;	/* certificates whose key id the bundle revokes */
	size_t n_digests;	/* revoked digests handed to the LSM */
	size_t n_unenforced;	/* revoked digests no verifier will see */
	unsigned int cap_pcr;
	double ms;		/* wall time, open to lock */
};

int cmk_provision(const struct cmk_provision_opts *o,
		  struct cmk_provision_result *res, char *err, size_t errlen);

#endif
