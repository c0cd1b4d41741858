// SPDX-License-Identifier: GPL-2.0-only
/*
 * cryptomark: carrier 2, the .note.cryptomark ELF note.
 *
 * Accepts exactly what libcryptomark's lib/elfnote.c accepts, with the same
 * errors: the whole ELF structure is checked (every header, section and
 * segment inside the file, no two of header/tables/sections sharing a
 * byte, a single CryptoMark note, in its own non-loaded SHT_NOTE section,
 * outside every segment, descsz == CM_NOTE_DESC_SIZE, zero padding) before
 * the signature is looked at.  The signed digest is that of the whole file
 * with the descriptor counted as zeros.  Both ELF classes and byte orders
 * go through one code path: fields are read by their offset and width.
 */
#include <linux/elf.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/stddef.h>
#include <linux/string.h>

#include "cryptomark.h"

#define NOTE_HDR_SIZE		12	/* namesz, descsz, type */
#define NOTE_NAME_PADDED	12	/* CM_NOTE_NAMESZ rounded up to 4 */
#define NOTE_DESC_OFF		(NOTE_HDR_SIZE + NOTE_NAME_PADDED)
#define NOTE_SECTION_SIZE	(NOTE_DESC_OFF + CM_NOTE_DESC_SIZE)
#define NOTE_ALIGN		4

#define CM_SHN_XINDEX		0xffff

/* Bounds that keep a hostile header from making us allocate gigabytes. */

struct cm_sec {
	u64 flags, off, size, align;
	u32 name, type;
};

struct cm_seg {
	u64 off, filesz;
};

struct cm_elf {
	struct file *file;
	u64 size;		/* file size everything is checked against */
	bool is64, msb;
	u8 ehdr[sizeof(Elf64_Ehdr)];
	size_t ehsize, shentsize, phentsize;
	u64 phoff, shoff, phnum, shnum, shstrndx;
	u8 *shtab;		/* raw section header table */
	struct cm_sec *sh;
	struct cm_seg *ph;
	char *strtab;
	u64 strtab_len;
	u64 note;		/* index of .note.cryptomark, 0 if none */
};

