// SPDX-License-Identifier: MIT
/*
 * Carrier 2, signing: embed a .note.cryptomark section in an ELF file
 * (format: include/cryptomark/format.h, docs/FORMAT-note.md).  The file is
 * parsed by lib/shared/elfparse.c first, as a verifier will parse it.
 *
 * Embedding appends, it never moves: the note, a copy of the section name
 * table with ".note.cryptomark" added, and a copy of the section header
 * table with the note's entry added go after the last byte of the file;
 * the ELF header's e_shoff/e_shnum/e_shstrndx point at them.  No program
 * header, segment or loaded byte changes, so the program runs as before.
 * The old header table and name table stay behind as unreferenced bytes
 * (covered by the signature like everything else).  Signing again rewrites
 * the descriptor in place.
 */
#include <elf.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cryptomark/rewrite.h>

#include "internal.h"
#include "note.h"

_Static_assert(CM_NOTE_SECTION_SIZE == 1048, "note section size");
_Static_assert(sizeof(CM_NOTE_NAME) == CM_NOTE_NAMESZ, "note name");

/* Field offset and width by class, from <elf.h>'s own structs. */
#define F_OFF(e, T, f) ((e)->is64 ? offsetof(Elf64_##T, f) : \
			offsetof(Elf32_##T, f))
#define F_SZ(e, T, f) ((e)->is64 ? sizeof(((Elf64_##T *)0)->f) : \
		       sizeof(((Elf32_##T *)0)->f))
#define PUT(e, p, T, f, v) put(e, (uint8_t *)(p) + F_OFF(e, T, f), \
			       F_SZ(e, T, f), v)

static void put(const struct cm_elf *e, uint8_t *p, size_t n, uint64_t v)
{
	for (size_t i = 0; i < n; i++)
		p[e->msb ? n - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

static int write_at(int fd, const void *buf, size_t len, uint64_t off)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, (const uint8_t *)buf + done, len - done,
				   (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	return 0;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Sets the fields of the section header at @p that we create. */
static void put_shdr(const struct cm_elf *e, uint8_t *p, uint32_t name,
		     uint32_t type, uint64_t off, uint64_t size, uint64_t align)
{
	PUT(e, p, Shdr, sh_name, name);
	PUT(e, p, Shdr, sh_type, type);
	PUT(e, p, Shdr, sh_offset, off);
	PUT(e, p, Shdr, sh_size, size);
	PUT(e, p, Shdr, sh_addralign, align);
}

/* What is appended, where (file offsets), and the old name table. */
struct tail {
	int need_null, need_strtab;
	uint64_t note_idx, str_idx, n_new;
	uint64_t note_off, str_off, str_len, sh_off, end, note_name;
	const uint8_t *strtab;	/* the old table's bytes, strtab_len of them */
	uint64_t strtab_len;
	uint8_t *buf;		/* end - file size bytes */
	uint8_t ehdr[sizeof(Elf64_Ehdr)];
};

static const char fresh_names[] = "\0" CM_NOTE_SECTION "\0.shstrtab";

static int plan_tail(const struct cm_elf *e, struct tail *t, char *err,
		     size_t errlen)
{
	t->need_null = e->shnum == 0;
	t->need_strtab = e->shstrndx == 0;
	t->note_idx = e->shnum + t->need_null;
	t->str_idx = t->need_strtab ? t->note_idx + 1 : e->shstrndx;
	t->n_new = t->note_idx + 1 + t->need_strtab;
	t->note_name = t->need_strtab ? 1 : t->strtab_len;
	t->str_len = t->need_strtab ? sizeof(fresh_names) :
		     t->strtab_len + sizeof(CM_NOTE_SECTION);
	t->note_off = align_up(e->size, CM_NOTE_ALIGN);
	t->str_off = t->note_off + CM_NOTE_SECTION_SIZE;
	t->sh_off = align_up(t->str_off + t->str_len, e->is64 ? 8 : 4);
	t->end = t->sh_off + t->n_new * e->shentsize;
	if (!e->is64 && t->end > UINT32_MAX) {
		cm_seterr(err, errlen, "ELF32 file would grow past 4 GiB");
		return -EFBIG;
	}
	if (t->note_name > UINT32_MAX) {
		cm_seterr(err, errlen, "section name table too large");
		return -E2BIG;
	}
	t->buf = calloc(1, t->end - e->size);
	return t->buf ? 0 : -ENOMEM;
}

/* The note (descriptor zero) and the section names, in t->buf. */
static void fill_note_names(const struct cm_elf *e, struct tail *t)
{
	uint8_t *note = t->buf + t->note_off - e->size;
	uint8_t *names = t->buf + t->str_off - e->size;

	put(e, note, 4, CM_NOTE_NAMESZ);
	put(e, note + 4, 4, CM_NOTE_DESC_SIZE);
	put(e, note + 8, 4, CM_NOTE_TYPE_SIG);
	memcpy(note + CM_NOTE_HDR_SIZE, CM_NOTE_NAME, CM_NOTE_NAMESZ);
	if (t->need_strtab) {
		memcpy(names, fresh_names, sizeof(fresh_names));
		return;
	}
	memcpy(names, t->strtab, t->strtab_len);
	memcpy(names + t->strtab_len, CM_NOTE_SECTION, sizeof(CM_NOTE_SECTION));
}

/*
 * The section headers (the old ones unchanged but for the name table, plus
 * ours) in t->buf, and the ELF header that points at them in t->ehdr.
 */
static void fill_headers(const struct cm_elf *e, struct tail *t)
{
	uint8_t *sh = t->buf + t->sh_off - e->size, *sh0 = sh;
	uint8_t *str = sh + t->str_idx * e->shentsize;

	if (e->shnum)
		memcpy(sh, e->shtab, e->shnum * e->shentsize);
	/*
	 * Sections that had no name table had no names: point them at the
	 * fresh table's empty string rather than at arbitrary offsets in it.
	 */
	for (uint64_t i = 1; t->need_strtab && i < e->shnum; i++)
		PUT(e, sh + i * e->shentsize, Shdr, sh_name, 0);
	put_shdr(e, sh + t->note_idx * e->shentsize, (uint32_t)t->note_name,
		 SHT_NOTE, t->note_off, CM_NOTE_SECTION_SIZE, CM_NOTE_ALIGN);
	if (t->need_strtab) {
		put_shdr(e, str, 1 + sizeof(CM_NOTE_SECTION), SHT_STRTAB,
			 t->str_off, t->str_len, 1);
	} else {
		PUT(e, str, Shdr, sh_offset, t->str_off);
		PUT(e, str, Shdr, sh_size, t->str_len);
	}
	/* Extended numbering once the counts no longer fit 16 bits. */
	memcpy(t->ehdr, e->ehdr, e->ehsize);
	PUT(e, t->ehdr, Ehdr, e_shoff, t->sh_off);
	PUT(e, t->ehdr, Ehdr, e_shentsize, e->shentsize);
	if (t->n_new >= SHN_LORESERVE) {
		PUT(e, sh0, Shdr, sh_size, t->n_new);
		PUT(e, t->ehdr, Ehdr, e_shnum, 0);
	} else {
		PUT(e, t->ehdr, Ehdr, e_shnum, t->n_new);
	}
	if (t->str_idx >= SHN_LORESERVE) {
		PUT(e, sh0, Shdr, sh_link, t->str_idx);
		PUT(e, t->ehdr, Ehdr, e_shstrndx, SHN_XINDEX);
	} else {
		PUT(e, t->ehdr, Ehdr, e_shstrndx, t->str_idx);
	}
}

/* The old section name table, whole (it is copied into the new one). */
static int read_strtab(int fd, const struct cm_elf *e, struct tail *t,
		       uint8_t **owned)
{
	const struct cm_elf_sec *s;

	*owned = NULL;
	if (!e->shstrndx)
		return 0;
	s = &e->sh[e->shstrndx];
	*owned = malloc(s->size ? s->size : 1);
	if (!*owned)
		return -ENOMEM;
	t->strtab = *owned;
	t->strtab_len = s->size;
	return cm_pread_full(fd, *owned, s->size, s->off);
}

/*
 * Writes the original bytes plus, after them, the note (descriptor zero),
 * a new section name table and a new section header table, and patches the
 * ELF header to use them.  *desc_off gets the descriptor's offset.
 */
static int embed_note(const struct cm_elf *e, struct cm_rewrite *rw,
		      uint64_t *desc_off, char *err, size_t errlen)
{
	struct tail t = { 0 };
	uint8_t *strtab;
	int ret;

	ret = read_strtab(rw->src_fd, e, &t, &strtab);
	if (!ret)
		ret = plan_tail(e, &t, err, errlen);
	if (!ret) {
		fill_note_names(e, &t);
		fill_headers(e, &t);
		ret = cm_rewrite_copy(rw, e->size, err, errlen);
	}
	if (!ret)
		ret = write_at(rw->tmp_fd, t.ehdr, e->ehsize, 0);
	if (!ret)
		ret = write_at(rw->tmp_fd, t.buf, t.end - e->size, e->size);
	free(t.buf);
	free(strtab);
	if (ret) {
		if (err && !err[0])
			cm_seterr(err, errlen, "embed note: %s", strerror(-ret));
		return ret;
	}
	*desc_off = t.note_off + CM_NOTE_DESC_OFF;
	return 0;
}

/* Digest the temporary file with the descriptor as zeros, sign, store. */
static int sign_desc(struct cm_signer *s, int algo, int fd, uint64_t off,
		     char *err, size_t errlen)
{
	uint8_t desc[CM_NOTE_DESC_SIZE] = { 0 }, digest[CM_MAX_DIGEST_SIZE];
	int ret;

	ret = cm_digest_fd(fd, algo, off, CM_NOTE_DESC_SIZE, digest);
	if (ret < 0) {
		cm_seterr(err, errlen, "digest: %s", strerror(-ret));
		return ret;
	}
	ret = cm_signer_sign(s, algo, digest, desc, CM_XATTR_MAX_SIZE, err,
			     errlen);
	if (ret < 0)
		return ret;
	ret = write_at(fd, desc, sizeof(desc), off);
	if (ret)
		cm_seterr(err, errlen, "write note: %s", strerror(-ret));
	return ret;
}

/* Parses @fd for signing: a file the verifier would refuse stays as is. */
static int parse_for_sign(int *fd, uint64_t size, struct cm_elf *e,
			  struct cm_reader *r, char *err, size_t errlen)
{
	int ret = cm_note_parse(fd, size, e, r);

	if (ret == -ENOEXEC)
		return ret;	/* the caller words this one */
	if (ret == -ENODATA && e->beyond) {
		cm_seterr(err, errlen, "ELF file beyond the note carrier's limits: %s (file untouched; the xattr carrier applies)",
			  e->why);
		return -E2BIG;
	}
	if (ret && ret != -ENODATA) {
		cm_seterr(err, errlen, "%s: %s (file untouched)",
			  cm_err_is_malformed(ret) ? "malformed ELF" : "read",
			  e->why ? e->why : strerror(-ret));
		return ret;
	}
	return 0;
}

/* What we are about to install must be what a verifier finds. */
static int check_back(int fd, uint64_t desc_off, char *err, size_t errlen)
{
	const char *why = NULL;
	uint64_t check_off = 0;
	struct stat st;
	int ret;

	if (fstat(fd, &st)) {
		cm_seterr(err, errlen, "stat: %s", strerror(errno));
		return -errno;
	}
	ret = cm_note_locate(fd, (uint64_t)st.st_size, &check_off, &why);
	if (ret || check_off != desc_off) {
		cm_seterr(err, errlen, "embedded note does not parse back: %s (file untouched)",
			  why ? why : "offset differs");
		return ret ? ret : -EIO;
	}
	return 0;
}

int cm_note_sign_path_flags(struct cm_signer *s, int algo, const char *path,
			    unsigned int flags, char *err, size_t errlen)
{
	uint64_t desc_off = 0;
	struct cm_rewrite rw;
	struct cm_reader r;
	struct cm_elf e = { 0 };
	int ret;

	if (err && errlen)
		err[0] = '\0';
	ret = cm_rewrite_open(&rw, path, flags, err, errlen);
	if (ret)
		return ret;
	ret = parse_for_sign(&rw.src_fd, (uint64_t)rw.st.st_size, &e, &r, err,
			     errlen);
	if (!ret)
		ret = cm_rewrite_start(&rw, err, errlen);
	if (!ret && e.note) {
		/* Signed before: same layout, new descriptor. */
		desc_off = cm_elf_desc_off(&e);
		ret = cm_rewrite_copy(&rw, e.size, err, errlen);
	} else if (!ret) {
		ret = embed_note(&e, &rw, &desc_off, err, errlen);
	}
	if (!ret)
		ret = sign_desc(s, algo, rw.tmp_fd, desc_off, err, errlen);
	if (!ret)
		ret = check_back(rw.tmp_fd, desc_off, err, errlen);
	if (!ret)
		ret = cm_rewrite_commit(&rw, err, errlen);
	cm_elf_free(&e);
	cm_rewrite_close(&rw);
	return ret;
}

int cm_note_sign_path(struct cm_signer *s, int algo, const char *path,
		      char *err, size_t errlen)
{
	return cm_note_sign_path_flags(s, algo, path, 0, err, errlen);
}
