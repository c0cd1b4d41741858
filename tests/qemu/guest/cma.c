// SPDX-License-Identifier: GPL-2.0-only
/*
 * cma: the in-guest attack probe of tests/qemu/attack-tests.sh.  Static,
 * like cmt.  Each subcommand tries one way of placing bytes nobody signed
 * into executable memory, or of making the LSM keep a wrong verdict, and
 * prints one line:
 *
 *	result=injected		the attacker's bytes ran (victim returned 42)
 *	result=notinjected	every step was allowed, yet they did not run
 *	result=ok		allowed, where nothing is injected (exec, mmap)
 *	result=EPERM		the first refused step's errno (strerrorname_np)
 *	result=exit:N		a program run by the probe exited N
 *
 * The injected bytes are x86-64 "mov eax, 42; ret", written over victim(),
 * which returns 7, or at the start of a mapping that is then called.
 *
 *   cma [-u UID] [-n] CMD ARGS   -u: drop to UID (and GID UID) first;
 *                                -n: unshare a user namespace first (full
 *                                capabilities inside it)
 *   procmem-self                 pwrite /proc/self/mem over victim()
 *   procmem-pid                  pwrite /proc/CHILD/mem over the child's victim()
 *   poketext                     PTRACE_ATTACH a child, POKETEXT its victim()
 *   traceme                      the child asks PTRACE_TRACEME; parent pokes
 *   uffd FILE                    map FILE r-x private, UFFDIO_COPY a page in
 *   wx-mmap FILE                 mmap FILE rwx private, write, call
 *   rx-rwx FILE                  mmap FILE r-x private, mprotect rwx, write
 *   memfd SRC SEALS exec|mmap    SRC copied into a memfd sealed with SEALS
 *                                (none, write, future, future-wmap: a
 *                                shared writable mapping made before
 *                                F_SEAL_FUTURE_WRITE, write-only: no
 *                                shrink/grow seals), then fexecve or
 *                                mmap(PROT_EXEC)
 *   memfd-rewrite SRC OFF        unsealed memfd, mapped shared-writable:
 *                                fexecve, flip the byte at OFF (one that
 *                                is signed but not needed to run) through
 *                                the mapping, fexecve again (injected when
 *                                the changed file ran)
 *   shmexec                      SysV shm written, then shmat(SHM_EXEC)
 *   noread-mmap FILE             open(FILE, 3) (no read access) and
 *                                mmap(PROT_EXEC) that fd
 *   trunc-mapped FILE            truncate(FILE) while mapped executable
 *   otrunc-mapped FILE           open(FILE, O_WRONLY|O_TRUNC) likewise
 *   worst-elf FILE               write the costliest ELF the note parser's
 *                                limits allow (2^16 sections, a 1 MiB name
 *                                table whose only NUL is its last byte,
 *                                65534 small note sections); no signature
 *   timed-mmapx FILE             mmap(PROT_EXEC) FILE; also prints ms=N,
 *                                the time the call took
 *   heartbeat MS                 for MS milliseconds, wake every 10 ms and
 *                                print maxgap_ms=N, the longest time
 *                                between two wake-ups (a stalled CPU)
 *
 * Code the kernel loads (tests/qemu/load-tests.sh):
 *   finit-module FILE            finit_module(2) of FILE
 *   init-module FILE             init_module(2) of FILE's bytes (a buffer)
 *   delete-module NAME           delete_module(2)
 *   kexec-file FILE              kexec_file_load(2) FILE as the kernel (no
 *                                initramfs), then unload it again
 *   kexec-load                   kexec_load(2) with no segments (a buffer)
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/userfaultfd.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

#define PAGE	4096
#define VICTIM_OK	7
#define INJECTED	42

static const unsigned char payload[] = { 0xb8, 0x2a, 0, 0, 0, 0xc3 };

static __attribute__((noinline, aligned(16))) int victim(void)
{
	__asm__ volatile("");
	return VICTIM_OK;
}

static int (*volatile victim_p)(void) = victim;

static int result_ran(int v)
{
	printf("result=%s\n", v == INJECTED ? "injected" : "notinjected");
	return v == INJECTED ? 3 : 0;
}

static int call_at(void *a)
{
	return ((int (*)(void))a)();
}

/*
 * A child blocked on a pipe until the parent has tampered with it, then
 * exiting with victim()'s value.  Returns its pid; *go is the pipe's
 * write end.
 */
