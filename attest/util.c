// SPDX-License-Identifier: MIT
/*
 * What cmattest's subcommands share below their command lines: reading a
 * whole file or pseudo-file, writing one, parsing a PCR index (util.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

int cma_parse_pcr(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *s && !*end && v >= 0 && v <= 23 ? (int)v : -1;
}

int cma_read_all(const char *path, size_t max, uint8_t **out, size_t *len)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	size_t cap = 1 << 16, n = 0;
	uint8_t *b = NULL, *nb;
	ssize_t r;

	if (fd < 0)
		return -errno;
	for (;;) {
		if (n == cap || !b) {
			if (b)
				cap *= 2;
			nb = realloc(b, cap);
			if (!nb) {
				r = -ENOMEM;
				goto fail;
			}
			b = nb;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			r = -E2BIG;
			goto fail;
		}
	}
	if (fd)
		close(fd);
	*out = b;
	*len = n;
	return 0;
fail:
	if (fd)
		close(fd);
	free(b);
	return (int)r;
}

int cma_write_all(const char *path, const void *buf, size_t len)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	int ret = 0;

	if (!f)
		return -errno;
	if (fwrite(buf, 1, len, f) != len || fflush(f))
		ret = -errno ? -errno : -EIO;
	if (f != stdout && fclose(f) && !ret)
		ret = -errno;
	return ret;
}
