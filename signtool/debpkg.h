/* SPDX-License-Identifier: MIT */
/*
 * The content side of `cmsign deb` (debpkg.c): opening a .deb (ar,
 * control.tar, data.tar unpacked), listing the files to sign, embedding
 * ELF notes (--elf-notes), and building the new data.tar and control.tar.
 * Each function prints its own failure, naming the package.
 */
#ifndef CM_DEBPKG_H
#define CM_DEBPKG_H

#include <stddef.h>
#include <stdint.h>

#include <cryptomark/cryptomark.h>
#include "debfmt.h"

#define DEB_PROG "cmsign deb"
#define MANIFEST_DIR "usr/share/cryptomark/manifests"
/*
 * Largest .deb read, and largest member unpacked: both are held in memory,
 * and a few KB of xz can unpack to gigabytes.
 */
#define DEB_MAX_SIZE ((size_t)4 << 30)
#define DEB_MAX_UNPACKED ((size_t)8 << 30)

/* One regular file (or hard link, with its target's data) of data.tar. */
struct df_file {
	const char *path;
	const uint8_t *data;
	uint64_t size;
	size_t entry;		/* the tar entry holding the data */
	int is_link;
	int keep;		/* --elf-notes: leave its bytes as they are */
};

/* --elf-notes: the new content of a tar entry, when the note changed it. */
struct df_new {
	uint8_t *data;
	size_t size;
	int err;
	char msg[200];
};

struct deb_pkg {
	const char *file;
	uint8_t *raw;
	size_t raw_len;
	struct deb_ar_member m[DEB_AR_MAX_MEMBERS];
	size_t n_m;
	int ctl, dat;			/* member indices */
	int ctl_comp, dat_comp;
	struct deb_buf ctl_tar, dat_tar;
	struct deb_tar ctl_t, dat_t;
	char *package, *arch;
	int ma_same;			/* control says Multi-Arch: same */
};

/* The ar member holding a copy of the manifest (deb(5): "_" members). */
#define DEB_MF_MEMBER "_cryptomark"
/* Where dpkg keeps the maintainer scripts (its info database). */
#define DEB_INFO_DIR "var/lib/dpkg/info"
#define DEB_MAX_SCRIPTS 5

/*
 * A maintainer script of control.tar, as dpkg installs it: @path is
 * var/lib/dpkg/info/PKG.SCRIPT (PKG:ARCH.SCRIPT for Multi-Arch: same).
 */
struct df_script {
	char *path;
	const uint8_t *data;
	uint64_t size;
};

/* Reads and unpacks @d->file (set by the caller). */
int deb_pkg_open(struct deb_pkg *d);
void deb_pkg_free(struct deb_pkg *d);
/*
 * The regular files of data.tar, hard links resolved to their target's
 * data; refuses what a manifest cannot describe, and a package that already
 * ships @mf_path.
 */
int deb_list_files(struct deb_pkg *d, const char *mf_path,
		   struct df_file **out, size_t *n_out);
/*
 * The maintainer scripts (preinst, postinst, prerm, postrm, config) of
 * control.tar, at most DEB_MAX_SCRIPTS; free the paths with
 * deb_scripts_free().  Refuses a script that is not a regular file.
 */
int deb_list_scripts(const struct deb_pkg *d, struct df_script *out,
		     size_t *n_out);
void deb_scripts_free(struct df_script *s, size_t n);
/*
 * --elf-notes: embeds the note into every ELF file, points each file (hard
 * links too) at its new bytes; *nw_out is indexed by tar entry.
 */
int deb_embed_notes(struct cm_signer *signer, int algo, int jobs,
		    struct deb_pkg *d, struct df_file *files, size_t n,
		    struct df_new **nw_out, size_t *n_notes);
/* The new data.tar: old entries (@nw: changed data), directories, manifest. */
int deb_build_data(struct deb_pkg *d, const struct df_new *nw,
		   const char *mf_path, const uint8_t *mf, size_t mf_len,
		   struct deb_buf *out);
/* The new control.tar (*changed 0 if there is no md5sums to update). */
int deb_build_control(struct deb_pkg *d, const struct df_file *f, size_t n,
		      const struct df_new *nw, const char *mf_path,
		      const uint8_t *mf, size_t mf_len, struct deb_buf *out,
		      int *changed);

#endif
