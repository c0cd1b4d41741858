// SPDX-License-Identifier: MIT
/*
 * The ELF note carrier: every vector of tests/vectors/elf/index.txt with
 * its exact error and reason, then signing each vector (hostile ones must
 * be refused with the parser's error and left byte-for-byte untouched; the
 * others must come out signed, verifiable, and readable by libelf as one
 * .note.cryptomark note), exhaustive single-byte tampering, hard links,
 * symlinks, metadata preservation, extended section numbering and the
 * parser's limits.
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <cmocka.h>

#include "unit.h"

#include <cryptomark/cryptomark.h>
#include <cryptomark/rewrite.h>

#define VECTORS "tests/vectors/elf"

static struct cm_signer *rsa, *p256;
static struct cm_trust *trust_rsa, *trust_p256, *trust_none;

static struct cm_signer *load_signer(const char *name)
{
	struct cm_signer_opts o = { 0 };
	struct cm_signer *s = NULL;
	char key[512], cert[512], err[256];

	snprintf(key, sizeof(key), "%s/%s.key", u_dir, name);
	snprintf(cert, sizeof(cert), "%s/%s.pem", u_dir, name);
	o.key = key;
	o.cert = cert;
	if (cm_signer_load(&o, &s, err, sizeof(err)))
		fail_msg("signer %s: %s", name, err);
	return s;
}

static int setup(void **state)
{
	if (u_scratch("cmelfnote"))
		return -1;
	u_mkcert("rsa", "-newkey rsa:2048", "");
	u_mkcert("p256", "-newkey ec -pkeyopt ec_paramgen_curve:P-256", "");
	rsa = load_signer("rsa");
	p256 = load_signer("p256");
	trust_rsa = cm_trust_new();
	trust_p256 = cm_trust_new();
	trust_none = cm_trust_new();
	if (cm_trust_add_cert_file(trust_rsa, u_path("rsa.pem")) ||
	    cm_trust_add_cert_file(trust_p256, u_path("p256.pem")))
		return -1;
	elf_version(EV_CURRENT);
	return 0;
}

static int teardown(void **state)
{
	cm_signer_free(rsa);
	cm_signer_free(p256);
	cm_trust_free(trust_rsa);
	cm_trust_free(trust_p256);
	cm_trust_free(trust_none);
	u_cleanup();
	return 0;
}

static const struct { const char *name; int err; } errnos[] = {
	{ "ENOKEY", ENOKEY }, { "ENODATA", ENODATA }, { "ENOEXEC", ENOEXEC },
	{ "EBADMSG", EBADMSG }, { "ERANGE", ERANGE },
	{ "EOVERFLOW", EOVERFLOW }, { "E2BIG", E2BIG },
	{ "EMSGSIZE", EMSGSIZE }, { "EPROTO", EPROTO }, { "ENOPKG", ENOPKG },
	{ "EPROTONOSUPPORT", EPROTONOSUPPORT },
};

static int errno_by_name(const char *n)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (!strcmp(errnos[i].name, n))
			return errnos[i].err;
	fail_msg("unknown errno name %s in index.txt", n);
	return 0;
}

struct vector {
	char file[128], why[160];
	int err;
};

static size_t load_index(struct vector *v, size_t max)
{
	char line[512], en[32];
	size_t n = 0;
	FILE *f = fopen(VECTORS "/index.txt", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		assert_true(n < max);
		line[strcspn(line, "\n")] = '\0';
		assert_int_equal(sscanf(line, "%127[^\t]\t%31[^\t]\t%159[^\n]",
					v[n].file, en, v[n].why), 3);
		v[n].err = -errno_by_name(en);
		n++;
	}
	fclose(f);
	return n;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *b;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	b = malloc((size_t)st.st_size + 1);
	assert_non_null(b);
	assert_int_equal(pread(fd, b, (size_t)st.st_size, 0), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return b;
}

static void spill(const char *path, const uint8_t *b, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, b, len), (ssize_t)len);
	close(fd);
}

static int chattr_immutable(const char *path)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "chattr +i %s", path);
	return system(cmd);
}

static int verify(const struct cm_trust *t, const char *path,
		  struct cm_verify_result *res)
{
	int fd = open(path, O_RDONLY);
	int ret;

	assert_true(fd >= 0);
	ret = cm_note_verify_fd(t, fd, res);
	close(fd);
	return ret;
}

static int locate(const char *path, uint64_t *off, const char **why)
{
	struct stat st;
	int fd = open(path, O_RDONLY), ret;

	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	ret = cm_note_locate(fd, (uint64_t)st.st_size, off, why);
	close(fd);
	return ret;
}

static void test_vectors(void **state)
{
	static struct vector v[256];
	size_t n = load_index(v, 256);
	struct cm_verify_result res;
	char path[512];

	assert_true(n >= 80);
	for (size_t i = 0; i < n; i++) {
		const char *want_why = strcmp(v[i].why, "-") ? v[i].why : NULL;

		snprintf(path, sizeof(path), VECTORS "/%.127s", v[i].file);
		verify(trust_none, path, &res);
		if (res.err != v[i].err ||
		    (want_why ? !res.why || strcmp(res.why, want_why) : !!res.why))
			fail_msg("%s: got %d (%s), want %d (%s)", v[i].file,
				 res.err, res.why ? res.why : "-", v[i].err,
				 v[i].why);
		assert_int_equal(res.carrier, CM_CARRIER_NOTE);
		assert_int_equal(res.verified, 0);
	}
}

/* Checks the signed file with libelf: one .note.cryptomark, as located. */
static void libelf_agrees(const char *path, uint64_t desc_off)
{
	int fd = open(path, O_RDONLY), found = 0;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	Elf *e;

	assert_true(fd >= 0);
	e = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(e);
	assert_int_equal(elf_getshdrstrndx(e, &shstrndx), 0);
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr shdr;
		GElf_Nhdr nh;
		size_t name_off, desc_pos;
		Elf_Data *d;
		const char *name;

		assert_non_null(gelf_getshdr(scn, &shdr));
		/* The parser's rule: only SHT_NOTE sections' names count. */
		if (shdr.sh_type != SHT_NOTE)
			continue;
		name = elf_strptr(e, shstrndx, shdr.sh_name);
		assert_non_null(name);
		if (strcmp(name, CM_NOTE_SECTION))
			continue;
		found++;
		assert_int_equal(shdr.sh_flags & SHF_ALLOC, 0);
		assert_int_equal(shdr.sh_offset + 24, desc_off);
		d = elf_getdata(scn, NULL);
		assert_non_null(d);
		assert_int_equal(gelf_getnote(d, 0, &nh, &name_off, &desc_pos),
				 d->d_size);
		assert_int_equal(nh.n_namesz, CM_NOTE_NAMESZ);
		assert_int_equal(nh.n_descsz, CM_NOTE_DESC_SIZE);
		assert_int_equal(nh.n_type, CM_NOTE_TYPE_SIG);
		assert_string_equal((char *)d->d_buf + name_off, CM_NOTE_NAME);
	}
	assert_int_equal(found, 1);
	elf_end(e);
	close(fd);
}

