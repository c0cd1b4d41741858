// SPDX-License-Identifier: GPL-2.0-only
/*
 * A shared library for the dlopen and LD_PRELOAD tests: its constructor
 * prints a marker, so the guest can tell whether its code ran.
 */
#include <stdio.h>

__attribute__((constructor)) static void cmt_lib_loaded(void)
{
	printf("libcmt constructor ran\n");
	fflush(stdout);
}

int cmt_lib_answer(void)
{
	return 42;
}
