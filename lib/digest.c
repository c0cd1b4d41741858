// SPDX-License-Identifier: MIT
/*
 * File digests.  pread() in large chunks rather than mmap(): a file
 * truncated while we hash it must give an error, not SIGBUS, and the copy
 * out of the page cache costs far less than SHA-2 itself.  The optional
 * zero range is how the ELF note carrier excludes its own descriptor.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "internal.h"

#define CHUNK	(512 * 1024)

static pthread_key_t buf_key;
static pthread_once_t buf_once = PTHREAD_ONCE_INIT;

static void make_key(void)
{
	(void)pthread_key_create(&buf_key, free);
}

/* One buffer per thread, reused for every file it hashes, freed at exit. */
static uint8_t *thread_buf(void)
{
	uint8_t *b;

	pthread_once(&buf_once, make_key);
	b = pthread_getspecific(buf_key);
	if (!b) {
		b = malloc(CHUNK);
		if (b && pthread_setspecific(buf_key, b)) {
			free(b);
			b = NULL;
		}
	}
	return b;
}

int cm_digest_fd(int fd, int algo, uint64_t zero_off, uint64_t zero_len,
		 uint8_t *out)
{
	const EVP_MD *md = cm_hash_md(algo);
	uint64_t pos = 0, zero_end;
	unsigned int dlen = 0;
	EVP_MD_CTX *ctx;
	uint8_t *buf;
	int ret;

	if (!md)
		return -ENOPKG;
	if (zero_len && zero_off > UINT64_MAX - zero_len)
		return -EOVERFLOW;
	zero_end = zero_off + zero_len;
	buf = thread_buf();
	if (!buf)
		return -ENOMEM;
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	if (!EVP_DigestInit_ex(ctx, md, NULL)) {
		ret = -EIO;
		goto out_free_ctx;
	}
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	for (;;) {
		ssize_t n = pread(fd, buf, CHUNK, (off_t)pos);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto out_free_ctx;
		}
		if (n == 0)
			break;
		if (zero_len && pos < zero_end && pos + (uint64_t)n > zero_off) {
			/* This chunk overlaps the excluded range: blank it. */
			uint64_t a = zero_off > pos ? zero_off - pos : 0;
			uint64_t b = zero_end - pos < (uint64_t)n ?
				     zero_end - pos : (uint64_t)n;

			memset(buf + a, 0, (size_t)(b - a));
		}
		if (!EVP_DigestUpdate(ctx, buf, (size_t)n)) {
			ret = -EIO;
			goto out_free_ctx;
		}
		pos += (uint64_t)n;
	}
	if (zero_len && zero_end > pos) {
		/* The excluded range must lie inside the file. */
		ret = -ERANGE;
		goto out_free_ctx;
	}
	if (!EVP_DigestFinal_ex(ctx, out, &dlen)) {
		ret = -EIO;
		goto out_free_ctx;
	}
	ret = (int)dlen;
out_free_ctx:
	EVP_MD_CTX_free(ctx);
	return ret;
}

int cm_digest_buf(const void *buf, size_t len, int algo, uint8_t *out)
{
	const EVP_MD *md = cm_hash_md(algo);
	unsigned int dlen = 0;

	if (!md)
		return -ENOPKG;
	if (!EVP_Digest(buf, len, out, &dlen, md, NULL))
		return -EIO;
	return (int)dlen;
}