/*
 * Every vector through the signer: what the parser refuses is refused with
 * the same error and left untouched; the rest gets a note that verifies.
 */
static void test_sign_vectors(void **state)
{
	static struct vector v[256];
	size_t n = load_index(v, 256), signed_n = 0, refused = 0;
	struct cm_verify_result res;
	char src[512], err[512];

	for (size_t i = 0; i < n; i++) {
		const char *dst = u_path("v.elf"), *why = NULL;
		uint64_t before_off = 0, after_off = 0;
		size_t len, len2;
		uint8_t *orig, *now;
		struct stat st1, st2;
		int lret, ret;

		snprintf(src, sizeof(src), VECTORS "/%.127s", v[i].file);
		orig = slurp(src, &len);
		unlink(dst);
		spill(dst, orig, len);
		assert_int_equal(stat(dst, &st1), 0);
		lret = locate(dst, &before_off, &why);
		err[0] = '\0';
		ret = cm_note_sign_path(rsa, CM_HASH_SHA256, dst, err,
					sizeof(err));
		/* Beyond the parser's limits: no note, and none embedded. */
		if (lret == -ENODATA && ret == -E2BIG &&
		    strstr(err, "beyond the note carrier's limits"))
			lret = -E2BIG;
		if (lret && lret != -ENODATA) {
			if (ret != lret)
				fail_msg("%s: sign gave %d (%s), locate %d",
					 v[i].file, ret, err, lret);
			now = slurp(dst, &len2);
			assert_int_equal(stat(dst, &st2), 0);
			assert_int_equal(st1.st_ino, st2.st_ino);
			assert_int_equal(len, len2);
			assert_memory_equal(orig, now, len);
			if (lret != -ENOEXEC)
				assert_non_null(strstr(err, "file untouched"));
			free(now);
			refused++;
		} else {
			if (ret)
				fail_msg("%s: sign failed %d: %s", v[i].file, ret, err);
			assert_int_equal(locate(dst, &after_off, &why), 0);
			if (!lret) {
				/* Signed before: the note is replaced in place. */
				assert_int_equal(after_off, before_off);
				assert_int_equal(stat(dst, &st2), 0);
				assert_int_equal(st2.st_size, (off_t)len);
			}
			if (verify(trust_rsa, dst, &res))
				fail_msg("%s: verify after sign: %d %s", v[i].file,
					 res.err, res.why ? res.why : "");
			assert_int_equal(res.verified, CM_CARRIER_NOTE);
			assert_int_equal(res.hash_algo, CM_HASH_SHA256);
			assert_int_equal(verify(trust_p256, dst, &res), -ENOKEY);
			/* The original bytes before the ELF header patch. */
			now = slurp(dst, &len2);
			assert_true(len2 >= len);
			if (lret == -ENODATA)
				assert_memory_equal(orig + 64, now + 64,
						    len - 64 > 0 ? len - 64 : 0);
			free(now);
			libelf_agrees(dst, after_off);
			signed_n++;
		}
		free(orig);
	}
	assert_true(signed_n >= 20);
	assert_true(refused >= 50);
}

