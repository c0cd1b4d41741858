// SPDX-License-Identifier: MIT
/* What more than one cmsign subcommand needs and no other tool does. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "signtool.h"

/* Writes @buf to @path via a temp file in the same directory + rename. */
int st_write_atomic(const char *path, const uint8_t *buf, size_t len,
		    mode_t mode)
{
	char *tmp, *dircopy;
	size_t off = 0;
	int fd, dfd, ret = 0;

	if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkstemp(tmp);
	if (fd < 0) {
		ret = -errno;
		goto out_free_tmp;
	}
	while (off < len) {
		ssize_t n = write(fd, buf + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			goto out_unlink;
		}
		off += (size_t)n;
	}
	if (fchmod(fd, mode) || fsync(fd)) {
		ret = -errno;
		goto out_unlink;
	}
	if (close(fd)) {
		fd = -1;
		ret = -errno;
		goto out_unlink;
	}
	fd = -1;
	if (rename(tmp, path)) {
		ret = -errno;
		goto out_unlink;
	}
	/* Make the rename itself durable. */
	dircopy = strdup(path);
	if (dircopy) {
		dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			(void)fsync(dfd);
			close(dfd);
		}
		free(dircopy);
	}
	goto out_free_tmp;
out_unlink:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
out_free_tmp:
	free(tmp);
	return ret;
}
