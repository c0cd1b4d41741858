/* SPDX-License-Identifier: GPL-2.0-only OR MIT */
/*
 * The parsers shared by libcryptomark and the kernel LSM: one source each,
 * compiled into both (lib/shared/, copied into security/cryptomark/ by
 * kernel/build-kernel.sh).  They read the file only through struct
 * cm_reader, allocate through cm_private.h, and call no libc.
 *
 * Every function returns 0 or a negative errno and, where it has a @why,
 * points it at a static string naming the cause.
 */
#ifndef CM_PARSE_H
#define CM_PARSE_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#endif

#include <cryptomark/format.h>

/* ---- signature header (sigparse.c) --------------------------------- */

/*
 * The digest size of an accepted signature hash algorithm (SHA-224/256/
 * 384/512), -ENOPKG for every other value.  The one list of what a
 * signature may use.
 */
int cm_hash_accepted_size(unsigned int hash_algo);

/*
 * Checks a security.ima signature v2 value (struct cm_sig_hdr + signature,
 * nothing after it).  Return: 0; -ENODATA empty; -EPROTO another IMA type;
 * -EBADMSG truncated header or signature under CM_SIG_MIN_SIZE;
 * -EPROTONOSUPPORT version not 2; -EMSGSIZE sig_size is not exactly the
 * rest; -E2BIG signature over CM_SIG_MAX_SIZE; -ENOPKG hash not accepted.
 */
int cm_sig_check(const uint8_t *buf, size_t len, const char **why);

/*
 * Checks a CM_NOTE_DESC_SIZE-byte note descriptor: a complete signature
 * value, then zeros only.  *sig_len gets the signature value's length.
 */
int cm_note_desc_check(const uint8_t *desc, size_t *sig_len,
		       const char **why);

/* ---- ELF note locate / layout check (elfparse.c) ------------------- */

struct cm_reader {
	/* Exactly @len bytes at @off: 0, -ERANGE if the file ends first. */
	int (*read)(void *ctx, void *buf, size_t len, uint64_t off);
	void *ctx;
	uint64_t size;		/* the file size everything is checked against */
};

struct cm_elf_sec {
	uint64_t flags, off, size, align;
	uint32_t name, type;
};

struct cm_elf_seg {
	uint64_t off, filesz;
};

struct cm_elf {
	const struct cm_reader *r;
	uint64_t size;
	bool is64, msb;
	bool beyond;		/* a limit kept part of the file unscanned */
	uint8_t ehdr[64];	/* sizeof(Elf64_Ehdr) */
	size_t ehsize, shentsize, phentsize;
	uint64_t phoff, shoff, phnum, shnum, shstrndx;
	uint8_t *shtab;		/* raw section header table, shnum entries */
	struct cm_elf_sec *sh;
	struct cm_elf_seg *ph;
	uint64_t note;		/* index of .note.cryptomark, 0 if none */
	const char *why;
};

/*
 * Parses the ELF structure behind @r and finds and checks the one
 * .note.cryptomark section (docs/FORMAT-note.md, "Parsing limits").
 * Return: 0 (e->note set, its descriptor at cm_elf_desc_off()); -ENOEXEC
 * not ELF; -ENODATA no note (e->beyond: the file exceeds a limit and
 * claims no note); -E2BIG a limit exceeded by a file that claims a note;
 * -EBADMSG, -EMSGSIZE, -EPROTO, -ERANGE, -EOVERFLOW malformed; -ENOMEM;
 * -EINTR (kernel: fatal signal); or the reader's error.  e->why names the
 * cause.  cm_elf_free() in every case.
 */
int cm_elf_parse(struct cm_elf *e, const struct cm_reader *r);
void cm_elf_free(struct cm_elf *e);
uint64_t cm_elf_get(const struct cm_elf *e, const uint8_t *p, size_t n);

static inline uint64_t cm_elf_desc_off(const struct cm_elf *e)
{
	return e->sh[e->note].off + CM_NOTE_DESC_OFF;
}

#endif /* CM_PARSE_H */
