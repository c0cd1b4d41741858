// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmx: the in-guest probe of tests/qemu/checkexec-tests.sh: the
 * executability check (execveat(AT_EXECVE_CHECK)) and the exec securebits,
 * backported to the test kernel by kernel/patches/.  Static.  Prints one
 * line, as cmt does:
 *
 *	result=ok		the operation succeeded
 *	result=EACCES		it failed with that errno
 *	result=exit:N		(bench) a run exited N
 *
 *   cmx [-u UID] check PATH        open PATH, execveat(fd, "", AT_EMPTY_PATH |
 *                                  AT_EXECVE_CHECK)
 *   cmx [-u UID] check-at PATH     execveat(AT_FDCWD, PATH, AT_EXECVE_CHECK)
 *   cmx [-u UID] check-fd N        the check on inherited descriptor N
 *   cmx check-flags FLAGS PATH     execveat(AT_FDCWD, PATH, AT_EXECVE_CHECK |
 *                                  FLAGS): unknown flags must stay EINVAL
 *   cmx getbits                    "bits=0xN" (PR_GET_SECUREBITS), result=ok
 *   cmx [-u UID] setbits BITS [CMD [ARG...]]
 *                                  PR_SET_SECUREBITS(BITS), then exec CMD
 *                                  (a result line only if CMD is absent
 *                                  or the prctl/exec failed)
 *   cmx bench ITER CMD [ARG...]    ns per fork+exec+wait of CMD, ITER times
 *                                  ("ns_per_run=N"); ok if every run exited 0
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

/* Linux 6.14's values (include/uapi/linux/fcntl.h, securebits.h). */
#ifndef AT_EXECVE_CHECK
#define AT_EXECVE_CHECK 0x10000
#endif

static int exec_check(int dirfd, const char *path, int flags)
{
	char *const argv[] = { (char *)"cmx-check", NULL };
	char *const envp[] = { NULL };

	if (syscall(__NR_execveat, dirfd, path, argv, envp,
		    flags | AT_EXECVE_CHECK) < 0)
		return result_errno(errno);
	return result_ok();
}

static int cmd_check(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return result_errno(errno);
	ret = exec_check(fd, "", AT_EMPTY_PATH);
	close(fd);
	return ret;
}

static int cmd_setbits(const char *bits_s, char **cmd)
{
	unsigned long bits = strtoul(bits_s, NULL, 0);

	if (prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) < 0)
		return result_errno(errno);
	if (!cmd[0])
		return result_ok();
	fflush(stdout);
	execv(cmd[0], cmd);
	return result_errno(errno);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmd_bench(int iter, char **cmd)
{
	int64_t t0;
	int i, st;
	pid_t pid;

	if (iter <= 0)
		return result_errno(EINVAL);
	t0 = now_ns();
	for (i = 0; i < iter; i++) {
		pid = fork();
		if (pid < 0)
			return result_errno(errno);
		if (pid == 0) {
			execv(cmd[0], cmd);
			_exit(127);
		}
		if (waitpid(pid, &st, 0) < 0)
			return result_errno(errno);
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			printf("result=exit:%d\n", WIFEXITED(st) ? WEXITSTATUS(st) : 128);
			return 1;
		}
	}
	printf("ns_per_run=%lld\n", (long long)((now_ns() - t0) / iter));
	return result_ok();
}

int main(int argc, char **argv)
{
	int i = 1, e;
	int bits;

	setvbuf(stdout, NULL, _IOLBF, 0);
	e = probe_opt_user(argc, argv, &i);
	if (e)
		return result_errno(e);
	argc -= i;
	argv += i;
	if (argc == 2 && !strcmp(argv[0], "check"))
		return cmd_check(argv[1]);
	if (argc == 2 && !strcmp(argv[0], "check-at"))
		return exec_check(AT_FDCWD, argv[1], 0);
	if (argc == 2 && !strcmp(argv[0], "check-fd"))
		return exec_check(atoi(argv[1]), "", AT_EMPTY_PATH);
	if (argc == 3 && !strcmp(argv[0], "check-flags"))
		return exec_check(AT_FDCWD, argv[2],
				  (int)strtoul(argv[1], NULL, 0));
	if (argc == 1 && !strcmp(argv[0], "getbits")) {
		bits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
		if (bits < 0)
			return result_errno(errno);
		printf("bits=%#x\n", bits);
		return result_ok();
	}
	if (argc >= 2 && !strcmp(argv[0], "setbits"))
		return cmd_setbits(argv[1], argv + 2);
	if (argc >= 3 && !strcmp(argv[0], "bench"))
		return cmd_bench(atoi(argv[1]), argv + 2);
	fprintf(stderr, "usage: cmx [-u UID] check|check-at|check-fd|check-flags|getbits|"
		"setbits|bench ... (see cmx.c)\n");
	return 2;
}
