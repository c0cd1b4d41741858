/* SPDX-License-Identifier: MIT */
/*
 * The rule set in userspace (lib/rules.c) on top of the shared parser
 * (rules_parse.h, also built into the LSM).  docs/FORMAT-rules.md.
 */
#ifndef CM_RULES_H
#define CM_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "rules_parse.h"

/* The canonical text of @r: every op line, then the fs lines. */
#define CM_RULES_FORMAT_MAX	8192
/* Return: the length written (NUL-terminated), or -ENOSPC. */
int cm_rules_format(const struct cm_rules *r, char *buf, size_t size);

/*
 * The signed policy container: header, @text, @sig (@sig_len 0: unsigned).
 * Return: its length; -E2BIG over the limits; -ENOSPC @size too small.
 */
int cm_rules_pack(const char *text, size_t text_len, const uint8_t *sig,
		  size_t sig_len, uint8_t *buf, size_t size);

#endif
