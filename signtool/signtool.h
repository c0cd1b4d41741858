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

#endif
