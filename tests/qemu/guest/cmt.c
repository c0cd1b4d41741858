// SPDX-License-Identifier: GPL-2.0-only
/*
 * cmt: the in-guest probe of the cryptomark kernel tests.  Static, so it
 * runs before (and without) any signed libc.  Each subcommand performs one
 * operation the LSM mediates and prints exactly one line
 *
 *	result=ok		the operation succeeded
 *	result=EACCES		it failed with that errno (strerrorname_np)
 *	result=exit:N		a child ran and exited N (exec subcommands)
 *	result=signal:N		a child was killed by signal N
 *
 * so the guest script can assert the exact errno (g_expect in lib.sh).
 * Setup subcommands (xattrs, keys) print the same line.
 *
 *   cmt exec [-e VAR=VAL]... PATH [ARG...]   fork + execve, report errno
 *   cmt tracex [-e VAR=VAL]... PATH [ARG...] run PATH under ptrace: result is
 *                                            the errno of the first refused
 *                                            mmap/mprotect with PROT_EXEC
 *                                            (glibc's loader hides it from
 *                                            dlopen, LD_PRELOAD, ld.so), else
 *                                            the exit status
 *   cmt fexec-memfd SRC                      copy SRC into a memfd, fexecve
 *   cmt mmapx FILE                           mmap(PROT_READ|PROT_EXEC)
 *   cmt mprotect FILE clean|written          map privately (written: dirty
 *                                            one page), then add PROT_EXEC
 *   cmt rw-xmap FILE                         open O_RDWR, then mmap that fd
 *                                            PROT_READ|PROT_EXEC, MAP_SHARED
 *   cmt rw-mprotect FILE                     open O_RDWR, mmap it PROT_READ
 *                                            MAP_SHARED, then add PROT_EXEC
 *   cmt xmap-openw FILE                      mmap PROT_EXEC, then, while
 *                                            mapped, open it O_WRONLY
 *   cmt openw FILE                           open O_WRONLY|O_APPEND
 *   cmt setsig FILE BLOB                     security.ima := BLOB's bytes
 *   cmt applysigs LIST                       "GUESTPATH BLOB" per line
 *   cmt rmsig FILE                           remove security.ima
 *   cmt copysig FROM TO                      copy security.ima
 *   cmt keyring NAME                         print the id of keyring NAME
 *   cmt addkey RING DER                      add_key asymmetric to RING (a
 *                                            keyring name or serial)
 *   cmt addkey-user RING FILE                add_key "user" (not asymmetric)
 *   cmt newkeyring NAME                      create keyring NAME in @u
 *   cmt write FILE STRING                    write(2) until all is written
 *   cmt write-nocap FILE STRING              the same without CAP_SYS_ADMIN
 *                                            (dropped from the effective set)
 *   cmt parexec N ITER PATH                  N processes exec PATH ITER
 *                                            times each; ok if all exit 0
 *   cmt writefile PATH FILE                  FILE's bytes in one write() to PATH
 *   cmt bench ITER PATH                      ns per fork+exec+wait of PATH
 *   cmt timeexec PATH [ARG...]               ns for one fork+exec+wait
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

#define KEY_SPEC_USER_KEYRING	-4

static int result_status(int st)
{
	if (WIFEXITED(st)) {
		if (WEXITSTATUS(st) == 0)
			return result_ok();
		printf("result=exit:%d\n", WEXITSTATUS(st));
	} else if (WIFSIGNALED(st)) {
		printf("result=signal:%d\n", WTERMSIG(st));
	} else {
		printf("result=status:%#x\n", st);
	}
	return 1;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static ssize_t read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, total = 0;

	if (fd < 0)
		return -errno;
	while ((size_t)total < size) {
		n = read(fd, buf + total, size - total);
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		total += n;
	}
	close(fd);
	return total;
}

static int spawn(char *const argv[], char *const envp[], int quiet)
{
	return spawn_fd(-1, argv, envp, quiet);
}

extern char **environ;

/* environ plus the leading "-e VAR=VAL" pairs; returns how many argv
 * entries were consumed. */
