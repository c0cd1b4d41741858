/* SPDX-License-Identifier: MIT */
/*
 * Atomic replacement of a file's content, keeping its identity (lib/rewrite.c).
 *
 * The new content is written to a temporary file in the same directory
 * (unnamed, O_TMPFILE, where the filesystem allows it), gets the original's
 * owner, mode (setuid/setgid included), every extended attribute (ACLs and
 * security.capability included) and timestamps, is fsync()ed, and is then
 * renamed over the original, so a reader or a crash sees either the old
 * file or the complete new one, never a mix.
 *
 * Two deliberate exceptions:
 *  - security.ima is not carried over: it signs the old bytes, and a stale
 *    signature next to new content is an invalid carrier, not metadata.
 *  - Hard links: a rename replaces one name only, so the other names would
 *    keep the old inode and silently stay unsigned.  A file with
 *    st_nlink > 1 is refused with -EMLINK unless CM_REWRITE_SPLIT_LINKS is
 *    given, in which case only the named link gets the new content.
 */
#ifndef CRYPTOMARK_REWRITE_H
#define CRYPTOMARK_REWRITE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include <cryptomark/cryptomark.h>

#ifdef __cplusplus
extern "C" {
#endif

enum cm_rewrite_flags {
	CM_REWRITE_SPLIT_LINKS = 1 << 0,	/* accept st_nlink > 1 */
	/*
	 * Use a named temporary file even where O_TMPFILE works: the path
	 * taken on filesystems without it, selectable so tests reach it.
	 */
	CM_REWRITE_NAMED_TMP = 1 << 1,
	__CM_REWRITE_MAX
};

struct cm_rewrite {
	int src_fd;		/* the original, read-only */
	int tmp_fd;		/* the replacement being written */
	int dir_fd;		/* the directory holding both */
	struct stat st;		/* the original's metadata when opened */
	char *dir;		/* resolved directory of the target */
	char *base;		/* the target's name in @dir */
	char *tmp_name;		/* set once the temporary file has a name */
	unsigned int flags;
};

/*
 * Opens @path (symlinks resolved: the target is what gets replaced) for
 * reading; -EINVAL if it is not a regular file.  Nothing is created yet, so
 * the caller can inspect the content and give up with the file untouched.
 */
int cm_rewrite_open(struct cm_rewrite *rw, const char *path,
		    unsigned int flags, char *err, size_t errlen);
/*
 * Refuses a hard-linked file (-EMLINK, see above), then creates the
 * temporary file (mode 0600 until commit) in rw->tmp_fd.
 */
int cm_rewrite_start(struct cm_rewrite *rw, char *err, size_t errlen);
/* Copies [0, @len) of the original into the temporary file. */
int cm_rewrite_copy(struct cm_rewrite *rw, uint64_t len, char *err,
		    size_t errlen);
/*
 * Refuses (-EAGAIN) if the original changed since cm_rewrite_open(), copies
 * metadata, fsyncs, renames over the original, fsyncs the directory.
 */
int cm_rewrite_commit(struct cm_rewrite *rw, char *err, size_t errlen);
/* Releases everything; an uncommitted temporary file is removed. */
void cm_rewrite_close(struct cm_rewrite *rw);

/*
 * cm_note_sign_path() with flags (CM_REWRITE_SPLIT_LINKS for a --force
 * style override of the hard-link refusal).
 */
int cm_note_sign_path_flags(struct cm_signer *s, int algo, const char *path,
			    unsigned int flags, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif

#endif /* CRYPTOMARK_REWRITE_H */
