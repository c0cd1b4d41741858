/* SPDX-License-Identifier: MIT */
/*
 * What cmattest's files share: the program name, the exit statuses, and
 * the file and PCR-index helpers of util.c.
 */
#ifndef CMATTEST_UTIL_H
#define CMATTEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define PROG "cmattest"

/* Exit statuses: 0 ok, 1 verification failed, 2 usage, 3 TPM or I/O. */
#define CMA_EXIT_FAIL	1
#define CMA_EXIT_USAGE	2
#define CMA_EXIT_IO	3

/*
 * Reads @path to its end (a pseudo-file such as securityfs' log too), at
 * most @max bytes: 0, -E2BIG or -errno.  "-" is stdin.
 */
int cma_read_all(const char *path, size_t max, uint8_t **out, size_t *len);
/* Writes @buf to @path ("-": stdout): 0 or -errno. */
int cma_write_all(const char *path, const void *buf, size_t len);
/* "11" -> 11; -1 if not a PCR index 0..23. */
int cma_parse_pcr(const char *s);

#endif