static int build_env(int argc, char **argv, char **env, int max)
{
	int n = 0, i, used = 0;

	for (i = 0; environ[i] && n < max - 16; i++)
		env[n++] = environ[i];
	while (argc - used > 1 && !strcmp(argv[used], "-e") && n < max - 1) {
		env[n++] = argv[used + 1];
		used += 2;
	}
	env[n] = NULL;
	return used;
}

/*
 * The loader turns a refused mmap into "failed to map segment from shared
 * object" and resets errno, so the errno is read where it happens: at the
 * syscall's exit, through PTRACE_GET_SYSCALL_INFO.
 */
static int cmd_tracex(int argc, char **argv)
{
	struct __ptrace_syscall_info si;
	char *env[64], link[64], path[512] = "";
	long nr = -1, prot = 0;
	int used = build_env(argc, argv, env, 64), st, refused = 0;
	pid_t pid;

	argv += used;
	if (argc - used < 1)
		return result_errno(EINVAL);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return result_errno(errno);
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		raise(SIGSTOP);
		execve(argv[0], argv, env);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0 || !WIFSTOPPED(st))
		return result_errno(ECHILD);
	ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)(long)(PTRACE_O_TRACESYSGOOD |
	       PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL));
	int sig = 0;

	for (;;) {
		if (ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)sig) < 0)
			return result_errno(errno);
		sig = 0;
		if (waitpid(pid, &st, 0) < 0)
			return result_errno(errno);
		if (WIFEXITED(st) || WIFSIGNALED(st))
			break;
		if (!WIFSTOPPED(st))
			continue;
		if (WSTOPSIG(st) != (SIGTRAP | 0x80)) {
			/* exec event or a real signal: pass signals on. */
			if (WSTOPSIG(st) != SIGTRAP)
				sig = WSTOPSIG(st);
			continue;
		}
		if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof(si), &si) <= 0)
			continue;
		if (si.op == PTRACE_SYSCALL_INFO_ENTRY) {
			nr = (long)si.entry.nr;
			prot = (long)si.entry.args[2];
			path[0] = 0;
			if (nr == SYS_mmap && (int)si.entry.args[4] >= 0) {
				ssize_t l;

				snprintf(link, sizeof(link), "/proc/%d/fd/%d", pid,
					 (int)si.entry.args[4]);
				l = readlink(link, path, sizeof(path) - 1);
				path[l > 0 ? l : 0] = 0;
			}
		} else if (si.op == PTRACE_SYSCALL_INFO_EXIT) {
			if ((nr == SYS_mmap || nr == SYS_mprotect) &&
			    (prot & PROT_EXEC) && si.exit.is_error) {
				printf("refused: %s(PROT_EXEC) %s: %s\n",
				       nr == SYS_mmap ? "mmap" : "mprotect",
				       path[0] ? path : "-",
				       strerrorname_np((int)-si.exit.rval));
				if (!refused)
					refused = (int)-si.exit.rval;
			}
			nr = -1;
		}
	}
	if (refused)
		return result_errno(refused);
	return result_status(st);
}

static int cmd_exec(int argc, char **argv)
{
	char *env[64];
	int used, r;

	used = build_env(argc, argv, env, 64);
	argv += used;
	argc -= used;
	if (argc < 1)
		return result_errno(EINVAL);
	fflush(stdout);
	r = spawn(argv, env, 0);
	return r < 0 ? result_errno(-r) : result_status(r);
}

/* An anonymous file: no path, no xattr, never signed. */
static int cmd_fexec_memfd(const char *src)
{
	char buf[65536], *argv[] = { "memfd-prog", NULL };
	int in, fd, r;
	ssize_t n;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return result_errno(errno);
	fd = memfd_create("cmt-memfd", MFD_CLOEXEC);
	if (fd < 0)
		return result_errno(errno);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(fd, buf, n) != n)
			return result_errno(errno);
	if (n < 0)
		return result_errno(errno);
	close(in);
	fflush(stdout);
	r = spawn_fd(fd, argv, environ, 0);
	close(fd);
	return r < 0 ? result_errno(-r) : result_status(r);
}

static int map_file(const char *path, int prot, void **addr, size_t *len)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &sb) < 0 || sb.st_size == 0) {
		close(fd);
		return -EINVAL;
	}
	*len = sb.st_size;
	*addr = mmap(NULL, *len, prot, MAP_PRIVATE, fd, 0);
	close(fd);
	return *addr == MAP_FAILED ? -errno : 0;
}

