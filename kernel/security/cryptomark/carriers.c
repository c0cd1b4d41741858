// SPDX-License-Identifier: GPL-2.0-only
/*
 * cryptomark: which carrier vouches for a file.  security.ima first, then
 * the ELF note (verify.c checks each), and for a file with neither the
 * digest table (digests.c).  Above both in the call order, so verify.c
 * never calls back into digests.c.
 */
#include <linux/file.h>
#include <linux/fs.h>

#include "cryptomark.h"

/*
 * Both carriers, in order, on a file open for reading; with neither (no
 * security.ima signature, no ELF note), the digest table (digests.c).
 */
static int cm_verify_carriers(struct file *file, u32 *keyid, bool *by_table)
{
	int ret, note;

	ret = cm_verify_xattr(file, keyid);
	if (!ret || ret == -ENOMEM || ret == -EINTR || ret == -EKEYREVOKED)
		return ret;
	note = cm_note_verify(file, keyid);
	if (note != -ENODATA)
		return note;
	if (ret != -ENODATA && ret != -EPROTO)
		return ret;
	ret = cm_digests_verify(file, keyid);
	*by_table = !ret;
	return ret;
}

/**
 * cm_verify_file - does @file carry a valid signature by a trusted key?
 * @file: the file as the caller opened it
 * @keyid: on success, the key id of the signature that verified
 * @by_table: set when the digest table allowed it, cleared otherwise
 *
 * security.ima is tried first; if it holds no signature or one that does
 * not verify, the ELF note is tried.  A file without a note keeps the
 * security.ima result.  A revoked digest is final: no other carrier can
 * vouch for a file whose security.ima names a revoked digest.  A file
 * with no carrier at all may be allowed by the digest table, verified
 * the same way (cm_digests_verify()); @by_table then says so.
 *
 * The caller's file may not be readable by the kernel as it is (opened
 * without read access, e.g. open(path, 3), or with O_DIRECT): the file is
 * then hashed through a read-only open of its own, as IMA does, so the
 * verdict never depends on how the caller opened it.
 *
 * Return: 0 signed by a key in .cryptomark; -ENODATA unsigned; -ENOKEY
 * unknown key; -EKEYREJECTED signature does not match; -EKEYREVOKED
 * digest revoked; -ENOPKG algorithm
 * not accepted; -EBADMSG (and the other cm_sig_parse() / note errors)
 * malformed; -EIO, -ENOMEM, -EINTR, or the error of the kernel's own
 * open: could not check.
 */
int cm_verify_file(struct file *file, u32 *keyid, bool *by_table)
{
	struct file *rfile = cm_open_readable(file);
	int ret;

	*by_table = false;
	if (IS_ERR(rfile))
		return PTR_ERR(rfile);
	ret = cm_verify_carriers(rfile, keyid, by_table);
	if (rfile != file)
		fput(rfile);
	return ret;
}
