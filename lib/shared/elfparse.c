// SPDX-License-Identifier: GPL-2.0-only OR MIT
/*
 * Carrier 2's parser: find the .note.cryptomark section of an ELF file and
 * check the layout around it (docs/FORMAT-note.md).  One source for
 * libcryptomark and the kernel LSM (cm_parse.h, cm_private.h).
 *
 * Strict where it matters: every header, section and segment inside the
 * file, no two of header/tables/sections sharing a byte, a single
 * CryptoMark note, in its own non-loaded SHT_NOTE section, outside every
 * segment.  Bounded where the file is big: only the names of SHT_NOTE
 * sections are read (a bounded read each), never the whole name table, and
 * a file past a count limit has "no note" rather than a bad one unless it
 * claims a note.  Both ELF classes and byte orders go through one code
 * path: fields are read by their offset and width.
 */
#include "cm_parse.h"
#include "cm_private.h"

#define CM_SHN_XINDEX	0xffff	/* not in <linux/elf.h> */

/* Field offset and width by class, from <linux/elf.h>'s own structs. */
#define F_OFF(e, T, f) ((e)->is64 ? offsetof(Elf64_##T, f) : \
			offsetof(Elf32_##T, f))
#define F_SZ(e, T, f) ((e)->is64 ? sizeof(((Elf64_##T *)0)->f) : \
		       sizeof(((Elf32_##T *)0)->f))
#define GET(e, p, T, f) cm_elf_get(e, (const uint8_t *)(p) + F_OFF(e, T, f), \
				   F_SZ(e, T, f))

uint64_t cm_elf_get(const struct cm_elf *e, const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)p[e->msb ? n - 1 - i : i] << (8 * i);
	return v;
}

/* [off, off + len) inside the file, without overflowing. */
static bool cm_in_file(const struct cm_elf *e, uint64_t off, uint64_t len)
{
	return off <= e->size && len <= e->size - off;
}

static int cm_past_eof(struct cm_elf *e, uint64_t off, uint64_t len,
		       const char *why)
{
	e->why = why;
	return off > U64_MAX - len ? -EOVERFLOW : -ERANGE;
}

static int cm_read(struct cm_elf *e, void *buf, size_t len, uint64_t off)
{
	int ret = e->r->read(e->r->ctx, buf, len, off);

	if (ret == -ERANGE)
		e->why = "file shorter than its size (truncated meanwhile?)";
	return ret;
}

static int cm_bad(struct cm_elf *e, int err, const char *why)
{
	e->why = why;
	return err;
}

void cm_elf_free(struct cm_elf *e)
{
	cm_free(e->shtab);
	cm_free(e->sh);
	cm_free(e->ph);
	e->shtab = NULL;
	e->sh = NULL;
	e->ph = NULL;
}

static int cm_parse_ident(struct cm_elf *e)
{
	const uint8_t *id = e->ehdr;
	size_t want = e->size < sizeof(e->ehdr) ? e->size : sizeof(e->ehdr);
	int ret;

	ret = cm_read(e, e->ehdr, want, 0);
	if (ret)
		return ret;
	if (want < SELFMAG || memcmp(id, ELFMAG, SELFMAG))
		return cm_bad(e, -ENOEXEC, "not an ELF file");
	if (want < EI_NIDENT)
		return cm_bad(e, -EBADMSG, "truncated ELF identification");
	if (id[EI_CLASS] != ELFCLASS32 && id[EI_CLASS] != ELFCLASS64)
		return cm_bad(e, -EBADMSG, "bad ELF class");
	if (id[EI_DATA] != ELFDATA2LSB && id[EI_DATA] != ELFDATA2MSB)
		return cm_bad(e, -EBADMSG, "bad ELF byte order");
	if (id[EI_VERSION] != EV_CURRENT)
		return cm_bad(e, -EBADMSG, "bad ELF identification version");
	e->is64 = id[EI_CLASS] == ELFCLASS64;
	e->msb = id[EI_DATA] == ELFDATA2MSB;
	e->ehsize = e->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	e->shentsize = e->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	e->phentsize = e->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	if (want < e->ehsize)
		return cm_bad(e, -EBADMSG, "truncated ELF header");
	if (GET(e, id, Ehdr, e_version) != EV_CURRENT)
		return cm_bad(e, -EBADMSG, "bad ELF version");
	if (GET(e, id, Ehdr, e_ehsize) != e->ehsize)
		return cm_bad(e, -EBADMSG, "e_ehsize does not match the ELF class");
	return 0;
}

/* Section 0, the counts, and the checks that need no table. */
static int cm_section_counts(struct cm_elf *e)
{
	uint64_t e_shnum = GET(e, e->ehdr, Ehdr, e_shnum);
	uint64_t e_shstrndx = GET(e, e->ehdr, Ehdr, e_shstrndx);
	uint8_t sh0[sizeof(Elf64_Shdr)];
	int ret;

	if (GET(e, e->ehdr, Ehdr, e_shentsize) != e->shentsize)
		return cm_bad(e, -EBADMSG,
			      "e_shentsize does not match the ELF class");
	if (!cm_in_file(e, e->shoff, e->shentsize))
		return cm_past_eof(e, e->shoff, e->shentsize,
				   "section header table past end of file");
	ret = cm_read(e, sh0, e->shentsize, e->shoff);
	if (ret)
		return ret;
	if (GET(e, sh0, Shdr, sh_type) != SHT_NULL)
		return cm_bad(e, -EBADMSG, "section 0 is not SHT_NULL");
	e->shnum = e_shnum ? e_shnum : GET(e, sh0, Shdr, sh_size);
	if (!e->shnum)
		return cm_bad(e, -EBADMSG, "section table without sections");
	if (e->shnum > CM_ELF_MAX_SECTIONS) {
		/* The note cannot be looked for: none found. */
		e->beyond = true;
		e->shnum = 0;
		return cm_bad(e, -ENODATA, "too many sections to look for a note");
	}
	/* shnum <= CM_ELF_MAX_SECTIONS, shentsize <= 64: no overflow. */
	if (!cm_in_file(e, e->shoff, e->shnum * e->shentsize))
		return cm_bad(e, -ERANGE,
			      "section header table past end of file");
	e->shstrndx = e_shstrndx == CM_SHN_XINDEX ?
		      GET(e, sh0, Shdr, sh_link) : e_shstrndx;
	if (e_shstrndx != CM_SHN_XINDEX && e_shstrndx >= SHN_LORESERVE)
		return cm_bad(e, -EBADMSG, "e_shstrndx is a reserved index");
	if (e->shstrndx >= e->shnum)
		return cm_bad(e, -EBADMSG, "e_shstrndx out of range");
	return 0;
}

/* The section header table, with extended numbering (sh[0]) resolved. */
static int cm_parse_sections(struct cm_elf *e)
{
	uint64_t i;
	int ret;

	e->shoff = GET(e, e->ehdr, Ehdr, e_shoff);
	if (!e->shoff) {
		if (GET(e, e->ehdr, Ehdr, e_shnum) ||
		    GET(e, e->ehdr, Ehdr, e_shstrndx) != SHN_UNDEF)
			return cm_bad(e, -EBADMSG,
				      "section counts without a section table");
		return 0;
	}
	ret = cm_section_counts(e);
	if (ret)
		return ret;
	e->shtab = cm_zalloc(e->shnum * e->shentsize);
	e->sh = cm_zalloc(e->shnum * sizeof(*e->sh));
	if (!e->shtab || !e->sh)
		return -ENOMEM;
	ret = cm_read(e, e->shtab, e->shnum * e->shentsize, e->shoff);
	for (i = 0; !ret && i < e->shnum; i++) {
		const uint8_t *p = e->shtab + i * e->shentsize;
		struct cm_elf_sec *s = &e->sh[i];

		ret = cm_yield(i + 1);
		s->name = GET(e, p, Shdr, sh_name);
		s->type = GET(e, p, Shdr, sh_type);
		s->flags = GET(e, p, Shdr, sh_flags);
		s->off = GET(e, p, Shdr, sh_offset);
		s->size = GET(e, p, Shdr, sh_size);
		s->align = GET(e, p, Shdr, sh_addralign);
		if (!ret && i && s->type != SHT_NOBITS &&
		    !cm_in_file(e, s->off, s->size))
			ret = cm_past_eof(e, s->off, s->size,
					  "section data past end of file");
	}
	return ret;
}

static int cm_parse_segments(struct cm_elf *e)
{
	uint64_t i;
	uint8_t *tab;
	int ret;

	e->phnum = GET(e, e->ehdr, Ehdr, e_phnum);
	e->phoff = GET(e, e->ehdr, Ehdr, e_phoff);
	if (e->phnum == PN_XNUM) {
		if (!e->shnum)
			return cm_bad(e, -EBADMSG,
				      "PN_XNUM without a section table");
		e->phnum = GET(e, e->shtab, Shdr, sh_info);
	}
	if (!e->phnum)
		return 0;
	if (e->phnum > CM_ELF_MAX_SEGMENTS) {
		e->phnum = 0;
		e->beyond = true;
		return cm_bad(e, -E2BIG, "too many program headers");
	}
	if (GET(e, e->ehdr, Ehdr, e_phentsize) != e->phentsize)
		return cm_bad(e, -EBADMSG,
			      "e_phentsize does not match the ELF class");
	if (!cm_in_file(e, e->phoff, e->phnum * e->phentsize))
		return cm_past_eof(e, e->phoff, e->phnum * e->phentsize,
				   "program header table past end of file");
	tab = cm_zalloc(e->phnum * e->phentsize);
	e->ph = cm_zalloc(e->phnum * sizeof(*e->ph));
	if (!tab || !e->ph) {
		cm_free(tab);
		return -ENOMEM;
	}
	ret = cm_read(e, tab, e->phnum * e->phentsize, e->phoff);
	for (i = 0; !ret && i < e->phnum; i++) {
		const uint8_t *p = tab + i * e->phentsize;
		struct cm_elf_seg *g = &e->ph[i];

		g->off = GET(e, p, Phdr, p_offset);
		g->filesz = GET(e, p, Phdr, p_filesz);
		if (!cm_in_file(e, g->off, g->filesz))
			ret = cm_past_eof(e, g->off, g->filesz,
					  "segment past end of file");
	}
	cm_free(tab);
	return ret;
}

struct cm_range {
	uint64_t start, end;
};

static int cm_cmp_range(const void *a, const void *b)
{
	const struct cm_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/*
 * No two of: ELF header, program header table, section header table, the
 * contents of any section, may share a byte.  (Segments overlap sections by
 * design; the note is checked against them separately.)
 */
static int cm_check_overlap(struct cm_elf *e)
{
	struct cm_range *r;
	uint64_t max_end = 0, i;
	size_t n = 0, j;
	int ret = 0;

	r = cm_zalloc((e->shnum + 3) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	r[n++] = (struct cm_range){ 0, e->ehsize };
	if (e->phnum)
		r[n++] = (struct cm_range){ e->phoff,
			e->phoff + e->phnum * e->phentsize };
	if (e->shnum)
		r[n++] = (struct cm_range){ e->shoff,
			e->shoff + e->shnum * e->shentsize };
	for (i = 1; i < e->shnum; i++) {
		const struct cm_elf_sec *s = &e->sh[i];

		if (s->type != SHT_NOBITS && s->size)
			r[n++] = (struct cm_range){ s->off, s->off + s->size };
	}
	cm_sort(r, n, sizeof(*r), cm_cmp_range);
	for (j = 0; j < n; j++) {
		if (r[j].start < max_end) {
			ret = cm_bad(e, -EBADMSG,
				     "overlapping sections or headers");
			break;
		}
		max_end = r[j].end;
	}
	cm_free(r);
	return ret;
}

/*
 * Is section @i's name CM_NOTE_SECTION?  Reads at most sizeof(that) bytes
 * of the name table at the name's offset, never the table: a table of any
 * size costs one small read per SHT_NOTE section.
 */
static int cm_is_note_name(struct cm_elf *e, const struct cm_elf_sec *tab,
			   const struct cm_elf_sec *s)
{
	char name[sizeof(CM_NOTE_SECTION)];
	uint64_t n;
	int ret;

	if (s->name >= tab->size)
		return cm_bad(e, -EBADMSG, "section name offset out of range");
	n = tab->size - s->name;
	if (n > sizeof(name))
		n = sizeof(name);
	ret = cm_read(e, name, n, tab->off + s->name);
	if (ret)
		return ret;
	if (!memchr(name, 0, n))
		return n == sizeof(name) ? 0 :
		       cm_bad(e, -EBADMSG, "unterminated section name");
	return n == sizeof(name) && !memcmp(name, CM_NOTE_SECTION, n);
}

/* The one SHT_NOTE section named .note.cryptomark, if any. */
static int cm_find_note(struct cm_elf *e)
{
	const struct cm_elf_sec *tab;
	uint64_t i;
	int ret;

	if (!e->shstrndx)
		return 0;	/* no names: no note */
	tab = &e->sh[e->shstrndx];
	if (tab->type != SHT_STRTAB)
		return cm_bad(e, -EBADMSG,
			      "section name table is not SHT_STRTAB");
	for (i = 1; i < e->shnum; i++) {
		ret = cm_yield(i);
		if (!ret && e->sh[i].type == SHT_NOTE)
			ret = cm_is_note_name(e, tab, &e->sh[i]);
		if (ret < 0)
			return ret;
		if (!ret)
			continue;
		if (e->note)
			return cm_bad(e, -EBADMSG,
				      "two .note.cryptomark sections");
		e->note = i;
	}
	return 0;
}

static bool cm_is_owner(const uint8_t *name, uint32_t namesz)
{
	return (namesz == CM_NOTE_NAMESZ || namesz == CM_NOTE_NAMESZ - 1) &&
	       !memcmp(name, CM_NOTE_NAME, CM_NOTE_NAMESZ - 1);
}

static int cm_scan_notes(struct cm_elf *e, const uint8_t *buf, uint64_t size,
			 uint64_t align)
{
	uint64_t off = 0, count = 0;
	int ret;

	while (size - off >= CM_NOTE_HDR_SIZE) {
		uint32_t namesz = cm_elf_get(e, buf + off, 4);
		uint32_t descsz = cm_elf_get(e, buf + off + 4, 4);
		uint64_t left = size - off - CM_NOTE_HDR_SIZE;
		uint64_t name_sp = ((uint64_t)CM_NOTE_HDR_SIZE + namesz +
				    align - 1) & ~(align - 1);
		uint64_t next = (name_sp + descsz + align - 1) & ~(align - 1);

		ret = cm_yield(++count);
		if (ret)
			return ret;
		if (namesz > left)
			return cm_bad(e, -EBADMSG,
				      "malformed note in another note section");
		if (cm_is_owner(buf + off + CM_NOTE_HDR_SIZE, namesz))
			return cm_bad(e, -EBADMSG,
				      "CryptoMark note outside .note.cryptomark");
		if (next > size - off)
			return cm_bad(e, -EBADMSG,
				      "malformed note in another note section");
		off += next;
	}
	return 0;
}

/* A CryptoMark note hidden in another note section is a second note. */
static int cm_scan_other_notes(struct cm_elf *e, const struct cm_elf_sec *s)
{
	uint8_t *buf;
	int ret;

	if (s->size < CM_NOTE_HDR_SIZE)
		return 0;
	if (s->size > CM_ELF_MAX_NOTE_SCAN) {
		e->beyond = true;
		return cm_bad(e, -E2BIG, "note section too large to check");
	}
	buf = cm_zalloc(s->size);
	if (!buf)
		return -ENOMEM;
	ret = cm_read(e, buf, s->size, s->off);
	if (!ret)
		ret = cm_scan_notes(e, buf, s->size, s->align == 8 ? 8 : 4);
	cm_free(buf);
	return ret;
}

/* Where .note.cryptomark is and what flags it has. */
static int cm_check_note_place(struct cm_elf *e, const struct cm_elf_sec *s)
{
	uint64_t i;

	if (s->flags & SHF_ALLOC)
		return cm_bad(e, -EBADMSG,
			      ".note.cryptomark is loaded (SHF_ALLOC)");
	if (s->off % CM_NOTE_ALIGN || s->align != CM_NOTE_ALIGN)
		return cm_bad(e, -EBADMSG,
			      ".note.cryptomark is not 4-byte aligned");
	for (i = 0; i < e->phnum; i++) {
		const struct cm_elf_seg *g = &e->ph[i];

		if (g->filesz && g->off < s->off + s->size &&
		    s->off < g->off + g->filesz)
			return cm_bad(e, -EBADMSG,
				      ".note.cryptomark inside a segment");
	}
	if (s->size < CM_NOTE_DESC_OFF)
		return cm_bad(e, -EMSGSIZE,
			      "section smaller than a note header");
	return 0;
}

/* Checks the one .note.cryptomark section: place, flags, note header. */
static int cm_check_note(struct cm_elf *e)
{
	const struct cm_elf_sec *s = &e->sh[e->note];
	uint8_t h[CM_NOTE_DESC_OFF];
	int ret;

	ret = cm_check_note_place(e, s);
	if (!ret)
		ret = cm_read(e, h, sizeof(h), s->off);
	if (ret)
		return ret;
	if (cm_elf_get(e, h, 4) != CM_NOTE_NAMESZ)
		return cm_bad(e, -EMSGSIZE, "note namesz is not 11");
	if (memcmp(h + CM_NOTE_HDR_SIZE, CM_NOTE_NAME, CM_NOTE_NAMESZ))
		return cm_bad(e, -EPROTO, "note owner is not CryptoMark");
	if (h[CM_NOTE_HDR_SIZE + CM_NOTE_NAMESZ] != 0)
		return cm_bad(e, -EBADMSG, "non-zero note name padding");
	if (cm_elf_get(e, h + 8, 4) != CM_NOTE_TYPE_SIG)
		return cm_bad(e, -EPROTO, "unknown note type");
	if (cm_elf_get(e, h + 4, 4) != CM_NOTE_DESC_SIZE)
		return cm_bad(e, -EMSGSIZE, "note descsz is not 1024");
	if (s->size == CM_NOTE_SECTION_SIZE)
		return 0;
	if (s->size >= 2 * CM_NOTE_SECTION_SIZE) {
		ret = cm_read(e, h, sizeof(h), s->off + CM_NOTE_SECTION_SIZE);
		if (ret)
			return ret;
		if (cm_is_owner(h + CM_NOTE_HDR_SIZE, cm_elf_get(e, h, 4)))
			return cm_bad(e, -EBADMSG,
				      "two notes in .note.cryptomark");
	}
	return cm_bad(e, -EMSGSIZE, s->size < CM_NOTE_SECTION_SIZE ?
		      "section smaller than the note" :
		      "bytes after the note in .note.cryptomark");
}

/* The structure, then the other note sections, then the note itself. */
static int cm_elf_walk(struct cm_elf *e)
{
	uint64_t i;
	int ret;

	ret = cm_parse_ident(e);
	if (!ret)
		ret = cm_parse_sections(e);
	if (!ret)
		ret = cm_find_note(e);
	if (!ret)
		ret = cm_parse_segments(e);
	if (!ret)
		ret = cm_check_overlap(e);
	for (i = 1; !ret && i < e->shnum; i++) {
		ret = cm_yield(i);
		if (!ret && i != e->note && e->sh[i].type == SHT_NOTE)
			ret = cm_scan_other_notes(e, &e->sh[i]);
	}
	return ret;
}

int cm_elf_parse(struct cm_elf *e, const struct cm_reader *r)
{
	int ret;

	memset(e, 0, sizeof(*e));
	e->r = r;
	e->size = r->size;
	ret = cm_elf_walk(e);
	/* Beyond a limit: no note, unless the file claims one. */
	if (ret == -E2BIG && e->beyond && !e->note) {
		e->why = "no .note.cryptomark section (file beyond the parser's limits)";
		return -ENODATA;
	}
	if (ret)
		return ret;
	if (!e->note)
		return cm_bad(e, -ENODATA, "no .note.cryptomark section");
	return cm_check_note(e);
}
