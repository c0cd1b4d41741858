/* SPDX-License-Identifier: MIT */
/*
 * cmattest's subcommands defined outside cmattest.c (report.c: verify;
 * mklog.c: mklog); cmattest.c dispatches to them.
 */
#ifndef CMATTEST_H
#define CMATTEST_H

int cma_cmd_verify(int argc, char **argv);
int cma_cmd_mklog(int argc, char **argv);

#endif
