// SPDX-License-Identifier: MIT
/*
 * Atomic file rewrite (see lib/cryptomark/rewrite.h for the contract).
 *
 * State: a struct cm_rewrite owns three descriptors (original, temporary,
 * directory) and, between linkat() and renameat(), the temporary file's
 * name.  The temporary file is created unnamed (O_TMPFILE) whenever the
 * filesystem allows it, so a process killed at any moment before the
 * rename leaves nothing behind: the kernel frees an unnamed inode when its
 * last descriptor goes.  Only the few instructions between linkat() and
 * renameat() can leave a named, complete, fully signed copy behind.
 *
 * Ordering matters because the kernel strips privileges on the way:
 * writing content clears setuid/setgid and security.capability, chown
 * clears setuid/setgid and security.capability too.  So: content first,
 * then owner, then mode, then xattrs, then timestamps, then fsync.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cryptomark/rewrite.h>

#include "internal.h"

#define COPY_CHUNK	(1024 * 1024)

int cm_rewrite_open(struct cm_rewrite *rw, const char *path,
		    unsigned int flags, char *err, size_t errlen)
{
	char *real, *slash;
	int ret;

	memset(rw, 0, sizeof(*rw));
	rw->src_fd = rw->tmp_fd = rw->dir_fd = -1;
	rw->flags = flags;

	/*
	 * Replace the file a symlink points to, not the symlink: renaming a
	 * regular file over a symlink would turn it into a copy.
	 */
	real = realpath(path, NULL);
	if (!real) {
		ret = -errno;
		cm_seterr(err, errlen, "open: %s", strerror(errno));
		return ret;
	}
	slash = strrchr(real, '/');
	rw->base = strdup(slash + 1);
	rw->dir = slash == real ? strdup("/") : strndup(real, (size_t)(slash - real));
	free(real);
	if (!rw->base || !rw->dir) {
		ret = -ENOMEM;
		cm_seterr(err, errlen, "open: %s", strerror(ENOMEM));
		goto out_close;
	}
	rw->dir_fd = open(rw->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rw->dir_fd < 0) {
		ret = -errno;
		cm_seterr(err, errlen, "open directory %s: %s", rw->dir,
			  strerror(errno));
		goto out_close;
	}
	rw->src_fd = openat(rw->dir_fd, rw->base, O_RDONLY | O_NOFOLLOW |
			    O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (rw->src_fd < 0) {
		ret = -errno;
		cm_seterr(err, errlen, "open: %s", strerror(errno));
		goto out_close;
	}
	if (fstat(rw->src_fd, &rw->st)) {
		ret = -errno;
		cm_seterr(err, errlen, "stat: %s", strerror(errno));
		goto out_close;
	}
	if (!S_ISREG(rw->st.st_mode)) {
		ret = -EINVAL;
		cm_seterr(err, errlen, "not a regular file");
		goto out_close;
	}
	return 0;

out_close:
	cm_rewrite_close(rw);
	return ret;
}

/* ".cm-<base>.<random>": hidden, recognisable, within NAME_MAX. */
static int make_tmp_name(struct cm_rewrite *rw)
{
	unsigned long long r = 0;
	char buf[NAME_MAX + 1];

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r ^= (unsigned long long)getpid() << 32 ^ (uintptr_t)&r;
	snprintf(buf, sizeof(buf), ".cm-%.200s.%016llx", rw->base, r);
	free(rw->tmp_name);
	rw->tmp_name = strdup(buf);
	return rw->tmp_name ? 0 : -ENOMEM;
}

