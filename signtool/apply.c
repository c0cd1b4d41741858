// SPDX-License-Identifier: MIT
/* cmsign apply: placeholder until the manifest applier lands. */
#include <stdio.h>
#include "signtool.h"

int cmd_apply(int argc, char **argv)
{
	fprintf(stderr, "cmsign apply: not implemented yet\n");
	return 2;
}
