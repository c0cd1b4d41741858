// SPDX-License-Identifier: GPL-2.0-only
/*
 * The program the guest tests run: built static (hello) and dynamic
 * (hello-dyn) from this file.  Exit 0 and one line, so a refused exec
 * (errno) and a program that ran (status 0) are easy to tell apart.  An
 * LD_PRELOAD'ed libcmt.so announces itself from its constructor.
 */
#include <stdio.h>

int main(int argc, char **argv)
{
	printf("hello from %s\n", argc > 0 ? argv[0] : "?");
	return 0;
}