static pid_t spawn_victim(int *go)
{
	int p[2];
	char c;
	pid_t pid;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(99);
		_exit(victim_p());
	}
	close(p[0]);
	*go = p[1];
	return pid;
}

/* Let the child run, reap it: its exit code is victim()'s value. */
static int release_victim(pid_t pid, int go)
{
	int st;

	if (write(go, "g", 1) != 1)
		kill(pid, SIGKILL);
	close(go);
	if (waitpid(pid, &st, 0) < 0)
		return result_errno(errno);
	if (!WIFEXITED(st)) {
		printf("result=signal:%d\n", WTERMSIG(st));
		return 1;
	}
	return result_ran(WEXITSTATUS(st));
}

static int abort_victim(pid_t pid, int go, int err)
{
	kill(pid, SIGKILL);
	close(go);
	waitpid(pid, NULL, 0);
	return result_errno(err);
}

static int cmd_procmem_self(void)
{
	int fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return result_errno(errno);
	if (pwrite(fd, payload, sizeof(payload),
		   (off_t)(uintptr_t)victim) != sizeof(payload))
		return result_errno(errno);
	close(fd);
	return result_ran(victim_p());
}

static int cmd_procmem_pid(void)
{
	char path[64];
	int go, fd;
	pid_t pid = spawn_victim(&go);

	if (pid < 0)
		return result_errno(errno);
	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return abort_victim(pid, go, errno);
	if (pwrite(fd, payload, sizeof(payload),
		   (off_t)(uintptr_t)victim) != sizeof(payload))
		return abort_victim(pid, go, errno);
	close(fd);
	return release_victim(pid, go);
}

/* The first word of victim() in @pid with the payload over its start. */
static int poke_victim(pid_t pid)
{
	long word;

	errno = 0;
	word = ptrace(PTRACE_PEEKTEXT, pid, (void *)victim, NULL);
	if (errno)
		return errno;
	memcpy(&word, payload, sizeof(payload));
	if (ptrace(PTRACE_POKETEXT, pid, (void *)victim, (void *)word) < 0)
		return errno;
	return 0;
}

static int cmd_poketext(void)
{
	int go, st, e;
	pid_t pid = spawn_victim(&go);

	if (pid < 0)
		return result_errno(errno);
	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL) < 0)
		return abort_victim(pid, go, errno);
	if (waitpid(pid, &st, 0) < 0)
		return abort_victim(pid, go, errno);
	e = poke_victim(pid);
	if (e)
		return abort_victim(pid, go, e);
	if (ptrace(PTRACE_DETACH, pid, NULL, NULL) < 0)
		return abort_victim(pid, go, errno);
	return release_victim(pid, go);
}

static int cmd_traceme(void)
{
	int st, e;
	pid_t pid = fork();

	if (pid < 0)
		return result_errno(errno);
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
			_exit(100 + errno);
		raise(SIGSTOP);
		_exit(victim_p());
	}
	if (waitpid(pid, &st, 0) < 0)
		return result_errno(errno);
	if (WIFEXITED(st))
		return result_errno(WEXITSTATUS(st) - 100);
	e = poke_victim(pid);
	if (e) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return result_errno(e);
	}
	ptrace(PTRACE_CONT, pid, NULL, NULL);
	if (waitpid(pid, &st, 0) < 0)
		return result_errno(errno);
	return WIFEXITED(st) ? result_ran(WEXITSTATUS(st)) : result_errno(EINTR);
}

