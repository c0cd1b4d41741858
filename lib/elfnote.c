// SPDX-License-Identifier: MIT
/*
 * Carrier 2: the signature embedded in the ELF file as a .note.cryptomark
 * section (format: include/cryptomark/format.h, docs/FORMAT-note.md).
 *
 * The parser is written by hand rather than on libelf for three reasons:
 * it must accept exactly what the kernel LSM's parser accepts, which cannot
 * use libelf; it reads with pread() into bounded buffers, so a file
 * truncated under us is an error and never a SIGBUS; and strictness (every
 * offset inside the file, no overlap, one note) is the point, where libelf
 * is deliberately lenient.  Both classes and both byte orders go through the
 * same code: fields are read by their <elf.h> offsets and widths.
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
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cryptomark/rewrite.h>

#include "internal.h"

#define NOTE_HDR_SIZE		12	/* namesz, descsz, type */
#define NOTE_NAME_PADDED	12	/* CM_NOTE_NAMESZ rounded up to 4 */
#define NOTE_DESC_OFF		(NOTE_HDR_SIZE + NOTE_NAME_PADDED)
#define NOTE_SECTION_SIZE	(NOTE_DESC_OFF + CM_NOTE_DESC_SIZE)
#define NOTE_ALIGN		4

/* Bounds that keep a hostile header from making us allocate gigabytes. */

_Static_assert(NOTE_SECTION_SIZE == 1048, "note section size");
_Static_assert(sizeof(CM_NOTE_NAME) == CM_NOTE_NAMESZ, "note name");

struct sec {
	uint64_t flags, off, size, align;
	uint32_t name, type;
};

struct seg {
	uint64_t off, filesz;
};

struct elf_img {
	uint64_t size;		/* file size everything is checked against */
	int is64, msb;
	uint8_t ehdr[sizeof(Elf64_Ehdr)];
	size_t ehsize, shentsize, phentsize;	/* the class's sizes */
	uint64_t phoff, shoff, phnum, shnum;
	uint64_t shstrndx;
	uint8_t *shtab;		/* raw section header table, shnum entries */
	struct sec *sh;
	struct seg *ph;
	char *strtab;
	uint64_t strtab_len;
	uint64_t note;		/* index of .note.cryptomark, 0 if none */
};

/* Field offset and width by class, from <elf.h>'s own structs. */
#define F_OFF(img, T, f) ((img)->is64 ? offsetof(Elf64_##T, f) : \
			  offsetof(Elf32_##T, f))
#define F_SZ(img, T, f) ((img)->is64 ? sizeof(((Elf64_##T *)0)->f) : \
			 sizeof(((Elf32_##T *)0)->f))
#define GET(img, p, T, f) get(img, (const uint8_t *)(p) + F_OFF(img, T, f), \
			      F_SZ(img, T, f))
#define PUT(img, p, T, f, v) put(img, (uint8_t *)(p) + F_OFF(img, T, f), \
				 F_SZ(img, T, f), v)

static uint64_t get(const struct elf_img *img, const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)p[img->msb ? n - 1 - i : i] << (8 * i);
	return v;
}

static void put(const struct elf_img *img, uint8_t *p, size_t n, uint64_t v)
{
	for (size_t i = 0; i < n; i++)
		p[img->msb ? n - 1 - i : i] = (uint8_t)(v >> (8 * i));
}

/* [off, off + len) inside the file, without overflowing. */
static int in_file(const struct elf_img *img, uint64_t off, uint64_t len)
{
	return off <= img->size && len <= img->size - off;
}

static int read_at(int fd, void *buf, size_t len, uint64_t off,
		   const char **why)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pread(fd, (uint8_t *)buf + done, len - done,
				  (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0) {
			*why = "file shorter than its size (truncated meanwhile?)";
			return -ERANGE;
		}
		done += (size_t)n;
	}
	return 0;
}

static void elf_img_free(struct elf_img *img)
{
	free(img->shtab);
	free(img->sh);
	free(img->ph);
	free(img->strtab);
	memset(img, 0, sizeof(*img));
}