static int cmd_mmapx(const char *path)
{
	void *a;
	size_t len;
	int r = map_file(path, PROT_READ | PROT_EXEC, &a, &len);

	if (r)
		return result_errno(-r);
	munmap(a, len);
	return result_ok();
}

static int cmd_mprotect(const char *path, const char *how)
{
	int written = !strcmp(how, "written");
	void *a;
	size_t len;
	int r = map_file(path, written ? PROT_READ | PROT_WRITE : PROT_READ,
			 &a, &len);

	if (r)
		return result_errno(-r);
	if (written)
		((volatile char *)a)[0] ^= 0;	/* copy-on-write: page now anon */
	if (mprotect(a, len, PROT_READ | PROT_EXEC) < 0)
		return result_errno(errno);
	munmap(a, len);
	return result_ok();
}

/* A writer's fd mapped executable: what a signed-then-rewritten attack needs. */
static int cmd_rw_map(const char *path, int mprot)
{
	struct stat sb;
	int fd = open(path, O_RDWR | O_CLOEXEC), r = 0;
	void *a;

	if (fd < 0)
		return result_errno(errno);
	if (fstat(fd, &sb) < 0 || sb.st_size == 0) {
		close(fd);
		return result_errno(EINVAL);
	}
	a = mmap(NULL, sb.st_size, mprot ? PROT_READ : PROT_READ | PROT_EXEC,
		 MAP_SHARED, fd, 0);
	if (a == MAP_FAILED)
		r = errno;
	else if (mprot && mprotect(a, sb.st_size, PROT_READ | PROT_EXEC) < 0)
		r = errno;
	if (a != MAP_FAILED)
		munmap(a, sb.st_size);
	close(fd);
	return r ? result_errno(r) : result_ok();
}

static int cmd_xmap_openw(const char *path)
{
	void *a;
	size_t len;
	int r = map_file(path, PROT_READ | PROT_EXEC, &a, &len), fd;

	if (r)
		return result_errno(-r);
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	r = fd < 0 ? errno : 0;
	if (fd >= 0)
		close(fd);
	munmap(a, len);
	return r ? result_errno(r) : result_ok();
}

static int cmd_openw(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);

	if (fd < 0)
		return result_errno(errno);
	close(fd);
	return result_ok();
}

static int setsig(const char *file, const char *blob)
{
	char buf[4096];
	ssize_t n = read_file(blob, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	if (setxattr(file, "security.ima", buf, n, 0) < 0)
		return -errno;
	return 0;
}

static int cmd_setsig(const char *file, const char *blob)
{
	int r = setsig(file, blob);

	return r ? result_errno(-r) : result_ok();
}

/* Applies every "GUESTPATH BLOBPATH" line; names each failure. */
static int cmd_applysigs(const char *list)
{
	char line[1024], file[512], blob[512];
	FILE *f = fopen(list, "re");
	int r, n = 0, bad = 0;

	if (!f)
		return result_errno(errno);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%511s %511s", file, blob) != 2)
			continue;
		r = setsig(file, blob);
		if (r) {
			fprintf(stderr, "cmt: setsig %s: %s\n", file, strerror(-r));
			bad = -r;
		}
		n++;
	}
	fclose(f);
	fprintf(stderr, "cmt: %d signatures applied\n", n);
	return bad ? result_errno(bad) : result_ok();
}

static int cmd_copysig(const char *from, const char *to)
{
	char buf[4096];
	ssize_t n = getxattr(from, "security.ima", buf, sizeof(buf));

	if (n < 0)
		return result_errno(errno);
	if (setxattr(to, "security.ima", buf, n, 0) < 0)
		return result_errno(errno);
	return result_ok();
}

/* /proc/keys: "<id hex> <flags> <usage> <timeout> <perm> <uid> <gid>
 * keyring <description>: ..." */
static long find_keyring(const char *name)
{
	char line[512], type[64], desc[256];
	FILE *f = fopen("/proc/keys", "re");
	unsigned long id;
	long found = -ENOKEY;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx %*s %*s %*s %*s %*s %*s %63s %255[^:]",
			   &id, type, desc) != 3)
			continue;
		if (!strcmp(type, "keyring") && !strcmp(desc, name)) {
			found = (long)id;
			break;
		}
	}
	fclose(f);
	return found;
}

