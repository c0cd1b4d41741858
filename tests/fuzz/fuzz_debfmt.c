// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: cmsign deb's ar and tar parsers (signtool/debfmt.c),
 * which read packages before anything about them is checked.  The input is
 * parsed as an ar archive and as a tar stream; whatever is accepted must
 * lie inside the input: members and entries within the buffer, headers
 * before data, the end-of-archive offset within the buffer.  The member
 * decompressors are not fuzzed here (they are the libraries').
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "debfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct deb_ar_member m[DEB_AR_MAX_MEMBERS];
	struct deb_tar t;
	const char *why = NULL;
	size_t n;
	int r;

	r = deb_ar_parse(data, size, m, &n, &why);
	if (!r) {
		for (size_t i = 0; i < n; i++)
			if (m[i].hdr < data || m[i].data != m[i].hdr + 60 ||
			    m[i].data + m[i].size > data + size ||
			    strlen(m[i].name) > 16)
				abort();
	} else if ((r != -EPROTO && r != -EBADMSG && r != -EMSGSIZE && r != -E2BIG) || !why) {
		abort();
	}

	why = NULL;
	r = deb_tar_parse(data, size, &t, &why);
	if (!r) {
		if (t.end > size || t.end % 512)
			abort();
		for (size_t i = 0; i < t.n; i++) {
			const struct deb_tar_entry *e = &t.v[i];

			if (e->hdr_off >= e->data_off || e->data_off > size ||
			    e->size > size - e->data_off || !e->path || !e->link ||
			    e->data_off > t.end)
				abort();
		}
		deb_tar_free(&t);
	} else if ((r != -EBADMSG && r != -EMSGSIZE && r != -ENOMEM) ||
		   (r != -ENOMEM && !why)) {
		abort();
	}
	return 0;
}
