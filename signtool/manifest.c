// SPDX-License-Identifier: MIT
/* cmsign manifest: placeholder until the manifest writer lands. */
#include <stdio.h>
#include "signtool.h"

int cmd_manifest(int argc, char **argv)
{
	fprintf(stderr, "cmsign manifest: not implemented yet\n");
	return 2;
}
