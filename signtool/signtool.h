/* SPDX-License-Identifier: MIT */
/* cmsign's subcommands; each takes argv with argv[0] = its own name. */
#ifndef CM_SIGNTOOL_H
#define CM_SIGNTOOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

int cmd_sign(int argc, char **argv);
int cmd_manifest(int argc, char **argv);	/* manifest.c */
int cmd_apply(int argc, char **argv);		/* apply.c */
int cmd_deb(int argc, char **argv);		/* deb.c */

/*
 * util.c: writes @len bytes to @path through a temp file in the same
 * directory, fsync and rename (and fsyncs the directory); 0 or -errno.
 */
int st_write_atomic(const char *path, const uint8_t *buf, size_t len,
		    mode_t mode);

#endif