static int parse_ident(int fd, struct elf_img *img, const char **why)
{
	const uint8_t *id = img->ehdr;
	size_t want = img->size < sizeof(img->ehdr) ? (size_t)img->size :
		      sizeof(img->ehdr);
	int ret;

	ret = read_at(fd, img->ehdr, want, 0, why);
	if (ret)
		return ret;
	if (want < SELFMAG || memcmp(id, ELFMAG, SELFMAG)) {
		*why = "not an ELF file";
		return -ENOEXEC;
	}
	if (want < EI_NIDENT) {
		*why = "truncated ELF identification";
		return -EBADMSG;
	}
	if (id[EI_CLASS] != ELFCLASS32 && id[EI_CLASS] != ELFCLASS64) {
		*why = "bad ELF class";
		return -EBADMSG;
	}
	if (id[EI_DATA] != ELFDATA2LSB && id[EI_DATA] != ELFDATA2MSB) {
		*why = "bad ELF byte order";
		return -EBADMSG;
	}
	if (id[EI_VERSION] != EV_CURRENT) {
		*why = "bad ELF identification version";
		return -EBADMSG;
	}
	img->is64 = id[EI_CLASS] == ELFCLASS64;
	img->msb = id[EI_DATA] == ELFDATA2MSB;
	img->ehsize = img->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	img->shentsize = img->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	img->phentsize = img->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	if (want < img->ehsize) {
		*why = "truncated ELF header";
		return -EBADMSG;
	}
	if (GET(img, id, Ehdr, e_version) != EV_CURRENT) {
		*why = "bad ELF version";
		return -EBADMSG;
	}
	if (GET(img, id, Ehdr, e_ehsize) != img->ehsize) {
		*why = "e_ehsize does not match the ELF class";
		return -EBADMSG;
	}
	return 0;
}

/* The section header table, with extended numbering (sh[0]) resolved. */
static int parse_sections(int fd, struct elf_img *img, const char **why)
{
	const uint8_t *e = img->ehdr;
	uint64_t e_shnum = GET(img, e, Ehdr, e_shnum);
	uint64_t e_shstrndx = GET(img, e, Ehdr, e_shstrndx);
	uint8_t sh0[sizeof(Elf64_Shdr)];
	int ret;

	img->shoff = GET(img, e, Ehdr, e_shoff);
	if (!img->shoff) {
		if (e_shnum || e_shstrndx != SHN_UNDEF) {
			*why = "section counts without a section table";
			return -EBADMSG;
		}
		return 0;
	}
	if (GET(img, e, Ehdr, e_shentsize) != img->shentsize) {
		*why = "e_shentsize does not match the ELF class";
		return -EBADMSG;
	}
	if (!in_file(img, img->shoff, img->shentsize)) {
		*why = "section header table past end of file";
		return img->shoff > UINT64_MAX - img->shentsize ? -EOVERFLOW :
		       -ERANGE;
	}
	ret = read_at(fd, sh0, img->shentsize, img->shoff, why);
	if (ret)
		return ret;
	if (GET(img, sh0, Shdr, sh_type) != SHT_NULL) {
		*why = "section 0 is not SHT_NULL";
		return -EBADMSG;
	}
	img->shnum = e_shnum ? e_shnum : GET(img, sh0, Shdr, sh_size);
	if (!img->shnum) {
		*why = "section table without sections";
		return -EBADMSG;
	}
	if (img->shnum > CM_ELF_MAX_SECTIONS) {
		*why = "too many sections";
		return -E2BIG;
	}
	/* shnum <= CM_ELF_MAX_SECTIONS, shentsize <= 64: no overflow. */
	if (!in_file(img, img->shoff, img->shnum * img->shentsize)) {
		*why = "section header table past end of file";
		return -ERANGE;
	}
	img->shstrndx = e_shstrndx == SHN_XINDEX ?
			GET(img, sh0, Shdr, sh_link) : e_shstrndx;
	if (e_shstrndx != SHN_XINDEX && e_shstrndx >= SHN_LORESERVE) {
		*why = "e_shstrndx is a reserved index";
		return -EBADMSG;
	}
	if (img->shstrndx >= img->shnum) {
		*why = "e_shstrndx out of range";
		return -EBADMSG;
	}
	img->shtab = malloc(img->shnum * img->shentsize);
	img->sh = calloc(img->shnum, sizeof(*img->sh));
	if (!img->shtab || !img->sh)
		return -ENOMEM;
	ret = read_at(fd, img->shtab, img->shnum * img->shentsize, img->shoff,
		      why);
	if (ret)
		return ret;
	for (uint64_t i = 0; i < img->shnum; i++) {
		const uint8_t *p = img->shtab + i * img->shentsize;
		struct sec *s = &img->sh[i];

		s->name = (uint32_t)GET(img, p, Shdr, sh_name);
		s->type = (uint32_t)GET(img, p, Shdr, sh_type);
		s->flags = GET(img, p, Shdr, sh_flags);
		s->off = GET(img, p, Shdr, sh_offset);
		s->size = GET(img, p, Shdr, sh_size);
		s->align = GET(img, p, Shdr, sh_addralign);
		if (i == 0 || s->type == SHT_NOBITS)
			continue;
		if (!in_file(img, s->off, s->size)) {
			*why = "section data past end of file";
			return s->off > UINT64_MAX - s->size ? -EOVERFLOW :
			       -ERANGE;
		}
	}
	return 0;
}