static int map_file(const char *path, int prot, void **a)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno;
	*a = mmap(NULL, PAGE, prot, MAP_PRIVATE, fd, 0);
	close(fd);
	return *a == MAP_FAILED ? errno : 0;
}

static int cmd_uffd(const char *path)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct uffdio_copy copy = { .len = PAGE };
	static unsigned char page[PAGE] __attribute__((aligned(PAGE)));
	void *a;
	int e = map_file(path, PROT_READ | PROT_EXEC, &a), u;

	if (e)
		return result_errno(e);
	u = syscall(SYS_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	if (u < 0)
		return result_errno(errno);
	if (ioctl(u, UFFDIO_API, &api) < 0)
		return result_errno(errno);
	reg.range.start = (uintptr_t)a;
	reg.range.len = PAGE;
	if (ioctl(u, UFFDIO_REGISTER, &reg) < 0)
		return result_errno(errno);
	memcpy(page, payload, sizeof(payload));
	copy.dst = (uintptr_t)a;
	copy.src = (uintptr_t)page;
	if (ioctl(u, UFFDIO_COPY, &copy) < 0)
		return result_errno(errno);
	return result_ran(call_at(a));
}

static int cmd_wx_mmap(const char *path)
{
	void *a;
	int e = map_file(path, PROT_READ | PROT_WRITE | PROT_EXEC, &a);

	if (e)
		return result_errno(e);
	memcpy(a, payload, sizeof(payload));
	return result_ran(call_at(a));
}

static int cmd_rx_rwx(const char *path)
{
	void *a;
	int e = map_file(path, PROT_READ | PROT_EXEC, &a);

	if (e)
		return result_errno(e);
	if (mprotect(a, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC) < 0)
		return result_errno(errno);
	memcpy(a, payload, sizeof(payload));
	return result_ran(call_at(a));
}

/* A memfd holding SRC's bytes; returns the fd or -errno. */
static int memfd_of(const char *src)
{
	char buf[65536];
	int in = open(src, O_RDONLY | O_CLOEXEC), fd;
	ssize_t n;

	if (in < 0)
		return -errno;
	fd = memfd_create("cma", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(fd, buf, n) != n)
			return -errno;
	close(in);
	return n < 0 ? -errno : fd;
}

/* fexecve @fd; returns the wait status or -errno of fexecve. */
static int fexec(int fd)
{
	char *argv[] = { "memfd-prog", NULL }, *envp[] = { NULL };

	return spawn_fd(fd, argv, envp, 1);
}

static int seal(int fd, const char *how)
{
	const int sg = F_SEAL_SHRINK | F_SEAL_GROW;
	void *w;

	if (!strcmp(how, "none"))
		return 0;
	if (!strcmp(how, "write"))
		return fcntl(fd, F_ADD_SEALS, sg | F_SEAL_WRITE) < 0 ? errno : 0;
	if (!strcmp(how, "write-only"))
		return fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) < 0 ? errno : 0;
	if (!strcmp(how, "future"))
		return fcntl(fd, F_ADD_SEALS, sg | F_SEAL_FUTURE_WRITE) < 0 ?
		       errno : 0;
	if (!strcmp(how, "future-wmap")) {
		/* Kept mapped (and writable) on purpose. */
		w = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (w == MAP_FAILED)
			return errno;
		return fcntl(fd, F_ADD_SEALS, sg | F_SEAL_FUTURE_WRITE) < 0 ?
		       errno : 0;
	}
	return EINVAL;
}

static int cmd_memfd(const char *src, const char *how, const char *what)
{
	int fd = memfd_of(src), e, r;
	void *a;

	if (fd < 0)
		return result_errno(-fd);
	e = seal(fd, how);
	if (e)
		return result_errno(e);
	if (!strcmp(what, "mmap")) {
		a = mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
		return a == MAP_FAILED ? result_errno(errno) : result_ok();
	}
	r = fexec(fd);
	if (r < 0)
		return result_errno(-r);
	if (WIFEXITED(r) && WEXITSTATUS(r) == 0)
		return result_ok();
	printf("result=exit:%d\n", WIFEXITED(r) ? WEXITSTATUS(r) : 128);
	return 1;
}

