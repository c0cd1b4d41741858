// SPDX-License-Identifier: MIT
/*
 * Carrier 2: the signature in the ELF file's .note.cryptomark section
 * (format: include/cryptomark/format.h, docs/FORMAT-note.md): locate the
 * note and verify the file against it.
 *
 * The ELF walk is lib/shared/elfparse.c, the source the kernel LSM builds
 * too, so cmverify accepts exactly what the kernel accepts.  It is written
 * by hand rather than on libelf: the kernel cannot use libelf; it reads
 * with pread() into bounded buffers, so a file truncated under us is an
 * error and never a SIGBUS; and strictness (every offset inside the file,
 * no overlap, one note) is the point, where libelf is deliberately
 * lenient.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "note.h"

int cm_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (uint8_t *)buf + done, len - done,
				  (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ERANGE;
		done += (size_t)n;
	}
	return 0;
}

static int fd_read(void *ctx, void *buf, size_t len, uint64_t off)
{
	return cm_pread_full(*(int *)ctx, buf, len, off);
}

void cm_note_reader(struct cm_reader *r, int *fd, uint64_t size)
{
	r->read = fd_read;
	r->ctx = fd;
	r->size = size;
}

int cm_note_parse(int *fd, uint64_t size, struct cm_elf *e,
		  struct cm_reader *r)
{
	cm_note_reader(r, fd, size);
	return cm_elf_parse(e, r);
}

int cm_note_locate(int fd, uint64_t size, uint64_t *desc_off,
		   const char **why)
{
	struct cm_reader r;
	struct cm_elf e;
	int ret;

	ret = cm_note_parse(&fd, size, &e, &r);
	if (!ret)
		*desc_off = cm_elf_desc_off(&e);
	if (why)
		*why = e.why;
	cm_elf_free(&e);
	return ret;
}

int cm_note_verify_fd(const struct cm_trust *t, int fd,
		      struct cm_verify_result *res)
{
	uint8_t desc[CM_NOTE_DESC_SIZE], digest[CM_MAX_DIGEST_SIZE];
	uint64_t off = 0;
	struct cm_sig sig;
	struct stat st;
	size_t len;
	int ret;

	memset(res, 0, sizeof(*res));
	res->carrier = CM_CARRIER_NOTE;
	if (fstat(fd, &st))
		return res->err = -errno;
	if (!S_ISREG(st.st_mode)) {
		res->why = "not a regular file";
		return res->err = -EINVAL;
	}
	ret = cm_note_locate(fd, (uint64_t)st.st_size, &off, &res->why);
	if (ret)
		return res->err = ret;
	ret = cm_pread_full(fd, desc, sizeof(desc), off);
	if (ret) {
		res->why = "file shorter than its size (truncated meanwhile?)";
		return res->err = ret;
	}
	ret = cm_note_desc_check(desc, &len, &res->why);
	if (!ret)
		ret = cm_sig_parse(desc, len, &sig, &res->why);
	if (ret)
		return res->err = ret;
	res->keyid = sig.keyid;
	res->hash_algo = sig.hash_algo;
	ret = cm_digest_fd(fd, sig.hash_algo, off, CM_NOTE_DESC_SIZE, digest);
	if (ret < 0)
		return res->err = ret;
	res->err = cm_trust_verify(t, &sig, digest, (size_t)ret);
	if (!res->err)
		res->verified = CM_CARRIER_NOTE;
	return res->err;
}
