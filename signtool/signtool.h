/* SPDX-License-Identifier: MIT */
/* cmsign's subcommands; each takes argv with argv[0] = its own name. */
#ifndef CM_SIGNTOOL_H
#define CM_SIGNTOOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cryptomark/cryptomark.h>
#include <cryptomark/manifest.h>

int cmd_sign(int argc, char **argv);
int cmd_manifest(int argc, char **argv);	/* manifest.c */
int cmd_apply(int argc, char **argv);		/* apply.c */
int cmd_deb(int argc, char **argv);		/* deb.c */
int cmd_preload(int argc, char **argv);		/* preload.c */

/* One manifest entry's digest and security.ima value (entry.c). */
struct st_entry {
	int err;		/* 0 or negative errno; @msg says more */
	int digest_len;
	int xattr_len;
	uint8_t digest[CM_MAX_DIGEST_SIZE];
	uint8_t xattr[CM_XATTR_MAX_SIZE];
	char msg[200];
};

/* Digest @data (or @path's bytes) and sign it; failures land in @e. */
void st_entry_sign_buf(struct st_entry *e, struct cm_signer *s, int algo,
		       const void *data, size_t len);
void st_entry_sign_path(struct st_entry *e, struct cm_signer *s, int algo,
			const char *path);
/*
 * The manifest items of the entries that signed, in order (entry i named
 * path(ctx, i)); *failed counts the others.  Returns the item count.
 */
size_t st_entries_to_items(const struct st_entry *e, size_t n,
			   const char *(*path)(void *ctx, size_t i), void *ctx,
			   int algo, struct cm_manifest_item *items,
			   int *failed);
/* What went wrong with a failed entry. */
const char *st_entry_error(const struct st_entry *e);

/*
 * Parses the manifest in @buf (kept: @m points into it) and checks it is
 * signed by a trusted signer, chaining a format 2 manifest's certificate
 * to a trusted CA first (mftrust.c).  0, or a negative errno with @msg
 * saying what: "malformed manifest: ...", "unsigned manifest: ...",
 * "manifest signer certificate: ...", "manifest signature: ...".
 */
int st_manifest_trust(struct cm_trust *trust, const uint8_t *buf, size_t len,
		      struct cm_manifest *m, char *msg, size_t msglen);
/*
 * An entry's value: well-formed, trusted key id, nothing revoked; its
 * signature not verified (mftrust.c says why): 0 or the error.
 */
int st_entry_check(const struct cm_trust *trust,
		   const struct cm_manifest_item *it);

#endif