int cm_rewrite_start(struct cm_rewrite *rw, char *err, size_t errlen)
{
	int ret, tries;

	if (rw->st.st_nlink > 1 && !(rw->flags & CM_REWRITE_SPLIT_LINKS)) {
		cm_seterr(err, errlen,
			  "has %ju hard links: rewriting would split them and leave the other names unsigned (file untouched)",
			  (uintmax_t)rw->st.st_nlink);
		return -EMLINK;
	}
	if (rw->flags & CM_REWRITE_NAMED_TMP)
		errno = EOPNOTSUPP;
	else
		rw->tmp_fd = openat(rw->dir_fd, ".",
				    O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (rw->tmp_fd >= 0)
		return 0;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
		ret = -errno;
		cm_seterr(err, errlen, "create temporary file in %s: %s",
			  rw->dir, strerror(errno));
		return ret;
	}
	/* No O_TMPFILE here: a named temporary file, removed on failure. */
	for (tries = 0; tries < 100; tries++) {
		ret = make_tmp_name(rw);
		if (ret)
			return ret;
		rw->tmp_fd = openat(rw->dir_fd, rw->tmp_name, O_CREAT | O_EXCL |
				    O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (rw->tmp_fd >= 0)
			return 0;
		if (errno != EEXIST)
			break;
	}
	ret = -errno;
	free(rw->tmp_name);
	rw->tmp_name = NULL;
	cm_seterr(err, errlen, "create temporary file in %s: %s", rw->dir,
		  strerror(errno));
	return ret;
}

static int copy_plain(int in, int out, uint64_t pos, uint64_t len)
{
	uint8_t *buf = malloc(COPY_CHUNK);
	int ret = 0;

	if (!buf)
		return -ENOMEM;
	while (len) {
		size_t want = len < COPY_CHUNK ? (size_t)len : COPY_CHUNK;
		ssize_t n = pread(in, buf, want, (off_t)pos);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ret = n ? -errno : -EAGAIN;
			break;
		}
		for (ssize_t done = 0; done < n;) {
			ssize_t w = pwrite(out, buf + done, (size_t)(n - done),
					   (off_t)(pos + (uint64_t)done));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				ret = -errno;
				goto out_free_buf;
			}
			done += w;
		}
		pos += (uint64_t)n;
		len -= (uint64_t)n;
	}
out_free_buf:
	free(buf);
	return ret;
}

int cm_rewrite_copy(struct cm_rewrite *rw, uint64_t len, char *err,
		    size_t errlen)
{
	loff_t in = 0, out = 0;
	int ret;

	/* copy_file_range: a reflink or an in-kernel copy where possible. */
	while ((uint64_t)in < len) {
		ssize_t n = copy_file_range(rw->src_fd, &in, rw->tmp_fd, &out,
					    (size_t)(len - (uint64_t)in), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EXDEV || errno == ENOSYS ||
			      errno == EINVAL || errno == EOPNOTSUPP)) {
			ret = copy_plain(rw->src_fd, rw->tmp_fd, (uint64_t)in,
					 len - (uint64_t)in);
			goto out_report;
		}
		if (n <= 0) {
			ret = n ? -errno : -EAGAIN;	/* 0: the file shrank */
			goto out_report;
		}
	}
	return 0;

out_report:
	if (ret)
		cm_seterr(err, errlen, "copy: %s", ret == -EAGAIN ?
			  "file shrank while being copied" : strerror(-ret));
	return ret;
}

/* Lists @fd's xattr names into a malloc'ed buffer; *len gets its size. */
static int list_xattrs(int fd, char **names, ssize_t *len)
{
	ssize_t n;

	*names = NULL;
	*len = 0;
	for (;;) {
		n = flistxattr(fd, NULL, 0);
		if (n < 0)
			return errno == ENOTSUP ? 0 : -errno;
		if (n == 0)
			return 0;
		free(*names);
		*names = malloc((size_t)n);
		if (!*names)
			return -ENOMEM;
		*len = flistxattr(fd, *names, (size_t)n);
		if (*len >= 0)
			return 0;
		if (errno != ERANGE)	/* ERANGE: one was added meanwhile */
			return -errno;
	}
}

static int has_name(const char *list, ssize_t len, const char *name)
{
	for (const char *p = list; len > 0 && p < list + len; p += strlen(p) + 1)
		if (!strcmp(p, name))
			return 1;
	return 0;
}

