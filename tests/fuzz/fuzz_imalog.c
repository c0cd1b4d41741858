// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the measurement log parser of cmattest
 * (attest/imalog.c) and the replay over what it accepts.  Any input is
 * parsed or refused with one of the documented errors and a reason; every
 * accepted entry lies inside the input, its path is NUL-terminated there,
 * and re-serializing an entry gives back its template data.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cryptomark/cryptomark.h>

#include "imalog.h"

static int documented(int r)
{
	return r == -EBADMSG || r == -EPROTO || r == -EMSGSIZE ||
	       r == -ENOPKG || r == -ERANGE || r == -E2BIG || r == -ENOMEM;
}

static void check_entry(const uint8_t *data, size_t size,
			const struct cma_entry *e)
{
	static uint8_t rec[4 + 20 + 4 + 16 + 4 + CMA_TDATA_MAX];
	int n;

	if (e->tdata < data || e->tdata + e->tdata_len > data + size ||
	    e->pcr > 23 || strlen(e->path) + 1 > CMA_PATH_MAX)
		abort();
	if (strchr(e->path, ' '))
		return;	/* the writer maps spaces to '_', as IMA does */
	n = cma_record_write(rec, sizeof(rec), e->pcr, e->hash_algo, e->digest,
			     e->path, e->sig, e->sig_len);
	if (n < 0 || memcmp(rec + n - e->tdata_len, e->tdata, e->tdata_len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cma_log l;
	const char *why = NULL;
	uint8_t v[32];
	size_t at;
	int r = cma_log_parse(data, size, &l, &at, &why);

	if (r) {
		if (!documented(r) || !why || at > size)
			abort();
		return 0;
	}
	for (size_t i = 0; i < l.n; i++)
		check_entry(data, size, &l.e[i]);
	if (cma_replay(&l, 11, NULL, v) != (long)l.n)
		abort();
	cma_log_free(&l);
	return 0;
}