static int parse_segments(int fd, struct elf_img *img, const char **why)
{
	const uint8_t *e = img->ehdr;
	uint8_t *tab;
	int ret;

	img->phnum = GET(img, e, Ehdr, e_phnum);
	img->phoff = GET(img, e, Ehdr, e_phoff);
	if (img->phnum == PN_XNUM) {
		if (!img->shnum) {
			*why = "PN_XNUM without a section table";
			return -EBADMSG;
		}
		img->phnum = GET(img, img->shtab, Shdr, sh_info);
	}
	if (!img->phnum)
		return 0;
	if (img->phnum > CM_ELF_MAX_SEGMENTS) {
		*why = "too many program headers";
		return -E2BIG;
	}
	if (GET(img, e, Ehdr, e_phentsize) != img->phentsize) {
		*why = "e_phentsize does not match the ELF class";
		return -EBADMSG;
	}
	if (!in_file(img, img->phoff, img->phnum * img->phentsize)) {
		*why = "program header table past end of file";
		return img->phoff > UINT64_MAX - img->phnum * img->phentsize ?
		       -EOVERFLOW : -ERANGE;
	}
	tab = malloc(img->phnum * img->phentsize);
	img->ph = calloc(img->phnum, sizeof(*img->ph));
	if (!tab || !img->ph) {
		free(tab);
		return -ENOMEM;
	}
	ret = read_at(fd, tab, img->phnum * img->phentsize, img->phoff, why);
	for (uint64_t i = 0; !ret && i < img->phnum; i++) {
		const uint8_t *p = tab + i * img->phentsize;

		img->ph[i].off = GET(img, p, Phdr, p_offset);
		img->ph[i].filesz = GET(img, p, Phdr, p_filesz);
		if (!in_file(img, img->ph[i].off, img->ph[i].filesz)) {
			*why = "segment past end of file";
			ret = img->ph[i].off > UINT64_MAX - img->ph[i].filesz ?
			      -EOVERFLOW : -ERANGE;
		}
	}
	free(tab);
	return ret;
}

struct range {
	uint64_t start, end;
};

