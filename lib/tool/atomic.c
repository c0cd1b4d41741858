// SPDX-License-Identifier: MIT
/*
 * The tools' one way to write a file: a temporary file in the target's
 * directory, created with the final mode, written in full, fsync'd, renamed
 * over the target, then the directory fsync'd so the rename survives a
 * crash.  Readers see the old file or the new one, never a part of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmtool.h"

static int write_all(int fd, const uint8_t *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		off += (size_t)n;
	}
	return 0;
}

/* fsync of the directory holding @path: makes a rename in it durable. */
static int sync_dir_of(const char *path)
{
	char *copy = strdup(path);
	int dfd, ret = 0;

	if (!copy)
		return -ENOMEM;
	dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd))
		ret = -errno;
	if (dfd >= 0)
		close(dfd);
	free(copy);
	return ret;
}

int cmt_write_atomic(const char *path, const void *buf, size_t len,
		     mode_t mode)
{
	char *tmp;
	int fd, ret;

	if (asprintf(&tmp, "%s.cmtmpXXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		free(tmp);
		return ret;
	}
	ret = fchmod(fd, mode) ? -errno : write_all(fd, buf, len);
	if (!ret && fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret) {
		unlink(tmp);
		free(tmp);
		return ret;
	}
	free(tmp);
	return sync_dir_of(path);
}
