// SPDX-License-Identifier: GPL-2.0-only
/*
 * cryptomark: carrier 2, the .note.cryptomark ELF note.  Finds the note and
 * reads its descriptor through the parser libcryptomark builds too
 * (elfparse.c and sigparse.c, copied from lib/shared/ by
 * kernel/build-kernel.sh), so the kernel accepts exactly what cmverify
 * accepts, with the same errors (tests/vectors/elf/).  Verifying the
 * signature it holds is verify.c's: this file calls nothing there.
 */
#include <linux/fs.h>
#include <linux/slab.h>

#include "cryptomark.h"
#include "cm_parse.h"

static int cm_kernel_read_at(void *ctx, void *buf, size_t len, u64 off)
{
	struct file *file = ctx;
	loff_t pos = off;
	size_t done = 0;

	while (done < len) {
		ssize_t n = kernel_read(file, (u8 *)buf + done, len - done,
					&pos);

		if (n < 0)
			return n;
		if (n == 0)
			return -ERANGE;	/* shorter than its size */
		done += n;
	}
	return 0;
}

/**
 * cm_note_read - find @file's note and read its descriptor
 * @file: the file, open for reading
 * @desc: CM_NOTE_DESC_SIZE bytes: the descriptor
 * @desc_off: its offset in the file (hashed as zeros)
 *
 * On success @desc holds a well-formed signature value (cm_sig_check())
 * followed by zeros.  Work is bounded by the file's section count, never by
 * its section name table (docs/FORMAT-note.md, "Parsing limits"), and
 * yields every 1024 items (cm_yield()).
 *
 * Return: 0; -ENODATA not an ELF file, no note, or a file beyond the
 * parser's limits that claims none; -E2BIG beyond a limit and claims one;
 * -EBADMSG, -EMSGSIZE, -EPROTO, -ERANGE, -EOVERFLOW malformed ELF or note;
 * the errors of cm_sig_check(); -ENOMEM, -EINTR, or a read error.
 */
int cm_note_read(struct file *file, u8 *desc, loff_t *desc_off)
{
	struct cm_reader r = {
		.read = cm_kernel_read_at,
		.ctx = file,
		.size = i_size_read(file_inode(file)),
	};
	const char *why;
	struct cm_elf e;
	size_t len;
	int ret;

	ret = cm_elf_parse(&e, &r);
	if (ret == -ENOEXEC)
		ret = -ENODATA;		/* not ELF: a script, data */
	if (ret)
		goto out_free_elf;
	*desc_off = cm_elf_desc_off(&e);
	ret = cm_kernel_read_at(file, desc, CM_NOTE_DESC_SIZE, *desc_off);
	if (!ret)
		ret = cm_note_desc_check(desc, &len, &why);
out_free_elf:
	cm_elf_free(&e);
	return ret;
}