static int copy_xattrs(struct cm_rewrite *rw, char *err, size_t errlen)
{
	char *src = NULL, *dst = NULL;
	ssize_t slen, dlen;
	void *val = NULL;
	int ret;

	ret = list_xattrs(rw->src_fd, &src, &slen);
	if (ret) {
		cm_seterr(err, errlen, "listxattr: %s", strerror(-ret));
		return ret;
	}
	for (const char *p = src; slen > 0 && p < src + slen; p += strlen(p) + 1) {
		ssize_t n;

		if (!strcmp(p, CM_XATTR_IMA))
			continue;	/* signs the old bytes; see rewrite.h */
		n = fgetxattr(rw->src_fd, p, NULL, 0);
		if (n >= 0) {
			free(val);
			val = malloc(n ? (size_t)n : 1);
			if (!val) {
				ret = -ENOMEM;
				goto out_free;
			}
			n = fgetxattr(rw->src_fd, p, val, (size_t)n);
		}
		if (n < 0) {
			ret = -errno;
			cm_seterr(err, errlen, "getxattr %s: %s", p,
				  strerror(errno));
			goto out_free;
		}
		if (fsetxattr(rw->tmp_fd, p, val, (size_t)n, 0)) {
			ret = -errno;
			cm_seterr(err, errlen, "setxattr %s: %s (file untouched)",
				  p, strerror(errno));
			goto out_free;
		}
	}
	/*
	 * A new file may have inherited attributes the original lacks (a
	 * directory's default ACL): drop them so the copy is exact.
	 */
	ret = list_xattrs(rw->tmp_fd, &dst, &dlen);
	if (ret) {
		cm_seterr(err, errlen, "listxattr: %s", strerror(-ret));
		goto out_free;
	}
	for (const char *p = dst; dlen > 0 && p < dst + dlen; p += strlen(p) + 1) {
		if (has_name(src, slen, p) || !strcmp(p, "security.selinux"))
			continue;
		if (fremovexattr(rw->tmp_fd, p) && errno != ENODATA) {
			ret = -errno;
			cm_seterr(err, errlen, "removexattr %s: %s", p,
				  strerror(errno));
			goto out_free;
		}
	}
out_free:
	free(val);
	free(dst);
	free(src);
	return ret;
}

static int copy_metadata(struct cm_rewrite *rw, char *err, size_t errlen)
{
	const mode_t want = rw->st.st_mode & 07777;
	struct timespec times[2] = { rw->st.st_atim, rw->st.st_mtim };
	struct stat now;
	int ret;

	if (fstat(rw->tmp_fd, &now))
		goto out_errno_stat;
	if ((now.st_uid != rw->st.st_uid || now.st_gid != rw->st.st_gid) &&
	    fchown(rw->tmp_fd, rw->st.st_uid, rw->st.st_gid)) {
		ret = -errno;
		cm_seterr(err, errlen, "chown to %ju:%ju: %s (file untouched)",
			  (uintmax_t)rw->st.st_uid, (uintmax_t)rw->st.st_gid,
			  strerror(errno));
		return ret;
	}
	/* After chown, which clears setuid/setgid. */
	if (fchmod(rw->tmp_fd, want))
		goto out_errno_chmod;
	ret = copy_xattrs(rw, err, errlen);
	if (ret)
		return ret;
	/*
	 * Writing an access ACL rewrites the group bits, and may drop setgid
	 * for a caller outside the group: insist on the exact mode.
	 */
	if (fstat(rw->tmp_fd, &now))
		goto out_errno_stat;
	if ((now.st_mode & 07777) != want) {
		if (fchmod(rw->tmp_fd, want))
			goto out_errno_chmod;
		if (fstat(rw->tmp_fd, &now))
			goto out_errno_stat;
		if ((now.st_mode & 07777) != want) {
			cm_seterr(err, errlen, "mode %04o could not be kept (file untouched)",
				  (unsigned int)want);
			return -EPERM;
		}
	}
	if (futimens(rw->tmp_fd, times)) {
		ret = -errno;
		cm_seterr(err, errlen, "set timestamps: %s", strerror(errno));
		return ret;
	}
	return 0;

out_errno_stat:
	ret = -errno;
	cm_seterr(err, errlen, "stat: %s", strerror(errno));
	return ret;
out_errno_chmod:
	ret = -errno;
	cm_seterr(err, errlen, "chmod %04o: %s (file untouched)",
		  (unsigned int)want, strerror(errno));
	return ret;
}

