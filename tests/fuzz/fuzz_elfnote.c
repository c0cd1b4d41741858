// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the ELF note parser and the embedder behind it.
 *
 * Any input must be located/verified or refused with one of the documented
 * errors and a reason.  An input the parser accepts as ELF (signed or not)
 * is then signed through cm_note_sign_path() in a scratch directory: that
 * must succeed (or, for a file beyond the parser's limits, be refused as
 * such), and the result must parse back and verify, so layouts the
 * embedder mishandles show up as crashes, not as unverifiable files.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cryptomark/cryptomark.h>

static char dir[] = "/tmp/fuzz_elfnote.XXXXXX";
static char path[128];
static struct cm_signer *signer;
static struct cm_trust *trust, *empty;

static void cleanup(void)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct cm_signer_opts o = { 0 };
	char cmd[512], key[128], cert[128], err[256];

	if (!mkdtemp(dir))
		abort();
	atexit(cleanup);
	snprintf(key, sizeof(key), "%s/k.pem", dir);
	snprintf(cert, sizeof(cert), "%s/c.pem", dir);
	snprintf(path, sizeof(path), "%s/f.elf", dir);
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=fuzz -keyout %s -out %s 2>/dev/null",
		 key, cert);
	if (system(cmd))
		abort();
	o.key = key;
	o.cert = cert;
	if (cm_signer_load(&o, &signer, err, sizeof(err)))
		abort();
	trust = cm_trust_new();
	empty = cm_trust_new();
	if (!trust || !empty || cm_trust_add_cert_file(trust, cert))
		abort();
	return 0;
}

static int documented(int r)
{
	switch (r) {
	case -ENOEXEC: case -ENODATA: case -EBADMSG: case -ERANGE:
	case -EOVERFLOW: case -E2BIG: case -EMSGSIZE: case -EPROTO:
	case -ENOPKG: case -EPROTONOSUPPORT:
		return 1;
	default:
		return 0;
	}
}

static int fd_of(const uint8_t *data, size_t size)
{
	int fd = memfd_create("elf", MFD_CLOEXEC);

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cm_verify_result res;
	const char *why = NULL;
	uint64_t off = 0;
	char err[512];
	struct stat st;
	int fd = fd_of(data, size), r, v;

	r = cm_note_locate(fd, size, &off, &why);
	if (r == 0 && (off > size || CM_NOTE_DESC_SIZE > size - off))
		abort();
	if (r && (!documented(r) || !why))
		abort();
	v = cm_note_verify_fd(empty, fd, &res);
	/* Structure errors are the same; a good structure gets further. */
	if (r && v != r)
		abort();
	if (!r && v != -ENOKEY && (!documented(v) || !res.why))
		abort();
	close(fd);
	if (r && r != -ENODATA)
		return 0;

	/* The parser accepts it: the embedder must too. */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	v = cm_note_sign_path(signer, CM_HASH_SHA256, path, err, sizeof(err));
	/* Beyond the parser's limits: no note found, and none embedded. */
	if (v == -E2BIG && r == -ENODATA &&
	    strstr(err, "beyond the note carrier's limits"))
		return 0;
	if (v) {
		fprintf(stderr, "sign: %s\n", err);
		abort();
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st))
		abort();
	if (cm_note_locate(fd, (uint64_t)st.st_size, &off, &why) ||
	    cm_note_verify_fd(trust, fd, &res)) {
		fprintf(stderr, "signed file: %s\n", res.why ? res.why : "-");
		abort();
	}
	if (!r && (uint64_t)st.st_size != size)	/* replaced in place */
		abort();
	close(fd);
	return 0;
}