#define F_OFF(e, T, f) ((e)->is64 ? offsetof(Elf64_##T, f) : \
			offsetof(Elf32_##T, f))
#define F_SZ(e, T, f) ((e)->is64 ? sizeof(((Elf64_##T *)0)->f) : \
		       sizeof(((Elf32_##T *)0)->f))
#define GET(e, p, T, f) cm_get(e, (const u8 *)(p) + F_OFF(e, T, f), \
			       F_SZ(e, T, f))

static u64 cm_get(const struct cm_elf *e, const u8 *p, size_t n)
{
	u64 v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v |= (u64)p[e->msb ? n - 1 - i : i] << (8 * i);
	return v;
}

/* [off, off + len) inside the file, without overflowing. */
static bool cm_in_file(const struct cm_elf *e, u64 off, u64 len)
{
	return off <= e->size && len <= e->size - off;
}

/*
 * Called once per item of a long loop: every 1024 items, give the CPU away
 * and stop if the task is being killed, so a hostile file costs its caller
 * time but never stalls the CPU or outlives a SIGKILL.
 */
static int cm_yield(u64 i)
{
	if (i % 1024)
		return 0;
	if (fatal_signal_pending(current))
		return -EINTR;
	cond_resched();
	return 0;
}

static int cm_read_at(struct cm_elf *e, void *buf, size_t len, u64 off)
{
	loff_t pos = off;
	size_t done = 0;

	while (done < len) {
		ssize_t n = kernel_read(e->file, (u8 *)buf + done, len - done,
					&pos);

		if (n < 0)
			return n;
		if (n == 0)
			return -ERANGE;	/* shorter than its size */
		done += n;
	}
	return 0;
}

static void cm_elf_free(struct cm_elf *e)
{
	kvfree(e->shtab);
	kvfree(e->sh);
	kvfree(e->ph);
	kvfree(e->strtab);
}

static int cm_parse_ident(struct cm_elf *e)
{
	const u8 *id = e->ehdr;
	size_t want = min_t(u64, e->size, sizeof(e->ehdr));
	int ret;

	ret = cm_read_at(e, e->ehdr, want, 0);
	if (ret)
		return ret;
	if (want < SELFMAG || memcmp(id, ELFMAG, SELFMAG))
		return -ENOEXEC;
	if (want < EI_NIDENT)
		return -EBADMSG;
	if (id[EI_CLASS] != ELFCLASS32 && id[EI_CLASS] != ELFCLASS64)
		return -EBADMSG;
	if (id[EI_DATA] != ELFDATA2LSB && id[EI_DATA] != ELFDATA2MSB)
		return -EBADMSG;
	if (id[EI_VERSION] != EV_CURRENT)
		return -EBADMSG;
	e->is64 = id[EI_CLASS] == ELFCLASS64;
	e->msb = id[EI_DATA] == ELFDATA2MSB;
	e->ehsize = e->is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
	e->shentsize = e->is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
	e->phentsize = e->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
	if (want < e->ehsize)
		return -EBADMSG;
	if (GET(e, id, Ehdr, e_version) != EV_CURRENT)
		return -EBADMSG;
	if (GET(e, id, Ehdr, e_ehsize) != e->ehsize)
		return -EBADMSG;
	return 0;
}

/* The section header table, with extended numbering (sh[0]) resolved. */
static int cm_parse_sections(struct cm_elf *e)
{
	u64 e_shnum = GET(e, e->ehdr, Ehdr, e_shnum);
	u64 e_shstrndx = GET(e, e->ehdr, Ehdr, e_shstrndx);
	u8 sh0[sizeof(Elf64_Shdr)];
	u64 i;
	int ret;

	e->shoff = GET(e, e->ehdr, Ehdr, e_shoff);
	if (!e->shoff)
		return e_shnum || e_shstrndx != SHN_UNDEF ? -EBADMSG : 0;
	if (GET(e, e->ehdr, Ehdr, e_shentsize) != e->shentsize)
		return -EBADMSG;
	if (!cm_in_file(e, e->shoff, e->shentsize))
		return e->shoff > U64_MAX - e->shentsize ? -EOVERFLOW : -ERANGE;
	ret = cm_read_at(e, sh0, e->shentsize, e->shoff);
	if (ret)
		return ret;
	if (GET(e, sh0, Shdr, sh_type) != SHT_NULL)
		return -EBADMSG;
	e->shnum = e_shnum ? e_shnum : GET(e, sh0, Shdr, sh_size);
	if (!e->shnum)
		return -EBADMSG;
	if (e->shnum > CM_ELF_MAX_SECTIONS)
		return -E2BIG;
	/* shnum <= CM_ELF_MAX_SECTIONS, shentsize <= 64: no overflow. */
	if (!cm_in_file(e, e->shoff, e->shnum * e->shentsize))
		return -ERANGE;
	e->shstrndx = e_shstrndx == CM_SHN_XINDEX ?
		      GET(e, sh0, Shdr, sh_link) : e_shstrndx;
	if (e_shstrndx != CM_SHN_XINDEX && e_shstrndx >= SHN_LORESERVE)
		return -EBADMSG;
	if (e->shstrndx >= e->shnum)
		return -EBADMSG;
	e->shtab = kvmalloc(e->shnum * e->shentsize, GFP_KERNEL);
	e->sh = kvcalloc(e->shnum, sizeof(*e->sh), GFP_KERNEL);
	if (!e->shtab || !e->sh)
		return -ENOMEM;
	ret = cm_read_at(e, e->shtab, e->shnum * e->shentsize, e->shoff);
	if (ret)
		return ret;
	for (i = 0; i < e->shnum; i++) {
		const u8 *p = e->shtab + i * e->shentsize;
		struct cm_sec *s = &e->sh[i];

		ret = cm_yield(i + 1);
		if (ret)
			return ret;
		s->name = GET(e, p, Shdr, sh_name);
		s->type = GET(e, p, Shdr, sh_type);
		s->flags = GET(e, p, Shdr, sh_flags);
		s->off = GET(e, p, Shdr, sh_offset);
		s->size = GET(e, p, Shdr, sh_size);
		s->align = GET(e, p, Shdr, sh_addralign);
		if (i == 0 || s->type == SHT_NOBITS)
			continue;
		if (!cm_in_file(e, s->off, s->size))
			return s->off > U64_MAX - s->size ? -EOVERFLOW : -ERANGE;
	}
	return 0;
}

static int cm_parse_segments(struct cm_elf *e)
{
	u64 i;
	u8 *tab;
	int ret;

	e->phnum = GET(e, e->ehdr, Ehdr, e_phnum);
	e->phoff = GET(e, e->ehdr, Ehdr, e_phoff);
	if (e->phnum == PN_XNUM) {
		if (!e->shnum)
			return -EBADMSG;
		e->phnum = GET(e, e->shtab, Shdr, sh_info);
	}
	if (!e->phnum)
		return 0;
	if (e->phnum > CM_ELF_MAX_SEGMENTS)
		return -E2BIG;
	if (GET(e, e->ehdr, Ehdr, e_phentsize) != e->phentsize)
		return -EBADMSG;
	if (!cm_in_file(e, e->phoff, e->phnum * e->phentsize))
		return e->phoff > U64_MAX - e->phnum * e->phentsize ?
		       -EOVERFLOW : -ERANGE;
	tab = kvmalloc(e->phnum * e->phentsize, GFP_KERNEL);
	e->ph = kvcalloc(e->phnum, sizeof(*e->ph), GFP_KERNEL);
	if (!tab || !e->ph) {
		kvfree(tab);
		return -ENOMEM;
	}
	ret = cm_read_at(e, tab, e->phnum * e->phentsize, e->phoff);
	for (i = 0; !ret && i < e->phnum; i++) {
		const u8 *p = tab + i * e->phentsize;

		e->ph[i].off = GET(e, p, Phdr, p_offset);
		e->ph[i].filesz = GET(e, p, Phdr, p_filesz);
		if (!cm_in_file(e, e->ph[i].off, e->ph[i].filesz))
			ret = e->ph[i].off > U64_MAX - e->ph[i].filesz ?
			      -EOVERFLOW : -ERANGE;
	}
	kvfree(tab);
	return ret;
}

struct cm_range {
	u64 start, end;
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
static int cm_check_overlap(const struct cm_elf *e)
{
	struct cm_range *r;
	u64 max_end = 0, i;
	size_t n = 0, j;
	int ret = 0;

	r = kvcalloc(e->shnum + 3, sizeof(*r), GFP_KERNEL);
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
		const struct cm_sec *s = &e->sh[i];

		if (s->type != SHT_NOBITS && s->size)
			r[n++] = (struct cm_range){ s->off, s->off + s->size };
	}
	sort(r, n, sizeof(*r), cm_cmp_range, NULL);
	for (j = 0; j < n; j++) {
		if (r[j].start < max_end) {
			ret = -EBADMSG;
			break;
		}
		max_end = r[j].end;
	}
	kvfree(r);
	return ret;
}

static int cm_read_strtab(struct cm_elf *e)
{
	const struct cm_sec *s = &e->sh[e->shstrndx];

	if (s->type != SHT_STRTAB)
		return -EBADMSG;
	if (s->size > CM_ELF_MAX_SHSTRTAB)
		return -E2BIG;
	e->strtab_len = s->size;
	e->strtab = kvmalloc(s->size ? s->size : 1, GFP_KERNEL);
	if (!e->strtab)
		return -ENOMEM;
	return cm_read_at(e, e->strtab, s->size, s->off);
}

static bool cm_is_owner(const u8 *name, u32 namesz)
{
	return (namesz == CM_NOTE_NAMESZ || namesz == CM_NOTE_NAMESZ - 1) &&
	       !memcmp(name, CM_NOTE_NAME, CM_NOTE_NAMESZ - 1);
}

/* A CryptoMark note hidden in another note section is a second note. */
static int cm_scan_other_notes(struct cm_elf *e, const struct cm_sec *s)
{
	u64 align = s->align == 8 ? 8 : 4, off = 0, count = 0;
	u8 *buf;
	int ret;

	if (s->size > CM_ELF_MAX_NOTE_SCAN)
		return -E2BIG;
	buf = kvmalloc(s->size ? s->size : 1, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = cm_read_at(e, buf, s->size, s->off);
	while (!ret && s->size - off >= NOTE_HDR_SIZE) {
		u32 namesz = cm_get(e, buf + off, 4);
		u32 descsz = cm_get(e, buf + off + 4, 4);
		u64 left = s->size - off - NOTE_HDR_SIZE;
		u64 name_sp = ((u64)NOTE_HDR_SIZE + namesz + align - 1) &
			      ~(align - 1);
		u64 next = (name_sp + descsz + align - 1) & ~(align - 1);

		ret = cm_yield(++count);
		if (ret)
			break;
		if (namesz > left || cm_is_owner(buf + off + NOTE_HDR_SIZE,
						 namesz) ||
		    next > s->size - off) {
			ret = -EBADMSG;
			break;
		}
		off += next;
	}
	kvfree(buf);
	return ret;
}

/* Checks the one .note.cryptomark section: place, flags, note header. */
static int cm_check_note(struct cm_elf *e)
{
	const struct cm_sec *s = &e->sh[e->note];
	u8 h[NOTE_DESC_OFF];
	u64 i;
	int ret;

	if (s->type != SHT_NOTE || (s->flags & SHF_ALLOC))
		return -EBADMSG;
	if (s->off % NOTE_ALIGN || s->align != NOTE_ALIGN)
		return -EBADMSG;
	for (i = 0; i < e->phnum; i++) {
		const struct cm_seg *g = &e->ph[i];

		if (g->filesz && g->off < s->off + s->size &&
		    s->off < g->off + g->filesz)
			return -EBADMSG;
	}
	if (s->size < NOTE_DESC_OFF)
		return -EMSGSIZE;
	ret = cm_read_at(e, h, sizeof(h), s->off);
	if (ret)
		return ret;
	if (cm_get(e, h, 4) != CM_NOTE_NAMESZ)
		return -EMSGSIZE;
	if (memcmp(h + NOTE_HDR_SIZE, CM_NOTE_NAME, CM_NOTE_NAMESZ))
		return -EPROTO;
	if (h[NOTE_HDR_SIZE + CM_NOTE_NAMESZ] != 0)
		return -EBADMSG;
	if (cm_get(e, h + 8, 4) != CM_NOTE_TYPE_SIG)
		return -EPROTO;
	if (cm_get(e, h + 4, 4) != CM_NOTE_DESC_SIZE)
		return -EMSGSIZE;
	if (s->size == NOTE_SECTION_SIZE)
		return 0;
	if (s->size >= 2 * NOTE_SECTION_SIZE) {
		ret = cm_read_at(e, h, sizeof(h), s->off + NOTE_SECTION_SIZE);
		if (ret)
			return ret;
		if (cm_is_owner(h + NOTE_HDR_SIZE, cm_get(e, h, 4)))
			return -EBADMSG;	/* two notes */
	}
	return -EMSGSIZE;
}

/* Finds .note.cryptomark; the whole structure is checked first. */
static int cm_elf_parse(struct cm_elf *e)
{
	u64 i, last_nul;
	int ret;

	ret = cm_parse_ident(e);
	if (!ret)
		ret = cm_parse_sections(e);
	if (!ret)
		ret = cm_parse_segments(e);
	if (!ret)
		ret = cm_check_overlap(e);
	if (!ret && e->shstrndx)
		ret = cm_read_strtab(e);
	if (ret)
		return ret;
	/*
	 * A name is terminated iff a NUL follows its start: one backward scan
	 * for the last NUL replaces a memchr per section (2^16 sections over
	 * a 1 MiB table would be 64 GiB of compares).  strcmp() then stops
	 * within sizeof(CM_NOTE_SECTION) bytes.  Work: O(shnum + table size).
	 */
	last_nul = e->strtab_len;
	while (e->strtab && last_nul && e->strtab[last_nul - 1])
		last_nul--;
	for (i = 1; e->strtab && i < e->shnum; i++) {
		const struct cm_sec *s = &e->sh[i];

		ret = cm_yield(i);
		if (ret)
			return ret;
		if (s->name >= e->strtab_len)
			return -EBADMSG;
		if (s->name >= last_nul)
			return -EBADMSG;	/* unterminated */
		if (strcmp(e->strtab + s->name, CM_NOTE_SECTION))
			continue;
		if (e->note)
			return -EBADMSG;	/* two sections */
		e->note = i;
	}
	for (i = 1; i < e->shnum; i++) {
		ret = cm_yield(i);
		if (!ret && i != e->note && e->sh[i].type == SHT_NOTE)
			ret = cm_scan_other_notes(e, &e->sh[i]);
		if (ret)
			return ret;
	}
	if (!e->note)
		return -ENODATA;
	return cm_check_note(e);
}

/* The descriptor: a complete signature value, then zeros only. */
static int cm_parse_desc(const u8 *desc, const struct cm_sig_hdr **hdr)
{
	size_t len = CM_SIG_HDR_SIZE + ((size_t)desc[7] << 8 | desc[8]);
	size_t i;
	int ret;

	if (len > CM_NOTE_DESC_SIZE)
		len = CM_NOTE_DESC_SIZE;	/* cm_sig_parse() reports it */
	ret = cm_sig_parse(desc, len, hdr);
	if (ret)
		return ret;
	for (i = len; i < CM_NOTE_DESC_SIZE; i++)
		if (desc[i])
			return -EBADMSG;
	return 0;
}

/**
 * cm_note_verify - verify the .note.cryptomark signature of @file
 * @file: the file, open for reading
 * @keyid: on success, the key id of the note's signature
 *
 * Return: 0 valid; -ENODATA not an ELF file or no note; -EBADMSG,
 * -EMSGSIZE, -EPROTO, -E2BIG, -ERANGE, -EOVERFLOW malformed ELF or note;
 * the errors of cm_sig_parse(), cm_digest_file() and cm_verify_digest().
 */
int cm_note_verify(struct file *file, u32 *keyid)
{
	u8 digest[CM_MAX_DIGEST_SIZE];
	const struct cm_sig_hdr *hdr;
	struct cm_elf e = {};
	u64 desc_off;
	u8 *desc;
	int ret;

	e.file = file;
	e.size = i_size_read(file_inode(file));
	ret = cm_elf_parse(&e);
	if (ret == -ENOEXEC)
		ret = -ENODATA;		/* not ELF: a script, data */
	if (ret)
		goto out_free_elf;
	desc_off = e.sh[e.note].off + NOTE_DESC_OFF;
	desc = kmalloc(CM_NOTE_DESC_SIZE, GFP_KERNEL);
	if (!desc) {
		ret = -ENOMEM;
		goto out_free_elf;
	}
	ret = cm_read_at(&e, desc, CM_NOTE_DESC_SIZE, desc_off);
	if (!ret)
		ret = cm_parse_desc(desc, &hdr);
	if (ret)
		goto out_free_desc;
	ret = cm_digest_file(file, hdr->hash_algo, desc_off, CM_NOTE_DESC_SIZE,
			     digest);
	if (ret < 0)
		goto out_free_desc;
	ret = cm_verify_digest(hdr, digest, ret);
	if (!ret)
		*keyid = be32_to_cpu(hdr->keyid);
out_free_desc:
	kfree(desc);
out_free_elf:
	cm_elf_free(&e);
	return ret;
}