/*
 * The stores go through a shared writable mapping faulted in before the
 * first verification: shmem has no page_mkwrite, so they change no
 * timestamp, and the memfd's writer was never counted.
 */
static int cmd_memfd_rewrite(const char *src, const char *off_s)
{
	long off = strtol(off_s, NULL, 0);
	int fd = memfd_of(src), r;
	volatile unsigned char *w;
	struct stat sb;

	if (fd < 0)
		return result_errno(-fd);
	if (fstat(fd, &sb) < 0 || off < 0 || off >= sb.st_size)
		return result_errno(EINVAL);
	w = mmap(NULL, sb.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (w == MAP_FAILED)
		return result_errno(errno);
	(void)w[off];
	r = fexec(fd);
	if (r < 0)
		return result_errno(-r);
	w[off] ^= 0xff;
	r = fexec(fd);
	if (r < 0)
		return result_errno(-r);
	printf("result=injected\n");	/* the changed file ran */
	return 3;
}

static int cmd_shmexec(void)
{
	int id = shmget(IPC_PRIVATE, PAGE, IPC_CREAT | 0600), r;
	void *w, *x;

	if (id < 0)
		return result_errno(errno);
	w = shmat(id, NULL, 0);
	if (w == (void *)-1) {
		r = errno;
		shmctl(id, IPC_RMID, NULL);
		return result_errno(r);
	}
	memcpy(w, payload, sizeof(payload));
	x = shmat(id, NULL, SHM_EXEC | SHM_RDONLY);
	r = errno;
	shmctl(id, IPC_RMID, NULL);
	if (x == (void *)-1)
		return result_errno(r);
	return result_ran(call_at(x));
}

static int cmd_noread_mmap(const char *path)
{
	int fd = open(path, 3 | O_CLOEXEC);
	void *a;

	if (fd < 0)
		return result_errno(errno);
	a = mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	close(fd);
	return a == MAP_FAILED ? result_errno(errno) : result_ok();
}

static int cmd_trunc_mapped(const char *path, int by_open)
{
	void *a;
	int e = map_file(path, PROT_READ | PROT_EXEC, &a), fd;

	if (e)
		return result_errno(e);
	if (by_open) {
		fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
		e = fd < 0 ? errno : 0;
		if (fd >= 0)
			close(fd);
	} else {
		e = truncate(path, 0) < 0 ? errno : 0;
	}
	munmap(a, PAGE);
	return e ? result_errno(e) : result_ok();
}

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static void put_le(unsigned char *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* ELF64 section header fields, little-endian. */
static void put_shdr(unsigned char *p, uint32_t name, uint32_t type,
		     uint64_t off, uint64_t size, uint64_t align)
{
	memset(p, 0, 64);
	put_le(p, name, 4);
	put_le(p + 4, type, 4);
	put_le(p + 24, off, 8);
	put_le(p + 32, size, 8);
	put_le(p + 48, align, 8);
}

#define WORST_SECTIONS	65536u		/* CM_ELF_MAX_SECTIONS */
#define WORST_STRTAB	(1u << 20)	/* CM_ELF_MAX_SHSTRTAB */
#define WORST_NOTE	16u		/* one empty-named 4-byte note */

static int cmd_worst_elf(const char *path)
{
	uint64_t shoff = 64, stroff = shoff + 64ull * WORST_SECTIONS;
	uint64_t noteoff = stroff + WORST_STRTAB;
	uint64_t size = noteoff + (uint64_t)WORST_NOTE * (WORST_SECTIONS - 2);
	unsigned char *f = calloc(1, size), *sh;
	int fd, e = 0;

	if (!f)
		return result_errno(ENOMEM);
	memcpy(f, "\177ELF\2\1\1", 7);		/* ELF64, LSB, EV_CURRENT */
	put_le(f + 16, 2, 2);			/* ET_EXEC */
	put_le(f + 18, 62, 2);			/* EM_X86_64 */
	put_le(f + 20, 1, 4);			/* e_version */
	put_le(f + 40, shoff, 8);		/* e_shoff */
	put_le(f + 52, 64, 2);			/* e_ehsize */
	put_le(f + 58, 64, 2);			/* e_shentsize */
	put_le(f + 60, 0, 2);			/* e_shnum: in sh[0].sh_size */
	put_le(f + 62, 1, 2);			/* e_shstrndx */
	sh = f + shoff;
	put_shdr(sh, 0, 0, 0, WORST_SECTIONS, 0);
	put_shdr(sh + 64, 0, 3 /* SHT_STRTAB */, stroff, WORST_STRTAB, 1);
	memset(f + stroff, 'a', WORST_STRTAB - 1);
	for (uint32_t i = 2; i < WORST_SECTIONS; i++) {
		uint64_t off = noteoff + (uint64_t)WORST_NOTE * (i - 2);

		put_shdr(sh + 64ull * i, 0, 7 /* SHT_NOTE */, off, WORST_NOTE,
			 4);
		put_le(f + off + 4, 4, 4);	/* namesz 0, descsz 4 */
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, f, size) != (ssize_t)size)
		e = errno ? errno : EIO;
	if (fd >= 0 && close(fd) < 0 && !e)
		e = errno;
	free(f);
	return e ? result_errno(e) : result_ok();
}

static int cmd_timed_mmapx(const char *path)
{
	long long t0;
	void *a;
	int fd = open(path, O_RDONLY | O_CLOEXEC), e = 0;

	if (fd < 0)
		return result_errno(errno);
	t0 = now_ms();
	a = mmap(NULL, PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	if (a == MAP_FAILED)
		e = errno;
	printf("ms=%lld\n", now_ms() - t0);
	close(fd);
	return e ? result_errno(e) : result_ok();
}

static int cmd_heartbeat(const char *ms_s)
{
	long long end = now_ms() + strtoll(ms_s, NULL, 10), last = now_ms();
	long long gap = 0, t;
	struct timespec tick = { 0, 10 * 1000000 };

	while ((t = now_ms()) < end) {
		if (t - last > gap)
			gap = t - last;
		last = t;
		nanosleep(&tick, NULL);
	}
	printf("maxgap_ms=%lld\n", gap);
	return 0;
}

static int cmd_finit_module(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), e = 0;

	if (fd < 0)
		return result_errno(errno);
	if (syscall(SYS_finit_module, fd, "", 0) < 0)
		e = errno;
	close(fd);
	return e ? result_errno(e) : result_ok();
}

static int cmd_init_module(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), e = 0;
	struct stat st;
	void *buf;

	if (fd < 0 || fstat(fd, &st) < 0)
		return result_errno(errno);
	buf = malloc(st.st_size);
	if (!buf || read(fd, buf, st.st_size) != st.st_size)
		e = buf ? EIO : ENOMEM;
	else if (syscall(SYS_init_module, buf, (unsigned long)st.st_size, "") < 0)
		e = errno;
	free(buf);
	close(fd);
	return e ? result_errno(e) : result_ok();
}