/* All four class/byte-order combinations, every byte flipped. */
static void test_every_byte(void **state)
{
	static const char *const base[] = { "unsigned-64lsb", "unsigned-64msb",
		"unsigned-32lsb", "unsigned-32msb" };
	struct cm_verify_result res;
	char src[512], err[512];

	for (size_t b = 0; b < 4; b++) {
		const char *dst = u_path("flip.elf");
		uint8_t *img, *orig;
		size_t len, olen;

		snprintf(src, sizeof(src), VECTORS "/%s.elf", base[b]);
		orig = slurp(src, &olen);
		unlink(dst);
		spill(dst, orig, olen);
		assert_int_equal(cm_note_sign_path(p256, CM_HASH_SHA384, dst,
						   err, sizeof(err)), 0);
		assert_int_equal(verify(trust_p256, dst, &res), 0);
		img = slurp(dst, &len);
		for (size_t i = 0; i < len; i++) {
			for (int bit = 0; bit < 8; bit += 7) {
				img[i] ^= (uint8_t)(1 << bit);
				spill(dst, img, len);
				if (!verify(trust_p256, dst, &res))
					fail_msg("%s: flipping bit %d of byte %zu verifies",
						 base[b], bit, i);
				img[i] ^= (uint8_t)(1 << bit);
			}
		}
		img[len] = 0;
		spill(dst, img, len + 1);
		assert_int_equal(verify(trust_p256, dst, &res), -EKEYREJECTED);
		spill(dst, img, len - 1);
		assert_int_not_equal(verify(trust_p256, dst, &res), 0);
		spill(dst, img, len);
		assert_int_equal(verify(trust_p256, dst, &res), 0);
		free(img);
		free(orig);
	}
}

static void test_resign_other_key(void **state)
{
	const char *dst = u_path("resign.elf");
	struct cm_verify_result res;
	uint64_t off1, off2;
	struct stat a, b;
	char err[512];
	uint8_t *orig;
	size_t len;

	orig = slurp(VECTORS "/unsigned-64lsb.elf", &len);
	spill(dst, orig, len);
	free(orig);
	assert_int_equal(cm_note_sign_path(rsa, CM_HASH_SHA512, dst, err,
					   sizeof(err)), 0);
	assert_int_equal(locate(dst, &off1, NULL), 0);
	assert_int_equal(stat(dst, &a), 0);
	assert_int_equal(verify(trust_rsa, dst, &res), 0);
	assert_int_equal(res.hash_algo, CM_HASH_SHA512);
	assert_int_equal(cm_note_sign_path(p256, CM_HASH_SHA256, dst, err,
					   sizeof(err)), 0);
	assert_int_equal(locate(dst, &off2, NULL), 0);
	assert_int_equal(stat(dst, &b), 0);
	assert_int_equal(off1, off2);
	assert_int_equal(a.st_size, b.st_size);
	assert_int_equal(verify(trust_rsa, dst, &res), -ENOKEY);
	assert_int_equal(verify(trust_p256, dst, &res), 0);
	libelf_agrees(dst, off2);
}