static int cmp_range(const void *a, const void *b)
{
	const struct range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * No two of: ELF header, program header table, section header table, the
 * contents of any section, may share a byte.  (Segments overlap sections by
 * design; the note is checked against them separately.)
 */
static int check_overlap(const struct elf_img *img, const char **why)
{
	struct range *r = calloc(img->shnum + 3, sizeof(*r));
	uint64_t max_end = 0;
	size_t n = 0;
	int ret = 0;

	if (!r)
		return -ENOMEM;
	r[n++] = (struct range){ 0, img->ehsize };
	if (img->phnum)
		r[n++] = (struct range){ img->phoff,
			img->phoff + img->phnum * img->phentsize };
	if (img->shnum)
		r[n++] = (struct range){ img->shoff,
			img->shoff + img->shnum * img->shentsize };
	for (uint64_t i = 1; i < img->shnum; i++) {
		const struct sec *s = &img->sh[i];

		if (s->type != SHT_NOBITS && s->size)
			r[n++] = (struct range){ s->off, s->off + s->size };
	}
	qsort(r, n, sizeof(*r), cmp_range);
	for (size_t i = 0; i < n; i++) {
		if (r[i].start < max_end) {
			*why = "overlapping sections or headers";
			ret = -EBADMSG;
			break;
		}
		max_end = r[i].end;
	}
	free(r);
	return ret;
}

static int read_strtab(int fd, struct elf_img *img, const char **why)
{
	const struct sec *s = &img->sh[img->shstrndx];

	if (s->type != SHT_STRTAB) {
		*why = "section name table is not SHT_STRTAB";
		return -EBADMSG;
	}
	if (s->size > CM_ELF_MAX_SHSTRTAB) {
		*why = "section name table too large";
		return -E2BIG;
	}
	img->strtab_len = s->size;
	img->strtab = malloc(s->size ? s->size : 1);
	if (!img->strtab)
		return -ENOMEM;
	return read_at(fd, img->strtab, s->size, s->off, why);
}

static int is_cryptomark_owner(const uint8_t *name, uint32_t namesz)
{
	return (namesz == CM_NOTE_NAMESZ || namesz == CM_NOTE_NAMESZ - 1) &&
	       !memcmp(name, CM_NOTE_NAME, CM_NOTE_NAMESZ - 1);
}

/* A CryptoMark note hidden in another note section is a second note. */
static int scan_other_notes(int fd, const struct elf_img *img,
			    const struct sec *s, const char **why)
{
	uint64_t align = s->align == 8 ? 8 : 4, off = 0;
	uint8_t *buf;
	int ret;

	if (s->size > CM_ELF_MAX_NOTE_SCAN) {
		*why = "note section too large to check";
		return -E2BIG;
	}
	buf = malloc(s->size ? s->size : 1);
	if (!buf)
		return -ENOMEM;
	ret = read_at(fd, buf, s->size, s->off, why);
	while (!ret && s->size - off >= NOTE_HDR_SIZE) {
		uint32_t namesz = (uint32_t)get(img, buf + off, 4);
		uint32_t descsz = (uint32_t)get(img, buf + off + 4, 4);
		uint64_t left = s->size - off - NOTE_HDR_SIZE;
		uint64_t name_sp = ((uint64_t)NOTE_HDR_SIZE + namesz + align - 1) &
				   ~(align - 1);
		uint64_t next = (name_sp + descsz + align - 1) & ~(align - 1);

		if (namesz > left) {
			*why = "malformed note in another note section";
			ret = -EBADMSG;
			break;
		}
		if (is_cryptomark_owner(buf + off + NOTE_HDR_SIZE, namesz)) {
			*why = "CryptoMark note outside .note.cryptomark";
			ret = -EBADMSG;
			break;
		}
		if (next > s->size - off) {
			*why = "malformed note in another note section";
			ret = -EBADMSG;
			break;
		}
		off += next;
	}
	free(buf);
	return ret;
}

/* Checks the one .note.cryptomark section: place, flags, note header. */
static int check_note(int fd, const struct elf_img *img, const char **why)
{
	const struct sec *s = &img->sh[img->note];
	uint8_t h[NOTE_DESC_OFF];
	int ret;

	if (s->type != SHT_NOTE) {
		*why = ".note.cryptomark is not SHT_NOTE";
		return -EBADMSG;
	}
	if (s->flags & SHF_ALLOC) {
		*why = ".note.cryptomark is loaded (SHF_ALLOC)";
		return -EBADMSG;
	}
	if (s->off % NOTE_ALIGN || s->align != NOTE_ALIGN) {
		*why = ".note.cryptomark is not 4-byte aligned";
		return -EBADMSG;
	}
	for (uint64_t i = 0; i < img->phnum; i++) {
		const struct seg *g = &img->ph[i];

		if (g->filesz && g->off < s->off + s->size &&
		    s->off < g->off + g->filesz) {
			*why = ".note.cryptomark inside a segment";
			return -EBADMSG;
		}
	}
	if (s->size < NOTE_DESC_OFF) {
		*why = "section smaller than a note header";
		return -EMSGSIZE;
	}
	ret = read_at(fd, h, sizeof(h), s->off, why);
	if (ret)
		return ret;
	if (get(img, h, 4) != CM_NOTE_NAMESZ) {
		*why = "note namesz is not 11";
		return -EMSGSIZE;
	}
	if (memcmp(h + NOTE_HDR_SIZE, CM_NOTE_NAME, CM_NOTE_NAMESZ)) {
		*why = "note owner is not CryptoMark";
		return -EPROTO;
	}
	if (h[NOTE_HDR_SIZE + CM_NOTE_NAMESZ] != 0) {
		*why = "non-zero note name padding";
		return -EBADMSG;
	}
	if (get(img, h + 8, 4) != CM_NOTE_TYPE_SIG) {
		*why = "unknown note type";
		return -EPROTO;
	}
	if (get(img, h + 4, 4) != CM_NOTE_DESC_SIZE) {
		*why = "note descsz is not 1024";
		return -EMSGSIZE;
	}
	if (s->size == NOTE_SECTION_SIZE)
		return 0;
	if (s->size >= 2 * NOTE_SECTION_SIZE) {
		ret = read_at(fd, h, sizeof(h), s->off + NOTE_SECTION_SIZE, why);
		if (ret)
			return ret;
		if (is_cryptomark_owner(h + NOTE_HDR_SIZE,
					(uint32_t)get(img, h, 4))) {
			*why = "two notes in .note.cryptomark";
			return -EBADMSG;
		}
	}
	*why = s->size < NOTE_SECTION_SIZE ? "section smaller than the note" :
	       "bytes after the note in .note.cryptomark";
	return -EMSGSIZE;
}

/*
 * The whole structure is checked before the note is looked for, so a
 * hostile file without the note is an error, not "unsigned".
 */
static int elf_parse(int fd, uint64_t size, struct elf_img *img,
		     const char **why)
{
	int ret;

	memset(img, 0, sizeof(*img));
	img->size = size;
	ret = parse_ident(fd, img, why);
	if (!ret)
		ret = parse_sections(fd, img, why);
	if (!ret)
		ret = parse_segments(fd, img, why);
	if (!ret)
		ret = check_overlap(img, why);
	if (!ret && img->shstrndx)
		ret = read_strtab(fd, img, why);
	if (ret)
		return ret;
	/*
	 * A name is terminated iff a NUL follows its start: one backward scan
	 * for the last NUL replaces a memchr per section (quadratic: 2^16
	 * sections over a 1 MiB table would be 64 GiB of compares); strcmp()
	 * then stops within sizeof(CM_NOTE_SECTION) bytes.
	 */
	uint64_t last_nul = img->strtab_len;

	while (img->strtab && last_nul && img->strtab[last_nul - 1])
		last_nul--;
	for (uint64_t i = 1; img->strtab && i < img->shnum; i++) {
		const struct sec *s = &img->sh[i];

		if (s->name >= img->strtab_len) {
			*why = "section name offset out of range";
			return -EBADMSG;
		}
		if (s->name >= last_nul) {
			*why = "unterminated section name";
			return -EBADMSG;
		}
		if (strcmp(img->strtab + s->name, CM_NOTE_SECTION))
			continue;
		if (img->note) {
			*why = "two .note.cryptomark sections";
			return -EBADMSG;
		}
		img->note = i;
	}
	for (uint64_t i = 1; i < img->shnum; i++) {
		if (i != img->note && img->sh[i].type == SHT_NOTE) {
			ret = scan_other_notes(fd, img, &img->sh[i], why);
			if (ret)
				return ret;
		}
	}
	if (!img->note) {
		*why = "no .note.cryptomark section";
		return -ENODATA;
	}
	return check_note(fd, img, why);
}

int cm_note_locate(int fd, uint64_t size, uint64_t *desc_off,
		   const char **why)
{
	struct elf_img img;
	const char *dummy;
	int ret;

	if (!why)
		why = &dummy;
	*why = NULL;
	ret = elf_parse(fd, size, &img, why);
	if (!ret)
		*desc_off = img.sh[img.note].off + NOTE_DESC_OFF;
	elf_img_free(&img);
	return ret;
}

/*
 * The descriptor: a complete signature header + signature, then zeros.
 * Requiring zero padding leaves one byte form per signature.
 */
static int parse_desc(const uint8_t *desc, struct cm_sig *sig,
		      const char **why)
{
	size_t len = CM_SIG_HDR_SIZE + ((size_t)desc[7] << 8 | desc[8]);
	int ret;

	if (len > CM_NOTE_DESC_SIZE)
		len = CM_NOTE_DESC_SIZE;	/* cm_sig_parse reports it */
	ret = cm_sig_parse(desc, len, sig, why);
	if (ret)
		return ret;
	for (size_t i = len; i < CM_NOTE_DESC_SIZE; i++) {
		if (desc[i]) {
			*why = "non-zero padding after the signature";
			return -EBADMSG;
		}
	}
	return 0;
}

int cm_note_verify_fd(const struct cm_trust *t, int fd,
		      struct cm_verify_result *res)
{
	uint8_t desc[CM_NOTE_DESC_SIZE], digest[CM_MAX_DIGEST_SIZE];
	uint64_t off = 0;
	struct cm_sig sig;
	struct stat st;
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
	ret = read_at(fd, desc, sizeof(desc), off, &res->why);
	if (ret)
		return res->err = ret;
	ret = parse_desc(desc, &sig, &res->why);
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
static void put_shdr(const struct elf_img *img, uint8_t *p, uint32_t name,
		     uint32_t type, uint64_t off, uint64_t size, uint64_t align)
{
	PUT(img, p, Shdr, sh_name, name);
	PUT(img, p, Shdr, sh_type, type);
	PUT(img, p, Shdr, sh_offset, off);
	PUT(img, p, Shdr, sh_size, size);
	PUT(img, p, Shdr, sh_addralign, align);
}

/*
 * Writes the original bytes plus, after them, the note (descriptor zero),
 * a new section name table and a new section header table, and patches the
 * ELF header to use them.  *desc_off gets the descriptor's offset.
 */
static int embed_note(const struct elf_img *img, struct cm_rewrite *rw,
		      uint64_t *desc_off, char *err, size_t errlen)
{
	static const char fresh_names[] = "\0" CM_NOTE_SECTION "\0.shstrtab";
	const int need_null = img->shnum == 0, need_strtab = img->shstrndx == 0;
	const uint64_t note_idx = img->shnum + need_null;
	const uint64_t str_idx = need_strtab ? note_idx + 1 : img->shstrndx;
	const uint64_t n_new = note_idx + 1 + need_strtab;
	uint64_t note_off, str_off, str_len, sh_off, end, note_name;
	uint8_t ehdr[sizeof(Elf64_Ehdr)], *tail, *sh, *sh0;
	int ret;

	note_name = need_strtab ? 1 : img->strtab_len;
	str_len = need_strtab ? sizeof(fresh_names) :
		  img->strtab_len + sizeof(CM_NOTE_SECTION);
	note_off = align_up(img->size, NOTE_ALIGN);
	str_off = note_off + NOTE_SECTION_SIZE;
	sh_off = align_up(str_off + str_len, img->is64 ? 8 : 4);
	end = sh_off + n_new * img->shentsize;
	if (!img->is64 && end > UINT32_MAX) {
		cm_seterr(err, errlen, "ELF32 file would grow past 4 GiB");
		return -EFBIG;
	}
	if (note_name > UINT32_MAX) {
		cm_seterr(err, errlen, "section name table too large");
		return -E2BIG;
	}
	tail = calloc(1, end - img->size);
	if (!tail)
		return -ENOMEM;

	/* The note, descriptor still zero. */
	put(img, tail + note_off - img->size, 4, CM_NOTE_NAMESZ);
	put(img, tail + note_off - img->size + 4, 4, CM_NOTE_DESC_SIZE);
	put(img, tail + note_off - img->size + 8, 4, CM_NOTE_TYPE_SIG);
	memcpy(tail + note_off - img->size + NOTE_HDR_SIZE, CM_NOTE_NAME,
	       CM_NOTE_NAMESZ);

	/* Section names: the old table plus ours, or a fresh one. */
	if (need_strtab) {
		memcpy(tail + str_off - img->size, fresh_names,
		       sizeof(fresh_names));
	} else {
		memcpy(tail + str_off - img->size, img->strtab,
		       img->strtab_len);
		memcpy(tail + str_off - img->size + img->strtab_len,
		       CM_NOTE_SECTION, sizeof(CM_NOTE_SECTION));
	}

	/* Section headers: the old ones unchanged but for the name table. */
	sh = tail + sh_off - img->size;
	sh0 = sh;
	if (img->shnum)
		memcpy(sh, img->shtab, img->shnum * img->shentsize);
	/*
	 * Sections that had no name table had no names: point them at the
	 * fresh table's empty string rather than at arbitrary offsets in it.
	 */
	for (uint64_t i = 1; need_strtab && i < img->shnum; i++)
		PUT(img, sh + i * img->shentsize, Shdr, sh_name, 0);
	put_shdr(img, sh + note_idx * img->shentsize, (uint32_t)note_name,
		 SHT_NOTE, note_off, NOTE_SECTION_SIZE, NOTE_ALIGN);
	if (need_strtab)
		put_shdr(img, sh + str_idx * img->shentsize,
			 1 + sizeof(CM_NOTE_SECTION), SHT_STRTAB, str_off,
			 str_len, 1);
	else {
		PUT(img, sh + str_idx * img->shentsize, Shdr, sh_offset,
		    str_off);
		PUT(img, sh + str_idx * img->shentsize, Shdr, sh_size,
		    str_len);
	}
	/* Extended numbering once the counts no longer fit 16 bits. */
	memcpy(ehdr, img->ehdr, img->ehsize);
	PUT(img, ehdr, Ehdr, e_shoff, sh_off);
	PUT(img, ehdr, Ehdr, e_shentsize, img->shentsize);
	if (n_new >= SHN_LORESERVE) {
		PUT(img, sh0, Shdr, sh_size, n_new);
		PUT(img, ehdr, Ehdr, e_shnum, 0);
	} else {
		PUT(img, ehdr, Ehdr, e_shnum, n_new);
	}
	if (str_idx >= SHN_LORESERVE) {
		PUT(img, sh0, Shdr, sh_link, str_idx);
		PUT(img, ehdr, Ehdr, e_shstrndx, SHN_XINDEX);
	} else {
		PUT(img, ehdr, Ehdr, e_shstrndx, str_idx);
	}

	ret = cm_rewrite_copy(rw, img->size, err, errlen);
	if (!ret)
		ret = write_at(rw->tmp_fd, ehdr, img->ehsize, 0);
	if (!ret)
		ret = write_at(rw->tmp_fd, tail, end - img->size, img->size);
	free(tail);
	if (ret) {
		if (err && !err[0])
			cm_seterr(err, errlen, "write: %s", strerror(-ret));
		return ret;
	}
	*desc_off = note_off + NOTE_DESC_OFF;
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

int cm_note_sign_path_flags(struct cm_signer *s, int algo, const char *path,
			    unsigned int flags, char *err, size_t errlen)
{
	uint64_t desc_off = 0, check_off = 0;
	const char *why = NULL;
	struct cm_rewrite rw;
	struct elf_img img;
	struct stat st;
	int ret;

	if (err && errlen)
		err[0] = '\0';
	ret = cm_rewrite_open(&rw, path, flags, err, errlen);
	if (ret)
		return ret;
	ret = elf_parse(rw.src_fd, (uint64_t)rw.st.st_size, &img, &why);
	if (ret == -ENOEXEC)
		goto out_free_img;	/* the caller words this one */
	if (ret && ret != -ENODATA) {
		cm_seterr(err, errlen, "%s: %s (file untouched)",
			  cm_err_is_malformed(ret) ? "malformed ELF" : "read",
			  why ? why : strerror(-ret));
		goto out_free_img;
	}
	ret = cm_rewrite_start(&rw, err, errlen);
	if (ret)
		goto out_free_img;
	if (img.note) {
		/* Signed before: same layout, new descriptor. */
		desc_off = img.sh[img.note].off + NOTE_DESC_OFF;
		ret = cm_rewrite_copy(&rw, img.size, err, errlen);
	} else {
		ret = embed_note(&img, &rw, &desc_off, err, errlen);
	}
	if (!ret)
		ret = sign_desc(s, algo, rw.tmp_fd, desc_off, err, errlen);
	if (ret)
		goto out_free_img;
	/* What we are about to install must be what a verifier finds. */
	if (fstat(rw.tmp_fd, &st)) {
		ret = -errno;
		cm_seterr(err, errlen, "stat: %s", strerror(errno));
		goto out_free_img;
	}
	ret = cm_note_locate(rw.tmp_fd, (uint64_t)st.st_size, &check_off, &why);
	if (ret || check_off != desc_off) {
		cm_seterr(err, errlen, "embedded note does not parse back: %s (file untouched)",
			  why ? why : "offset differs");
		ret = ret ? ret : -EIO;
		goto out_free_img;
	}
	ret = cm_rewrite_commit(&rw, err, errlen);
out_free_img:
	elf_img_free(&img);
	cm_rewrite_close(&rw);
	return ret;
}

int cm_note_sign_path(struct cm_signer *s, int algo, const char *path,
		      char *err, size_t errlen)
{
	return cm_note_sign_path_flags(s, algo, path, 0, err, errlen);
}