/* Gives the unnamed temporary file a name next to the target. */
static int link_tmp(struct cm_rewrite *rw, char *err, size_t errlen)
{
	char proc[64];
	int ret, tries;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", rw->tmp_fd);
	for (tries = 0; tries < 100; tries++) {
		ret = make_tmp_name(rw);
		if (ret)
			return ret;
		if (!linkat(AT_FDCWD, proc, rw->dir_fd, rw->tmp_name,
			    AT_SYMLINK_FOLLOW))
			return 0;
		/* Without /proc: needs CAP_DAC_READ_SEARCH, try it anyway. */
		if (errno == ENOENT &&
		    !linkat(rw->tmp_fd, "", rw->dir_fd, rw->tmp_name,
			    AT_EMPTY_PATH))
			return 0;
		if (errno != EEXIST)
			break;
	}
	ret = -errno;
	free(rw->tmp_name);
	rw->tmp_name = NULL;
	cm_seterr(err, errlen, "link temporary file: %s", strerror(errno));
	return ret;
}

static int same_time(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

int cm_rewrite_commit(struct cm_rewrite *rw, char *err, size_t errlen)
{
	struct stat now;
	int ret, named = rw->tmp_name != NULL;

	/* Someone else wrote the file meanwhile: do not lose their bytes. */
	if (fstat(rw->src_fd, &now)) {
		ret = -errno;
		cm_seterr(err, errlen, "stat: %s", strerror(errno));
		return ret;
	}
	if (now.st_size != rw->st.st_size ||
	    !same_time(&now.st_mtim, &rw->st.st_mtim)) {
		cm_seterr(err, errlen, "file changed while being signed (file untouched)");
		return -EAGAIN;
	}
	ret = copy_metadata(rw, err, errlen);
	if (ret)
		return ret;
	if (fsync(rw->tmp_fd)) {
		ret = -errno;
		cm_seterr(err, errlen, "fsync: %s", strerror(errno));
		return ret;
	}
	if (!named) {
		ret = link_tmp(rw, err, errlen);
		if (ret)
			return ret;
	}
	/* The name may have been replaced by another file since we opened it. */
	if (fstatat(rw->dir_fd, rw->base, &now, AT_SYMLINK_NOFOLLOW) ||
	    now.st_ino != rw->st.st_ino || now.st_dev != rw->st.st_dev) {
		cm_seterr(err, errlen, "file replaced while being signed (left alone)");
		return -EAGAIN;
	}
	if (renameat(rw->dir_fd, rw->tmp_name, rw->dir_fd, rw->base)) {
		ret = -errno;
		cm_seterr(err, errlen, "rename into place: %s", strerror(errno));
		return ret;
	}
	free(rw->tmp_name);
	rw->tmp_name = NULL;
	/* The rename is durable only once the directory is. */
	if (fsync(rw->dir_fd)) {
		ret = -errno;
		cm_seterr(err, errlen, "fsync directory %s: %s", rw->dir,
			  strerror(errno));
		return ret;
	}
	return 0;
}

void cm_rewrite_close(struct cm_rewrite *rw)
{
	if (rw->tmp_name && rw->dir_fd >= 0)
		(void)unlinkat(rw->dir_fd, rw->tmp_name, 0);
	if (rw->tmp_fd >= 0)
		close(rw->tmp_fd);
	if (rw->src_fd >= 0)
		close(rw->src_fd);
	if (rw->dir_fd >= 0)
		close(rw->dir_fd);
	free(rw->tmp_name);
	free(rw->dir);
	free(rw->base);
	rw->tmp_fd = rw->src_fd = rw->dir_fd = -1;
	rw->tmp_name = rw->dir = rw->base = NULL;
}