static void test_not_elf_and_links(void **state)
{
	const char *txt = u_path("script.sh"), *a = u_path("a.elf"), *b = u_path("b.elf");
	const char *lnk = u_path("link.elf");
	struct cm_verify_result res;
	struct stat st, st2;
	char err[512];
	uint8_t *orig, *now;
	size_t len, len2;

	spill(txt, (const uint8_t *)"#!/bin/sh\n", 10);
	err[0] = '\0';
	assert_int_equal(cm_note_sign_path(rsa, CM_HASH_SHA256, txt, err,
					   sizeof(err)), -ENOEXEC);
	now = slurp(txt, &len2);
	assert_int_equal(len2, 10);
	free(now);

	orig = slurp(VECTORS "/unsigned-64lsb.elf", &len);
	spill(a, orig, len);
	unlink(b);
	assert_int_equal(link(a, b), 0);
	assert_int_equal(cm_note_sign_path(rsa, CM_HASH_SHA256, a, err,
					   sizeof(err)), -EMLINK);
	assert_non_null(strstr(err, "hard links"));
	now = slurp(a, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(orig, now, len);
	free(now);
	/* Splitting on request: a gets the note, b keeps the old bytes. */
	assert_int_equal(cm_note_sign_path_flags(rsa, CM_HASH_SHA256, a,
						 CM_REWRITE_SPLIT_LINKS, err,
						 sizeof(err)), 0);
	assert_int_equal(verify(trust_rsa, a, &res), 0);
	assert_int_equal(verify(trust_rsa, b, &res), -ENODATA);
	assert_int_equal(stat(a, &st), 0);
	assert_int_equal(st.st_nlink, 1);

	/* A symlink: the target is signed, the link stays a link. */
	unlink(b);
	unlink(lnk);
	spill(b, orig, len);
	assert_int_equal(symlink("b.elf", lnk), 0);
	assert_int_equal(cm_note_sign_path(rsa, CM_HASH_SHA256, lnk, err,
					   sizeof(err)), 0);
	assert_int_equal(lstat(lnk, &st2), 0);
	assert_true(S_ISLNK(st2.st_mode));
	assert_int_equal(verify(trust_rsa, b, &res), 0);
	free(orig);
}

/* Owner, setuid mode, capability, user xattr, ACL and mtime survive. */
static void test_metadata(void **state)
{
	/* VFS_CAP_REVISION_2, cap_net_raw (bit 13) permitted + effective. */
	static const uint8_t cap[20] = { 0x01, 0x00, 0x00, 0x02, 0x00, 0x20 };
	const char *f = u_path("meta.elf");
	struct timespec ts[2] = { { 1000000000, 0 }, { 1234567890, 123456789 } };
	uint8_t *orig, buf[64];
	struct stat st;
	char err[512];
	size_t len;

	if (geteuid() != 0)
		fail_msg("needs root (chown, security.capability)");
	orig = slurp(VECTORS "/unsigned-32msb.elf", &len);
	unlink(f);
	spill(f, orig, len);
	free(orig);
	assert_int_equal(chown(f, 1234, 5678), 0);
	assert_int_equal(chmod(f, 06751), 0);
	assert_int_equal(setxattr(f, "user.origin", "build-42", 8, 0), 0);
	assert_int_equal(setxattr(f, "security.capability", cap, sizeof(cap), 0), 0);
	assert_int_equal(setxattr(f, "security.ima", "\x03\x02", 2, 0), 0);
	u_sh("setfacl -m u:4321:r-x %s", f);
	assert_int_equal(utimensat(AT_FDCWD, f, ts, 0), 0);

	assert_int_equal(cm_note_sign_path(rsa, CM_HASH_SHA256, f, err,
					   sizeof(err)), 0);
	assert_int_equal(stat(f, &st), 0);
	assert_int_equal(st.st_uid, 1234);
	assert_int_equal(st.st_gid, 5678);
	assert_int_equal(st.st_mode & 07777, 06751);
	assert_int_equal(st.st_mtim.tv_sec, 1234567890);
	assert_int_equal(st.st_mtim.tv_nsec, 123456789);
	assert_int_equal(getxattr(f, "user.origin", buf, sizeof(buf)), 8);
	assert_memory_equal(buf, "build-42", 8);
	assert_int_equal(getxattr(f, "security.capability", buf, sizeof(buf)),
			 sizeof(cap));
	assert_memory_equal(buf, cap, sizeof(cap));
	/* The stale security.ima signed the old bytes: dropped. */
	assert_int_equal(getxattr(f, "security.ima", buf, sizeof(buf)), -1);
	assert_int_equal(errno, ENODATA);
	u_sh("getfacl -c %s 2>/dev/null | grep -q '^user:4321:r-x'", f);
	assert_int_equal(locate(f, &(uint64_t){ 0 }, NULL), 0);
}

/*
 * Writes an ELF64 with @n sections (null, n-2 empty PROGBITS, .shstrtab)
 * and no program headers.
 */
static void write_many_sections(const char *path, size_t n)
{
	static const char names[] = "\0.s\0.shstrtab";
	size_t shoff = 128, len = shoff + n * sizeof(Elf64_Shdr);
	uint8_t *b = calloc(1, len);
	Elf64_Ehdr *e = (Elf64_Ehdr *)b;
	Elf64_Shdr *s = (Elf64_Shdr *)(b + shoff);

	assert_non_null(b);
	memcpy(e->e_ident, ELFMAG, SELFMAG);
	e->e_ident[EI_CLASS] = ELFCLASS64;
	e->e_ident[EI_DATA] = ELFDATA2LSB;
	e->e_ident[EI_VERSION] = EV_CURRENT;
	e->e_type = ET_REL;
	e->e_machine = EM_X86_64;
	e->e_version = EV_CURRENT;
	e->e_ehsize = sizeof(*e);
	e->e_shentsize = sizeof(*s);
	e->e_shoff = shoff;
	e->e_shnum = n < SHN_LORESERVE ? n : 0;
	e->e_shstrndx = n - 1 < SHN_LORESERVE ? n - 1 : SHN_XINDEX;
	if (n >= SHN_LORESERVE)
		s[0].sh_size = n;
	if (n - 1 >= SHN_LORESERVE)
		s[0].sh_link = n - 1;
	memcpy(b + 64, names, sizeof(names));
	for (size_t i = 1; i < n - 1; i++) {
		s[i].sh_name = 1;
		s[i].sh_type = SHT_PROGBITS;
		s[i].sh_offset = 64;
	}
	s[n - 1].sh_name = 4;
	s[n - 1].sh_type = SHT_STRTAB;
	s[n - 1].sh_offset = 64;
	s[n - 1].sh_size = sizeof(names);
	spill(path, b, len);
	free(b);
}

static void test_extended_numbering(void **state)
{
	/* 0xfeff sections + the note = 0xff00: e_shnum must go to sh[0]. */
	const char *f = u_path("many.o");
	struct cm_verify_result res;
	uint64_t off;
	size_t shnum;
	char err[512];
	Elf *e;
	int fd;

	write_many_sections(f, SHN_LORESERVE - 1);
	assert_int_equal(cm_note_sign_path(rsa, CM_HASH_SHA256, f, err,
					   sizeof(err)), 0);
	assert_int_equal(verify(trust_rsa, f, &res), 0);
	assert_int_equal(locate(f, &off, NULL), 0);
	libelf_agrees(f, off);
	fd = open(f, O_RDONLY);
	e = elf_begin(fd, ELF_C_READ, NULL);
	assert_int_equal(elf_getshdrnum(e, &shnum), 0);
	assert_int_equal(shnum, SHN_LORESERVE);
	elf_end(e);
	close(fd);
	/* Re-signing a file that already uses extended numbering. */
	assert_int_equal(cm_note_sign_path(p256, CM_HASH_SHA256, f, err,
					   sizeof(err)), 0);
	assert_int_equal(verify(trust_p256, f, &res), 0);
}

/* The named-temporary-file path (filesystems without O_TMPFILE). */
static void test_named_tmp(void **state)
{
	const char *f = u_path("named.elf"), *bad = u_path("named-bad.elf");
	struct cm_verify_result res;
	char err[512], cmd[600];
	uint8_t *orig;
	size_t len;

	orig = slurp(VECTORS "/unsigned-32lsb.elf", &len);
	spill(f, orig, len);
	free(orig);
	assert_int_equal(cm_note_sign_path_flags(rsa, CM_HASH_SHA256, f,
						 CM_REWRITE_NAMED_TMP, err,
						 sizeof(err)), 0);
	assert_int_equal(verify(trust_rsa, f, &res), 0);
	/* A failure after the temporary file exists removes it. */
	orig = slurp(VECTORS "/unsigned-64msb.elf", &len);
	spill(bad, orig, len);
	free(orig);
	assert_int_equal(chattr_immutable(bad), 0);
	assert_int_not_equal(cm_note_sign_path_flags(rsa, CM_HASH_SHA256, bad,
						     CM_REWRITE_NAMED_TMP, err,
						     sizeof(err)), 0);
	assert_non_null(strstr(err, "rename into place"));
	u_sh("chattr -i %s", bad);
	snprintf(cmd, sizeof(cmd), "ls -A %s | grep -q '^\\.cm-'", u_dir);
	assert_int_not_equal(system(cmd), 0);
	assert_int_equal(verify(trust_rsa, bad, &res), -ENODATA);
}

/*
 * A copy of vector @name (ELF64 LSB) whose section @sec now holds @extra
 * bytes appended at the end of the file: the first @keep of them copied
 * from the section's old contents, then @fill.
 */
static void grow_section(const char *name, const char *dst, unsigned int sec,
			 size_t keep, size_t extra, int fill)
{
	char src[512];
	uint64_t shoff, off, size = extra;
	size_t len;
	uint8_t *b, *sh;

	snprintf(src, sizeof(src), VECTORS "/%s", name);
	b = slurp(src, &len);
	memcpy(&shoff, b + 40, 8);
	off = (len + 7) & ~(size_t)7;
	b = realloc(b, off + extra);
	assert_non_null(b);
	memset(b + len, 0, off - len);
	sh = b + shoff + 64 * sec;
	memset(b + off, fill, extra);
	if (keep) {
		uint64_t old;

		memcpy(&old, sh + 24, 8);
		memcpy(b + off, b + old, keep);
		b[off + extra - 1] = 0;
	}
	memcpy(sh + 24, &off, 8);
	memcpy(sh + 32, &size, 8);
	unlink(dst);
	spill(dst, b, off + extra);
	free(b);
}

/*
 * The parser's limits (docs/FORMAT-note.md, "Parsing limits"): a name
 * table of any size is fine (only SHT_NOTE names are read); another note
 * section past CM_ELF_MAX_NOTE_SCAN means "no note" for a file that
 * claims none (and cmsign --carrier note refuses it untouched), -E2BIG
 * for one that does.
 */
static void test_limits(void **state)
{
	const char *big = u_path("bigstr.elf"), *why = NULL;
	struct cm_verify_result res;
	uint64_t off = 0;
	size_t len, len2;
	uint8_t *before, *after;
	char err[512];

	(void)state;
	/* Sections: 1 .text 2 .note.gnu.build-id 3 .comment [4 note] shstrtab. */
	grow_section("unsigned-64lsb.elf", big, 4, 45, (3u << 20) / 2, 'a');
	assert_int_equal(locate(big, &off, &why), -ENODATA);
	assert_string_equal(why, "no .note.cryptomark section");
	assert_int_equal(cm_note_sign_path(rsa, CM_HASH_SHA256, big, err,
					   sizeof(err)), 0);
	assert_int_equal(verify(trust_rsa, big, &res), 0);
	assert_int_equal(res.verified, CM_CARRIER_NOTE);
	grow_section("ok-64lsb.elf", big, 5, 62, 3u << 20, 'b');
	assert_int_equal(verify(trust_none, big, &res), -ENOKEY);

	grow_section("unsigned-64lsb.elf", big, 2, 0, CM_ELF_MAX_NOTE_SCAN + 12, 0);
	assert_int_equal(locate(big, &off, &why), -ENODATA);
	assert_non_null(strstr(why, "beyond the parser's limits"));
	before = slurp(big, &len);
	assert_int_equal(cm_note_sign_path(rsa, CM_HASH_SHA256, big, err,
					   sizeof(err)), -E2BIG);
	assert_non_null(strstr(err, "file untouched"));
	after = slurp(big, &len2);
	assert_int_equal(len, len2);
	assert_memory_equal(before, after, len);
	free(before);
	free(after);
	grow_section("ok-64lsb.elf", big, 2, 0, CM_ELF_MAX_NOTE_SCAN + 12, 0);
	assert_int_equal(locate(big, &off, &why), -E2BIG);
	assert_string_equal(why, "note section too large to check");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_sign_vectors),
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_resign_other_key),
		cmocka_unit_test(test_not_elf_and_links),
		cmocka_unit_test(test_metadata),
		cmocka_unit_test(test_extended_numbering),
		cmocka_unit_test(test_named_tmp),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
