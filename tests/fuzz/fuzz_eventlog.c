// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the TCG event log replay of `cmkeys pcrs --replay`
 * (keys/eventlog.c, compiled in: it is cmkeys' own parser, not the
 * library's).  Any input must be replayed or refused with -EBADMSG and a
 * message; only PCRs 0..23 may be reported as extended.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../keys/eventlog.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cmk_pcr_values v;
	uint32_t seen = 0;
	char err[256] = "";
	int r;

	r = cmk_eventlog_replay_buf("fuzz", data, size, v, &seen, err,
				    sizeof(err));
	if (r && (r != -EBADMSG || !err[0]))
		abort();
	if (!r && (seen >> CM_PCR_MAX))
		abort();
	return 0;
}
