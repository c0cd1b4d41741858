/* SPDX-License-Identifier: MIT */
/*
 * The measurement log cmattest reads and writes: Linux IMA's
 * binary_runtime_measurements layout with the ima-sig template (docs/FORMAT.md,
 * "Measurement log").  Parsing, serializing one record, and the replay of a
 * log into a PCR value.  No TPM here.
 *
 * cma_log_parse() takes hostile bytes and returns 0 or one of:
 *
 *   -EBADMSG   truncated record or field, path not NUL-terminated or holding
 *              a NUL, d-ng without its "<algo>:\0" prefix
 *   -EPROTO    template name other than "ima-sig"
 *   -EMSGSIZE  the fields do not fill the template data exactly
 *   -ENOPKG    d-ng names an unknown hash algorithm, or its digest has the
 *              wrong size for it
 *   -ERANGE    PCR index above 23
 *   -E2BIG     over CMA_LOG_MAX_ENTRIES entries, a name or template data
 *              over its limit
 *   -ENOMEM
 *
 * and sets *why to a static string naming the failed check and *at to the
 * byte offset of the record that failed.
 */
#ifndef CMATTEST_IMALOG_H
#define CMATTEST_IMALOG_H

#include <stddef.h>
#include <stdint.h>

#define CMA_TEMPLATE_NAME	"ima-sig"
#define CMA_TDIGEST_SIZE	20		/* SHA-1 template digest */
#define CMA_LOG_MAX_ENTRIES	(16u << 20)
#define CMA_NAME_MAX		255		/* template name */
#define CMA_TDATA_MAX		8192		/* template data of one record */
#define CMA_PATH_MAX		4096		/* n-ng, NUL included */
#define CMA_PCR_DEFAULT		11
#define CMA_BOOT_NAME		"boot_aggregate"
#define CMA_FULL_NAME		"log_full"	/* the LSM's last entry when full */

struct cma_entry {
	uint32_t pcr;
	const uint8_t *tdigest;		/* CMA_TDIGEST_SIZE bytes */
	const uint8_t *tdata;		/* template data (the d-ng|n-ng|sig fields) */
	uint32_t tdata_len;
	int hash_algo;			/* enum cm_hash_algo of d-ng */
	const uint8_t *digest;		/* d-ng digest */
	uint32_t digest_len;
	const char *path;		/* n-ng, NUL-terminated in the buffer */
	const uint8_t *sig;		/* sig field, security.ima bytes */
	uint32_t sig_len;		/* 0: unsigned */
	size_t offset;			/* of the record in the log */
};

/* A parsed log: entries point into the caller's buffer. */
struct cma_log {
	struct cma_entry *e;
	size_t n;
};

int cma_log_parse(const uint8_t *buf, size_t len, struct cma_log *out,
		  size_t *at, const char **why);
void cma_log_free(struct cma_log *l);

/* "sha256" -> CM_HASH_SHA256 and its size (sha1 too, for d-ng). */
int cma_hash_lookup(const char *name, size_t len, int *algo, int *size);
const char *cma_hash_name(int algo);

/*
 * Serializes one record (pcr, template digest computed here) into @out,
 * which must hold cma_record_size() bytes; returns that size or -E2BIG.
 * @sig may be NULL (unsigned).  Spaces in @path become '_', as IMA does.
 */
size_t cma_record_size(int hash_algo, const char *path, size_t sig_len);
int cma_record_write(uint8_t *out, size_t outlen, uint32_t pcr, int hash_algo,
		     const uint8_t *digest, const char *path,
		     const uint8_t *sig, size_t sig_len);

/*
 * Replay of the sha256 bank of PCR @pcr: state = SHA-256(state ||
 * SHA-256(template data)) for every entry on @pcr, from 32 zero bytes.
 * With @want (a quote's pcrDigest: SHA-256 of the PCR value), stops at the
 * shortest prefix whose PCR value hashes to @want and returns its length
 * (entries 0..n-1), or -ESRCH if no prefix does; without, replays the whole
 * log and returns l->n.  @value receives the PCR value at the stop.
 */
long cma_replay(const struct cma_log *l, uint32_t pcr, const uint8_t *want,
		uint8_t value[32]);

/* SHA-1 of the template data, compared with the record's: 0 or -EBADMSG. */
int cma_entry_check_tdigest(const struct cma_entry *e);

#endif