static int cmd_delete_module(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) < 0 ?
	       result_errno(errno) : result_ok();
}

#define CM_KEXEC_FILE_UNLOAD		0x1
#define CM_KEXEC_FILE_NO_INITRAMFS	0x4

static int cmd_kexec_file(const char *path)
{
	static const char cmdline[] = "console=ttyS0";
	int fd = open(path, O_RDONLY | O_CLOEXEC), e = 0;

	if (fd < 0)
		return result_errno(errno);
	if (syscall(SYS_kexec_file_load, fd, -1, sizeof(cmdline), cmdline,
		    CM_KEXEC_FILE_NO_INITRAMFS) < 0)
		e = errno;
	else if (syscall(SYS_kexec_file_load, -1, -1, 0, NULL,
			 CM_KEXEC_FILE_UNLOAD) < 0)
		e = errno;
	close(fd);
	return e ? result_errno(e) : result_ok();
}

static int cmd_kexec_load(void)
{
	return syscall(SYS_kexec_load, 0UL, 0UL, NULL, 0UL) < 0 ?
	       result_errno(errno) : result_ok();
}

int main(int argc, char **argv)
{
	int i = 1, e;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (i + 1 < argc && !strcmp(argv[i], "-u")) {
		e = probe_opt_user(argc, argv, &i);
		/* As a process the user started itself: dumpable, /proc/self its own. */
		if (!e && prctl(PR_SET_DUMPABLE, 1) < 0)
			e = errno;
		if (e)
			return result_errno(e);
	}
	if (i < argc && !strcmp(argv[i], "-n")) {
		if (unshare(CLONE_NEWUSER) < 0)
			return result_errno(errno);
		i++;
	}
	argc -= i;
	argv += i;
	if (argc == 1 && !strcmp(argv[0], "procmem-self"))
		return cmd_procmem_self();
	if (argc == 1 && !strcmp(argv[0], "procmem-pid"))
		return cmd_procmem_pid();
	if (argc == 1 && !strcmp(argv[0], "poketext"))
		return cmd_poketext();
	if (argc == 1 && !strcmp(argv[0], "traceme"))
		return cmd_traceme();
	if (argc == 2 && !strcmp(argv[0], "uffd"))
		return cmd_uffd(argv[1]);
	if (argc == 2 && !strcmp(argv[0], "wx-mmap"))
		return cmd_wx_mmap(argv[1]);
	if (argc == 2 && !strcmp(argv[0], "rx-rwx"))
		return cmd_rx_rwx(argv[1]);
	if (argc == 4 && !strcmp(argv[0], "memfd"))
		return cmd_memfd(argv[1], argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[0], "memfd-rewrite"))
		return cmd_memfd_rewrite(argv[1], argv[2]);
	if (argc == 1 && !strcmp(argv[0], "shmexec"))
		return cmd_shmexec();
	if (argc == 2 && !strcmp(argv[0], "noread-mmap"))
		return cmd_noread_mmap(argv[1]);
	if (argc == 2 && !strcmp(argv[0], "trunc-mapped"))
		return cmd_trunc_mapped(argv[1], 0);
	if (argc == 2 && !strcmp(argv[0], "otrunc-mapped"))
		return cmd_trunc_mapped(argv[1], 1);
	if (argc == 2 && !strcmp(argv[0], "worst-elf"))
		return cmd_worst_elf(argv[1]);
	if (argc == 2 && !strcmp(argv[0], "timed-mmapx"))
		return cmd_timed_mmapx(argv[1]);
	if (argc == 2 && !strcmp(argv[0], "heartbeat"))
		return cmd_heartbeat(argv[1]);
	if (argc == 2 && !strcmp(argv[0], "finit-module"))
		return cmd_finit_module(argv[1]);
	if (argc == 2 && !strcmp(argv[0], "init-module"))
		return cmd_init_module(argv[1]);
	if (argc == 2 && !strcmp(argv[0], "delete-module"))
		return cmd_delete_module(argv[1]);
	if (argc == 2 && !strcmp(argv[0], "kexec-file"))
		return cmd_kexec_file(argv[1]);
	if (argc == 1 && !strcmp(argv[0], "kexec-load"))
		return cmd_kexec_load();
	fprintf(stderr, "usage: cma [-u UID] [-n] procmem-self|procmem-pid|"
		"poketext|traceme|uffd|wx-mmap|rx-rwx|memfd|memfd-rewrite|"
		"shmexec|noread-mmap|trunc-mapped|otrunc-mapped|worst-elf|"
		"timed-mmapx|heartbeat|finit-module|init-module|delete-module|"
		"kexec-file|kexec-load ... (see cma.c)\n");
	return 2;
}