/* A serial in decimal, or a keyring name looked up in /proc/keys. */
static long ring_id(const char *s)
{
	char *end;
	long id = strtol(s, &end, 10);

	if (*s && !*end && id > 0)
		return id;
	return find_keyring(s);
}

static int cmd_keyring(const char *name)
{
	long id = find_keyring(name);

	if (id < 0)
		return result_errno((int)-id);
	printf("keyring=%ld\n", id);
	return result_ok();
}

static int cmd_addkey(const char *type, const char *ring_s, const char *der)
{
	static char buf[16384];
	ssize_t n = read_file(der, buf, sizeof(buf));
	long ring = ring_id(ring_s), key;

	if (n < 0)
		return result_errno((int)-n);
	if (ring < 0)
		return result_errno((int)-ring);
	/* "user" keys need a description; asymmetric ones make their own. */
	key = syscall(SYS_add_key, type,
		      strcmp(type, "user") ? NULL : "cmt-test", buf, (size_t)n,
		      (int32_t)ring);
	if (key < 0)
		return result_errno(errno);
	printf("key=%ld\n", key);
	return result_ok();
}

static int cmd_newkeyring(const char *name)
{
	long id = syscall(SYS_add_key, "keyring", name, NULL, (size_t)0,
			  KEY_SPEC_USER_KEYRING);

	if (id < 0)
		return result_errno(errno);
	printf("keyring=%ld\n", id);
	return result_ok();
}

/* One open, as many writes as the file takes (IMA's policy file consumes
 * one rule per write and disappears on close). */
static int cmd_write(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(s), done = 0;
	ssize_t n;

	if (fd < 0)
		return result_errno(errno);
	while (done < len) {
		n = write(fd, s + done, len - done);
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;

			close(fd);
			return result_errno(e);
		}
		done += n;
	}
	if (close(fd) < 0)
		return result_errno(errno);
	return result_ok();
}

/* cmd_write() as root without CAP_SYS_ADMIN (securityfs: EPERM). */
static int cmd_write_nocap(const char *path, const char *s)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	if (syscall(SYS_capget, &h, d))
		return result_errno(errno);
	d[CAP_TO_INDEX(CAP_SYS_ADMIN)].effective &= ~CAP_TO_MASK(CAP_SYS_ADMIN);
	if (syscall(SYS_capset, &h, d))
		return result_errno(errno);
	return cmd_write(path, s);
}

/* The whole of FILE in one write() to PATH (securityfs `rules`). */
static int cmd_writefile(const char *path, const char *file)
{
	static char buf[1 << 17];
	int in = open(file, O_RDONLY | O_CLOEXEC), fd, e = 0;
	ssize_t len, n;

	if (in < 0)
		return result_errno(errno);
	len = read(in, buf, sizeof(buf));
	close(in);
	if (len < 0)
		return result_errno(errno);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return result_errno(errno);
	n = write(fd, buf, (size_t)len);
	if (n < 0)
		e = errno;
	else if (n != len)
		e = EIO;
	close(fd);
	return e ? result_errno(e) : result_ok();
}

static int cmd_parexec(int nproc, int iter, char *path)
{
	char *argv[] = { path, NULL };
	pid_t pids[64];
	int i, st, bad = 0;

	if (nproc < 1 || nproc > 64 || iter < 1)
		return result_errno(EINVAL);
	fflush(stdout);
	for (i = 0; i < nproc; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return result_errno(errno);
		if (pids[i] == 0) {
			int k, r, fails = 0;

			for (k = 0; k < iter; k++) {
				r = spawn(argv, environ, 1);
				if (r != 0) {
					if (!fails)
						fprintf(stderr, "cmt: exec %d: %s\n",
							k, r < 0 ? strerror(-r) : "non-zero exit");
					fails++;
				}
			}
			_exit(fails ? 1 : 0);
		}
	}
	for (i = 0; i < nproc; i++) {
		if (waitpid(pids[i], &st, 0) < 0 || !WIFEXITED(st) ||
		    WEXITSTATUS(st))
			bad++;
	}
	if (bad) {
		printf("failed_processes=%d\n", bad);
		return result_errno(EIO);
	}
	return result_ok();
}

