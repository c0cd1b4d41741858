/* SPDX-License-Identifier: MIT */
/*
 * The pieces of a Debian binary package that `cmsign deb` reads and
 * rewrites: the ar container (deb(5)), the tar members (ustar, GNU long
 * names, pax headers) and their compressors (xz, gzip, zstd, none).
 * Everything works on whole buffers in memory.  Only cmsign uses it.
 */
#ifndef CM_DEBFMT_H
#define CM_DEBFMT_H

#include <stddef.h>
#include <stdint.h>

struct deb_buf {
	uint8_t *p;
	size_t len, cap;
	size_t max;		/* 0: no limit; else -EFBIG beyond it */
};

int deb_buf_add(struct deb_buf *b, const void *p, size_t n);
void deb_buf_free(struct deb_buf *b);

/* ---- ar ----------------------------------------------------------------- */

#define DEB_AR_MAX_MEMBERS 16

struct deb_ar_member {
	char name[17];		/* trailing spaces and a GNU '/' removed */
	const uint8_t *hdr;	/* the 60-byte header */
	const uint8_t *data;
	size_t size;
};

/*
 * Splits an ar archive.  -EPROTO (not ar), -EBADMSG (malformed header),
 * -EMSGSIZE (member beyond the end), -E2BIG (too many members); *why names
 * the check.
 */
int deb_ar_parse(const uint8_t *p, size_t len, struct deb_ar_member *m,
		 size_t *n, const char **why);
/* Appends a member with @hdr's fields but @size (the name is kept). */
int deb_ar_add(struct deb_buf *out, const uint8_t *hdr, const uint8_t *data,
	       size_t size);

/* ---- compression -------------------------------------------------------- */

enum deb_comp { DEB_COMP_NONE, DEB_COMP_GZ, DEB_COMP_XZ, DEB_COMP_ZST,
		__DEB_COMP_MAX };

/* "data.tar.xz" -> DEB_COMP_XZ for @base "data.tar"; -1 if not that member. */
int deb_comp_of(const char *member, const char *base);
/*
 * -ENOTSUP (bzip2, lzma), -EBADMSG (corrupt stream), -EFBIG (beyond
 * @out->max: a decompression bomb), -ENOMEM; *why.
 */
int deb_decompress(enum deb_comp c, const uint8_t *in, size_t len,
		   struct deb_buf *out, const char **why);
/* Deterministic: the same input gives the same bytes. */
int deb_compress(enum deb_comp c, const uint8_t *in, size_t len,
		 struct deb_buf *out, int threads, const char **why);

/* ---- tar ---------------------------------------------------------------- */

struct deb_tar_entry {
	char *path;		/* normalized: no "./", no leading or trailing '/' */
	char *link;		/* hard or symbolic link target, normalized */
	char type;		/* '0' regular, '1' hard link, '2' symlink, '5' dir, ... */
	uint64_t size;
	uint64_t mtime;
	size_t hdr_off;		/* of the entry's first header (long-name/pax included) */
	size_t data_off;	/* of its data */
	int size_from_pax;	/* the size is a pax header's, not the ustar field's */
};

struct deb_tar {
	struct deb_tar_entry *v;
	size_t n;
	size_t end;		/* offset of the end-of-archive blocks */
	uint64_t max_mtime;
};

/*
 * Lists the entries of a tar archive.  -EBADMSG (checksum, number field,
 * truncated entry, bad pax record), -ENOMEM; *why names the check.
 */
int deb_tar_parse(const uint8_t *p, size_t len, struct deb_tar *t,
		  const char **why);
void deb_tar_free(struct deb_tar *t);
/*
 * Appends a ustar header for @path ("./" is prepended; directories get a
 * trailing '/') owned by root:root.  -ENAMETOOLONG if it does not fit.
 */
int deb_tar_add_header(struct deb_buf *out, const char *path, char type,
		       unsigned mode, uint64_t size, uint64_t mtime);
/* Appends @len bytes of data padded to a block. */
int deb_tar_add_data(struct deb_buf *out, const uint8_t *p, size_t len);
/* Two zero blocks, then zeros up to a multiple of 10240 (tar's record). */
int deb_tar_finish(struct deb_buf *out);
/* Rewrites a header's size field and checksum in place. */
int deb_tar_set_size(uint8_t *hdr, uint64_t size);

#endif
