/* SPDX-License-Identifier: MIT */
/*
 * Carrier 2 inside libcryptomark: what note_verify.c (locate, verify) and
 * note_embed.c (sign) share.  The ELF walk itself is lib/shared/elfparse.c.
 */
#ifndef CM_LIB_NOTE_H
#define CM_LIB_NOTE_H

#include <stdint.h>

#include "shared/cm_parse.h"

/* A cm_reader over @fd with pread(); @r->ctx points at @fd. */
void cm_note_reader(struct cm_reader *r, int *fd, uint64_t size);

/*
 * Parses the ELF file at *@fd (which must outlive @e's use of @r);
 * cm_elf_free(@e) in every case.
 */
int cm_note_parse(int *fd, uint64_t size, struct cm_elf *e,
		  struct cm_reader *r);

/* Exactly @len bytes at @off: 0, -ERANGE if the file ends first. */
int cm_pread_full(int fd, void *buf, size_t len, uint64_t off);

#endif /* CM_LIB_NOTE_H */