static int cmd_bench(int iter, char *path)
{
	char *argv[] = { path, NULL };
	int64_t t0;
	int i, r;

	if (iter < 1)
		return result_errno(EINVAL);
	fflush(stdout);
	t0 = now_ns();
	for (i = 0; i < iter; i++) {
		r = spawn(argv, environ, 1);
		if (r != 0)
			return r < 0 ? result_errno(-r) : result_status(r);
	}
	printf("ns_per_exec=%lld\n", (long long)((now_ns() - t0) / iter));
	return result_ok();
}

static int cmd_timeexec(char **argv)
{
	int64_t t0;
	int r;

	fflush(stdout);
	t0 = now_ns();
	r = spawn(argv, environ, 1);
	printf("ns=%lld\n", (long long)(now_ns() - t0));
	return r < 0 ? result_errno(-r) : result_status(r);
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(c, "exec") && argc >= 3)
		return cmd_exec(argc - 2, argv + 2);
	if (!strcmp(c, "tracex") && argc >= 3)
		return cmd_tracex(argc - 2, argv + 2);
	if (!strcmp(c, "fexec-memfd") && argc == 3)
		return cmd_fexec_memfd(argv[2]);
	if (!strcmp(c, "mmapx") && argc == 3)
		return cmd_mmapx(argv[2]);
	if (!strcmp(c, "mprotect") && argc == 4)
		return cmd_mprotect(argv[2], argv[3]);
	if (!strcmp(c, "rw-xmap") && argc == 3)
		return cmd_rw_map(argv[2], 0);
	if (!strcmp(c, "rw-mprotect") && argc == 3)
		return cmd_rw_map(argv[2], 1);
	if (!strcmp(c, "xmap-openw") && argc == 3)
		return cmd_xmap_openw(argv[2]);
	if (!strcmp(c, "openw") && argc == 3)
		return cmd_openw(argv[2]);
	if (!strcmp(c, "setsig") && argc == 4)
		return cmd_setsig(argv[2], argv[3]);
	if (!strcmp(c, "applysigs") && argc == 3)
		return cmd_applysigs(argv[2]);
	if (!strcmp(c, "rmsig") && argc == 3)
		return removexattr(argv[2], "security.ima") ?
			result_errno(errno) : result_ok();
	if (!strcmp(c, "copysig") && argc == 4)
		return cmd_copysig(argv[2], argv[3]);
	if (!strcmp(c, "keyring") && argc == 3)
		return cmd_keyring(argv[2]);
	if (!strcmp(c, "addkey") && argc == 4)
		return cmd_addkey("asymmetric", argv[2], argv[3]);
	if (!strcmp(c, "addkey-user") && argc == 4)
		return cmd_addkey("user", argv[2], argv[3]);
	if (!strcmp(c, "newkeyring") && argc == 3)
		return cmd_newkeyring(argv[2]);
	if (!strcmp(c, "write") && argc == 4)
		return cmd_write(argv[2], argv[3]);
	if (!strcmp(c, "write-nocap") && argc == 4)
		return cmd_write_nocap(argv[2], argv[3]);
	if (!strcmp(c, "writefile") && argc == 4)
		return cmd_writefile(argv[2], argv[3]);
	if (!strcmp(c, "parexec") && argc == 5)
		return cmd_parexec(atoi(argv[2]), atoi(argv[3]), argv[4]);
	if (!strcmp(c, "bench") && argc == 4)
		return cmd_bench(atoi(argv[2]), argv[3]);
	if (!strcmp(c, "timeexec") && argc >= 3)
		return cmd_timeexec(argv + 2);
	fprintf(stderr, "usage: cmt exec|tracex|fexec-memfd|mmapx|mprotect|"
		"rw-xmap|rw-mprotect|xmap-openw|openw|setsig|"
		"applysigs|rmsig|copysig|keyring|addkey|addkey-user|newkeyring|"
		"write|write-nocap|writefile|"
		"parexec|bench|timeexec ... (see cmt.c)\n");
	return 2;
}
