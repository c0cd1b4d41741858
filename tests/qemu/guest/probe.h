/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the guest probes (cmt.c, cma.c, cmx.c) share: the one result line
 * each call prints for the guest scripts' g_expect (tests/qemu/guest-lib.sh)
 * a fork + exec that tells a refused exec from a program that failed, and
 * the "-u UID" option.
 */
#ifndef CMQ_PROBE_H
#define CMQ_PROBE_H

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* "result=EACCES" (errno's name, or "result=errno:N"); returns 1. */
static inline int result_errno(int e)
{
	const char *n = strerrorname_np(e);

	if (n)
		printf("result=%s\n", n);
	else
		printf("result=errno:%d\n", e);
	return 1;
}

/* "result=ok"; returns 0. */
static inline int result_ok(void)
{
	printf("result=ok\n");
	return 0;
}

/*
 * fork + fexecve of @execfd (or execve of argv[0] when @execfd < 0); the
 * child reports a failed exec's errno through a close-on-exec pipe, so
 * "exec refused" (errno) and "program ran and failed" (exit status) stay
 * distinct.  @quiet sends the program's stdout to /dev/null.  Returns the
 * wait status, or -errno of the exec.
 */
static inline int spawn_fd(int execfd, char *const argv[],
			   char *const envp[], int quiet)
{
	int p[2], st, e = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (quiet) {
			int null = open("/dev/null", O_WRONLY);

			if (null >= 0)
				dup2(null, 1);
		}
		if (execfd >= 0)
			fexecve(execfd, argv, envp);
		else
			execve(argv[0], argv, envp);
		e = errno;
		if (write(p[1], &e, sizeof(e)) != sizeof(e))
			_exit(126);
		_exit(127);
	}
	close(p[1]);
	if (read(p[0], &e, sizeof(e)) != sizeof(e))
		e = 0;
	close(p[0]);
	if (waitpid(pid, &st, 0) < 0)
		return -errno;
	return e ? -e : st;
}

/*
 * "-u UID" at argv[*i]: become UID, supplementary groups dropped, and
 * step *i past it.  Returns 0 (also when there is no -u) or an errno.
 */
static inline int probe_opt_user(int argc, char **argv, int *i)
{
	uid_t uid;

	if (*i + 1 >= argc || strcmp(argv[*i], "-u"))
		return 0;
	uid = (uid_t)strtoul(argv[*i + 1], NULL, 10);
	*i += 2;
	if (setgroups(0, NULL) < 0 || setgid(uid) < 0 || setuid(uid) < 0)
		return errno;
	return 0;
}

#endif
