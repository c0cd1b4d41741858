// SPDX-License-Identifier: MIT
/*
 * A manifest entry's signature, the part cmsign manifest (files of a root)
 * and cmsign deb (members of a data.tar) share: digest the bytes, sign the
 * digest as a security.ima value, gather the entries into the manifest and
 * report the ones that failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "signtool.h"

/* Signs e->digest into e->xattr. */
static void entry_sign(struct st_entry *e, struct cm_signer *s, int algo)
{
	int ret = cm_signer_sign(s, algo, e->digest, e->xattr,
				 sizeof(e->xattr), e->msg, sizeof(e->msg));

	if (ret < 0)
		e->err = ret;
	else
		e->xattr_len = ret;
}

void st_entry_sign_buf(struct st_entry *e, struct cm_signer *s, int algo,
		       const void *data, size_t len)
{
	int ret = cm_digest_buf(data, len, algo, e->digest);

	if (ret < 0) {
		e->err = ret;
		snprintf(e->msg, sizeof(e->msg), "digest: %s", strerror(-ret));
		return;
	}
	e->digest_len = ret;
	entry_sign(e, s, algo);
}

void st_entry_sign_path(struct st_entry *e, struct cm_signer *s, int algo,
			const char *path)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		e->err = -errno;
		snprintf(e->msg, sizeof(e->msg), "open: %s", strerror(errno));
		return;
	}
	ret = cm_digest_fd(fd, algo, 0, 0, e->digest);
	close(fd);
	if (ret < 0) {
		e->err = ret;
		snprintf(e->msg, sizeof(e->msg), "read: %s", strerror(-ret));
		return;
	}
	e->digest_len = ret;
	entry_sign(e, s, algo);
}

size_t st_entries_to_items(const struct st_entry *e, size_t n,
			   const char *(*path)(void *ctx, size_t i), void *ctx,
			   int algo, struct cm_manifest_item *items,
			   int *failed)
{
	size_t k = 0;

	*failed = 0;
	for (size_t i = 0; i < n; i++) {
		if (e[i].err) {
			(*failed)++;
			continue;
		}
		items[k].path = path(ctx, i);
		items[k].hash_algo = algo;
		items[k].digest = e[i].digest;
		items[k].digest_len = (size_t)e[i].digest_len;
		items[k].xattr = e[i].xattr;
		items[k].xattr_len = (size_t)e[i].xattr_len;
		k++;
	}
	return k;
}

const char *st_entry_error(const struct st_entry *e)
{
	return e->msg[0] ? e->msg : strerror(-e->err);
}
